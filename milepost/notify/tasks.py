"""Background tasks: they take ids and call the delivery code."""

from django_tasks import task

from .delivery import send_one


@task()
def deliver_email(email_id: int) -> str:
    """Send one email now; a failure leaves it pending with a later attempt time."""
    return send_one(email_id)

"""Background tasks: they take ids and call the delivery code."""

from django_tasks import task

from .sending import send_due


@task()
def deliver(delivery_ids: list[int]) -> dict[str, int]:
    """Send these deliveries now (unless an earlier event for the same object waits there)."""
    return send_due(delivery_ids=delivery_ids)

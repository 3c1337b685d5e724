"""A voided invoice can be replaced, so a prepaid milestone is never stuck."""

import pytest

from milepost.billing import services as billing
from milepost.billing.models import Invoice, InvoiceKind, InvoiceStatus
from milepost.core import clock
from milepost.core.errors import RuleViolation
from milepost.plans import services as plans
from milepost.plans.models import Milestone
from milepost.reviews import services as reviews

pytestmark = pytest.mark.django_db


def _fresh(milestone):
    return Milestone.objects.select_related("project", "project__organisation").get(pk=milestone.pk)


@pytest.fixture
def prepaid_milestone(world):
    project = plans.project_create(
        organisation=world.organisation,
        client=world.client,
        actor=world.owner,
        name="Shop",
        currency="EUR",
        total_budget="10000.00",
        start_date="2027-01-04",
        template="website-cms",
    )
    first = project.milestones.order_by("position").first()
    plans.milestone_update(milestone=first, actor=world.owner, billing_trigger="on_start")
    plans.project_access_grant(
        project=project, email=world.contact.email, role="approver", actor=world.owner
    )
    plans.plan_propose(project=project, actor=world.owner)
    plans.plan_accept(project=project, actor=type(world.contact).objects.get(pk=world.contact.pk))
    reviews.milestone_start(milestone=_fresh(first), actor=world.owner)
    return _fresh(first)


def test_voiding_with_reissue_issues_a_new_invoice_that_releases_the_milestone(
    world, prepaid_milestone
):
    assert prepaid_milestone.status == "awaiting_prepayment"
    first = Invoice.objects.get(milestone=prepaid_milestone, kind=InvoiceKind.INVOICE)
    billing.invoice_void(invoice=first, actor=world.owner, reason="Wrong address", reissue=True)
    first.refresh_from_db()
    assert first.status == InvoiceStatus.VOID
    replacement = Invoice.objects.get(
        milestone=prepaid_milestone, kind=InvoiceKind.INVOICE, status=InvoiceStatus.ISSUED
    )
    assert replacement.number != first.number
    reviews.payment_record_and_release(
        invoice=replacement,
        amount=replacement.gross,
        date=clock.today(),
        method="bank_transfer",
        actor=world.owner,
    )
    assert _fresh(prepaid_milestone).status == "in_progress"


def test_only_one_open_invoice_per_milestone_and_trigger(world, prepaid_milestone):
    with pytest.raises(RuleViolation) as exc:
        billing.invoice_issue(milestone=prepaid_milestone, trigger="on_start")
    assert exc.value.code == "already_invoiced"
    assert Invoice.objects.filter(milestone=prepaid_milestone).count() == 1

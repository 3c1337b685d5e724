"""A change order's price on a milestone already invoiced: an invoice of its own when it rises, a
credit note correcting the milestone's invoice when it falls (issue 13, "settles money")."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from milepost.audit.actions import AuditAction
from milepost.audit.models import AuditEvent
from milepost.billing import selectors
from milepost.billing import services as billing
from milepost.billing.einvoice import cii_xml
from milepost.billing.models import (
    CHANGE_ORDER,
    Invoice,
    InvoiceKind,
    InvoiceSequence,
    InvoiceStatus,
)
from milepost.billing.pdf import invoice_pdf
from milepost.billing.rules import totals
from milepost.core import clock
from milepost.core.errors import InvalidInput, RuleViolation
from milepost.core.models import DomainEvent
from milepost.plans import services as plans
from milepost.plans.models import Milestone, Project
from milepost.reviews import services as reviews

from ..factories import accepted_project
from .conftest import fresh, reload
from .schematron import failed_rules
from .test_einvoice import SETTLEMENT, TOTALS, xml_of
from .test_pdf import text_of

TITLE = "Extra landing page"


def issue(setup, invoice_or_milestone, amount: str, reference: str = "CO-2", title: str = TITLE):
    milestone = getattr(invoice_or_milestone, "milestone", invoice_or_milestone)
    document = billing.change_order_invoice_issue(
        milestone=setup.milestone(milestone.project, milestone.position),
        amount=Decimal(amount),
        reference=reference,
        title=title,
        actor=fresh(setup.world.owner),
    )
    return reload(document)


def rows() -> dict[str, object]:
    """What a refused call must leave as it was."""
    return {
        "invoices": list(Invoice.objects.values_list("pk", "status", "credited").order_by("pk")),
        "sequences": list(InvoiceSequence.objects.values_list("year", "last_number")),
        "audit": AuditEvent.objects.count(),
        "events": DomainEvent.objects.count(),
    }


# --- a rise: an invoice of its own -------------------------------------------------------------


def test_a_rise_is_invoiced_at_once_with_the_next_number(setup):
    approval = setup.invoiced()  # milestone 1 approved: INV-…-0001
    year = approval.year

    rise = issue(setup, approval, "250.00")
    second = setup.approve(approval.project, 2)  # the next approval takes the next number

    assert (approval.sequence, rise.sequence, second.sequence) == (1, 2, 3)
    assert rise.number == f"INV-{year}-0002" and second.number == f"INV-{year}-0003"
    assert rise.kind == InvoiceKind.INVOICE and rise.trigger == CHANGE_ORDER
    assert rise.change_order == "CO-2" and rise.milestone_id == approval.milestone_id
    expected = totals(Decimal("250.00"), approval.tax_rate, "EUR")
    assert (rise.net, rise.tax, rise.gross) == (expected.net, expected.tax, expected.gross)
    assert rise.status == InvoiceStatus.ISSUED and rise.outstanding == expected.gross
    assert rise.due_date == rise.issue_date + dt.timedelta(days=14)
    assert rise.description["line"] == f"Change order CO-2: {TITLE}"
    assert rise.description["milestone"] == approval.milestone.title
    assert rise.seller == approval.seller and rise.buyer == approval.buyer
    assert rise.language == approval.language
    # The approval's invoice is untouched.
    assert reload(approval).gross == approval.gross and reload(approval).credited == 0

    audit = AuditEvent.objects.get(action=AuditAction.INVOICE_ISSUED, target_id=str(rise.pk))
    assert audit.data["after"]["change_order"] == "CO-2"
    assert audit.data["after"]["trigger"] == CHANGE_ORDER
    assert DomainEvent.objects.filter(name="invoice.issued", payload__invoice=rise.pk).exists()


def test_numbers_run_per_year_without_gaps(setup):
    approval = setup.invoiced()
    new_year = dt.datetime(approval.year + 1, 1, 5, 9, 0, tzinfo=dt.UTC)

    with clock.frozen(new_year):
        rise = issue(setup, approval, "250.00")
        again = issue(setup, approval, "100.00", reference="CO-3")

    assert rise.number == f"INV-{approval.year + 1}-0001" and rise.year == approval.year + 1
    assert again.number == f"INV-{approval.year + 1}-0002"


def test_a_rise_on_a_reverse_charge_client_is_taxed_as_its_invoices(setup):
    setup.client.reverse_charge = True
    setup.client.save()
    approval = setup.invoiced()

    rise = issue(setup, approval, "250.00")

    assert rise.reverse_charge and rise.tax == 0 and rise.gross == Decimal("250.00")
    assert rise.tax_note == approval.tax_note


def test_two_change_orders_on_one_milestone_give_two_invoices(setup):
    approval = setup.invoiced()

    first = issue(setup, approval, "250.00", reference="CO-1", title="Newsletter")
    second = issue(setup, approval, "400.00", reference="CO-2", title="Shop filters")

    invoices = Invoice.objects.filter(milestone=approval.milestone, trigger=CHANGE_ORDER)
    assert sorted(invoices.values_list("change_order", flat=True)) == ["CO-1", "CO-2"]
    assert first.sequence + 1 == second.sequence
    assert second.description["line"] == "Change order CO-2: Shop filters"


def test_one_change_order_is_invoiced_once_per_milestone(setup):
    approval = setup.invoiced()
    issue(setup, approval, "250.00")
    before = rows()

    with pytest.raises(RuleViolation) as refused:
        issue(setup, approval, "250.00")

    assert refused.value.code == "already_invoiced"
    assert rows() == before


def test_the_database_refuses_a_second_document_for_one_change_order(setup):
    rise = issue(setup, setup.invoiced(), "250.00")
    rise.pk, rise.number, rise.sequence = None, "INV-X-1", 999

    with pytest.raises(IntegrityError), transaction.atomic():
        rise.save()


def test_the_approval_invoice_stays_one_per_milestone(setup):
    approval = setup.invoiced()
    issue(setup, approval, "250.00")
    milestone = setup.milestone(approval.project)

    with pytest.raises(RuleViolation) as refused:
        billing.invoice_issue(milestone=milestone, trigger="on_approval")
    assert refused.value.code == "already_invoiced"

    # And the constraint under the service, for the milestone's own trigger.
    copy = reload(approval)
    copy.pk, copy.number, copy.sequence = None, "INV-X-2", 998
    with pytest.raises(IntegrityError), transaction.atomic():
        copy.save()


def test_a_prepaid_milestone_counts_as_invoiced(setup):
    world = setup.world
    project = _on_start_project(setup)
    reviews.milestone_start(milestone=setup.milestone(project), actor=fresh(world.member))
    prepayment = Invoice.objects.get(milestone__project=project, trigger="on_start")

    rise = issue(setup, prepayment, "300.00")

    assert rise.trigger == CHANGE_ORDER and rise.sequence == prepayment.sequence + 1


def _on_start_project(setup) -> Project:
    """An active project whose first milestone is billed on start."""
    world = setup.world

    def bill_the_first_on_start(project):
        plans.milestone_update(
            milestone=Milestone.objects.select_related("project").get(project=project, position=1),
            actor=fresh(world.owner),
            billing_trigger="on_start",
        )

    return accepted_project(world, "Prepaid", before_propose=bill_the_first_on_start)


# --- a cut: a credit note correcting the milestone's invoice -------------------------------------


def test_a_cut_issues_a_credit_note_correcting_the_milestones_invoice(setup):
    approval = setup.invoiced()

    note = issue(setup, approval, "-200.00", title="Drop the blog")

    expected = totals(Decimal("200.00"), approval.tax_rate, "EUR")
    assert note.kind == InvoiceKind.CREDIT_NOTE and note.corrects_id == approval.pk
    assert note.credit_note_for_id is None and note.trigger == ""
    assert note.sequence == approval.sequence + 1 and note.change_order == "CO-2"
    assert (note.net, note.tax, note.gross) == (expected.net, expected.tax, expected.gross)
    assert note.status == InvoiceStatus.PAID and note.outstanding == 0
    assert note.description["line"] == "Change order CO-2: Drop the blog"
    assert note.description["corrects"] == approval.number
    assert note.description["applied"] == str(expected.gross)
    assert note.description["refund"] == "0.00"

    corrected = reload(approval)
    assert corrected.status == InvoiceStatus.ISSUED  # not void: it stands, for less
    assert corrected.credited == expected.gross
    assert corrected.outstanding == approval.gross - expected.gross

    issued = AuditEvent.objects.get(action=AuditAction.CREDIT_NOTE_ISSUED)
    assert issued.data["invoice"] == approval.number and issued.data["change_order"] == "CO-2"
    credited = AuditEvent.objects.get(action=AuditAction.INVOICE_CREDITED)
    assert credited.data["before"] == {"status": "issued", "credited": "0.00"}
    assert credited.data["after"] == {"status": "issued", "credited": str(expected.gross)}
    assert DomainEvent.objects.filter(name="invoice.issued", payload__invoice=note.pk).exists()


def test_the_rest_of_a_corrected_invoice_pays_it_in_full(setup):
    approval = setup.invoiced()
    note = issue(setup, approval, "-200.00")

    with pytest.raises(InvalidInput):  # no more than what is left
        setup.pay(reload(approval), amount=str(approval.gross))
    paid = setup.pay(reload(approval))

    assert paid.paid == approval.gross - note.gross
    assert paid.status == InvoiceStatus.PAID and paid.outstanding == 0


def test_a_cut_on_a_paid_invoice_is_refunded(setup):
    approval = setup.pay(setup.invoiced())

    note = issue(setup, approval, "-200.00")

    assert note.description["applied"] == "0.00"
    assert note.description["refund"] == str(note.amount("gross"))
    corrected = reload(approval)
    assert corrected.status == InvoiceStatus.PAID and corrected.outstanding == 0


def test_a_cut_corrects_the_newest_invoice_that_can_take_it(setup):
    approval = setup.invoiced()
    rise = issue(setup, approval, "100.00", reference="CO-1")

    small = issue(setup, approval, "-50.00", reference="CO-2")
    large = issue(setup, approval, "-300.00", reference="CO-3")  # more than CO-1's invoice holds

    assert small.corrects_id == rise.pk
    assert large.corrects_id == approval.pk


def test_a_cut_no_invoice_can_take_is_refused(setup):
    approval = setup.invoiced()
    before = rows()

    with pytest.raises(RuleViolation) as refused:
        issue(setup, approval, "-5000.00")

    assert refused.value.code == "credit_exceeds_invoice"
    assert rows() == before


def test_a_cut_taking_a_whole_invoice_settles_it(setup):
    approval = setup.invoiced()
    rise = issue(setup, approval, "100.00", reference="CO-1")

    issue(setup, approval, "-100.00", reference="CO-2")

    settled = reload(rise)
    assert settled.credited == settled.gross and settled.outstanding == 0
    assert settled.status == InvoiceStatus.PAID and not settled.is_overdue


def test_the_money_selectors_take_credit_notes_off(setup):
    approval = setup.invoiced()
    note = issue(setup, approval, "-200.00")
    project = approval.project

    (row,) = selectors.totals(Invoice.objects.filter(project=project))
    assert row["outstanding"] == approval.gross - note.gross
    money = selectors.project_money(project)
    assert money["invoiced"] == approval.net - note.net
    loaded = list(selectors.invoices_visible_to_project(project))
    assert selectors.project_money(project, loaded) == money
    (glance,) = selectors.money_at_a_glance(setup.organisation.pk)
    assert glance["outstanding"] == approval.gross - note.gross


# --- voiding what a change order touched ---------------------------------------------------------


def test_voiding_a_corrected_invoice_credits_what_is_left_and_reissues_it(setup):
    approval = setup.invoiced()
    note = issue(setup, approval, "-200.00")

    void = billing.invoice_void(
        invoice=reload(approval), actor=fresh(setup.world.owner), reason="Address", reissue=True
    )

    assert void.credit_note_for_id == approval.pk
    assert void.gross == approval.gross - note.gross and void.net == approval.net - note.net
    again = Invoice.objects.get(
        milestone=approval.milestone, trigger="on_approval", status=InvoiceStatus.ISSUED
    )
    assert again.net == approval.net - note.net  # what it stood for, not the budget


def test_voiding_a_change_order_invoice_reissues_it_for_the_change_order(setup):
    approval = setup.invoiced()
    rise = issue(setup, approval, "250.00")

    billing.invoice_void(
        invoice=reload(rise), actor=fresh(setup.world.owner), reason="Typo", reissue=True
    )

    again = Invoice.objects.get(change_order="CO-2", status=InvoiceStatus.ISSUED)
    assert again.pk != rise.pk and again.trigger == CHANGE_ORDER and again.net == rise.net
    assert again.description["line"] == rise.description["line"]
    # The approval's invoice is not issued a second time.
    assert Invoice.objects.filter(milestone=approval.milestone, trigger="on_approval").count() == 1


# --- refused ------------------------------------------------------------------------------------


def test_zero_is_refused_and_nothing_is_written(setup):
    approval = setup.invoiced()
    before = rows()

    with pytest.raises(RuleViolation) as refused:
        issue(setup, approval, "0.00")

    assert refused.value.code == "change_order_zero"
    assert rows() == before


def test_a_milestone_never_invoiced_is_refused(setup):
    approval = setup.invoiced()
    second = setup.milestone(approval.project, 2)
    before = rows()

    with pytest.raises(RuleViolation) as refused:
        issue(setup, second, "250.00")

    assert refused.value.code == "not_invoiced"
    assert rows() == before


def test_a_voided_invoice_does_not_count_as_invoiced(setup):
    approval = setup.invoiced()
    setup.void(approval)
    before = rows()

    with pytest.raises(RuleViolation) as refused:
        issue(setup, approval, "-100.00")

    assert refused.value.code == "not_invoiced"
    assert rows() == before


@pytest.mark.parametrize(
    ("amount", "reference", "title", "field"),
    [
        ("10.005", "CO-2", TITLE, "amount"),
        ("10.00", "", TITLE, "reference"),
        ("10.00", "CO-2", "  ", "title"),
    ],
)
def test_bad_input_is_refused_field_by_field(setup, amount, reference, title, field):
    approval = setup.invoiced()
    before = rows()

    with pytest.raises(InvalidInput) as refused:
        issue(setup, approval, amount, reference=reference, title=title)

    assert field in refused.value.details
    assert rows() == before


# --- the documents --------------------------------------------------------------------------------


def test_the_xml_of_a_rise_names_the_change_order_and_its_milestone(setup):
    approval = setup.invoiced()
    rise = issue(setup, approval, "250.00")

    doc = xml_of(rise)

    assert doc.one("//rsm:ExchangedDocument/ram:TypeCode") == "380"
    assert doc.one("//ram:SpecifiedTradeProduct/ram:Name") == f"Change order CO-2: {TITLE}"
    assert approval.milestone.title in doc.one("//ram:SpecifiedTradeProduct/ram:Description")
    assert doc.one(f"{TOTALS}/ram:DuePayableAmount") == str(rise.amount("gross"))
    assert doc.one(f"{SETTLEMENT}/ram:PaymentReference") == rise.number


def test_the_xml_of_a_cut_is_a_381_referencing_the_corrected_invoice(setup):
    approval = setup.invoiced()
    note = issue(setup, approval, "-200.00")

    doc = xml_of(note)

    assert doc.one("//rsm:ExchangedDocument/ram:TypeCode") == "381"
    assert doc.one(f"{SETTLEMENT}/ram:InvoiceReferencedDocument/ram:IssuerAssignedID") == (
        approval.number
    )
    assert doc.one(f"{TOTALS}/ram:GrandTotalAmount") == str(note.amount("gross"))
    notes = doc.all("//rsm:ExchangedDocument/ram:IncludedNote/ram:Content")
    assert any(approval.number in text and "CO-2" in text for text in notes)
    terms = doc.one(f"{SETTLEMENT}/ram:SpecifiedTradePaymentTerms/ram:Description")
    assert "less is due on invoice" in terms
    assert not doc.has(f"{SETTLEMENT}/ram:SpecifiedTradeSettlementPaymentMeans")


def test_change_order_documents_pass_the_official_schematron(setup, tmp_path):
    approval = setup.invoiced()
    documents = {
        "rise": issue(setup, approval, "250.00", reference="CO-1"),
        "cut": issue(setup, approval, "-200.00", reference="CO-2"),
        "corrected": reload(approval),
    }
    paid = setup.pay(setup.invoiced(name="Paid first"))
    documents["refund"] = issue(setup, paid, "-300.00", reference="CO-1")

    failed = failed_rules({name: cii_xml(inv) for name, inv in documents.items()}, tmp_path)

    assert failed == {name: [] for name in documents}


def test_the_pdfs_show_the_change_order_line(setup):
    approval = setup.invoiced()
    note = issue(setup, approval, "-200.00", reference="CO-2", title="Drop the blog")
    rise = issue(setup, approval, "250.00", reference="CO-1")

    rise_text = text_of(invoice_pdf(rise))
    note_text = text_of(invoice_pdf(note))
    corrected_text = text_of(invoice_pdf(reload(approval)))

    assert f"Change order CO-1: {TITLE}" in rise_text
    assert f"Milestone 1: {approval.milestone.title}" in rise_text
    assert "Change order CO-2: Drop the blog" in note_text
    assert f"correcting invoice {approval.number}" in note_text
    assert "There is nothing to pay on this credit note." in note_text
    assert f"Credit note {note.number} took" in corrected_text
    left = f"{approval.gross - note.gross:,.2f}"
    assert left in corrected_text  # what is left to transfer

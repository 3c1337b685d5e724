"""Invoices issued by the review cycle, numbered without gaps, paid, voided with credit notes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from milepost.accounts.models import Role
from milepost.audit.models import AuditEvent
from milepost.audit.verify import verify_chains
from milepost.billing import selectors
from milepost.billing import services as billing
from milepost.billing.models import Invoice, InvoiceKind, InvoiceStatus, Payment
from milepost.billing.rules import REVERSE_CHARGE_NOTE, Totals
from milepost.billing.services import invoices as invoicing
from milepost.core import clock
from milepost.core.errors import InvalidInput, NotAllowed, NotFound, RuleViolation
from milepost.plans import services as plans
from milepost.plans.models import Milestone, MilestoneStatus, Project
from milepost.reviews import services as reviews
from tests.factories import ClientFactory, ContactFactory, MembershipFactory

from .conftest import BUDGETS, fresh, invoice_state, money_rows, reload, reload_invoice


def year() -> int:
    return clock.today().year


def on_start(*positions: int):
    """A ``prepare`` hook: bill these milestones on start (prepayment)."""

    def prepare(project: Project) -> None:
        owner = project.organisation.memberships.filter(role=Role.OWNER).first().user
        for position in positions:
            plans.milestone_update(
                milestone=Milestone.objects.select_related("project").get(
                    project=project, position=position
                ),
                actor=fresh(owner),
                billing_trigger="on_start",
            )

    return prepare


def pay_before_next(project: Project) -> None:
    owner = project.organisation.memberships.filter(role=Role.OWNER).first().user
    plans.project_update(project=project, actor=fresh(owner), pay_before_next=True)


# --- issuing --------------------------------------------------------------------------------------


def test_approval_issues_exactly_one_invoice_with_the_first_number(money):
    organisation = money.organisation
    organisation.invoice_prefix = "NW"
    organisation.save()
    project = money.project()
    money.to_review(project, 1)
    assert not Invoice.objects.exists()

    money.approve(project, 1)

    invoices = list(Invoice.objects.all())
    assert len(invoices) == 1
    invoice = reload_invoice(invoices[0])
    assert invoice.number == f"NW-{year()}-0001"
    assert (invoice.year, invoice.sequence) == (year(), 1)
    assert invoice.kind == InvoiceKind.INVOICE
    assert invoice.trigger == "on_approval"
    assert invoice.status == InvoiceStatus.ISSUED
    assert invoice.milestone_id == money.m(project, 1).pk
    assert invoice.project_id == project.pk
    assert invoice.organisation_id == organisation.pk
    assert invoice.currency == "EUR"
    assert invoice.paid == 0
    assert invoice.outstanding == invoice.gross


def test_numbers_run_on_without_gaps_and_per_organisation(money):
    project = money.project()
    first = money.approved(project, 1)
    second = money.approved(project, 2)
    third = money.approved(project, 3)
    assert [first.number, second.number, third.number] == [
        f"INV-{year()}-0001",
        f"INV-{year()}-0002",
        f"INV-{year()}-0003",
    ]
    # Another agency starts at 0001 in its own sequence.
    world = money.world
    other_client = ClientFactory(organisation=world.other_organisation, name="Globex")
    other_contact = ContactFactory(client=other_client).user
    other_member = MembershipFactory(organisation=world.other_organisation, role=Role.MEMBER).user
    other = money.project(
        organisation=world.other_organisation,
        client=other_client,
        owner=world.outsider,
        approver=other_contact,
    )
    member = fresh(other_member)
    reviews.milestone_start(milestone=reload(money.m(other, 1)), actor=member)
    reviews.milestone_deliver(milestone=reload(money.m(other, 1)), actor=member, notes="Done.")
    money.approve(other, 1, approver=other_contact)
    assert money.invoice(other, 1).number == f"INV-{year()}-0001"


def test_invoice_snapshots_seller_buyer_and_describes_the_milestone(money):
    project = money.project()
    invoice = money.approved(project, 1)
    organisation, client = money.organisation, money.world.client

    assert invoice.seller == {
        "name": "Northwind Studio GmbH",
        "address": "Torstraße 19\n10119 Berlin",
        "street": "Torstraße 19",
        "postcode": "10119",
        "city": "Berlin",
        "vat_id": "DE123456789",
        "country": organisation.country,
        "iban": "DE89370400440532013000",
        "bic": "COBADEFFXXX",
        "account_holder": "Northwind Studio GmbH",
        "email": "billing@northwind.example",
    }
    assert invoice.buyer == {
        "name": "Acme Shop",
        "address": "3 Grand Canal Square\nDublin 2",
        "street": "3 Grand Canal Square",
        "postcode": "",
        "city": "Dublin 2",
        "vat_id": "IE6388047V",
        "country": "IE",
    }
    milestone = money.m(project, 1)
    assert invoice.description == {
        "project": "Acme webshop",
        "milestone": milestone.title,
        "position": 1,
        "scope": milestone.scope,
        "deliverables": [
            "CMS installed on the staging server",
            "Homepage layout",
            "Site navigation",
            "Base styling",
        ],
    }
    assert milestone.scope  # the template's scope text made it onto the invoice

    # Snapshots: later changes of the parties do not rewrite an issued invoice.
    organisation.street = "Somewhere else 1"
    organisation.save()
    client.vat_id = "IE0000000X"
    client.save()
    again = reload_invoice(invoice)
    assert again.seller["address"] == "Torstraße 19\n10119 Berlin"
    assert again.buyer["vat_id"] == "IE6388047V"


def test_amounts_net_is_the_budget_tax_from_the_project_rate(money):
    project = money.project()
    assert project.tax_rate == Decimal("19.00")
    invoice = money.approved(project, 1)
    assert invoice.net == BUDGETS[0] == Decimal("2000.00")
    assert invoice.tax_rate == Decimal("19.00")
    assert invoice.tax == Decimal("380.00")
    assert invoice.gross == Decimal("2380.00")
    assert invoice.reverse_charge is False
    assert invoice.tax_note == ""


@pytest.mark.parametrize(
    ("total", "net", "tax", "gross"),
    [
        # gross == net + tax exactly, but not in binary floating point (1000.08 + 190.02).
        ("5000.40", "1000.08", "190.02", "1190.10"),
        ("5000.50", "1000.10", "190.02", "1190.12"),
    ],
)
def test_amounts_that_floats_cannot_add_are_invoiced(money, total, net, tax, gross):
    project = money.project(total_budget=total)
    invoice = money.approved(project, 1)
    assert (invoice.net, invoice.tax, invoice.gross) == (Decimal(net), Decimal(tax), Decimal(gross))
    assert money.m(project, 1).status == MilestoneStatus.APPROVED
    note = reload_invoice(money.void(invoice))
    assert note.gross == Decimal(gross)


def test_client_tax_rate_overrides_the_project_rate(money):
    client = money.world.client
    client.tax_rate = Decimal("7.00")
    client.save()
    invoice = money.approved(money.project(), 1)
    assert invoice.net == Decimal("2000.00")
    assert invoice.tax_rate == Decimal("7.00")
    assert invoice.tax == Decimal("140.00")
    assert invoice.gross == Decimal("2140.00")


def test_reverse_charge_has_no_tax_and_the_legal_note(money):
    client = money.world.client
    client.reverse_charge = True
    client.tax_rate = Decimal("7.00")  # reverse charge wins over any rate
    client.save()
    invoice = money.approved(money.project(), 1)
    assert invoice.reverse_charge is True
    assert invoice.tax_rate == 0
    assert invoice.tax == 0
    assert invoice.gross == invoice.net == Decimal("2000.00")
    assert invoice.tax_note == REVERSE_CHARGE_NOTE
    assert "reverse charge" in invoice.tax_note.lower()


def test_due_date_is_issue_date_plus_payment_terms(money):
    def terms(project):
        plans.project_update(project=project, actor=fresh(money.world.owner), payment_terms_days=30)

    issued_on = dt.datetime(2027, 2, 10, 12, 0, tzinfo=dt.UTC)
    with clock.frozen(issued_on):
        invoice = money.approved(money.project(prepare=terms), 1)
    assert invoice.issue_date == dt.date(2027, 2, 10)
    assert invoice.due_date == dt.date(2027, 3, 12)
    assert invoice.number == "INV-2027-0001"
    assert "30" in invoice.payment_terms


def test_default_payment_terms_are_fourteen_days(money):
    invoice = money.approved(money.project(), 1)
    assert invoice.due_date - invoice.issue_date == dt.timedelta(days=14)


def test_never_invoiced_twice_by_the_service(money):
    project = money.project()
    invoice = money.approved(project, 1)
    before = money_rows()
    with pytest.raises(RuleViolation) as refused:
        billing.invoice_issue(milestone=money.m(project, 1), trigger="on_approval")
    assert refused.value.code == "already_invoiced"
    assert money_rows() == before
    # The refused attempt took no number: the next invoice is 0002.
    assert money.approved(project, 2).number == f"INV-{year()}-0002"
    assert invoice.number == f"INV-{year()}-0001"


def test_never_invoiced_twice_by_the_database(money):
    project = money.project()
    invoice = money.approved(project, 1)
    fields = {
        f.name: getattr(invoice, f.name)
        for f in Invoice._meta.concrete_fields
        if f.name not in ("id", "number", "sequence")
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.create(**fields, number="INV-X-9999", sequence=9999)
    assert Invoice.objects.filter(milestone=invoice.milestone).count() == 1
    # The constraint is per trigger and only for invoices: a credit note row is not refused.
    with transaction.atomic():
        Invoice.objects.create(
            **{**fields, "kind": InvoiceKind.CREDIT_NOTE, "trigger": ""},
            number="CN-X-9998",
            sequence=9998,
        )
        transaction.set_rollback(True)


@pytest.mark.parametrize("off_by", ["0.01", "-0.01", "0.001"])
def test_the_database_refuses_a_gross_that_is_not_net_plus_tax(money, off_by):
    invoice = money.approved(money.project(), 1)
    fields = {
        f.name: getattr(invoice, f.name)
        for f in Invoice._meta.concrete_fields
        if f.name not in ("id", "number", "sequence", "kind", "trigger")
    }
    fields["gross"] = invoice.gross + Decimal(off_by)
    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.create(
            **fields, kind=InvoiceKind.CREDIT_NOTE, trigger="", number="CN-1", sequence=999
        )


def test_another_database_refusal_is_not_called_already_invoiced(money, monkeypatch):
    project = money.project()

    def broken(net, rate, currency):  # arithmetic the invoice check constraint refuses
        return Totals(net=net, tax_rate=rate, tax=Decimal("1.00"), gross=net)

    monkeypatch.setattr(invoicing, "totals", broken)
    with pytest.raises(IntegrityError), transaction.atomic():
        billing.invoice_issue(milestone=money.m(project, 1), trigger="on_approval")
    assert not Invoice.objects.exists()


def _refuse_invoices(monkeypatch) -> None:
    def broken(net, rate, currency):  # arithmetic the invoice check constraint refuses
        return Totals(net=net, tax_rate=rate, tax=Decimal("1.00"), gross=net)

    monkeypatch.setattr(invoicing, "totals", broken)


def test_an_approval_whose_invoice_cannot_be_issued_is_not_approved(money, monkeypatch):
    """Approval and invoice are one transaction: both commit or neither."""
    project = money.project()
    money.to_review(project, 1)
    audit = AuditEvent.objects.count()
    _refuse_invoices(monkeypatch)
    with pytest.raises(IntegrityError):
        money.approve(project, 1)
    assert money.m(project, 1).status == MilestoneStatus.IN_REVIEW
    assert not Invoice.objects.exists()
    assert AuditEvent.objects.count() == audit


def test_a_start_whose_prepayment_invoice_cannot_be_issued_is_not_started(money, monkeypatch):
    project = money.project(prepare=on_start(1))
    audit = AuditEvent.objects.count()
    _refuse_invoices(monkeypatch)
    with pytest.raises(IntegrityError):
        money.start(project, 1)
    assert money.m(project, 1).status == MilestoneStatus.PLANNED
    assert not Invoice.objects.exists()
    assert AuditEvent.objects.count() == audit


def test_a_milestone_billed_on_approval_is_not_invoiced_when_it_starts(money):
    project = money.project()
    money.start(project, 1)
    assert not Invoice.objects.exists()


# --- prepayment -----------------------------------------------------------------------------------


def test_on_start_milestone_waits_for_its_prepayment(money):
    project = money.project(prepare=on_start(1))
    milestone = money.start(project, 1)
    assert milestone.status == MilestoneStatus.AWAITING_PREPAYMENT
    invoice = money.invoice(project, 1, trigger="on_start")
    assert invoice.number == f"INV-{year()}-0001"
    assert invoice.gross == Decimal("2380.00")
    with pytest.raises(RuleViolation):  # no work is delivered before the money arrives
        reviews.milestone_deliver(
            milestone=money.m(project, 1), actor=fresh(money.world.member), notes="Early."
        )

    money.pay(invoice, "1000.00")
    assert money.m(project, 1).status == MilestoneStatus.AWAITING_PREPAYMENT
    money.pay(invoice)  # the rest

    milestone = money.m(project, 1)
    assert milestone.status == MilestoneStatus.IN_PROGRESS
    prepaid = AuditEvent.objects.get(action="milestone.prepaid")
    assert prepaid.actor_id is None  # the system moved it
    # Approving the prepaid milestone issues no second invoice.
    money.to_review(project, 1)
    money.approve(project, 1)
    assert Invoice.objects.filter(milestone=milestone).count() == 1
    assert verify_chains().ok


def test_pay_before_next_refuses_to_start_while_an_earlier_invoice_is_unpaid(money):
    project = money.project(prepare=pay_before_next)
    assert project.pay_before_next is True
    invoice = money.approved(project, 1)
    with pytest.raises(RuleViolation) as refused:
        money.start(project, 2)
    assert refused.value.code == "payment_required"
    assert refused.value.details == {"unpaid_invoices": [invoice.number]}
    assert invoice.number in refused.value.message
    assert money.m(project, 2).status == MilestoneStatus.PLANNED

    money.pay(invoice, "100.00")  # partly paid is still unpaid
    with pytest.raises(RuleViolation) as refused:
        money.start(project, 2)
    assert refused.value.code == "payment_required"

    money.pay(invoice)
    assert money.start(project, 2).status == MilestoneStatus.IN_PROGRESS


def test_pay_before_next_from_the_organisation_default(money):
    organisation = money.organisation
    organisation.pay_before_next = True
    organisation.save()
    project = money.project()
    assert project.pay_before_next is True
    invoice = money.approved(project, 1)
    with pytest.raises(RuleViolation) as refused:
        money.start(project, 2)
    assert refused.value.code == "payment_required"
    money.pay(invoice)
    assert money.start(project, 2).status == MilestoneStatus.IN_PROGRESS


def test_without_pay_before_next_an_unpaid_invoice_does_not_block(money):
    project = money.project()
    money.approved(project, 1)
    assert money.start(project, 2).status == MilestoneStatus.IN_PROGRESS


# --- payments -------------------------------------------------------------------------------------


def test_partial_then_full_payment(money):
    invoice = money.approved(money.project(), 1)
    first = money.pay(invoice, "1000.00", reference="Part 1")
    invoice = reload_invoice(invoice)
    assert invoice.status == InvoiceStatus.PARTIALLY_PAID
    assert invoice.paid == Decimal("1000.00")
    assert invoice.outstanding == Decimal("1380.00")
    assert (first.amount, first.method, first.reference) == (
        Decimal("1000.00"),
        "bank_transfer",
        "Part 1",
    )
    assert first.recorded_by_id == money.world.manager.pk

    money.pay(invoice, "1380.00", method="cash")
    invoice = reload_invoice(invoice)
    assert invoice.status == InvoiceStatus.PAID
    assert invoice.paid == invoice.gross
    assert invoice.outstanding == 0
    assert sum(p.amount for p in invoice.payments.all()) == invoice.gross
    # Nothing more can be paid.
    with pytest.raises(InvalidInput) as refused:
        money.pay(invoice, "0.01")
    assert "amount" in refused.value.details


def test_payment_dated_in_the_past_is_accepted(money):
    invoice = money.approved(money.project(), 1)
    day = clock.today() - dt.timedelta(days=3)
    payment = money.pay(invoice, "10.00", date=day.isoformat())
    assert payment.date == day


@pytest.mark.parametrize(
    ("amount", "date_offset", "method", "field"),
    [
        ("-5.00", 0, "bank_transfer", "amount"),
        ("0", 0, "bank_transfer", "amount"),
        ("0.00", 0, "bank_transfer", "amount"),
        ("2380.01", 0, "bank_transfer", "amount"),  # more than is outstanding
        ("10.005", 0, "bank_transfer", "amount"),  # a fraction of a cent
        ("ten", 0, "bank_transfer", "amount"),
        (10.5, 0, "bank_transfer", "amount"),  # floats are refused
        ("10.00", 1, "bank_transfer", "date"),  # tomorrow
        ("10.00", 0, "bitcoin", "method"),
        ("10.00", 0, "", "method"),
    ],
)
def test_bad_payments_are_refused_naming_the_field_and_record_nothing(
    money, amount, date_offset, method, field
):
    invoice = money.approved(money.project(), 1)
    before, state = money_rows(), invoice_state(invoice)
    with pytest.raises(InvalidInput) as refused:
        money.pay(
            invoice,
            amount,
            date=clock.today() + dt.timedelta(days=date_offset),
            method=method,
        )
    assert field in refused.value.details
    assert refused.value.status == 400
    assert money_rows() == before
    assert invoice_state(invoice) == state


def test_over_payment_after_a_partial_payment_is_refused(money):
    invoice = money.approved(money.project(), 1)
    money.pay(invoice, "2000.00")
    before, state = money_rows(), invoice_state(invoice)
    with pytest.raises(InvalidInput) as refused:
        money.pay(invoice, "380.01")
    assert list(refused.value.details) == ["amount"]
    assert "380.00" in refused.value.message
    assert (money_rows(), invoice_state(invoice)) == (before, state)


def test_a_malformed_date_is_refused(money):
    invoice = money.approved(money.project(), 1)
    before = money_rows()
    with pytest.raises(InvalidInput) as refused:
        money.pay(invoice, "10.00", date="31/12/2026")
    assert "date" in refused.value.details
    assert money_rows() == before


def test_a_void_invoice_cannot_be_paid(money):
    invoice = money.approved(money.project(), 1)
    note = money.void(invoice)
    before = money_rows()
    with pytest.raises(RuleViolation) as refused:
        money.pay(invoice, "10.00")
    assert refused.value.code == "invoice_void"
    with pytest.raises(RuleViolation) as refused:
        money.pay(note, "10.00")  # nor the credit note
    assert refused.value.code == "invoice_void"
    assert money_rows() == before


# --- voids and credit notes -----------------------------------------------------------------------


def test_void_issues_a_credit_note_with_its_own_number(money):
    project = money.project()
    invoice = money.approved(project, 1)
    note = reload_invoice(money.void(invoice, reason="Wrong client."))
    invoice = reload_invoice(invoice)

    assert invoice.status == InvoiceStatus.VOID
    assert invoice.outstanding == 0
    assert note.kind == InvoiceKind.CREDIT_NOTE
    assert note.number == f"INV-{year()}-0002"
    assert note.credit_note_for_id == invoice.pk
    assert invoice.credit_note == note
    assert (note.net, note.tax_rate, note.tax, note.gross, note.currency) == (
        invoice.net,
        invoice.tax_rate,
        invoice.tax,
        invoice.gross,
        invoice.currency,
    )
    assert note.milestone_id == invoice.milestone_id
    assert note.description["cancels"] == invoice.number
    assert note.description["reason"] == "Wrong client."
    assert note.seller == invoice.seller and note.buyer == invoice.buyer
    # The void invoice is kept, never deleted; the next invoice takes the next number.
    assert Invoice.objects.filter(pk=invoice.pk).exists()
    assert money.approved(project, 2).number == f"INV-{year()}-0003"


def test_a_void_is_not_repeated_and_a_credit_note_is_not_voided(money):
    invoice = money.approved(money.project(), 1)
    note = money.void(invoice)
    before = money_rows()
    with pytest.raises(RuleViolation) as refused:
        money.void(invoice)
    assert refused.value.code == "state_conflict"
    with pytest.raises(RuleViolation) as refused:
        money.void(note)
    assert refused.value.code == "invalid_transition"
    assert money_rows() == before


@pytest.mark.parametrize("amount", ["0.01", None])
def test_an_invoice_with_money_received_cannot_be_voided(money, amount):
    invoice = money.approved(money.project(), 1)
    money.pay(invoice, amount)
    before, state = money_rows(), invoice_state(invoice)
    with pytest.raises(RuleViolation) as refused:
        money.void(invoice)
    assert refused.value.code == "invoice_paid"
    assert (money_rows(), invoice_state(invoice)) == (before, state)
    assert not Invoice.objects.filter(kind=InvoiceKind.CREDIT_NOTE).exists()


# --- who may ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "error"),
    [
        ("member", NotAllowed),
        ("contact", NotAllowed),  # the approver sees the invoice but does not book payments
        ("outsider", NotFound),
    ],
)
def test_only_owners_and_managers_record_payments_and_void(money, role, error):
    invoice = money.approved(money.project(), 1)
    actor = money.world.user(role)
    before, state = money_rows(), invoice_state(invoice)
    with pytest.raises(error):
        money.pay(invoice, "10.00", actor=actor)
    with pytest.raises(error):
        money.void(invoice, actor=actor)
    assert (money_rows(), invoice_state(invoice)) == (before, state)


@pytest.mark.parametrize("role", ["owner", "manager"])
def test_owners_and_managers_record_payments_and_void(money, role):
    project = money.project()
    first = money.approved(project, 1)
    second = money.approved(project, 2)
    actor = money.world.user(role)
    money.pay(first, "10.00", actor=actor)
    note = money.void(second, actor=actor)
    assert Payment.objects.get().recorded_by_id == actor.pk
    assert note.created_by_id == actor.pk


# --- evidence -------------------------------------------------------------------------------------


def test_every_issue_payment_and_void_is_audited_and_the_chain_holds(money):
    project = money.project()
    first = money.approved(project, 1)
    second = money.approved(project, 2)
    payment = money.pay(first, "500.00")
    note = money.void(second, reason="Duplicate.")

    def events(action):
        return list(AuditEvent.objects.filter(action=action).order_by("sequence"))

    issued = events("invoice.issued")
    assert [e.target_id for e in issued] == [str(first.pk), str(second.pk)]
    assert issued[0].actor_id is None  # issued by the system on approval
    assert issued[0].data["after"]["number"] == first.number
    assert issued[0].data["after"]["gross"] == "2380.00"
    assert issued[0].project_id == project.pk

    (paid,) = events("payment.recorded")
    assert paid.target_id == str(payment.pk)
    assert paid.actor_id == money.world.manager.pk
    assert paid.data["amount"] == "500.00"
    assert paid.data["before"] == {"status": "issued"}
    assert paid.data["after"] == {"status": "partially_paid", "paid": "500.00"}

    (voided,) = events("invoice.voided")
    assert voided.target_id == str(second.pk)
    assert voided.data["credit_note"] == note.number
    assert voided.data["after"] == {"status": "void"}
    (credited,) = events("credit_note.issued")
    assert credited.target_id == str(note.pk)
    assert credited.data["cancels"] == second.number

    report = verify_chains()
    assert report.ok, report.reason
    assert verify_chains(organisation_id=money.organisation.pk).ok


# --- who sees what ------------------------------------------------------------------------------


def test_a_client_contact_sees_only_their_projects_invoices(money):
    world = money.world
    ours = money.approved(money.project(), 1)
    other_client = ClientFactory(organisation=world.organisation, name="Initech")
    other_contact = ContactFactory(client=other_client).user
    theirs_project = money.project(client=other_client, approver=other_contact, name="Initech")
    theirs = money.approved(theirs_project, 1, approver=other_contact)
    note = money.void(theirs)

    contact = fresh(world.contact)
    assert list(selectors.invoices_visible_to(contact)) == [ours]
    assert selectors.invoice_get(contact, ours.pk) == ours
    for hidden in (theirs, note):
        with pytest.raises(NotFound):
            selectors.invoice_get(contact, hidden.pk)
    assert set(selectors.invoices_visible_to(fresh(other_contact))) == {theirs, note}
    # The agency sees all of them; another agency none.
    assert set(selectors.invoices_visible_to(fresh(world.member))) == {ours, theirs, note}
    assert not selectors.invoices_visible_to(fresh(world.outsider)).exists()

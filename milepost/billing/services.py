"""Every write about money: issuing invoices, numbering, payments, voids, card payments."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from milepost.accounts.models import User
from milepost.audit.actions import AuditAction
from milepost.audit.services import audit_record
from milepost.core import clock, events
from milepost.core.errors import InvalidInput, RuleViolation
from milepost.core.events import EventType
from milepost.core.money import MoneyError, normalise, parse_amount
from milepost.plans.models import Milestone
from milepost.plans.permissions import InvoiceAction, require

from .einvoice import problems as einvoice_problems
from .models import (
    Invoice,
    InvoiceKind,
    InvoiceSequence,
    InvoiceStatus,
    Payment,
    PaymentMethod,
)
from .rules import REVERSE_CHARGE_NOTE, invoice_number, totals

logger = logging.getLogger(__name__)


def _next_number(organisation, year: int) -> tuple[int, str]:
    """Take the next number of the year with the sequence row locked: no gaps, no duplicates."""
    InvoiceSequence.objects.bulk_create(
        [InvoiceSequence(organisation=organisation, year=year)], ignore_conflicts=True
    )
    sequence = InvoiceSequence.objects.select_for_update().get(organisation=organisation, year=year)
    sequence.last_number += 1
    sequence.save(update_fields=["last_number"])
    return sequence.last_number, invoice_number(
        organisation.invoice_prefix, year, sequence.last_number
    )


def _party(name: str, legal_name: str, place, vat_id: str, country: str, **extra) -> dict:
    """``place``'s postal fields for the e-invoice, and its ``address`` as printed at issue."""
    return {
        "name": legal_name or name,
        "address": place.address,
        "street": place.street,
        "postcode": place.postcode,
        "city": place.city,
        "vat_id": vat_id,
        "country": country,
        **extra,
    }


def seller_snapshot(organisation) -> dict:
    """The seller as printed on an invoice, frozen at issue: name, address, tax and bank details."""
    return _party(
        organisation.name,
        organisation.legal_name,
        organisation,
        organisation.vat_id,
        organisation.country,
        iban=organisation.iban,
        bic=organisation.bic,
        account_holder=organisation.bank_account_holder
        or organisation.legal_name
        or organisation.name,
        email=organisation.email,
    )


def buyer_snapshot(client) -> dict:
    """The buyer as printed on an invoice, frozen at issue."""
    return _party(client.name, client.name, client, client.vat_id, client.country)


def invoice_description(milestone: Milestone, deliverables: list[str]) -> dict:
    """What an invoice is for: the project, the milestone and its deliverables' titles."""
    return {
        "project": milestone.project.name,
        "milestone": milestone.title,
        "position": milestone.position,
        "scope": milestone.scope,
        "deliverables": deliverables,
    }


def _open_invoice_exists(milestone: Milestone, trigger: str) -> bool:
    """Whether the milestone already has a live (not void) invoice for ``trigger``."""
    return (
        Invoice.objects.filter(milestone=milestone, trigger=trigger, kind=InvoiceKind.INVOICE)
        .exclude(status=InvoiceStatus.VOID)
        .exists()
    )


def _tax(project) -> tuple[Decimal, bool, str]:
    client = project.client
    if client.reverse_charge:
        return Decimal(0), True, REVERSE_CHARGE_NOTE
    if client.tax_rate is not None:
        return client.tax_rate, False, ""
    return project.tax_rate, False, ""


@transaction.atomic
def invoice_issue(*, milestone: Milestone, trigger: str, actor: User | None = None) -> Invoice:
    """Issue the milestone's invoice for ``trigger``; a database constraint forbids a second."""
    project = milestone.project
    organisation = project.organisation
    if _open_invoice_exists(milestone, trigger):
        raise RuleViolation(_("This milestone is already invoiced."), code="already_invoiced")
    rate, reverse_charge, note = _tax(project)
    amounts = totals(milestone.budget, rate, project.currency)
    today = clock.today()
    sequence, number = _next_number(organisation, today.year)
    deliverables = list(milestone.deliverables.order_by("position").values_list("title", flat=True))
    client = project.client
    try:
        with transaction.atomic():
            invoice = Invoice.objects.create(
                organisation=organisation,
                project=project,
                milestone=milestone,
                kind=InvoiceKind.INVOICE,
                trigger=trigger,
                number=number,
                year=today.year,
                sequence=sequence,
                currency=project.currency,
                net=amounts.net,
                tax_rate=amounts.tax_rate,
                tax=amounts.tax,
                gross=amounts.gross,
                reverse_charge=reverse_charge,
                tax_note=note,
                issue_date=today,
                due_date=today + dt.timedelta(days=project.payment_terms_days),
                seller=seller_snapshot(organisation),
                buyer=buyer_snapshot(client),
                description=invoice_description(milestone, deliverables),
                payment_terms=_("Payable within %(n)s days.") % {"n": project.payment_terms_days},
                language=client.language or settings.LANGUAGE_CODE,
                created_by=actor,
            )
    except IntegrityError:
        if not _open_invoice_exists(milestone, trigger):
            raise  # another constraint: not a second invoice, so do not say it is one
        raise RuleViolation(
            _("This milestone is already invoiced."), code="already_invoiced"
        ) from None
    audit_record(
        organisation=organisation,
        actor=actor,
        action=AuditAction.INVOICE_ISSUED,
        target=invoice,
        project=project,
        data={
            "after": {
                "number": number,
                "milestone": milestone.pk,
                "trigger": trigger,
                "net": str(amounts.net),
                "tax": str(amounts.tax),
                "gross": str(amounts.gross),
                "currency": project.currency,
            }
        },
    )
    events.emit(
        EventType.INVOICE_ISSUED,
        organisation_id=organisation.pk,
        invoice=invoice.pk,
        project=project.pk,
    )
    found = einvoice_problems(invoice)
    if found:  # issued all the same (approval never fails for this); the pages say what to fix
        logger.warning("Invoice %s is not a valid EN 16931 e-invoice: %s", number, " ".join(found))
    return invoice


def _clean_payment(
    invoice: Invoice, amount: Any, date: Any, method: str, reference: str
) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    try:
        cleaned["amount"] = parse_amount(amount, invoice.currency)
    except MoneyError as exc:
        errors["amount"] = [str(exc)]
    try:
        day = date if isinstance(date, dt.date) else dt.date.fromisoformat(str(date))
        if day > clock.today():
            errors["date"] = [_("A payment cannot be dated in the future.")]
        cleaned["date"] = day
    except ValueError:
        errors["date"] = [_("Enter a date as YYYY-MM-DD.")]
    if method not in PaymentMethod.values:
        errors["method"] = [_("Choose bank_transfer, card, cash or other.")]
    cleaned["method"] = method
    text = (reference or "").strip()
    if len(text) > 200:
        errors["reference"] = [_("At most 200 characters.")]
    cleaned["reference"] = text
    if errors:
        raise InvalidInput(_("Please correct the highlighted fields."), details=errors)
    return cleaned


def _apply_payment(
    invoice: Invoice,
    *,
    amount: Decimal,
    date: dt.date,
    method: str,
    reference: str,
    actor: User | None,
) -> Payment:
    """Record the payment on the locked invoice and move its status."""
    # Lock the invoice row only: locking the joined organisation too deadlocks on PostgreSQL
    # with writers that hold the audit chain or the number sequence and insert rows pointing at it.
    invoice = (
        Invoice.objects.select_for_update(of=("self",))
        .select_related("project", "project__organisation", "milestone")
        .get(pk=invoice.pk)
    )
    if invoice.kind != InvoiceKind.INVOICE or invoice.status == InvoiceStatus.VOID:
        raise RuleViolation(_("This invoice is void: it cannot be paid."), code="invoice_void")
    outstanding = invoice.outstanding
    if amount > outstanding:
        message = _("At most %(amount)s is outstanding.") % {
            "amount": f"{outstanding} {invoice.currency}"
        }
        raise InvalidInput(message, details={"amount": [message]})
    invoice.paid = normalise(invoice.paid + amount, invoice.currency)
    before = invoice.status
    invoice.status = (
        InvoiceStatus.PAID if invoice.paid == invoice.gross else InvoiceStatus.PARTIALLY_PAID
    )
    invoice.save(update_fields=["paid", "status"])
    payment = Payment.objects.create(
        invoice=invoice,
        amount=amount,
        date=date,
        method=method,
        reference=reference,
        recorded_by=actor,
    )
    audit_record(
        organisation=invoice.organisation,
        actor=actor,
        action=AuditAction.PAYMENT_RECORDED,
        target=payment,
        project=invoice.project,
        data={
            "invoice": invoice.number,
            "amount": str(amount),
            "method": method,
            "reference": reference,
            "before": {"status": before},
            "after": {"status": invoice.status, "paid": str(invoice.paid)},
        },
    )
    events.emit(
        EventType.PAYMENT_RECEIVED,
        organisation_id=invoice.organisation_id,
        invoice=invoice.pk,
        payment=payment.pk,
    )
    return payment


@transaction.atomic
def payment_record(
    *, invoice: Invoice, amount: Any, date: Any, method: str, reference: str = "", actor: User
) -> Payment:
    """Record money received (owners and managers): > 0, at most what is outstanding.

    Billing knows nothing of the review cycle: a paid prepayment invoice releases its milestone
    through ``reviews.services.payment_record_and_release``, which the views call.
    """
    require(actor, InvoiceAction.MANAGE, invoice)
    cleaned = _clean_payment(invoice, amount, date, method, reference)
    return _apply_payment(invoice, actor=actor, **cleaned)


@transaction.atomic
def invoice_void(
    *, invoice: Invoice, actor: User, reason: str = "", reissue: bool = False
) -> Invoice:
    """Cancel an unpaid invoice by issuing a credit note (its own number). Returns the note.

    With ``reissue`` a corrected invoice for the same milestone and trigger follows at once,
    with the seller's and buyer's details as they are now (a prepaid milestone is never stuck).
    """
    require(actor, InvoiceAction.MANAGE, invoice)
    invoice = (
        Invoice.objects.select_for_update(of=("self",))  # the invoice only: see _apply_payment
        .select_related("project", "project__organisation", "organisation")
        .get(pk=invoice.pk)
    )
    if invoice.kind != InvoiceKind.INVOICE:
        raise RuleViolation(_("A credit note cannot be voided."), code="invalid_transition")
    if invoice.status == InvoiceStatus.VOID:
        raise RuleViolation(_("This invoice is already void."), code="state_conflict")
    if invoice.paid > 0:
        raise RuleViolation(
            _("Money was received on this invoice: it cannot be voided."), code="invoice_paid"
        )
    Invoice.objects.filter(pk=invoice.pk).update(status=InvoiceStatus.VOID)
    today = clock.today()
    sequence, number = _next_number(invoice.organisation, today.year)
    note = Invoice.objects.create(
        organisation=invoice.organisation,
        project=invoice.project,
        milestone=invoice.milestone,
        kind=InvoiceKind.CREDIT_NOTE,
        trigger="",
        credit_note_for=invoice,
        number=number,
        year=today.year,
        sequence=sequence,
        status=InvoiceStatus.PAID,
        currency=invoice.currency,
        net=invoice.net,
        tax_rate=invoice.tax_rate,
        tax=invoice.tax,
        gross=invoice.gross,
        reverse_charge=invoice.reverse_charge,
        tax_note=invoice.tax_note,
        issue_date=today,
        due_date=today,
        seller=invoice.seller,
        buyer=invoice.buyer,
        description={
            **invoice.description,
            "cancels": invoice.number,
            "reason": (reason or "").strip(),
        },
        payment_terms="",
        language=invoice.language,
        created_by=actor,
    )
    audit_record(
        organisation=invoice.organisation,
        actor=actor,
        action=AuditAction.INVOICE_VOIDED,
        target=invoice,
        project=invoice.project,
        data={
            "number": invoice.number,
            "credit_note": number,
            "before": {"status": invoice.status},
            "after": {"status": "void"},
            "reason": (reason or "").strip(),
        },
    )
    audit_record(
        organisation=invoice.organisation,
        actor=actor,
        action=AuditAction.CREDIT_NOTE_ISSUED,
        target=note,
        project=invoice.project,
        data={"number": number, "cancels": invoice.number, "gross": str(note.gross)},
    )
    if reissue:
        invoice_issue(
            milestone=Milestone.objects.select_related(
                "project", "project__organisation", "project__client"
            ).get(pk=invoice.milestone_id),
            trigger=invoice.trigger,
            actor=actor,
        )
    return note

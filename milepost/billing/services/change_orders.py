"""Settling an accepted change order's price on a milestone that was already invoiced: an invoice
of its own for a rise, a credit note correcting the milestone's invoice for a cut."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import override

from milepost.accounts.models import User
from milepost.audit.actions import AuditAction
from milepost.audit.services import audit_record
from milepost.core import events
from milepost.core.errors import InvalidInput, RuleViolation
from milepost.core.events import EventType
from milepost.core.money import MoneyError, normalise, parse_amount
from milepost.plans.models import Milestone

from ..models import CHANGE_ORDER, Invoice, InvoiceKind, InvoiceStatus
from ..rules import totals
from .invoices import _tax, announce_issued, issue_row, warn_if_not_einvoice
from .payments import status_after_paid

REFERENCE_MAX = 20
TITLE_MAX = 200


@transaction.atomic
def change_order_invoice_issue(
    *, milestone: Milestone, amount: Decimal, reference: str, title: str, actor: User | None
) -> Invoice:
    """Invoice the net ``amount`` change order ``reference`` moves an invoiced milestone's price
    by, at once: an invoice when it rises, a credit note when it falls. Returns the document.

    Called by the change order's acceptance, in its transaction. The milestone must hold a live
    invoice (``not_invoiced``); each change order is settled once per milestone (``UNIQUE``).
    """
    project = milestone.project
    reference, title = _clean_names(reference, title)
    cut = _clean_amount(amount, project.currency)
    invoices = list(
        Invoice.objects.select_for_update(of=("self",))
        .filter(milestone=milestone, kind=InvoiceKind.INVOICE)
        .exclude(status=InvoiceStatus.VOID)
        .order_by("-issue_date", "-id")
    )
    if not invoices:
        raise RuleViolation(
            _("Milestone %(position)s has no invoice: its new price is billed with it.")
            % {"position": milestone.position},
            code="not_invoiced",
        )
    if _settled(milestone, reference):
        raise _already_settled(reference)
    try:
        with transaction.atomic():
            if cut > 0:
                return _invoice(milestone, cut, reference, title, actor)
            return _credit_note(milestone, invoices, -cut, reference, title, actor)
    except IntegrityError:
        if not _settled(milestone, reference):
            raise  # another constraint: do not say it was settled before
        raise _already_settled(reference) from None


def _clean_names(reference: str, title: str) -> tuple[str, str]:
    reference, title = str(reference or "").strip(), str(title or "").strip()
    errors = {}
    if not reference or len(reference) > REFERENCE_MAX:
        errors["reference"] = [_("Name the change order (at most 20 characters), e.g. CO-2.")]
    if not title or len(title) > TITLE_MAX:
        errors["title"] = [_("Give the change order a title (at most 200 characters).")]
    if errors:
        raise InvalidInput(_("The change order cannot be invoiced as given."), details=errors)
    return reference, title


def _clean_amount(amount: Decimal, currency: str) -> Decimal:
    """The signed amount, exact in the currency's minor unit; 0 has nothing to invoice."""
    if isinstance(amount, Decimal) and amount.is_finite() and amount == 0:
        raise RuleViolation(
            _("The change order does not move this milestone's price: nothing to invoice."),
            code="change_order_zero",
        )
    if not isinstance(amount, Decimal):
        raise InvalidInput(
            _("The amount must be a Decimal."), details={"amount": [_("Not a Decimal.")]}
        )
    try:
        size = parse_amount(abs(amount), currency)
    except MoneyError as exc:
        raise InvalidInput(str(exc), details={"amount": [str(exc)]}) from None
    return size if amount > 0 else -size


def _settled(milestone: Milestone, reference: str) -> bool:
    return (
        Invoice.objects.filter(milestone=milestone, change_order=reference)
        .exclude(status=InvoiceStatus.VOID)
        .exists()
    )


def _already_settled(reference: str) -> RuleViolation:
    return RuleViolation(
        _("%(reference)s is already invoiced for this milestone.") % {"reference": reference},
        code="already_invoiced",
    )


def change_order_description(milestone: Milestone, reference: str, title: str) -> dict:
    """What a change order's invoice or credit note is for, its line in the client's language."""
    client = milestone.project.client
    with override(client.language or settings.LANGUAGE_CODE):
        line = _("Change order %(reference)s: %(title)s") % {"reference": reference, "title": title}
    return {
        "project": milestone.project.name,
        "milestone": milestone.title,
        "position": milestone.position,
        "scope": "",
        "deliverables": [],
        "change_order": {"reference": reference, "title": title},
        "line": line,
    }


def _invoice(
    milestone: Milestone, amount: Decimal, reference: str, title: str, actor: User | None
) -> Invoice:
    """The rise as an invoice of its own, taxed as the project's invoices are."""
    rate, reverse_charge, _note = _tax(milestone.project)
    invoice = issue_row(
        milestone=milestone,
        kind=InvoiceKind.INVOICE,
        trigger=CHANGE_ORDER,
        amounts=totals(amount, rate, milestone.project.currency),
        reverse_charge=reverse_charge,
        description=change_order_description(milestone, reference, title),
        actor=actor,
        change_order=reference,
    )
    announce_issued(invoice, actor=actor, change_order=reference)
    return invoice


def _credit_note(
    milestone: Milestone,
    invoices: list[Invoice],
    amount: Decimal,
    reference: str,
    title: str,
    actor: User | None,
) -> Invoice:
    """The cut as a credit note correcting the newest of the milestone's invoices that can take
    it (taxed as that invoice was): the invoice keeps its number, with less left to pay."""
    currency = milestone.project.currency
    target = amounts = None
    for invoice in invoices:  # newest first, locked
        credit = totals(amount, invoice.tax_rate, currency)
        if invoice.credited + credit.gross <= invoice.gross:
            target, amounts = invoice, credit
            break
    if target is None:
        raise RuleViolation(
            _(
                "%(reference)s takes %(amount)s off milestone %(position)s, more than any one "
                "of its invoices has left to credit."
            )
            % {
                "reference": reference,
                "amount": f"{normalise(amount, currency)} {currency}",
                "position": milestone.position,
            },
            code="credit_exceeds_invoice",
        )
    left = max(target.gross - target.paid - target.credited, Decimal(0))
    applied = min(amounts.gross, left)  # taken off what is still due; the rest is refunded
    description = {
        **change_order_description(milestone, reference, title),
        "corrects": target.number,
        "applied": str(normalise(applied, currency)),
        "refund": str(normalise(amounts.gross - applied, currency)),
    }
    note = issue_row(
        milestone=milestone,
        kind=InvoiceKind.CREDIT_NOTE,
        trigger="",
        amounts=amounts,
        reverse_charge=target.reverse_charge,
        tax_note=target.tax_note,
        description=description,
        actor=actor,
        change_order=reference,
        corrects=target,
        status=InvoiceStatus.PAID,  # as a voiding note: nothing to pay on it
    )
    before = {"status": target.status, "credited": str(target.amount("credited"))}
    target.credited = normalise(target.credited + amounts.gross, currency)
    target.status = status_after_paid(target, target.paid)
    Invoice.objects.filter(pk=target.pk).update(credited=target.credited, status=target.status)
    if target.status == InvoiceStatus.PAID and before["status"] != InvoiceStatus.PAID:
        events.emit(
            EventType.INVOICE_PAID, organisation_id=target.organisation_id, invoice=target.pk
        )
    data = {"currency": currency, "change_order": reference}
    audit_record(
        organisation=note.organisation,
        actor=actor,
        action=AuditAction.CREDIT_NOTE_ISSUED,
        target=note,
        project=note.project,
        data={
            **data,
            "number": note.number,
            "invoice": target.number,
            "after": {
                "number": note.number,
                "milestone": milestone.pk,
                "net": str(note.net),
                "tax": str(note.tax),
                "gross": str(note.gross),
                "applied": description["applied"],
                "refund": description["refund"],
            },
        },
    )
    audit_record(
        organisation=note.organisation,
        actor=actor,
        action=AuditAction.INVOICE_CREDITED,
        target=target,
        project=note.project,
        data={
            **data,
            "number": target.number,
            "credit_note": note.number,
            "amount": str(note.gross),
            "before": before,
            "after": {"status": target.status, "credited": str(target.credited)},
        },
    )
    events.emit(
        EventType.INVOICE_ISSUED,
        organisation_id=note.organisation_id,
        invoice=note.pk,
        project=note.project_id,
    )
    warn_if_not_einvoice(note)
    return note

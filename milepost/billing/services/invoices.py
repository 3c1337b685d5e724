"""Issuing an invoice: its number, tax, amounts, and the seller, buyer and description frozen
at issue."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from milepost.accounts.models import User
from milepost.audit.actions import AuditAction
from milepost.audit.services import audit_record
from milepost.core import clock, events
from milepost.core.errors import RuleViolation
from milepost.core.events import EventType
from milepost.plans.models import Milestone

from ..einvoice import problems as einvoice_problems
from ..models import Invoice, InvoiceKind, InvoiceStatus
from ..rules import REVERSE_CHARGE_NOTE, Totals, totals
from .numbering import next_number

logger = logging.getLogger(__name__)


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


def invoice_amounts(milestone: Milestone) -> tuple[Totals, bool]:
    """What the milestone's invoice comes to (net, tax, gross) and whether reverse charge
    applies: what ``invoice_issue`` would invoice now, for a confirmation to state."""
    rate, reverse_charge, _note = _tax(milestone.project)
    return totals(milestone.budget, rate, milestone.project.currency), reverse_charge


@transaction.atomic
def invoice_issue(
    *, milestone: Milestone, trigger: str, actor: User | None = None, net: Decimal | None = None
) -> Invoice:
    """Issue the milestone's invoice for ``trigger``; a database constraint forbids a second.

    It invoices the milestone's budget, or ``net`` when a voided invoice is issued again for
    what it stood for (change orders since were invoiced or credited on their own).
    """
    if _open_invoice_exists(milestone, trigger):
        raise RuleViolation(_("This milestone is already invoiced."), code="already_invoiced")
    amounts, reverse_charge = invoice_amounts(milestone)
    if net is not None:
        amounts = totals(net, amounts.tax_rate, milestone.project.currency)
    deliverables = list(milestone.deliverables.order_by("position").values_list("title", flat=True))
    try:
        with transaction.atomic():
            invoice = issue_row(
                milestone=milestone,
                kind=InvoiceKind.INVOICE,
                trigger=trigger,
                amounts=amounts,
                reverse_charge=reverse_charge,
                description=invoice_description(milestone, deliverables),
                actor=actor,
            )
    except IntegrityError:
        if not _open_invoice_exists(milestone, trigger):
            raise  # another constraint: not a second invoice, so do not say it is one
        raise RuleViolation(
            _("This milestone is already invoiced."), code="already_invoiced"
        ) from None
    announce_issued(invoice, actor=actor)
    return invoice


def issue_row(
    *,
    milestone: Milestone,
    kind: str,
    trigger: str,
    amounts: Totals,
    reverse_charge: bool,
    description: dict,
    actor: User | None,
    tax_note: str | None = None,
    **fields,
) -> Invoice:
    """Write an invoice (or credit note) for ``milestone`` with the year's next number, the
    seller's and buyer's details as they are now, and the client's language.

    An invoice is due after the project's payment terms; a credit note, nothing to pay, on the
    day. ``fields`` are the kind's own (``change_order``, ``corrects``, ``status``).
    """
    project = milestone.project
    organisation = project.organisation
    client = project.client
    today = clock.today()
    sequence, number = next_number(organisation, today.year)
    invoice_kind = kind == InvoiceKind.INVOICE
    return Invoice.objects.create(
        organisation=organisation,
        project=project,
        milestone=milestone,
        kind=kind,
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
        tax_note=(REVERSE_CHARGE_NOTE if reverse_charge else "") if tax_note is None else tax_note,
        issue_date=today,
        due_date=today + dt.timedelta(days=project.payment_terms_days if invoice_kind else 0),
        seller=seller_snapshot(organisation),
        buyer=buyer_snapshot(client),
        description=description,
        payment_terms=(
            _("Payable within %(n)s days.") % {"n": project.payment_terms_days}
            if invoice_kind
            else ""
        ),
        language=client.language or settings.LANGUAGE_CODE,
        created_by=actor,
        **fields,
    )


def announce_issued(invoice: Invoice, *, actor: User | None, **extra) -> None:
    """The issued invoice's audit event and its domain event (the client is told, with the PDF),
    and a warning in the log when it is not a valid EN 16931 e-invoice."""
    audit_record(
        organisation=invoice.organisation,
        actor=actor,
        action=AuditAction.INVOICE_ISSUED,
        target=invoice,
        project=invoice.project,
        data={
            "after": {
                "number": invoice.number,
                "milestone": invoice.milestone_id,
                "trigger": invoice.trigger,
                "net": str(invoice.net),
                "tax": str(invoice.tax),
                "gross": str(invoice.gross),
                "currency": invoice.currency,
                **extra,
            }
        },
    )
    events.emit(
        EventType.INVOICE_ISSUED,
        organisation_id=invoice.organisation_id,
        invoice=invoice.pk,
        project=invoice.project_id,
    )
    warn_if_not_einvoice(invoice)


def warn_if_not_einvoice(invoice: Invoice) -> None:
    found = einvoice_problems(invoice)
    if found:  # issued all the same (approval never fails for this); the pages say what to fix
        logger.warning(
            "Invoice %s is not a valid EN 16931 e-invoice: %s", invoice.number, " ".join(found)
        )

"""Reads of invoices and payments, through the eyes of a user."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, F, Prefetch, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from milepost.accounts.permissions import roles_of
from milepost.core import clock
from milepost.core.errors import NotFound
from milepost.core.lookup import pk_of
from milepost.core.money import normalise
from milepost.core.ordering import order
from milepost.core.prepared import Prepared
from milepost.plans.lifecycle.milestone import REVIEWING
from milepost.plans.models import MONEY, BillingTrigger, Milestone, ProjectStatus
from milepost.plans.permissions import project_roles_of
from milepost.plans.selectors import visible_to

from .einvoice import Problem, party_problems, payment_problems, tax_category
from .models import Invoice, InvoiceKind, InvoiceStatus, Payment, StripeEvent
from .services import buyer_snapshot, seller_snapshot

UNPAID = (InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID)


#: How a list of invoices sorts (``core.ordering``): the newest issued first unless asked.
INVOICE_ORDERINGS = {
    "issued": ("issue_date", "id"),
    "number": ("number", "id"),
    "due": ("due_date", "id"),
    "gross": ("currency", "gross", "id"),
    "status": ("status", "due_date", "id"),
    "project": ("project__name", "issue_date", "id"),
    "updated_at": ("updated_at", "id"),  # a sync reads what changed in order (docs/sync.md)
}


def invoices_visible_to(
    user: Any,
    *,
    organisation_id: int | None = None,
    project_id: Any = None,
    status: str | None = None,
    client_id: Any = None,
    overdue: bool = False,
    search: str | None = None,
    ordering: str | None = None,
) -> QuerySet[Invoice]:
    """Invoices and credit notes the user may see, newest first (or by ``ordering``, a value of
        ``INVOICE_ORDERINGS``). ``status="overdue"`` and ``"unpaid"`` (issued or partly paid
    invoices) work; ``search`` finds a piece of the number,
        the project's name or the client's."""
    if organisation_id is not None and organisation_id in roles_of(user):
        # Members see every invoice of their organisation: no need for the wider test.
        invoices = Invoice.objects.filter(organisation_id=organisation_id)
    else:
        invoices = Invoice.objects.filter(visible_to(user, project="project_id"))
        if organisation_id is not None:
            invoices = invoices.filter(organisation_id=organisation_id)
    if project_id:
        invoices = invoices.filter(project_id=pk_of(project_id))
    if client_id:
        invoices = invoices.filter(project__client_id=pk_of(client_id))
    if status == "overdue" or overdue:
        invoices = invoices.filter(
            kind=InvoiceKind.INVOICE, status__in=UNPAID, due_date__lt=clock.today()
        )
    elif status == "unpaid":
        invoices = invoices.filter(kind=InvoiceKind.INVOICE, status__in=UNPAID)
    elif status:
        invoices = invoices.filter(status=status)
    if search:
        invoices = invoices.filter(
            Q(number__icontains=search)
            | Q(project__name__icontains=search)
            | Q(project__client__name__icontains=search)
        )
    # A credit note shows the number of the invoice it cancels or corrects.
    invoices = invoices.select_related("project__client", "credit_note_for", "corrects").order_by(
        "-issue_date", "-id"
    )
    return order(invoices, ordering, INVOICE_ORDERINGS)


def totals(invoices: QuerySet[Invoice]) -> list[dict[str, Any]]:
    """Issued, paid and outstanding over a list, one row per currency (voids left out)."""
    rows = (
        invoices.filter(kind=InvoiceKind.INVOICE)
        .exclude(status=InvoiceStatus.VOID)
        .order_by()
        .values("currency")
        .annotate(
            # What credit notes took off an invoice is no longer due (unpaid ones: never below 0).
            # Before ``paid`` is aggregated under the field's own name.
            outstanding=Coalesce(
                Sum(F("gross") - F("paid") - F("credited"), filter=Q(status__in=UNPAID)),
                Value(Decimal(0), output_field=DecimalField(**MONEY)),
            )
        )
        .annotate(issued=Sum("gross"), paid=Sum("paid"))
        .order_by("currency")
    )
    return [
        {
            "currency": r["currency"],
            "issued": r["issued"],
            "paid": r["paid"],
            "outstanding": r["outstanding"],
        }
        for r in rows
    ]


def invoice_get(user: Any, invoice_id: Any) -> Invoice:
    invoice = (
        Invoice.objects.filter(visible_to(user, project="project_id"), pk=pk_of(invoice_id))
        .select_related(
            "project",
            "project__client",
            "project__organisation",
            "milestone",
            "credit_note_for",
            "corrects",
            "organisation",
        )
        .prefetch_related(Prefetch("payments", queryset=payments_with_reversals()))
        .first()
    )
    if invoice is None:
        raise NotFound("Invoice not found.")
    return invoice


def payments_with_reversals() -> QuerySet[Payment]:
    """Payments with their reversal (if any) and who recorded and reversed them, in date order."""
    return Payment.objects.select_related(
        "recorded_by", "reversal", "reversal__reversed_by"
    ).order_by("date", "id")


def payment_get(user: Any, invoice_id: Any, payment_id: Any) -> Payment:
    """One payment of an invoice the user sees (404 when either is not visible or they do not
    belong together)."""
    invoice = invoice_get(user, invoice_id)
    payment = next((p for p in invoice.payments.all() if p.pk == pk_of(payment_id)), None)
    if payment is None:
        raise NotFound("Payment not found.")
    payment.invoice = invoice
    return payment


def approval_invoice(milestone: Any) -> Invoice | None:
    """The live invoice the milestone's approval issued (None: billed on start, or voided)."""
    return (
        Invoice.objects.filter(
            milestone_id=milestone.pk, kind=InvoiceKind.INVOICE, trigger="on_approval"
        )
        .exclude(status=InvoiceStatus.VOID)
        .only("number", "milestone_id", "gross", "currency", "due_date")
        .first()
    )


def change_order_documents(user: Any, change_order: Any) -> list[Invoice]:
    """The invoices and credit notes a change order issued on acceptance that the user sees."""
    return list(
        invoices_visible_to(user, project_id=change_order.project_id)
        .filter(change_order=change_order.label)
        .order_by("pk")
    )


def invoice_change_order_id(invoice: Invoice) -> int | None:
    """The id of the change order a change-order invoice settles (None: a milestone's own)."""
    from milepost.plans.models import ChangeOrder

    label = invoice.change_order or ""
    number = label.removeprefix("CO-")
    if not number.isdigit():
        return None
    return (
        ChangeOrder.objects.filter(project_id=invoice.project_id, number=int(number))
        .values_list("pk", flat=True)
        .first()
    )


def invoices_of_milestone(user: Any, milestone: Any) -> list[Invoice]:
    """The milestone's invoices and credit notes the user sees, in issue order (its page)."""
    return list(
        Invoice.objects.filter(visible_to(user, project="project_id"), milestone_id=milestone.pk)
        .only(
            "number",
            "kind",
            "status",
            "gross",
            "paid",
            "credited",
            "currency",
            "due_date",
            "issue_date",
        )
        .order_by("issue_date", "id")
    )


def paid_in_full_on(invoice: Invoice) -> dt.date | None:
    """The day the payment that settled ``invoice`` was made; None while anything is due.

    A reversed payment never settled anything. Reads the prefetched payments (with their
    reversals) when the invoice was loaded with them (``invoice_get``).
    """
    if invoice.kind != InvoiceKind.INVOICE or invoice.status != InvoiceStatus.PAID:
        return None
    return max(
        (payment.date for payment in invoice.payments.all() if not payment.is_reversed),
        default=None,
    )


def invoice_credited_by(invoice: Invoice) -> Invoice | None:
    """The credit note that voided ``invoice``, if one did."""
    try:
        return invoice.credit_note
    except Invoice.DoesNotExist:
        return None


def credited_by(invoice: Invoice) -> list[str]:
    """The numbers of the credit notes that took part of ``invoice`` off, in issue order."""
    return list(invoice.corrections.order_by("id").values_list("number", flat=True))


def invoices_visible_to_project(project) -> QuerySet[Invoice]:
    """A project's invoices and credit notes, for its page (visibility checked by the caller)."""
    return (
        Invoice.objects.filter(project=project)
        .only(
            "project_id",
            "milestone_id",
            "kind",
            "number",
            "description",
            "currency",
            "net",
            "gross",
            "paid",
            "credited",
            "corrects",
            "status",
            "due_date",
        )
        .order_by("issue_date", "id")
    )


def unpaid_invoices_before(milestone) -> list[Invoice]:
    """Unpaid invoices of the milestones before this one (pay-before-next)."""
    return list(
        Invoice.objects.filter(
            project_id=milestone.project_id,
            kind=InvoiceKind.INVOICE,
            status__in=UNPAID,
            milestone__position__lt=milestone.position,
        ).order_by("milestone__position")
    )


def project_money(project, invoices: Iterable[Invoice] | None = None) -> dict[str, Any]:
    """What the client has paid and been invoiced, before tax (like the plan's budgets).

    A partly paid invoice counts in proportion: paid * net / gross; a credit note correcting an
    invoice (a change order's cut) takes its net off what was invoiced. Pass the project's
    ``invoices`` when the caller has them loaded already, to save a query.
    """
    if invoices is None:
        invoices = (
            Invoice.objects.filter(
                Q(kind=InvoiceKind.INVOICE) | Q(corrects__isnull=False), project=project
            )
            .exclude(status=InvoiceStatus.VOID)
            .only("net", "gross", "paid", "currency", "kind", "status", "corrects")
        )
    paid_net = invoiced_net = Decimal(0)
    for invoice in invoices:
        if invoice.kind == InvoiceKind.CREDIT_NOTE and invoice.corrects_id:
            invoiced_net -= invoice.net
        if invoice.kind != InvoiceKind.INVOICE or invoice.status == InvoiceStatus.VOID:
            continue
        invoiced_net += invoice.net
        if invoice.paid:
            paid_net += invoice.paid * invoice.net / invoice.gross
    return {
        "paid": normalise(paid_net, project.currency),
        "invoiced": normalise(invoiced_net, project.currency),
    }


def ignored_stripe_events(organisation_id: int, limit: int = 20) -> list[StripeEvent]:
    """Stripe events that booked nothing (a mismatch), newest first: the owners check them."""
    return list(
        StripeEvent.objects.filter(organisation_id=organisation_id, outcome="ignored")
        .select_related("invoice")
        .only("event_id", "type", "reason", "received_at", "invoice__number")
        .order_by("-received_at", "-id")[:limit]
    )


def organisation_einvoice_problems(organisation: Any) -> list[Problem]:
    """What the organisation's invoices would lack as EN 16931 e-invoices, before any exists.

    The same rules as an issued invoice's (``einvoice.invoice_problems``), applied to the
    seller snapshot the next invoice would take. No query: the loaded organisation is enough.
    """
    category = tax_category(False, organisation.tax_rate)
    return party_problems(seller_snapshot(organisation), None, category)


def client_einvoice_problems(client: Any) -> list[Problem]:
    """What invoices to ``client`` would lack as EN 16931 e-invoices (the buyer's side only)."""
    # The buyer's rules only tell reverse charge (AE) apart, so the rate is not read here.
    category = tax_category(client.reverse_charge, Decimal(1))
    return party_problems(None, buyer_snapshot(client), category)


def organisation_bank_problems(organisation: Any, currency: str | None = None) -> list[Problem]:
    """What the next invoices' seller snapshot lacks to say where to pay (no query).

    ``currency`` is the invoices' (a project's); the organisation's default when not given.
    """
    return payment_problems(
        seller_snapshot(organisation), currency or organisation.default_currency
    )


# --- Money at a glance ---------------------------------------------------------------------------


def _invoiced(organisation_id: int, today: dt.date, month_start: dt.date) -> QuerySet:
    unpaid = Q(status__in=sorted(UNPAID))
    overdue = unpaid & Q(due_date__lt=today)
    zero = Value(Decimal(0), output_field=DecimalField(**MONEY))
    return (
        Invoice.objects.filter(organisation_id=organisation_id, kind=InvoiceKind.INVOICE)
        .exclude(status=InvoiceStatus.VOID)
        .order_by()
        .values("currency")
        .annotate(
            invoiced_month=Coalesce(Sum("gross", filter=Q(issue_date__gte=month_start)), zero),
            outstanding=Coalesce(Sum(F("gross") - F("paid") - F("credited"), filter=unpaid), zero),
            overdue=Coalesce(Sum(F("gross") - F("paid") - F("credited"), filter=overdue), zero),
            overdue_count=Count("id", filter=overdue),
        )
    )


#: The dashboard's money, compiled once (``core.prepared``): it runs on every visit.
_INVOICED = Prepared(_invoiced, organisation_id=int, today=dt.date, month_start=dt.date)
_IN_REVIEW = Prepared(
    lambda organisation_id: (
        Milestone.objects.filter(
            project__organisation_id=organisation_id,
            project__status=ProjectStatus.ACTIVE,
            status__in=sorted(REVIEWING),
            billing_trigger=BillingTrigger.ON_APPROVAL,
        )
        .order_by()
        .values("project__currency")
        .annotate(total=Sum("budget"))
    ),
    organisation_id=int,
)


def money_at_a_glance(organisation_id: int) -> list[dict[str, Any]]:
    """The agency's money per currency (two queries, never mixing currencies): gross invoiced
    this month, outstanding and overdue (with how many invoices are overdue), and the net budget
    of milestones in review that their approval will invoice. Currencies with nothing to show
    are left out."""
    today = clock.today()
    rows = _INVOICED(organisation_id=organisation_id, today=today, month_start=today.replace(day=1))
    in_review = [
        (row["project__currency"], row["total"])
        for row in _IN_REVIEW(organisation_id=organisation_id)
    ]
    glance: dict[str, dict[str, Any]] = {}
    for row in rows:
        glance[row["currency"]] = {**row, "in_review": Decimal(0)}
    for currency, total in in_review:
        entry = glance.setdefault(
            currency,
            {
                "currency": currency,
                "invoiced_month": Decimal(0),
                "outstanding": Decimal(0),
                "overdue": Decimal(0),
                "overdue_count": 0,
            },
        )
        entry["in_review"] = total
    return [
        entry
        for _currency, entry in sorted(glance.items())
        if entry["invoiced_month"] or entry["outstanding"] or entry["in_review"]
    ]


def open_invoices_by_due_date(organisation_id: int, *, limit: int = 8) -> list[Invoice]:
    """The next payments the agency expects: unpaid invoices, the earliest due first."""
    return list(
        Invoice.objects.filter(
            organisation_id=organisation_id, kind=InvoiceKind.INVOICE, status__in=UNPAID
        )
        .select_related("project__client")
        .only(
            "number",
            "currency",
            "gross",
            "paid",
            "credited",
            "status",
            "kind",
            "due_date",
            "project__name",
            "project__client__name",
        )
        .order_by("due_date", "id")[:limit]
    )


def invoices_owed_by(user: Any, *, limit: int = 50) -> list[Invoice]:
    """What a client contact owes: unpaid invoices of the projects shared with them (the ones
    whose invoices they see, ``plans.permissions.INVOICE``), the earliest due first. Only
    projects shared with them as a contact: an agency's own invoices are not its to pay."""
    return list(
        Invoice.objects.filter(
            project_id__in=list(project_roles_of(user)),
            kind=InvoiceKind.INVOICE,
            status__in=UNPAID,
        )
        .select_related("project", "project__organisation")
        .only(
            "number",
            "currency",
            "gross",
            "paid",
            "credited",
            "status",
            "kind",
            "due_date",
            "project__name",
            "project__organisation__name",
        )
        .order_by("due_date", "id")[:limit]
    )


def owed_totals(invoices: Iterable[Invoice]) -> list[dict[str, Any]]:
    """What is outstanding and overdue in a list of unpaid invoices, per currency."""
    totals_by: dict[str, dict[str, Any]] = {}
    for invoice in invoices:
        row = totals_by.setdefault(
            invoice.currency,
            {"currency": invoice.currency, "outstanding": Decimal(0), "overdue": Decimal(0)},
        )
        row["outstanding"] += invoice.outstanding
        if invoice.is_overdue:
            row["overdue"] += invoice.outstanding
    return [totals_by[c] for c in sorted(totals_by)]

"""The client's payment schedule on a project: what they will be asked to pay, for which
milestone and when, beside what was invoiced and paid already. It moves with the forecast.

A milestone whose billing trigger has not fired yet is expected to be invoiced on its forecast
end (billed on approval) or its forecast start (billed on start, a prepayment), for its budget
with the project's tax as billing would invoice it now (``billing.services.invoice_amounts``),
due after the project's payment terms. What was issued is listed as it stands: invoices (a
change order's price on an invoiced milestone included) with what is paid and outstanding,
and credit notes as negative amounts. A cancelled or completed project expects nothing more.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch

from milepost.billing.models import Invoice, InvoiceKind, InvoiceStatus
from milepost.billing.selectors import paid_in_full_on, payments_with_reversals
from milepost.billing.services import invoice_amounts
from milepost.core.errors import NotFound
from milepost.core.money import normalise
from milepost.plans.lifecycle.milestone import DONE, MilestoneStatus
from milepost.plans.lifecycle.project import ENDED
from milepost.plans.models import BillingTrigger, Milestone, Project
from milepost.plans.permissions import can_view_project

from .selectors import has_baseline
from .timeline import Timeline, project_timeline

EXPECTED = "expected"


@dataclass(frozen=True)
class Line:
    """One payment the client is asked for (or was): ``kind`` is ``expected``, ``invoice`` or
    ``credit_note``; ``amount`` is gross, negative for a credit note."""

    kind: str
    milestone: Milestone
    date: dt.date  # issued on (or forecast to be)
    due: dt.date
    amount: Decimal
    paid: Decimal
    outstanding: Decimal
    status: str  # ``expected`` or the invoice's status
    overdue: bool = False
    invoice: Invoice | None = None
    trigger: str = ""
    change_order: str = ""
    paid_on: dt.date | None = None


@dataclass
class Schedule:
    project: Project
    lines: list[Line]
    accepted: bool

    @property
    def currency(self) -> str:
        return self.project.currency

    def _sum(self, field: str, kinds: tuple[str, ...]) -> Decimal:
        total = sum((getattr(line, field) for line in self.lines if line.kind in kinds), Decimal(0))
        return normalise(total, self.currency)

    @property
    def invoiced(self) -> Decimal:
        """Invoiced, less what credit notes took back (a voided invoice nets out)."""
        return self._sum("amount", (InvoiceKind.INVOICE, InvoiceKind.CREDIT_NOTE))

    @property
    def paid(self) -> Decimal:
        return self._sum("paid", (InvoiceKind.INVOICE,))

    @property
    def outstanding(self) -> Decimal:
        return self._sum("outstanding", (InvoiceKind.INVOICE,))

    @property
    def expected(self) -> Decimal:
        return self._sum("amount", (EXPECTED,))

    @property
    def total(self) -> Decimal:
        return normalise(self.invoiced + self.expected, self.currency)

    @property
    def overdue(self) -> int:
        return sum(1 for line in self.lines if line.overdue)


def payment_schedule(user: Any, project: Project, timeline: Timeline | None = None) -> Schedule:
    """The schedule of ``project`` (read by ``plans.selectors.project_row``) as ``user``
    sees it, NotFound when they may not: empty until the client accepts the plan. Pass the
    project's ``timeline`` when the caller has it (the timeline page)."""
    if not can_view_project(user, project):
        raise NotFound("Project not found.")
    if not has_baseline(project):
        return Schedule(project, [], accepted=False)
    timeline = timeline or project_timeline(project)
    milestones = {row.milestone.pk: row.milestone for row in timeline.rows}
    invoices = list(
        Invoice.objects.filter(project=project)
        .prefetch_related(Prefetch("payments", queryset=payments_with_reversals()))
        .order_by("issue_date", "id")
    )
    lines = [
        _issued(invoice, milestones) for invoice in invoices if invoice.milestone_id in milestones
    ]
    if project.status not in ENDED:
        lines += _expected(timeline, invoices)
    lines.sort(key=lambda line: (line.date, line.milestone.position, line.kind != EXPECTED))
    return Schedule(project, lines, accepted=True)


def _issued(invoice: Invoice, milestones: dict[int, Milestone]) -> Line:
    credit = invoice.kind == InvoiceKind.CREDIT_NOTE
    gross = invoice.amount("gross")
    return Line(
        kind=invoice.kind,
        milestone=milestones[invoice.milestone_id],
        date=invoice.issue_date,
        due=invoice.due_date,
        amount=-gross if credit else gross,
        paid=invoice.amount("paid"),
        outstanding=invoice.outstanding,
        status=invoice.status,
        overdue=invoice.is_overdue,
        invoice=invoice,
        trigger=invoice.trigger,
        change_order=invoice.change_order,
        paid_on=paid_in_full_on(invoice),
    )


def fires_later(milestone: Milestone) -> bool:
    """Whether the milestone's billing trigger is still to fire: its approval (it is not
    approved yet) or its start (it has not started)."""
    if milestone.billing_trigger == BillingTrigger.ON_START:
        return milestone.status == MilestoneStatus.PLANNED
    return milestone.status not in DONE


def _expected(timeline: Timeline, invoices: list[Invoice]) -> list[Line]:
    live = {
        (i.milestone_id, i.trigger)
        for i in invoices
        if i.kind == InvoiceKind.INVOICE and i.status != InvoiceStatus.VOID
    }
    terms = dt.timedelta(days=timeline.project.payment_terms_days)
    lines = []
    for row in timeline.rows:
        m = row.milestone
        if not fires_later(m) or (m.pk, m.billing_trigger) in live:
            continue
        on_start = m.billing_trigger == BillingTrigger.ON_START
        day = row.forecast.start if on_start else row.forecast.end
        gross = invoice_amounts(m)[0].gross
        lines.append(
            Line(
                kind=EXPECTED,
                milestone=m,
                date=day,
                due=day + terms,
                amount=gross,
                paid=normalise(Decimal(0), timeline.project.currency),
                outstanding=gross,
                status=EXPECTED,
                trigger=m.billing_trigger,
            )
        )
    return lines

"""Every write of the stored forecasts: recomputed from ``forecast.timeline`` for a project or
many, in bulk, one transaction per batch. Nothing else writes them.

They are refreshed after every change that moves a forecast (``forecast.handlers``, on
commit), daily for every active and on-hold project by the scheduler (``refresh_stale``: today
moves forecasts), and by ``manage.py forecast_refresh``.

Expected money, for a milestone not invoiced yet: its invoice on the day its billing trigger
is expected to fire (approval: the forecast end; start, a prepayment: the forecast start), for
the gross its invoice would have now (``billing.services.invoice_amounts``), and its payment
after the project's payment terms plus the client's average payment delay
(:func:`client_payment_delays`).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Max, Q

from milepost.billing.models import CHANGE_ORDER, Invoice, InvoiceKind, InvoiceStatus
from milepost.billing.services import invoice_amounts
from milepost.core import clock
from milepost.plans.models import BillingTrigger, Project, ProjectStatus

from .models import ClientForecast, MilestoneForecast, ProjectForecast
from .timeline import Timeline, project_timelines

logger = logging.getLogger(__name__)

#: The projects that have a forecast: the others have ended, or were never accepted.
FORECAST_STATUSES = (ProjectStatus.ACTIVE, ProjectStatus.ON_HOLD)
#: Projects refreshed in one transaction (and one set of queries).
BATCH = 200
#: Projects the scheduler refreshes per run (it runs every minute).
PER_RUN = 400


def refresh(project: Project | int, *, today: dt.date | None = None) -> ProjectForecast | None:
    """Recompute the stored forecast of one project; None when it has none (it is not active
    or on hold: its rows are removed)."""
    pk = getattr(project, "pk", project)
    refresh_many([pk], today=today)
    return ProjectForecast.objects.filter(project_id=pk).first()


def refresh_many(
    project_ids: Iterable[int], *, today: dt.date | None = None, skip_locked: bool = False
) -> int:
    """Recompute the stored forecasts of the projects, ``BATCH`` at a time, each batch in one
    transaction; return how many projects now have one. ``skip_locked``: leave projects another
    transaction holds (the scheduler takes them at its next run)."""
    today = today or clock.today()
    ids = sorted(set(project_ids))
    delays: dict[int, int] = {}
    stored = 0
    for i in range(0, len(ids), BATCH):
        with transaction.atomic():
            stored += _refresh_batch(ids[i : i + BATCH], today, delays, skip_locked)
    return stored


def refresh_stale(*, today: dt.date | None = None, limit: int = PER_RUN) -> int:
    """Refresh the active and on-hold projects whose forecast is missing, from an earlier day
    or marked stale (at most ``limit``), and drop the forecasts of projects that have ended:
    what the scheduler runs. Running it again the same day finds nothing to do."""
    today = today or clock.today()
    ended = ProjectForecast.objects.exclude(project__status__in=FORECAST_STATUSES)
    ended_ids = list(ended.values_list("project_id", flat=True)[:limit])
    if ended_ids:
        with transaction.atomic():
            MilestoneForecast.objects.filter(project_id__in=ended_ids).delete()
            ProjectForecast.objects.filter(project_id__in=ended_ids).delete()
    due = list(
        Project.objects.filter(status__in=FORECAST_STATUSES)
        .filter(
            Q(forecast__isnull=True) | Q(forecast__computed_on__lt=today) | Q(forecast__stale=True)
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    return refresh_many(due, today=today, skip_locked=True) if due else 0


def refresh_all(*, today: dt.date | None = None) -> int:
    """Refresh every active and on-hold project, and drop the forecasts of the others."""
    MilestoneForecast.objects.exclude(project__status__in=FORECAST_STATUSES).delete()
    ProjectForecast.objects.exclude(project__status__in=FORECAST_STATUSES).delete()
    ids = Project.objects.filter(status__in=FORECAST_STATUSES).values_list("pk", flat=True)
    return refresh_many(list(ids), today=today)


def _refresh_batch(
    ids: Sequence[int], today: dt.date, delays: dict[int, int], skip_locked: bool
) -> int:
    # The project rows are locked (in id order) so that two refreshes of one project queue;
    # ``of`` keeps the organisation and client rows free.
    projects = list(
        Project.objects.filter(pk__in=ids)
        .select_related("organisation", "client")
        .select_for_update(of=("self",), skip_locked=skip_locked)
        .order_by("pk")
    )
    locked = [p.pk for p in projects]
    MilestoneForecast.objects.filter(project_id__in=locked).delete()
    ProjectForecast.objects.filter(project_id__in=locked).delete()
    live = [p for p in projects if p.status in FORECAST_STATUSES]
    if not live:
        return 0
    changed = _store_client_delays({p.client_id for p in live} - delays.keys(), today, delays)
    invoiced = _invoiced_milestones([p.pk for p in live])
    timelines = project_timelines(live, today=today)
    ProjectForecast.objects.bulk_create([_project_row(t) for t in timelines])
    MilestoneForecast.objects.bulk_create(
        [row for t in timelines for row in _milestone_rows(t, invoiced, delays)]
    )
    if changed:
        # Their other projects' expected payments moved with the client's delay.
        ProjectForecast.objects.filter(project__client_id__in=changed).exclude(
            project_id__in=locked
        ).update(stale=True)
    return len(live)


def _project_row(timeline: Timeline) -> ProjectForecast:
    project = timeline.project
    return ProjectForecast(
        project=project,
        organisation_id=project.organisation_id,
        computed_on=timeline.today,
        forecast_end=timeline.forecast_end,
        slip_baseline=timeline.slip_baseline,
        slip_plan=timeline.slip_plan,
        agency_days=timeline.hands.agency,
        client_days=timeline.hands.client,
    )


def _milestone_rows(
    timeline: Timeline, invoiced: set[int], delays: dict[int, int]
) -> list[MilestoneForecast]:
    project = timeline.project
    wait = dt.timedelta(days=project.payment_terms_days + delays.get(project.client_id, 0))
    rows = []
    for row in timeline.rows:
        milestone, found = row.milestone, row.forecast
        expected = {}
        if not found.done and milestone.pk not in invoiced:
            day = found.start if milestone.billing_trigger == BillingTrigger.ON_START else found.end
            amounts, _reverse_charge = invoice_amounts(milestone)
            expected = {
                "invoice_date": day,
                "amount": amounts.gross,
                "currency": project.currency,
                "payment_date": day + wait,
            }
        rows.append(
            MilestoneForecast(
                milestone=milestone,
                project=project,
                organisation_id=project.organisation_id,
                start=found.start,
                end=found.end,
                **expected,
            )
        )
    return rows


def _invoiced_milestones(project_ids: list[int]) -> set[int]:
    """The milestones whose own invoice (on approval or on start, not voided) was issued."""
    return set(
        Invoice.objects.filter(project_id__in=project_ids, kind=InvoiceKind.INVOICE)
        .exclude(status=InvoiceStatus.VOID)
        .exclude(trigger=CHANGE_ORDER)
        .values_list("milestone_id", flat=True)
    )


# --- How late each client pays -----------------------------------------------------------------


def client_payment_delays(client_ids: Iterable[int]) -> dict[int, tuple[int, int]]:
    """Each client's average payment delay in days and how many paid invoices it was read
    from: over its paid invoices, the days from the due date to the last payment, averaged and
    rounded half up; 0 when it has paid none, or pays on time or early on average. One query."""
    ids = list(client_ids)
    spans: dict[int, list[int]] = {pk: [] for pk in ids}
    rows = (
        Invoice.objects.filter(
            project__client_id__in=ids, kind=InvoiceKind.INVOICE, status=InvoiceStatus.PAID
        )
        .values("pk", "project__client_id", "due_date")
        .annotate(paid_on=Max("payments__date", filter=Q(payments__reversal__isnull=True)))
        .order_by()
    )
    for row in rows:
        if row["paid_on"] is not None:
            spans[row["project__client_id"]].append((row["paid_on"] - row["due_date"]).days)
    return {pk: (_average_delay(days), len(days)) for pk, days in spans.items()}


def _average_delay(days: list[int]) -> int:
    if not days:
        return 0
    mean = (Decimal(sum(days)) / len(days)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return max(int(mean), 0)


def _store_client_delays(client_ids: set[int], today: dt.date, delays: dict[int, int]) -> set[int]:
    """Read the clients' delays into ``delays`` and store them; return the clients whose delay
    is not the one stored before."""
    if not client_ids:
        return set()
    found = client_payment_delays(client_ids)
    before = dict(
        ClientForecast.objects.filter(client_id__in=client_ids).values_list(
            "client_id", "payment_delay"
        )
    )
    ClientForecast.objects.bulk_create(
        [
            ClientForecast(
                client_id=pk, payment_delay=delay, paid_invoices=count, computed_on=today
            )
            for pk, (delay, count) in found.items()
        ],
        update_conflicts=True,
        unique_fields=["client"],
        update_fields=["payment_delay", "paid_invoices", "computed_on"],
    )
    delays.update({pk: delay for pk, (delay, _count) in found.items()})
    return {pk for pk, (delay, _count) in found.items() if before.get(pk, 0) != delay}

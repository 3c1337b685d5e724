"""A user's dates as an iCalendar feed: milestone due dates, review deadlines, invoice dues, and
the forecast due date of a milestone where it differs from the plan ("Forecast: …")."""

from __future__ import annotations

import datetime as dt
from itertools import groupby

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event

from milepost.billing.models import Invoice, InvoiceKind
from milepost.billing.selectors import UNPAID
from milepost.core import clock
from milepost.forecast.rules import Forecast
from milepost.forecast.timeline import forecasts_of
from milepost.plans.lifecycle.milestone import DONE
from milepost.plans.models import Milestone, Project, ProjectStatus
from milepost.plans.selectors import visible_to

HOST = "milepost"
VISIBLE_PROJECTS = (ProjectStatus.ACTIVE, ProjectStatus.PROPOSED, ProjectStatus.ON_HOLD)


def _event(uid: str, summary: str, day: dt.date, url: str, description: str = "") -> Event:
    event = Event()
    event.add("uid", f"{uid}@{HOST}")  # stable: a changed date updates the same event
    event.add("dtstamp", clock.now())
    event.add("summary", summary)
    event.add("dtstart", day)
    event.add("dtend", day + dt.timedelta(days=1))
    event.add("url", settings.SITE_URL + url)
    if description:
        event.add("description", description)
    return event


def feed(user) -> bytes:
    """Every date the user can see, as RFC 5545 text."""
    cal = Calendar()
    cal.add("prodid", "-//Milepost//Milestones//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"Milepost · {user.get_full_name()}")
    milestones = list(
        Milestone.objects.filter(
            visible_to(user, organisation="project__organisation_id", project="project_id"),
            project__status__in=VISIBLE_PROJECTS,
        )
        .select_related("project__organisation")
        .order_by("project_id", "position")
    )
    forecasts = _forecasts(milestones)
    for m in milestones:
        url = reverse("web:milestone_detail", args=[m.pk])
        if m.status not in DONE:
            cal.add_component(
                _event(
                    f"milestone-{m.pk}-due",
                    f"Due: {m.title} ({m.project.name})",
                    m.planned_due,
                    url,
                    m.scope,
                )
            )
        found = forecasts.get(m.pk)
        if found is not None and not found.done and found.slip_plan:
            cal.add_component(_forecast_event(m, found, url))
        if m.auto_approve_at is not None:
            cal.add_component(
                _event(
                    f"milestone-{m.pk}-review",
                    f"Review deadline: {m.title}",
                    timezone.localdate(m.auto_approve_at),
                    url,
                    "Approved automatically on this day without an answer.",
                )
            )
    invoices = Invoice.objects.filter(
        visible_to(user, organisation="project__organisation_id", project="project_id"),
        kind=InvoiceKind.INVOICE,
        status__in=UNPAID,
    ).select_related("project")
    for inv in invoices:
        cal.add_component(
            _event(
                f"invoice-{inv.pk}-due",
                f"Invoice {inv.number} due",
                inv.due_date,
                reverse("web:invoice_detail", args=[inv.pk]),
                f"{inv.amount('gross')} {inv.currency}",
            )
        )
    return cal.to_ical()


#: Projects whose milestones have a forecast: the plan was accepted and the work goes on.
FORECAST_PROJECTS = (ProjectStatus.ACTIVE, ProjectStatus.ON_HOLD)


def _forecasts(milestones: list[Milestone]) -> dict[int, Forecast]:
    """Each milestone's forecast (``forecast.timeline.forecasts_of``), project by project,
    without a query: the feed holds every milestone of the projects it shows."""
    found: dict[int, Forecast] = {}
    today = clock.today()
    for _pk, group in groupby(milestones, key=lambda m: m.project_id):
        group = list(group)
        project: Project = group[0].project
        if project.status in FORECAST_PROJECTS and project.plan_version >= 1:
            found.update(forecasts_of(project, group, today=today))
    return found


def _forecast_event(m: Milestone, found: Forecast, url: str) -> Event:
    """The forecast due date, named so nobody takes it for the plan's."""
    planned = f"{m.planned_due.day} {m.planned_due:%b}"
    days = abs(found.slip_plan)
    plural = "" if days == 1 else "s"
    side = "later than" if found.slip_plan > 0 else "earlier than"
    return _event(
        f"milestone-{m.pk}-forecast",
        f"Forecast: {m.title} due (plan: {planned})",
        found.end,
        url,
        f"{m.project.name}: forecast {days} working day{plural} {side} the plan "
        f"({m.planned_due.day} {m.planned_due:%b %Y}), from what has happened so far.",
    )

"""A user's dates as an iCalendar feed: milestone due dates, review deadlines, invoice dues."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event

from milepost.billing.models import Invoice, InvoiceKind
from milepost.billing.selectors import UNPAID
from milepost.core import clock
from milepost.plans.lifecycle.milestone import DONE
from milepost.plans.models import Milestone, ProjectStatus
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
    milestones = Milestone.objects.filter(
        visible_to(user, organisation="project__organisation_id", project="project_id"),
        project__status__in=VISIBLE_PROJECTS,
    ).select_related("project")
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

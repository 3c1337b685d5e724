"""Reminders driven by time. Each is sent at most once per occasion (a unique key)."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from milepost.core import clock
from milepost.plans.lifecycle.milestone import OPEN, REVIEWING, SOURCES, MilestoneAction
from milepost.plans.models import Milestone, MilestoneStatus, ProjectStatus
from milepost.plans.rules import add_working_days, is_working_day
from milepost.plans.services.common import holidays_for

from . import recipients as who
from .models import Category, Reminder
from .services import notify
from .wording import Money, Text


def once(key: str, send) -> bool:
    """Run ``send`` only if no reminder with ``key`` was sent; both commit together."""
    try:
        with transaction.atomic():
            Reminder.objects.create(key=key, created_at=clock.now())
            send()
    except IntegrityError:
        return False
    return True


def _active_milestones():
    """Reminders about work are for active projects: paused while on hold, over once cancelled
    (overdue invoices are reminded in every state: the work behind them is done)."""
    return Milestone.objects.filter(project__status=ProjectStatus.ACTIVE).select_related(
        "project", "project__client", "project__organisation"
    )


def review_reminders(now: dt.datetime) -> int:
    """Reviews waiting 3 days, and 1 day before auto-approval: client approvers."""
    sent = 0
    for m in _active_milestones().filter(status__in=REVIEWING, review_started_at__isnull=False):
        delivery = m.deliveries.order_by("-number").values_list("number", flat=True).first()
        url = reverse("web:milestone_detail", args=[m.pk])
        if now >= m.review_started_at + dt.timedelta(days=3):
            sent += once(
                f"review-waiting:{m.pk}:v{delivery}",
                lambda m=m, url=url: notify(
                    users=who.client_approvers(m.project),
                    category=Category.REVIEW_REMINDER,
                    organisation=m.project.organisation,
                    url=url,
                    title=Text(
                        _("“%(title)s” of %(project)s has been waiting for your review for 3 days"),
                        title=m.title,
                        project=m.project.name,
                    ),
                ),
            )
        auto = m.auto_approve_at
        if auto is not None and auto - dt.timedelta(days=1) <= now < auto:
            sent += once(
                f"review-auto-tomorrow:{m.pk}:v{delivery}",
                lambda m=m, url=url, auto=auto: notify(
                    users=who.client_approvers(m.project),
                    category=Category.REVIEW_REMINDER,
                    organisation=m.project.organisation,
                    url=url,
                    title=Text(
                        _("“%(title)s” of %(project)s will be approved automatically on %(date)s"),
                        title=m.title,
                        project=m.project.name,
                        date=timezone.localdate(auto),
                    ),
                    body=_("Approve it or ask for changes before then."),
                ),
            )
    return sent


def due_reminders(now: dt.datetime) -> int:
    """Due in 2 working days, or overdue against plan: the agency's team."""
    today = clock.today()
    sent = 0
    # Not done, and not with the client for review: the agency's to finish.
    for m in _active_milestones().filter(
        status__in=OPEN - REVIEWING, planned_due__lte=today + dt.timedelta(days=7)
    ):
        url = reverse("web:milestone_detail", args=[m.pk])
        team = who.agency_team(m.project.organisation_id)
        if m.planned_due < today:
            sent += once(
                f"overdue:{m.pk}:{m.planned_due}",
                lambda m=m, url=url, team=team: notify(
                    users=team,
                    category=Category.DUE_REMINDER,
                    url=url,
                    organisation=m.project.organisation,
                    title=Text(
                        _("“%(title)s” of %(project)s is overdue: it was due %(date)s"),
                        title=m.title,
                        project=m.project.name,
                        date=m.planned_due,
                    ),
                ),
            )
            continue
        hols = holidays_for(m.project.organisation.country, range(today.year, today.year + 2))
        start = today + dt.timedelta(days=1)
        while not is_working_day(start, hols):
            start += dt.timedelta(days=1)
        soon = add_working_days(start, 2, hols)
        if today < m.planned_due <= soon:
            sent += once(
                f"due-soon:{m.pk}:{m.planned_due}",
                lambda m=m, url=url, team=team: notify(
                    users=team,
                    category=Category.DUE_REMINDER,
                    url=url,
                    organisation=m.project.organisation,
                    title=Text(
                        _("“%(title)s” of %(project)s is due on %(date)s"),
                        title=m.title,
                        project=m.project.name,
                        date=m.planned_due,
                    ),
                ),
            )
    return sent


def invoice_reminders(now: dt.datetime) -> int:
    """Overdue invoices, 1 and 7 days after the due date: client approvers; agency managers."""
    from milepost.billing.models import Invoice, InvoiceKind
    from milepost.billing.selectors import UNPAID

    today = clock.today()
    sent = 0
    overdue = Invoice.objects.filter(
        kind=InvoiceKind.INVOICE, status__in=UNPAID, due_date__lte=today - dt.timedelta(days=1)
    ).select_related("project", "organisation")
    for inv in overdue:
        url = reverse("web:invoice_detail", args=[inv.pk])
        for days in (1, 7):
            if today >= inv.due_date + dt.timedelta(days=days):
                sent += once(
                    f"invoice-overdue:{inv.pk}:{days}",
                    lambda inv=inv, url=url, d=days: _invoice_overdue(inv, url, d),
                )
    return sent


def _invoice_overdue(inv, url: str, days: int) -> None:
    title = Text(
        ngettext_lazy(
            "Invoice %(number)s for %(project)s is %(days)s day overdue",
            "Invoice %(number)s for %(project)s is %(days)s days overdue",
            "days",
        ),
        number=inv.number,
        project=inv.project.name,
        days=days,
    )
    body = Text(
        _("%(amount)s outstanding, due %(due)s."),
        amount=Money(inv.outstanding, inv.currency),
        due=inv.due_date,
    )
    notify(
        users=who.client_approvers(inv.project),
        category=Category.INVOICE_OVERDUE,
        organisation=inv.organisation,
        url=url,
        title=title,
        body=body,
    )
    notify(
        users=who.agency_managers(inv.organisation_id),
        category=Category.INVOICE_OVERDUE,
        organisation=inv.organisation,
        url=url,
        title=title,
        body=body,
    )


def support_window_reminders(now: dt.datetime) -> int:
    """Support window ends in 3 days; and closed: client approvers."""
    sent = 0
    # Approving the last milestone completes the project: its support windows still run.
    for m in Milestone.objects.filter(
        project__status__in=[ProjectStatus.ACTIVE, ProjectStatus.COMPLETED],
        status__in=SOURCES[MilestoneAction.SUPPORT_REQUEST],
        support_ends_at__isnull=False,
        support_ends_at__lte=now + dt.timedelta(days=3),
        support_ends_at__gt=now,
    ).select_related("project", "project__client", "project__organisation"):
        sent += once(
            f"support-ending:{m.pk}",
            lambda m=m: notify(
                users=who.client_approvers(m.project),
                category=Category.SUPPORT_WINDOW,
                organisation=m.project.organisation,
                url=reverse("web:milestone_detail", args=[m.pk]),
                title=Text(
                    _("The support window of “%(title)s” of %(project)s ends on %(date)s"),
                    title=m.title,
                    project=m.project.name,
                    date=timezone.localdate(m.support_ends_at),
                ),
                body=_("File any small fixes you still need before then."),
            ),
        )
    for m in (
        Milestone.objects.filter(status=MilestoneStatus.CLOSED)
        .select_related("project", "project__organisation")
        .filter(closed_at__gte=now - dt.timedelta(days=7))
    ):
        sent += once(
            f"support-closed:{m.pk}",
            lambda m=m: notify(
                users=who.client_approvers(m.project),
                category=Category.SUPPORT_WINDOW,
                organisation=m.project.organisation,
                url=reverse("web:milestone_detail", args=[m.pk]),
                title=Text(
                    _("The support window of “%(title)s” of %(project)s has closed"),
                    title=m.title,
                    project=m.project.name,
                ),
            ),
        )
    return sent

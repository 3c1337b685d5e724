"""The scheduler moved through time: reminders once per occasion, auto-approval, windows closing.

Everything runs with the clock frozen (``clock.frozen``) and ``tick(now)`` called at that moment,
as the worker does every minute.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter

import pytest
from django.core import mail
from django.db import connection

from milepost.audit.actions import AuditAction
from milepost.audit.models import AuditEvent
from milepost.billing.models import Invoice, InvoiceKind
from milepost.core import clock
from milepost.mail.models import OutgoingEmail
from milepost.notify.models import Category, Notification, Reminder
from milepost.notify.scheduler import tick
from milepost.plans.models import MilestoneStatus
from milepost.reviews.models import Approval

from .conftest import START, at, counts, make_flow

MONDAY = START  # 2027-01-04; milestone 1 runs 4 to 15 January 2027 (due Friday the 15th)


def tick_at(now: dt.datetime) -> dict[str, int]:
    with clock.frozen(now):
        return tick(now)


def told(category: str, **filters) -> Counter:
    """How many notifications of ``category`` each user got."""
    return Counter(
        Notification.objects.filter(category=category, **filters).values_list("user_id", flat=True)
    )


def ids(*users) -> set[int]:
    return {u.pk for u in users}


@pytest.fixture
def in_review(active):
    """Milestone 1 delivered on Monday 11 January 2027 at 10:00 (auto-approval after 14 days)."""
    with clock.frozen(at(MONDAY, 9)):
        active.start(1)
    with clock.frozen(at(MONDAY + dt.timedelta(days=7), 10)):
        active.deliver(1)
    return active


def test_review_waiting_three_days_reminds_the_approvers_once(in_review):
    delivered = in_review.m(1).review_started_at
    tick_at(delivered + dt.timedelta(days=3) - dt.timedelta(minutes=1))
    assert told(Category.REVIEW_REMINDER) == Counter()

    for later in (dt.timedelta(days=3), dt.timedelta(days=3, minutes=1), dt.timedelta(days=5)):
        tick_at(delivered + later)
    assert told(Category.REVIEW_REMINDER) == Counter({in_review.approver.pk: 1})
    note = Notification.objects.get(category=Category.REVIEW_REMINDER)
    assert "3 days" in note.title
    assert note.url == f"/milestones/{in_review.m(1).pk}/"
    assert OutgoingEmail.objects.filter(category=Category.REVIEW_REMINDER).count() == 1


def test_one_day_before_auto_approval_reminds_once(in_review):
    milestone = in_review.m(1)
    auto = milestone.auto_approve_at
    assert auto == milestone.review_started_at + dt.timedelta(days=14)
    tick_at(auto - dt.timedelta(days=1, minutes=1))
    before = Notification.objects.filter(title__contains="approved automatically").count()
    assert before == 0
    for now in (
        auto - dt.timedelta(days=1),
        auto - dt.timedelta(hours=12),
        auto - dt.timedelta(minutes=1),
    ):
        tick_at(now)
    reminders = Notification.objects.filter(
        category=Category.REVIEW_REMINDER, title__contains="approved automatically"
    )
    assert [n.user_id for n in reminders] == [in_review.approver.pk]
    milestone = in_review.m(1)
    assert reminders[0].title == (
        f"“{milestone.title}” of {milestone.project.name} will be approved automatically on "
        f"{auto.day} {auto:%b} {auto.year}"
    )
    assert in_review.m(1).status == MilestoneStatus.IN_REVIEW  # not yet


def test_auto_approval_by_system_at_the_deadline(in_review):
    milestone = in_review.m(1)
    auto = milestone.auto_approve_at
    assert tick_at(auto - dt.timedelta(seconds=1))["auto_approved"] == 0
    report = tick_at(auto)
    assert report["auto_approved"] == 1
    milestone = in_review.m(1)
    assert milestone.status == MilestoneStatus.APPROVED
    assert milestone.approved_by is None
    assert milestone.approved_at == auto
    approval = Approval.objects.get(milestone=milestone)
    assert approval.automatic is True
    event = AuditEvent.objects.get(
        action=AuditAction.MILESTONE_APPROVED, target_id=str(approval.pk)
    )
    assert event.actor_label == "system"
    assert event.actor_id is None
    # The agency hears it was automatic; the invoice goes to the approver.
    team = ids(in_review.owner, in_review.manager, in_review.member)
    automatic = Notification.objects.filter(
        category=Category.REVIEW, title__contains="approved automatically"
    )
    assert {n.user_id for n in automatic} == team
    assert told(Category.INVOICE) == Counter({in_review.approver.pk: 1})
    # Again and again: nothing more.
    for later in (auto, auto + dt.timedelta(minutes=1), auto + dt.timedelta(hours=1)):
        assert tick_at(later)["auto_approved"] == 0
    assert Approval.objects.filter(milestone=milestone).count() == 1
    assert Invoice.objects.filter(milestone=milestone, kind=InvoiceKind.INVOICE).count() == 1
    assert automatic.count() == len(team)


def test_reminders_are_sent_once_however_often_tick_runs(in_review):
    delivered = in_review.m(1).review_started_at
    now = delivered + dt.timedelta(days=3, hours=1)
    tick_at(now)
    after_first = counts()
    tick_at(now)
    tick_at(now)
    assert counts() == after_first
    assert Notification.objects.filter(category=Category.REVIEW_REMINDER).count() == 1
    assert Reminder.objects.filter(key__startswith="review-waiting:").count() == 1


def test_new_delivery_waiting_is_a_new_occasion(in_review):
    """After changes are requested and v2 is delivered, its own 3-day reminder is sent."""
    delivered = in_review.m(1).review_started_at
    tick_at(delivered + dt.timedelta(days=3))
    with clock.frozen(delivered + dt.timedelta(days=4)):
        in_review.request_changes(1)
    with clock.frozen(delivered + dt.timedelta(days=5)):
        in_review.deliver(1, notes="v2 with the new header.")
    tick_at(delivered + dt.timedelta(days=7))
    assert told(Category.REVIEW_REMINDER) == Counter({in_review.approver.pk: 1})
    tick_at(delivered + dt.timedelta(days=8))
    tick_at(delivered + dt.timedelta(days=9))
    assert told(Category.REVIEW_REMINDER) == Counter({in_review.approver.pk: 2})


def test_due_soon_and_overdue_remind_the_agency_team(active):
    milestone = active.m(1)
    assert milestone.planned_due == dt.date(2027, 1, 15)  # a Friday
    team = Counter(ids(active.owner, active.manager, active.member))

    tick_at(at(dt.date(2027, 1, 12)))  # Tuesday: due in 3 working days
    assert told(Category.DUE_REMINDER) == Counter()
    for day in (13, 14, 15):  # Wednesday: due in 2 working days
        tick_at(at(dt.date(2027, 1, day)))
        tick_at(at(dt.date(2027, 1, day), 17))
    assert told(Category.DUE_REMINDER) == team
    soon = Notification.objects.filter(category=Category.DUE_REMINDER)
    assert {n.title for n in soon} == {
        f"“{milestone.title}” of {milestone.project.name} is due on 15 Jan 2027"
    }

    for day in (16, 17, 18, 19):  # Saturday: overdue
        tick_at(at(dt.date(2027, 1, day)))
    assert told(Category.DUE_REMINDER) == team + team
    overdue = Notification.objects.filter(category=Category.DUE_REMINDER, title__contains="overdue")
    assert {n.user_id for n in overdue} == set(team)
    assert {n.title for n in overdue} == {
        f"“{milestone.title}” of {milestone.project.name} is overdue: it was due 15 Jan 2027"
    }
    # The client is not told about the agency's deadlines.
    assert not Notification.objects.filter(
        category=Category.DUE_REMINDER, user__in=[active.approver, active.viewer]
    ).exists()


def test_approved_milestones_are_not_due(active):
    with clock.frozen(at(MONDAY, 9)):
        active.to_approved(1)
    for day in (13, 14, 16, 18):
        tick_at(at(dt.date(2027, 1, day)))
    assert not Notification.objects.filter(
        category=Category.DUE_REMINDER, title__contains=active.m(1).title
    ).exists()


@pytest.fixture
def invoiced(active):
    """Milestone 1 approved on Friday 15 January 2027: its invoice is due on 29 January."""
    with clock.frozen(at(MONDAY, 9)):
        active.to_review(1)
    with clock.frozen(at(dt.date(2027, 1, 15), 12)):
        active.pass_all(1)
        active.approve(1)
    invoice = active.invoice(1)
    assert invoice.due_date == dt.date(2027, 1, 29)
    return active


def test_overdue_invoice_reminds_client_approvers_and_agency_managers_once_each(invoiced):
    invoice = invoiced.invoice(1)
    expected = Counter(ids(invoiced.approver, invoiced.owner, invoiced.manager))

    tick_at(at(dt.date(2027, 1, 29), 23))  # due today: not overdue
    assert told(Category.INVOICE_OVERDUE) == Counter()

    overdue_since = dt.date(2027, 1, 30)  # one day overdue, and the days after
    for days in (0, 1, 1, 2, 5):
        tick_at(at(overdue_since + dt.timedelta(days=days)))
    one = Notification.objects.filter(category=Category.INVOICE_OVERDUE)
    assert told(Category.INVOICE_OVERDUE) == expected
    assert {n.title for n in one} == {
        f"Invoice {invoice.number} for {invoice.project.name} is 1 day overdue"
    }
    assert {n.body for n in one} == {f"€{invoice.gross:,.2f} outstanding, due 29 Jan 2027."}

    for day in (5, 5, 6, 12):  # seven days overdue, and later
        tick_at(at(dt.date(2027, 2, day), 8))
    assert told(Category.INVOICE_OVERDUE) == expected + expected
    seven = Notification.objects.filter(
        category=Category.INVOICE_OVERDUE, title__contains="7 days overdue"
    )
    assert {n.user_id for n in seven} == set(expected)
    assert all(n.url == f"/invoices/{invoice.pk}/" for n in seven)
    assert OutgoingEmail.objects.filter(category=Category.INVOICE_OVERDUE).count() == 2 * len(
        expected
    )
    # The member and the viewer are not told about money.
    assert not Notification.objects.filter(
        category=Category.INVOICE_OVERDUE, user__in=[invoiced.member, invoiced.viewer]
    ).exists()


def test_paid_invoice_is_not_overdue(invoiced):
    with clock.frozen(at(dt.date(2027, 1, 20))):
        invoiced.pay(1)
    for day in (30, 31):
        tick_at(at(dt.date(2027, 1, day)))
    tick_at(at(dt.date(2027, 2, 10)))
    assert told(Category.INVOICE_OVERDUE) == Counter()


def test_support_window_ending_and_closed_remind_the_approvers(invoiced):
    milestone = invoiced.m(1)
    ends = milestone.support_ends_at
    assert ends == at(dt.date(2027, 1, 29), 12)  # approved 15 January + 14 days
    approver = Counter({invoiced.approver.pk: 1})

    tick_at(ends - dt.timedelta(days=3, minutes=1))
    assert told(Category.SUPPORT_WINDOW) == Counter()
    for now in (
        ends - dt.timedelta(days=3),
        ends - dt.timedelta(days=2),
        ends - dt.timedelta(minutes=1),
    ):
        tick_at(now)
    assert told(Category.SUPPORT_WINDOW) == approver
    ending = Notification.objects.get(category=Category.SUPPORT_WINDOW)
    assert ending.title.endswith(f"of {invoiced.project.name} ends on 29 Jan 2027")
    assert invoiced.m(1).status == MilestoneStatus.APPROVED

    report = tick_at(ends)
    assert report["closed"] == 1
    assert invoiced.m(1).status == MilestoneStatus.CLOSED
    for now in (ends + dt.timedelta(minutes=1), ends + dt.timedelta(days=1)):
        assert tick_at(now)["closed"] == 0
    assert told(Category.SUPPORT_WINDOW) == approver + approver
    closed = Notification.objects.filter(
        category=Category.SUPPORT_WINDOW, title__contains="has closed"
    )
    assert [n.user_id for n in closed] == [invoiced.approver.pk]
    event = AuditEvent.objects.get(action=AuditAction.MILESTONE_CLOSED)
    assert event.actor_label == "system"


# --- two schedulers at once ---------------------------------------------------------------------


def run_together(jobs, timeout: float = 120) -> list[BaseException]:
    """Start every job in its own thread (own connection) at the same moment."""
    barrier = threading.Barrier(len(jobs))
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker(job):
        try:
            barrier.wait(timeout=30)
            job()
        except BaseException as exc:
            with lock:
                errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not any(thread.is_alive() for thread in threads), "a scheduler is stuck"
    return errors


@pytest.mark.django_db(transaction=True)
def test_two_schedulers_at_once_send_nothing_twice(world):
    flow = make_flow(world)
    with clock.frozen(at(MONDAY, 9)):
        flow.activate()
        flow.to_review(1)
    with clock.frozen(at(dt.date(2027, 1, 6), 9)):  # invoice due 20 January; support ends then
        flow.pass_all(1)
        flow.approve(1)
    with clock.frozen(at(dt.date(2027, 1, 7), 9)):  # auto-approval on 21 January
        flow.to_review(2)
    # Everything is due at once: an auto-approval (with its invoice), a support window to close,
    # an invoice 1 and 7 days overdue, and the emails of all that.
    now = at(dt.date(2027, 1, 28), 10)
    mail.outbox.clear()
    marker = {
        "notification": Notification.objects.order_by("-pk").values_list("pk", flat=True)[0],
        "email": OutgoingEmail.objects.order_by("-pk").values_list("pk", flat=True)[0],
    }

    reports: list[dict[str, int]] = []
    with clock.frozen(now):
        errors = run_together([lambda: reports.append(tick(now))] * 2)
    assert errors == []
    assert len(reports) == 2
    both = Counter()
    for report in reports:
        both.update(report)
    assert both["auto_approved"] == 1
    assert both["closed"] == 1
    assert both["invoice_reminders"] == 2  # 1 and 7 days overdue, between the two of them

    # The work was done, once.
    assert flow.m(1).status == MilestoneStatus.CLOSED
    assert flow.m(2).status == MilestoneStatus.APPROVED
    assert Approval.objects.filter(milestone=flow.m(2)).count() == 1
    assert Invoice.objects.filter(milestone=flow.m(2), kind=InvoiceKind.INVOICE).count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.MILESTONE_APPROVED).count() == 2
    assert AuditEvent.objects.filter(action=AuditAction.MILESTONE_CLOSED).count() == 1
    keys = set(Reminder.objects.values_list("key", flat=True))
    m1, invoice = flow.m(1), flow.invoice(1)
    assert {
        f"invoice-overdue:{invoice.pk}:1",
        f"invoice-overdue:{invoice.pk}:7",
        f"support-closed:{m1.pk}",
    } <= keys

    # Nobody was told anything twice, and every email went out exactly once.
    new = Notification.objects.filter(pk__gt=marker["notification"])
    pairs = Counter(new.values_list("user_id", "category", "title"))
    assert pairs and max(pairs.values()) == 1, pairs
    categories = set(new.values_list("category", flat=True))
    assert {
        Category.REVIEW,
        Category.INVOICE,
        Category.INVOICE_OVERDUE,
        Category.SUPPORT_WINDOW,
    } <= categories
    emails = OutgoingEmail.objects.filter(pk__gt=marker["email"])
    assert emails.count() == new.count()  # everyone wants email by default
    assert Counter(emails.values_list("user_id", "subject")).most_common(1)[0][1] == 1
    all_emails = OutgoingEmail.objects.all()
    assert set(all_emails.values_list("status", flat=True)) == {OutgoingEmail.Status.SENT}
    assert set(all_emails.values_list("attempts", flat=True)) == {1}
    sent = Counter((m.to[0], m.subject) for m in mail.outbox)
    assert max(sent.values()) == 1, sent
    assert len(mail.outbox) == emails.count()  # the earlier ones were sent as they were made

    # A third run at the same moment finds nothing left to do.
    snapshot = counts()
    with clock.frozen(now):
        report = tick(now)
    assert counts() == snapshot
    assert not any(report.values()), report


def test_support_window_of_the_last_milestone_still_reminds(world):
    """Approving the last milestone completes the project; its support window still ends."""
    flow = make_flow(world)
    with clock.frozen(at(MONDAY, 9)):
        flow.activate()
        for position in range(1, 6):
            flow.to_approved(position)
    assert flow.project.status == "completed"
    last = flow.m(5)
    tick_at(last.support_ends_at - dt.timedelta(days=2))
    tick_at(last.support_ends_at - dt.timedelta(days=1))
    ending = Notification.objects.filter(
        category=Category.SUPPORT_WINDOW,
        title__contains=f"“{last.title}” of {last.project.name} ends on",
    )
    assert [n.user_id for n in ending] == [flow.approver.pk]
    tick_at(last.support_ends_at)
    assert flow.m(5).status == MilestoneStatus.CLOSED
    closed = Notification.objects.filter(
        category=Category.SUPPORT_WINDOW,
        title__contains=f"“{last.title}” of {last.project.name} has closed",
    )
    assert [n.user_id for n in closed] == [flow.approver.pk]


def test_reminder_dates_are_local_days(active, settings):
    settings.TIME_ZONE = "Pacific/Auckland"  # UTC+13 in January
    with clock.frozen(at(MONDAY, 9)):
        active.to_review(1)
    with clock.frozen(at(dt.date(2027, 1, 4), 20)):  # Tuesday 5 January, 09:00 in Auckland
        active.request_changes(1)
        active.deliver(1, notes="v2")
    auto = active.m(1).auto_approve_at  # 19 January 09:00 local, the 18th in UTC
    tick_at(auto - dt.timedelta(hours=2))
    (note,) = Notification.objects.filter(title__contains="approved automatically on")
    assert note.title.endswith("on 19 Jan 2027")

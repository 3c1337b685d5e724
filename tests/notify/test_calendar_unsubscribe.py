"""The private calendar feed (/calendar/<token>.ics) and one-click unsubscribe (RFC 8058)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import pytest
from django.core import mail, signing
from django.test import Client
from icalendar import Calendar

from milepost.accounts.models import User
from milepost.core import clock
from milepost.mail.models import OutgoingEmail
from milepost.notify import services
from milepost.notify.models import Category, Notification, Preference
from milepost.plans import services as plans

from ..factories import ClientFactory
from .conftest import SITE_URL, START, at, fresh, make_flow

# --- the calendar feed --------------------------------------------------------------------------


def feed_path(user) -> str:
    url = services.calendar_url(user)
    assert url.startswith(SITE_URL + "/calendar/") and url.endswith(".ics")
    return url[len(SITE_URL) :]


def events_of(client: Client, path: str) -> dict[str, tuple[dt.date, str]]:
    """{uid: (start date, summary)} of the feed at ``path``."""
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    events = {}
    for event in calendar.walk("VEVENT"):
        uid = str(event["UID"])
        assert uid not in events, f"duplicate UID {uid}"
        start = event.decoded("DTSTART")
        assert isinstance(start, dt.date) and not isinstance(start, dt.datetime)  # all-day
        assert event.decoded("DTEND") == start + dt.timedelta(days=1)
        events[uid] = (start, str(event["SUMMARY"]))
    return events


@pytest.fixture
def dated(world):
    """Our project: milestone 1 approved (its invoice unpaid), milestone 2 in review, 3 to 5
    planned. Another organisation has the same, and ours has a second project the contact
    cannot see."""
    ours = make_flow(world)
    other_client = ClientFactory(organisation=world.other_organisation, name="Globex")
    theirs = make_flow(world, client=other_client, owner=world.outsider, viewer_email="v@globex.io")
    hidden_client = ClientFactory(organisation=world.organisation, name="Initech")
    hidden = make_flow(world, client=hidden_client, viewer_email="v@initech.io")
    for flow in (ours, theirs, hidden):
        with clock.frozen(at(START, 9)):
            flow.activate()
            flow.to_approved(1)
        with clock.frozen(at(START + dt.timedelta(days=2), 9)):
            flow.to_review(2)
    return ours, theirs, hidden


def expected_events(flow) -> dict[str, dt.date]:
    m2 = flow.m(2)
    invoice = flow.invoice(1)
    expected = {
        f"milestone-{flow.m(p).pk}-due@milepost": flow.m(p).planned_due for p in (2, 3, 4, 5)
    }
    expected[f"milestone-{m2.pk}-review@milepost"] = m2.auto_approve_at.date()
    # In review since 6 Jan, it approves itself on 20 Jan at the latest: before its planned due
    # date (5 Feb), so the feed gives its forecast too (issue 14).
    expected[f"milestone-{m2.pk}-forecast@milepost"] = m2.auto_approve_at.date()
    expected[f"invoice-{invoice.pk}-due@milepost"] = invoice.due_date
    return expected


def test_feed_lists_visible_dates_and_nothing_else(dated, client):
    ours, theirs, hidden = dated
    with clock.frozen(at(START + dt.timedelta(days=3), 9)):  # forecasts are made for today
        _feed_lists_visible_dates_and_nothing_else(ours, theirs, hidden, client)


def _feed_lists_visible_dates_and_nothing_else(ours, theirs, hidden, client):
    events = events_of(client, feed_path(ours.approver))
    assert {uid: day for uid, (day, _) in events.items()} == expected_events(ours)
    m2 = ours.m(2)
    assert (
        events[f"milestone-{m2.pk}-review@milepost"][0]
        == (m2.review_started_at + dt.timedelta(days=14)).date()
    )
    invoice = ours.invoice(1)
    assert events[f"invoice-{invoice.pk}-due@milepost"] == (
        invoice.due_date,
        f"Invoice {invoice.number} due",
    )
    assert events[f"milestone-{ours.m(3).pk}-due@milepost"][1].startswith(f"Due: {ours.m(3).title}")

    # The agency's owner sees both of its projects, the other agency's owner only theirs.
    owner = events_of(client, feed_path(ours.owner))
    assert {uid: day for uid, (day, _) in owner.items()} == {
        **expected_events(ours),
        **expected_events(hidden),
    }
    outsider = events_of(client, feed_path(theirs.owner))
    assert {uid: day for uid, (day, _) in outsider.items()} == expected_events(theirs)
    assert not set(outsider) & set(owner)


def test_paid_invoice_leaves_the_feed(dated, client):
    ours = dated[0]
    uid = f"invoice-{ours.invoice(1).pk}-due@milepost"
    assert uid in events_of(client, feed_path(ours.approver))
    with clock.frozen(at(START + dt.timedelta(days=3), 9)):
        ours.pay(1)
    assert uid not in events_of(client, feed_path(ours.approver))


def test_uids_are_stable_and_a_changed_date_updates_the_same_event(flow, client):
    flow.propose()
    path = feed_path(flow.owner)
    first, again = events_of(client, path), events_of(client, path)
    assert first == again
    m1 = flow.m(1)
    uid = f"milestone-{m1.pk}-due@milepost"
    assert first[uid][0] == m1.planned_due == dt.date(2027, 1, 15)

    flow.withdraw()
    plans.milestone_update(milestone=flow.m(1), actor=flow.owner, planned_due="2027-01-14")
    flow.propose()
    changed = events_of(client, path)
    assert set(changed) == set(first)
    assert changed[uid][0] == dt.date(2027, 1, 14)
    assert {k: v for k, v in changed.items() if k != uid} == {
        k: v for k, v in first.items() if k != uid
    }


def test_new_token_retires_the_old_address(dated, client, api_as):
    ours = dated[0]
    approver = ours.approver
    old = feed_path(approver)
    owner_path = feed_path(ours.owner)
    api = api_as(approver)
    me = api.get("/api/v1/me/")
    assert me.status_code == 200
    assert me.json()["calendar_url"] == SITE_URL + old

    response = api.post("/api/v1/me/calendar-token/")
    assert response.status_code == 200
    new_url = response.json()["calendar_url"]
    new = urlsplit(new_url).path
    assert new_url == SITE_URL + new and new != old

    assert client.get(old).status_code == 404
    assert events_of(client, new) == events_of(client, new)
    assert set(events_of(client, new)) == set(expected_events(ours))
    assert api_as(fresh(approver)).get("/api/v1/me/").json()["calendar_url"] == new_url
    # Other people's feeds are untouched.
    assert client.get(owner_path).status_code == 200
    # Anonymous callers cannot replace anyone's token.
    assert api_as(None).post("/api/v1/me/calendar-token/").status_code == 401


def test_unknown_token_and_inactive_user_answer_404(flow, client):
    flow.propose()
    path = feed_path(flow.approver)
    assert client.get("/calendar/not-a-token.ics").status_code == 404
    User.objects.filter(pk=flow.approver.pk).update(is_active=False)
    assert client.get(path).status_code == 404


# --- one-click unsubscribe ------------------------------------------------------------------------


def unsubscribe_path(message) -> str:
    """The path of the List-Unsubscribe URL of a sent email."""
    header = str(message.message()["List-Unsubscribe"]).strip()
    assert header.startswith("<") and header.endswith(">"), header
    url = header[1:-1]
    assert url.startswith(SITE_URL + "/unsubscribe/")
    assert message.message()["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    return url[len(SITE_URL) :]


@pytest.fixture
def delivered_email(active, django_capture_on_commit_callbacks):
    """The approver's "ready for your review" email, as sent."""
    active.start(1)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        active.deliver(1)
    (message,) = [m for m in mail.outbox if m.to == [active.approver.email]]
    return active, message


def prefs(user) -> dict[str, bool]:
    return services.preferences_of(user)


def test_one_click_unsubscribe_without_login(delivered_email, django_capture_on_commit_callbacks):
    flow, message = delivered_email
    approver = flow.approver
    path = unsubscribe_path(message)
    browser = Client(enforce_csrf_checks=True)  # a mail client: no session, no CSRF token

    confirm = browser.get(path)
    assert confirm.status_code == 200
    assert b"<form" in confirm.content
    assert all(prefs(approver).values())
    assert not Preference.objects.exists()

    done = browser.post(
        path,
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert done.status_code == 200
    assert approver.email.encode() in done.content
    assert prefs(approver) == {c: c != Category.DELIVERY for c in Category.values}
    assert all(prefs(flow.viewer).values())  # only the owner of the link

    # The next delivery notifies them in the app, without an email.
    with clock.frozen(at(START + dt.timedelta(days=3))):
        flow.request_changes(1)
    mail.outbox.clear()
    before = OutgoingEmail.objects.filter(user=approver).count()
    with django_capture_on_commit_callbacks(execute=True):
        flow.deliver(1, notes="v2")
    assert OutgoingEmail.objects.filter(user=approver).count() == before
    assert Notification.objects.filter(user=approver, category=Category.DELIVERY).count() == 2
    assert [m.to for m in mail.outbox] == [[flow.viewer.email]]


def test_reusing_the_link_answers_409(delivered_email):
    _flow, message = delivered_email
    path = unsubscribe_path(message)
    browser = Client(enforce_csrf_checks=True)
    assert browser.post(path).status_code == 200
    snapshot = list(Preference.objects.values_list("user_id", "category", "email"))

    again = browser.post(path)
    assert again.status_code == 409
    assert b"already" in again.content
    assert list(Preference.objects.values_list("user_id", "category", "email")) == snapshot


def _tampered(token: str) -> list[str]:
    payload, timestamp, signature = token.rsplit(":", 2)
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    return [
        f"{payload}:{timestamp}:{flipped}",  # a changed signature
        f"{payload[:-1]}{'A' if payload[-1] != 'A' else 'B'}:{timestamp}:{signature}",  # payload
        f"{payload}:{timestamp}",  # no signature
        "garbage",
    ]


def test_forged_or_tampered_links_answer_404(delivered_email, world):
    flow, message = delivered_email
    path = unsubscribe_path(message)
    token = path.strip("/").split("/")[-1]
    other = fresh(world.manager)
    forged = [
        *_tampered(token),
        # Signed with the right key but not for unsubscribing (another salt):
        signing.dumps({"u": other.pk, "c": Category.DELIVERY}, compress=True),
        # Right salt, but an unknown category or user:
        signing.dumps({"u": other.pk, "c": "nope"}, salt=services.UNSUBSCRIBE_SALT),
        signing.dumps({"u": 987654, "c": Category.DELIVERY}, salt=services.UNSUBSCRIBE_SALT),
    ]
    browser = Client(enforce_csrf_checks=True)
    for bad in forged:
        # Neither the confirm page nor the one-click POST accepts it.
        assert browser.get(f"/unsubscribe/{bad}/").status_code == 404, bad
        assert browser.post(f"/unsubscribe/{bad}/").status_code == 404, bad
    assert not Preference.objects.exists()
    assert all(prefs(flow.approver).values()) and all(prefs(other).values())
    # The genuine link still works afterwards.
    assert browser.post(path).status_code == 200


def test_review_deadline_is_the_local_day(active, client, settings):
    """Dates are days in the site's time zone, as the pages show them, not UTC days."""
    settings.TIME_ZONE = "Pacific/Auckland"  # UTC+13 in January
    with clock.frozen(at(START, 9)):
        active.start(1)
    with clock.frozen(at(dt.date(2027, 1, 11), 20)):  # Tuesday 12 January, 09:00 in Auckland
        active.deliver(1)
    m1 = active.m(1)
    assert m1.auto_approve_at == at(dt.date(2027, 1, 25), 20)  # 26 January, 09:00 local
    events = events_of(client, feed_path(active.approver))
    assert events[f"milestone-{m1.pk}-review@milepost"][0] == dt.date(2027, 1, 26)

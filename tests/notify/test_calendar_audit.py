"""Replacing the calendar address is a change of access: it writes an audit event."""

from __future__ import annotations

import hashlib

import pytest
from django.test import Client

from milepost.audit.models import AuditEvent
from milepost.audit.verify import verify_chains
from milepost.notify.models import CalendarFeed
from milepost.notify.services import calendar_feed_of

pytestmark = pytest.mark.django_db


def fingerprint(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()[:12]


def replacements(user) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(action="calendar_token.replaced", actor=user).order_by("sequence")
    )


def replace_through_the_web(user) -> None:
    browser = Client()
    browser.force_login(user)
    response = browser.post("/settings/calendar/")
    assert response.status_code == 302


def replace_through_the_api(user, api_as) -> None:
    assert api_as(user).post("/api/v1/me/calendar-token/").status_code == 200


@pytest.mark.parametrize("how", ["web", "api"])
def test_replacing_the_calendar_address_is_audited(world, api_as, how):
    user = world.contact
    old = calendar_feed_of(user).token
    if how == "web":
        replace_through_the_web(user)
    else:
        replace_through_the_api(user, api_as)
    new = CalendarFeed.objects.get(user=user).token
    assert new != old

    [event] = replacements(user)
    assert event.chain == "users"
    assert event.actor_id == user.pk
    assert event.target_type == "notify.calendarfeed"
    assert event.target_id == str(CalendarFeed.objects.get(user=user).pk)
    assert event.data == {
        "before": {"token_fingerprint": fingerprint(old)},
        "after": {"token_fingerprint": fingerprint(new)},
    }
    # The secret address itself is never written to the log.
    assert old not in str(event.data) and new not in str(event.data)
    assert verify_chains().ok


def test_each_replacement_is_its_own_event(world, api_as):
    user = world.owner
    replace_through_the_web(user)
    replace_through_the_api(user, api_as)
    events = replacements(user)
    assert len(events) == 2
    assert events[0].data["after"] == events[1].data["before"]

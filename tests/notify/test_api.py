"""The REST API of notifications: the list, marking read, settings, and the calendar address."""

from __future__ import annotations

import datetime as dt

import pytest

from milepost.core import clock
from milepost.notify import services
from milepost.notify.models import Category, Notification, Preference

from .conftest import SITE_URL, assert_error, at, fresh

LIST = "/api/v1/notifications/"
SETTINGS = "/api/v1/me/notification-settings/"


def read_url(pk) -> str:
    return f"{LIST}{pk}/read/"


@pytest.fixture
def inbox(world):
    """30 notifications for the manager (one minute apart, the oldest first), 10 of them read;
    and 3 for the owner."""
    manager, owner = fresh(world.manager), fresh(world.owner)
    start = at(dt.date(2027, 1, 4))
    for i in range(30):
        with clock.frozen(start + dt.timedelta(minutes=i)):
            services.notify(
                users=[manager],
                category=Category.DELIVERY if i % 2 else Category.PAYMENT,
                title=f"Notification {i:02d}",
                body=f"Body {i}",
                url=f"/projects/{i}/",
                organisation=world.organisation,
            )
    for note in Notification.objects.filter(user=manager).order_by("created_at")[:10]:
        services.notification_read(notification=note, actor=manager)
    for i in range(3):
        services.notify(users=[owner], category=Category.PLAN, title=f"Owner {i}")
    return manager, owner


def test_list_newest_first_with_pagination(inbox, api_as):
    manager, _owner = inbox
    api = api_as(manager)
    first = api.get(LIST)
    assert first.status_code == 200
    body = first.json()
    assert body["count"] == 30
    assert body["previous"] is None and body["next"]
    titles = [n["title"] for n in body["results"]]
    assert titles == [f"Notification {i:02d}" for i in range(29, 4, -1)]  # 25 per page
    item = body["results"][0]
    assert set(item) == {
        "id",
        "category",
        "title",
        "body",
        "url",
        "created_at",
        "read_at",
        "read",
        "updated_at",
    }
    assert item["category"] == "delivery" and item["url"] == "/projects/29/"
    assert item["read"] is False and item["read_at"] is None

    second = api.get(body["next"]).json()
    assert [n["title"] for n in second["results"]] == [
        f"Notification {i:02d}" for i in range(4, -1, -1)
    ]
    assert all(n["read"] for n in second["results"])
    assert second["next"] is None

    small = api.get(LIST, {"page_size": 7, "page": 2}).json()
    assert [n["title"] for n in small["results"]] == [
        f"Notification {i:02d}" for i in range(22, 15, -1)
    ]
    assert_error(api.get(LIST, {"page": 99}), 404)


def test_unread_filter(inbox, api_as):
    manager, _owner = inbox
    api = api_as(manager)
    for flag in ("true", "1"):
        body = api.get(LIST, {"unread": flag}).json()
        assert body["count"] == 20
        assert all(not n["read"] for n in body["results"])
    assert api.get(LIST, {"unread": "false"}).json()["count"] == 30


def test_list_is_only_yours_and_needs_login(inbox, api_as):
    _manager, owner = inbox
    body = api_as(owner).get(LIST).json()
    assert [n["title"] for n in body["results"]] == ["Owner 2", "Owner 1", "Owner 0"]
    assert_error(api_as(None).get(LIST), 401)


def test_read_one(inbox, api_as):
    manager, _owner = inbox
    note = Notification.objects.filter(user=manager, read_at__isnull=True).first()
    api = api_as(manager)
    with clock.frozen(at(dt.date(2027, 2, 1))):
        response = api.post(read_url(note.pk))
    assert response.status_code == 200
    assert response.json()["id"] == note.pk
    assert response.json()["read"] is True
    note.refresh_from_db()
    assert note.read_at == at(dt.date(2027, 2, 1))
    # Reading it again keeps the first time it was read.
    with clock.frozen(at(dt.date(2027, 3, 1))):
        assert api.post(read_url(note.pk)).status_code == 200
    note.refresh_from_db()
    assert note.read_at == at(dt.date(2027, 2, 1))
    assert api.get(LIST, {"unread": "true"}).json()["count"] == 19


def test_reading_someone_elses_notification_is_404(inbox, api_as):
    manager, owner = inbox
    theirs = Notification.objects.filter(user=owner).first()
    for pk in (theirs.pk, 999999, "abc"):
        error = assert_error(api_as(manager).post(read_url(pk)), 404, "not_found")
        assert error["details"] == {}
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert_error(api_as(None).post(read_url(theirs.pk)), 401)


def test_read_all_marks_only_your_unread(inbox, api_as):
    manager, owner = inbox
    api = api_as(manager)
    response = api.post(f"{LIST}read-all/")
    assert response.status_code == 200
    assert response.json() == {"marked": 20}
    assert api.post(f"{LIST}read-all/").json() == {"marked": 0}
    assert api.get(LIST, {"unread": "true"}).json()["count"] == 0
    assert Notification.objects.filter(user=owner, read_at__isnull=True).count() == 3


def test_notification_settings_get_and_patch(world, api_as):
    manager = fresh(world.manager)
    api = api_as(manager)
    everything = {c: True for c in Category.values}
    assert api.get(SETTINGS).json() == everything

    response = api.patch(SETTINGS, {"delivery": False, "payment": False}, format="json")
    assert response.status_code == 200
    expected = {**everything, "delivery": False, "payment": False}
    assert response.json() == expected
    assert api.get(SETTINGS).json() == expected
    assert services.wants_email(manager, Category.PAYMENT) is False

    back = api.patch(SETTINGS, {"payment": True}, format="json")
    assert back.json() == {**everything, "delivery": False}
    # Only your own settings.
    assert api_as(fresh(world.owner)).get(SETTINGS).json() == everything
    assert_error(api_as(None).get(SETTINGS), 401)


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"nope": True}, "nope"),
        ({"delivery": False, "nope": True}, "nope"),
        ({"delivery": "no"}, "delivery"),
        ({"delivery": None}, "delivery"),
    ],
)
def test_invalid_settings_are_400_with_details(world, api_as, payload, field):
    api = api_as(fresh(world.manager))
    error = assert_error(api.patch(SETTINGS, payload, format="json"), 400)
    assert field in error["details"]
    assert isinstance(error["details"][field], list) and error["details"][field]
    assert not Preference.objects.exists()  # nothing saved, not even the valid part


def test_me_includes_the_calendar_url(world, api_as, client):
    contact = fresh(world.contact)
    body = api_as(contact).get("/api/v1/me/").json()
    url = body["calendar_url"]
    assert url == services.calendar_url(contact)
    assert url.startswith(f"{SITE_URL}/calendar/") and url.endswith(".ics")
    assert api_as(contact).get("/api/v1/me/").json()["calendar_url"] == url  # stable
    feed = client.get(url[len(SITE_URL) :])
    assert feed.status_code == 200
    assert feed["Content-Type"].startswith("text/calendar")
    assert api_as(fresh(world.owner)).get("/api/v1/me/").json()["calendar_url"] != url


@pytest.mark.parametrize("payload", [[{"delivery": False}], "delivery", 5])
def test_settings_body_that_is_not_an_object_is_400(world, api_as, payload):
    api = api_as(fresh(world.manager))
    assert_error(api.patch(SETTINGS, payload, format="json"), 400)
    assert not Preference.objects.exists()

"""The timeline and the payment schedule in the API, from a fixed clock (issue 14): what the
page says, as numbers and ISO dates."""

from __future__ import annotations

import datetime as dt

import pytest

from milepost.core import clock
from milepost.plans import services as plans
from tests.forecast.conftest import at, reload
from tests.reviews.conftest import fresh

pytestmark = pytest.mark.django_db


def get(api_as, user, path, day=dt.date(2027, 1, 25)):
    with clock.frozen(at(day)):
        return api_as(fresh(user)).get(path)


def test_the_timeline_of_a_project_with_progress(world, progressed, api_as):
    response = get(api_as, world.contact, f"/api/v1/projects/{progressed.pk}/timeline/")
    assert response.status_code == 200
    body = response.json()
    assert {k: body[k] for k in body if k != "milestones"} == {
        "project": progressed.pk,
        "accepted": True,
        "plan_version": 1,
        "today": "2027-01-25",
        "forecast_end": "2027-04-02",
        "done": False,
        "slip_baseline": 3,
        "slip_plan": 3,
        "hands": {"agency": 8, "client": 8},
        "plan_wait": 2,
    }
    first, second = body["milestones"][:2]
    assert first["title"] == 'Design <&> "layout" & co'
    assert first["baseline"] == {"start": "2027-01-04", "due": "2027-01-15"}
    assert first["plan"] == first["baseline"]
    assert first["actual"] == {
        "started": "2027-01-04",
        "delivered": "2027-01-08",
        "approved": "2027-01-20",
    }
    assert first["forecast"] == {"start": "2027-01-04", "end": "2027-01-20", "done": True}
    assert (first["slip_baseline"], first["slip_plan"]) == (3, 3)
    assert first["hands"] == {"agency": 6, "client": 6}
    assert first["events"] == [
        {"date": "2027-01-08", "kind": "delivered", "delivery": 1},
        {"date": "2027-01-11", "kind": "changes_requested", "delivery": None},
        {"date": "2027-01-13", "kind": "delivered", "delivery": 2},
    ]
    assert second["status"] == "in_progress" and second["actual"]["started"] == "2027-01-21"
    # Begun three working days late, it keeps its fifteen working days.
    assert second["forecast"] == {"start": "2027-01-21", "end": "2027-02-10", "done": False}


def test_the_payment_schedule(world, progressed, api_as):
    response = get(api_as, world.contact, f"/api/v1/projects/{progressed.pk}/payment-schedule/")
    assert response.status_code == 200
    body = response.json()
    assert {k: body[k] for k in body if k != "lines"} == {
        "project": progressed.pk,
        "accepted": True,
        "currency": "EUR",
        "invoiced": "2380.00",
        "paid": "0.00",
        "outstanding": "2380.00",
        "expected": "9520.00",
        "total": "11900.00",
        "overdue": 0,
    }
    first, second = body["lines"][:2]
    assert first["kind"] == "invoice" and first["number"] == "INV-2027-0001"
    assert (first["date"], first["due_date"], first["amount"]) == (
        "2027-01-20",
        "2027-02-03",
        "2380.00",
    )
    assert second == {
        "kind": "expected",
        "milestone": second["milestone"],
        "position": 2,
        "title": "Product import and admin panel",
        "trigger": "on_approval",
        "change_order": "",
        "invoice": None,
        "number": None,
        "date": "2027-02-10",
        "due_date": "2027-02-24",
        "amount": "2975.00",
        "paid": "0.00",
        "outstanding": "2975.00",
        "status": "expected",
        "overdue": False,
        "paid_on": None,
    }


def test_before_acceptance_both_are_empty(world, make_project, api_as):
    project = make_project()
    plans.plan_propose(project=reload(project), actor=world.owner)
    timeline = get(api_as, world.contact, f"/api/v1/projects/{project.pk}/timeline/").json()
    assert (timeline["accepted"], timeline["milestones"], timeline["forecast_end"]) == (
        False,
        [],
        None,
    )
    schedule = get(api_as, world.owner, f"/api/v1/projects/{project.pk}/payment-schedule/")
    assert schedule.json()["lines"] == [] and schedule.json()["total"] == "0.00"


@pytest.mark.parametrize("path", ["timeline", "payment-schedule"])
def test_another_organisation_and_anonymous_callers_get_nothing(world, progressed, api_as, path):
    url = f"/api/v1/projects/{progressed.pk}/{path}/"
    outsider = get(api_as, world.outsider, url)
    assert outsider.status_code == 404 and outsider.json()["error"]["code"] == "not_found"
    with clock.frozen(at(dt.date(2027, 1, 25))):
        assert api_as(None).get(url).status_code == 401

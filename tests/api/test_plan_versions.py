"""The API of plan versions: one version as it stood, and the diff between two."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from milepost.accounts.models import User
from milepost.plans.models import Milestone

from ..factories import ClientFactory, ContactFactory
from ..plan_versions import accepted_project, change_budget_and_due, versions
from .helpers import assert_error

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def project(world):
    project = accepted_project(world)
    change_budget_and_due(project, accepted_by=world.contact)
    return project


def _url(project, number, tail=""):
    return f"/api/v1/projects/{project.pk}/plan-versions/{number}/{tail}"


def test_a_version_is_the_whole_plan_as_it_stood(world, api_as, project):
    body = api_as(world.member).get(_url(project, 1)).json()
    assert set(body) == {
        "version",
        "reason",
        "accepted_by",
        "accepted_at",
        "change_order",
        "currency",
        "total",
        "start_date",
        "milestones",
    }
    assert body["version"] == 1
    assert body["reason"] == "baseline" and body["change_order"] is None
    assert body["accepted_by"] == world.contact.email
    assert body["total"] == "10000.00"
    assert body["currency"] == "EUR"
    assert [m["title"] for m in body["milestones"]] == ["Discovery", "Build", "Launch"]
    launch = body["milestones"][2]
    assert (launch["budget"], launch["planned_due"], launch["deliverables"]) == (
        "3000.00",
        "2027-02-26",
        [],
    )
    build = body["milestones"][1]
    assert build["revision_quota"] == 3
    assert [d["title"] for d in build["deliverables"]] == ["Staging site", "Admin"]

    later = api_as(world.member).get(_url(project, 2)).json()
    assert later["total"] == "10600.00"
    assert later["reason"] == "CO-1: a quote form"
    assert later["milestones"][2]["budget"] == "3600.00"
    assert [d["title"] for d in later["milestones"][2]["deliverables"]] == ["Quote form"]


def test_a_version_stays_as_it_stood_when_the_plan_moves_on(world, api_as, project):
    Milestone.objects.filter(project=project, position=1).update(title="Renamed later")
    body = api_as(world.owner).get(_url(project, 1)).json()
    assert body["milestones"][0]["title"] == "Discovery"


def test_the_diff_against_the_version_before(world, api_as, project):
    response = api_as(world.contact).get(_url(project, 2, "diff/"))
    assert response.status_code == 200
    body = response.json()
    assert (body["version"], body["against"]) == (2, 1)
    assert (body["total_before"], body["total_after"], body["price"]) == (
        "10000.00",
        "10600.00",
        "600.00",
    )
    (change,) = body["milestones"]
    assert change["kind"] == "changed"
    assert change["position"] == 3
    assert change["fields"] == [
        {"field": "budget", "before": "3000.00", "after": "3600.00"},
        {"field": "planned_due", "before": "2027-02-26", "after": "2027-03-02"},
    ]
    assert change["deliverables"] == [{"kind": "added", "title": "Quote form"}]
    assert change["text"] == (
        "Milestone 3 · budget €3,000.00 → €3,600.00 · due 26 Feb 2027 → 2 Mar 2027 · "
        "deliverable “Quote form” added"
    )


def test_the_diff_against_a_later_version_and_against_itself(world, api_as, project):
    back = api_as(world.owner).get(_url(project, 1, "diff/"), {"against": 2}).json()
    assert (back["version"], back["against"], back["price"]) == (1, 2, "-600.00")
    same = api_as(world.owner).get(_url(project, 2, "diff/"), {"against": 2}).json()
    assert same["milestones"] == []
    assert same["price"] == "0.00"


def test_the_baseline_has_no_version_before_it(world, api_as, project):
    error = assert_error(api_as(world.owner).get(_url(project, 1, "diff/")), 404, "not_found")
    assert "baseline" in error["message"]
    assert "against" in error["details"]


@pytest.mark.parametrize("against", ["two", "-1", "0", "1.5", "2" * 30])
def test_against_that_is_not_a_version_number_is_a_400_naming_it(world, api_as, project, against):
    response = api_as(world.owner).get(_url(project, 2, "diff/"), {"against": against})
    error = assert_error(response, 400, "invalid")
    assert list(error["details"]) == ["against"]


def test_a_version_that_does_not_exist_is_a_404_naming_it(world, api_as, project):
    error = assert_error(api_as(world.owner).get(_url(project, 7)), 404, "not_found")
    assert "7" in error["message"]
    error = assert_error(
        api_as(world.owner).get(_url(project, 2, "diff/"), {"against": 9}), 404, "not_found"
    )
    assert "9" in error["message"]
    assert list(error["details"]) == ["against"]
    error = assert_error(api_as(world.owner).get(_url(project, 5, "diff/")), 404, "not_found")
    assert "5" in error["message"]
    assert_error(api_as(world.owner).get(_url(project, 2**63, "diff/")), 404, "not_found")


@pytest.mark.parametrize("tail", ["", "diff/"])
def test_who_sees_a_version(world, api_as, project, tail):
    for user in (world.owner, world.manager, world.member, world.contact):
        assert api_as(user).get(_url(project, 2, tail)).status_code == 200, user
    # Another organisation, a contact of the same client without access, another client's
    # contact: 404, as for a project that does not exist.
    stranger = ContactFactory(client=world.client).user
    other_client = ContactFactory(client=ClientFactory(organisation=world.organisation)).user
    for user in (world.outsider, stranger, other_client):
        assert_error(api_as(user).get(_url(project, 2, tail)), 404, "not_found")
    assert api_as(None).get(_url(project, 2, tail)).status_code == 401


def test_another_organisations_project_ids_are_404(world, api_as, project):
    """The outsider's own project exists, but not for the agency's owner, and the reverse."""

    class Other:  # the other agency, its owner managing, its client's contact approving
        organisation = world.other_organisation
        manager = world.outsider
        client = ClientFactory(organisation=world.other_organisation)
        contact = ContactFactory(client=client).user

    theirs = accepted_project(Other, name="Their shop")
    assert api_as(world.outsider).get(_url(theirs, 1)).status_code == 200
    assert_error(api_as(world.owner).get(_url(theirs, 1)), 404, "not_found")
    assert_error(api_as(world.contact).get(_url(theirs, 1, "diff/"), {"against": 1}), 404)
    assert_error(api_as(world.outsider).get(_url(project, 1)), 404, "not_found")


def _queries(user, path, query=None) -> int:
    from rest_framework.test import APIClient

    http = APIClient()
    http.force_authenticate(User.objects.get(pk=user.pk))
    with CaptureQueriesContext(connection) as queries:
        response = http.get(path, query or {})
    assert response.status_code == 200, response.content[:300]
    return len(queries)


# The roles (a contact's project roles too), the project, the versions asked for: however many
# versions there are.
@pytest.mark.parametrize(("who", "expected"), [("owner", 3), ("contact", 4)])
def test_the_query_count_does_not_grow_with_the_number_of_versions(world, who, expected):
    few = accepted_project(world, name="Few versions")
    versions(few, 2)
    many = accepted_project(world, name="Many versions")
    versions(many, 10)
    user = world.user(who)
    for tail, query in (("", None), ("diff/", None), ("diff/", {"against": 1})):
        counts = [
            _queries(user, _url(p, n, tail), query) for p, n in ((few, 2), (many, 10), (many, 5))
        ]
        assert counts == [expected] * 3, (tail, query, counts)

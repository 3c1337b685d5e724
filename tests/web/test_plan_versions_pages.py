"""The pages of plan versions: the history, and one version with what changed."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from milepost.accounts.models import User

from ..factories import ContactFactory
from ..plan_versions import accepted_project, change_budget_and_due, versions

pytestmark = pytest.mark.django_db


@pytest.fixture
def viewer(world):
    return ContactFactory(client=world.client).user


@pytest.fixture
def project(world, viewer):
    project = accepted_project(world, viewer=viewer)
    change_budget_and_due(project, accepted_by=world.contact)
    return project


def _page(user, path, **query):
    http = Client()
    http.force_login(user)
    return http.get(path, query)


def _text(response) -> str:
    """The page's text without tags, spaces collapsed."""
    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_history_lists_every_version_newest_first(world, project):
    response = _page(world.member, f"/projects/{project.pk}/versions/")
    assert response.status_code == 200
    html = response.content.decode()
    v2 = html.index(f'href="/projects/{project.pk}/versions/2/"')
    v1 = html.index(f'href="/projects/{project.pk}/versions/1/"')
    assert v2 < v1
    text = _text(response)
    assert "CO-1: a quote form" in text
    assert "The baseline" in text
    assert f"by {world.contact.email} on" in text


@pytest.mark.parametrize("who", ["owner", "member", "contact", "viewer"])
def test_both_sides_see_the_pages(world, project, viewer, who):
    user = viewer if who == "viewer" else world.user(who)
    for path in ("versions/", "versions/2/", "versions/1/"):
        assert _page(user, f"/projects/{project.pk}/{path}").status_code == 200, path


def test_others_get_404_and_anonymous_visitors_the_login_page(world, project):
    stranger = ContactFactory(client=world.client).user  # no access to this project
    for path in ("versions/", "versions/2/"):
        for user in (world.outsider, stranger):
            assert _page(user, f"/projects/{project.pk}/{path}").status_code == 404
        response = Client().get(f"/projects/{project.pk}/{path}")
        assert response.status_code == 302 and "/login/" in response["Location"]
    assert _page(world.owner, f"/projects/{project.pk}/versions/3/").status_code == 404


def test_a_version_shows_the_plan_as_it_stood_and_what_changed(world, project):
    response = _page(world.contact, f"/projects/{project.pk}/versions/2/")
    text = _text(response)
    assert "Plan v2" in text
    assert "What changed since v1" in text
    assert (
        "Milestone 3 · budget €3,000.00 → €3,600.00 · due 26 Feb 2027 → 2 Mar 2027 · "
        "deliverable “Quote form” added"
    ) in text
    assert "€10,000.00 → €10,600.00" in text
    # The plan itself: milestones, budgets, dates, revisions, deliverables with their criteria.
    for expected in (
        "1. Discovery",
        "3. Launch",
        "€3,600.00",
        "15 Feb 2027 to 2 Mar 2027 · 2 revisions",
        "18 Jan 2027 to 12 Feb 2027 · 3 revisions",
        "Quote form",
        "Sends an email.",
        "Fixed price €10,600.00",
    ):
        assert expected in text, expected


def test_the_baseline_says_so_and_shows_its_own_plan(world, project):
    text = _text(_page(world.owner, f"/projects/{project.pk}/versions/1/"))
    assert "This is the plan the client first accepted" in text
    assert "What changed" not in text
    assert "Quote form" not in text
    assert "Fixed price €10,000.00" in text


def test_comparing_with_another_version(world, project):
    response = _page(world.owner, f"/projects/{project.pk}/versions/1/", against="2")
    assert response.status_code == 200
    text = _text(response)
    assert "What differs from v2" in text
    assert "deliverable “Quote form” removed" in text
    assert "€10,600.00 → €10,000.00" in text
    # The form offers every version, the compared one chosen.
    html = response.content.decode()
    assert '<option value="2" selected>v2</option>' in html
    assert '<option value="1">v1</option>' in html
    same = _text(_page(world.owner, f"/projects/{project.pk}/versions/2/", against="2"))
    assert "Nothing changed in the plan." in same
    assert "€10,600.00 (unchanged)" in same


@pytest.mark.parametrize(
    ("against", "message"), [("two", "Enter a whole number."), ("9", "There is no version 9.")]
)
def test_a_choice_that_is_not_a_version_is_said_beside_it(world, project, against, message):
    response = _page(world.owner, f"/projects/{project.pk}/versions/2/", against=against)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert 'aria-invalid="true"' in html
    # The page still shows the version and what changed since the one before.
    assert "What changed since v1" in _text(response)


def test_the_project_page_links_to_the_versions(world, project):
    html = _page(world.contact, f"/projects/{project.pk}/").content.decode()
    assert f'href="/projects/{project.pk}/versions/"' in html


def test_a_draft_has_no_link_to_versions(world, make_draft):
    html = _page(world.owner, f"/projects/{make_draft.pk}/").content.decode()
    assert "/versions/" not in html


@pytest.fixture
def make_draft(world):
    from milepost.plans import services

    return services.project_create(
        organisation=world.organisation,
        client=world.client,
        actor=world.owner,
        name="Draft",
        currency="EUR",
        total_budget="1000.00",
        start_date="2027-01-04",
    )


def _queries(user, path) -> int:
    http = Client()
    http.force_login(User.objects.get(pk=user.pk))
    with CaptureQueriesContext(connection) as queries:
        response = http.get(path)
    assert response.status_code == 200
    return len(queries)


# The session, the user, their roles (a contact's project roles too), the unread count, the
# project, then the versions: one list; or the two compared and the numbers for the choice.
@pytest.mark.parametrize(("who", "history", "page"), [("owner", 6, 7), ("contact", 7, 8)])
def test_the_pages_run_as_many_queries_for_2_as_for_10_versions(world, who, history, page):
    few = accepted_project(world, name="Few")
    versions(few, 2)
    many = accepted_project(world, name="Many")
    versions(many, 10)
    user = world.user(who)
    for expected, few_path, many_path in (
        (history, f"/projects/{few.pk}/versions/", f"/projects/{many.pk}/versions/"),
        (page, f"/projects/{few.pk}/versions/2/", f"/projects/{many.pk}/versions/10/"),
    ):
        assert [_queries(user, few_path), _queries(user, many_path)] == [expected] * 2, many_path

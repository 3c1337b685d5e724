"""The project page's hold, resume, cancel and delete: offered to whom, asked first with what
follows, the banners both sides see, and a refused form that keeps what was typed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from milepost.core import clock
from milepost.plans import services as plans
from milepost.plans.models import Milestone, Project

from ..reviews.conftest import START, VIEWER_EMAIL, activate, cycle_for, reload

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2027, 1, 11, 9, 0, tzinfo=dt.UTC)


def browser(user) -> Client:
    http = Client()
    http.force_login(user)
    return http


def page(user, path: str) -> str:
    response = browser(user).get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.content.decode()


def _draft_project(world) -> Project:
    """The review tests' draft: website-cms, EUR 10000.00, five milestones, approver, viewer."""
    project = plans.project_create(
        organisation=world.organisation,
        client=world.client,
        actor=world.owner,
        template="website-cms",
        name="Acme webshop",
        currency="EUR",
        total_budget="10000.00",
        start_date=START,
    )
    for email, role in ((world.contact.email, "approver"), (VIEWER_EMAIL, "viewer")):
        plans.project_access_grant(project=project, email=email, role=role, actor=world.owner)
    return project


@pytest.fixture
def draft(world):
    return cycle_for(world, _draft_project(world))


@pytest.fixture
def active(world):
    return cycle_for(world, activate(_draft_project(world), world.owner, world.contact))


def test_managers_are_offered_the_steps_the_state_allows_and_no_one_else(active, world):
    path = f"/projects/{active.project.pk}/"
    html = page(active.manager, path)
    assert f'href="/projects/{active.project.pk}/hold/"' in html
    assert f'href="/projects/{active.project.pk}/cancel/"' in html
    assert "/resume/" not in html and "/delete/" not in html
    for user in (active.member, active.approver, active.viewer):
        assert "/hold/" not in page(user, path) and "/cancel/" not in page(user, path)


def test_only_a_draft_never_proposed_offers_delete(draft):
    path = f"/projects/{draft.project.pk}/"
    html = page(draft.owner, path)
    assert f'href="/projects/{draft.project.pk}/delete/"' in html
    assert "/cancel/" not in html  # the client never saw it: deleted rather than cancelled
    plans.plan_propose(project=Project.objects.get(pk=draft.project.pk), actor=draft.owner)
    plans.plan_withdraw(project=Project.objects.get(pk=draft.project.pk), actor=draft.owner)
    html = page(draft.owner, path)
    assert "/delete/" not in html and "/cancel/" in html
    response = browser(draft.owner).get(f"/projects/{draft.project.pk}/delete/", follow=True)
    assert "Cancel the project instead" in response.content.decode()
    assert Project.objects.filter(pk=draft.project.pk).exists()


def test_hold_asks_first_then_both_sides_see_the_banner_and_resume_shows_the_moved_date(active):
    pk = active.project.pk
    with clock.frozen(T0 - dt.timedelta(days=2)):
        active.to_review(1)
    asked = page(active.owner, f"/projects/{pk}/hold/")
    assert "the auto-approval of reviews and the support windows pause" in asked
    with clock.frozen(T0):
        response = browser(active.owner).post(
            f"/projects/{pk}/hold/", {"reason": "Waiting for the client's budget."}
        )
    assert response.status_code == 302
    for user in (active.owner, active.approver):
        html = page(user, f"/projects/{pk}/")
        assert 'id="on-hold"' in html and "Waiting for the client&#x27;s budget." in html
    milestone = page(active.approver, f"/milestones/{active.m(1).pk}/")
    assert 'id="auto-approval-paused"' in milestone
    assert "The project is on hold: this waits until the agency resumes it." in milestone
    with clock.frozen(T0 + dt.timedelta(days=3)):
        asked = page(active.owner, f"/projects/{pk}/resume/")
        browser(active.owner).post(f"/projects/{pk}/resume/")
    moved = reload(active.m(1)).auto_approve_at
    assert moved == T0 - dt.timedelta(days=2) + dt.timedelta(days=14 + 3)
    assert "is approved automatically on" in asked
    assert Project.objects.get(pk=pk).status == "active"
    assert 'id="on-hold"' not in page(active.approver, f"/projects/{pk}/")


def test_cancel_without_a_reason_is_refused_beside_the_field_and_keeps_nothing_changed(active):
    pk = active.project.pk
    response = browser(active.owner).post(f"/projects/{pk}/cancel/", {"reason": ""})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    long = "Too long. " * 201
    response = browser(active.owner).post(f"/projects/{pk}/cancel/", {"reason": long})
    assert response.status_code == 400
    assert long.strip() in response.content.decode()  # what was typed is still there
    assert Project.objects.get(pk=pk).status == "active"


def test_cancel_with_a_reason_both_sides_read_it_and_the_plan_stops(active):
    pk = active.project.pk
    asked = page(active.owner, f"/projects/{pk}/cancel/")
    assert "ends the project for good" in asked
    with clock.frozen(T0):
        browser(active.manager).post(f"/projects/{pk}/cancel/", {"reason": "Merged elsewhere."})
    for user in (active.member, active.viewer):
        html = page(user, f"/projects/{pk}/")
        assert 'id="cancelled"' in html and "Merged elsewhere." in html
    start = browser(active.member).post(f"/milestones/{active.m(1).pk}/start/", follow=True)
    assert "The project is cancelled: nothing more happens in it." in start.content.decode()
    assert Milestone.objects.get(pk=active.m(1).pk).status == "planned"
    assert browser(active.owner).get(f"/projects/{pk}/hold/").status_code == 302


def test_delete_a_draft_asks_first_then_it_is_gone(draft):
    pk = draft.project.pk
    asked = page(draft.owner, f"/projects/{pk}/delete/")
    assert "It was never proposed, so the client has not seen it." in asked
    assert "5 milestones" in asked
    response = browser(draft.owner).post(f"/projects/{pk}/delete/")
    assert response.status_code == 302 and response["Location"] == "/projects/"
    assert not Project.objects.filter(pk=pk).exists()


def test_the_clients_dashboard_does_not_ask_for_an_approval_that_has_to_wait(active):
    active.to_review(1)
    title = active.m(1).title
    assert f"Test and approve “{title}”" in page(active.approver, "/")
    plans.project_hold(project=Project.objects.get(pk=active.project.pk), actor=active.owner)
    assert f"Test and approve “{title}”" not in page(active.approver, "/")


def test_a_cancelled_project_shows_nothing_next_on_the_lists_and_no_next_payment(active):
    """Its open milestones never come: no "next milestone" on the dashboards and the projects
    list, and no "next: €… on approval of milestone 1" on its page."""
    pk = active.project.pk
    title = active.m(1).title
    assert title in page(active.approver, "/") and "on approval of milestone 1" in page(
        active.owner, f"/projects/{pk}/"
    )
    plans.project_cancel(
        project=Project.objects.get(pk=pk), actor=active.owner, reason="Merged elsewhere."
    )
    assert title not in page(active.approver, "/")
    assert title not in page(active.owner, "/projects/")
    assert "on approval of milestone" not in page(active.owner, f"/projects/{pk}/")
    assert "on approval of milestone" not in page(active.approver, f"/projects/{pk}/")

"""A project is the agency's alone until it is first proposed; back in draft, the client sees the
version last proposed to them, "being revised", never the edits in progress (issue 10, item 5)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from milepost.audit.models import AuditEvent
from milepost.core.errors import NotFound
from milepost.plans import selectors, services
from milepost.plans.models import PlanProposal, Project, ProjectStatus
from milepost.reviews import selectors as review_selectors
from milepost.reviews import services as reviews
from milepost.reviews.models import Attachment

from ..api.helpers import assert_error
from .conftest import fresh

pytestmark = pytest.mark.django_db


def _milestones(project):
    return list(project.milestones.order_by("position"))


def _revise(world, project, approver, *, how: str = "decline") -> Project:
    """Propose the plan, take it back to draft (declined or withdrawn), then edit it."""
    services.plan_propose(project=project, actor=world.manager)
    if how == "decline":
        services.plan_decline(project=project, reason="Too expensive", actor=fresh(approver))
    else:
        services.plan_withdraw(project=project, actor=world.manager)
    project = Project.objects.get(pk=project.pk)
    services.project_update(
        project=project, actor=world.manager, total_budget="12000.00", name="Acme webshop v2"
    )
    build = _milestones(project)[1]
    services.milestone_update(
        milestone=build, actor=world.manager, title="Build and launch", budget="8000.00"
    )
    return Project.objects.get(pk=project.pk)


@pytest.fixture
def revised(world, project, approver):
    return _revise(world, project, approver)


# --- Never proposed: the agency's alone ---------------------------------------------------------


def test_a_never_proposed_project_is_invisible_to_its_contacts(world, project, approver, viewer):
    for contact in (approver, viewer):
        assert list(selectors.projects_visible_to(fresh(contact))) == []
        with pytest.raises(NotFound):
            selectors.project_get(fresh(contact), project.pk)
        with pytest.raises(NotFound):
            selectors.milestone_get(fresh(contact), _milestones(project)[0].pk)
        with pytest.raises(NotFound):
            review_selectors.deliverable_get(
                fresh(contact), _milestones(project)[0].deliverables.first().pk
            )
    # The agency still sees it.
    assert selectors.project_get(fresh(world.member), project.pk).pk == project.pk


def test_a_contact_cannot_comment_on_a_never_proposed_project(world, project, approver):
    with pytest.raises(NotFound):
        reviews.comment_add(milestone=_milestones(project)[0], actor=approver, body="Hello?")


def test_an_attachment_of_a_never_proposed_project_is_not_found_for_contacts(
    world, project, approver
):
    reviews.comment_add(
        milestone=_milestones(project)[0],
        actor=world.member,
        body="Internal notes",
        files=[SimpleUploadedFile("costs.txt", b"our internal costs")],
    )
    attachment = Attachment.objects.get()
    with pytest.raises(NotFound):
        review_selectors.attachment_get(fresh(approver), attachment.pk)
    assert review_selectors.attachment_get(fresh(world.member), attachment.pk) == attachment


def test_proposing_makes_it_visible_and_stays_visible(world, project, approver):
    services.plan_propose(project=project, actor=world.manager)
    assert selectors.project_get(fresh(approver), project.pk).status == ProjectStatus.PROPOSED
    services.plan_withdraw(project=project, actor=world.manager)
    assert [p.pk for p in selectors.projects_visible_to(fresh(approver))] == [project.pk]


# --- The proposal snapshot ----------------------------------------------------------------------


def test_propose_stores_what_was_proposed_and_audits_it(world, project):
    services.plan_propose(project=project, actor=world.manager)
    proposal = PlanProposal.objects.get(project=project)
    assert proposal.number == 1
    assert proposal.proposed_by == world.manager
    assert proposal.snapshot["project"]["total_budget"] == "10000.00"
    assert [m["budget"] for m in proposal.snapshot["milestones"]] == ["4000.00", "6000.00"]
    assert [m["id"] for m in proposal.snapshot["milestones"]] == [
        m.pk for m in _milestones(project)
    ]
    assert [d["title"] for d in proposal.snapshot["milestones"][1]["deliverables"]] == [
        "Staging site",
        "Admin",
    ]
    project.refresh_from_db()
    assert project.first_proposed_at is not None
    event = AuditEvent.objects.get(project_id=project.pk, action="plan.proposed")
    assert event.data["proposal"] == 1


def test_a_proposal_is_immutable(world, project):
    services.plan_propose(project=project, actor=world.manager)
    proposal = PlanProposal.objects.get(project=project)
    proposal.snapshot = {}
    with pytest.raises(RuntimeError):
        proposal.save()


def test_proposing_again_keeps_every_proposal_and_the_first_date(world, revised, approver):
    first = revised.first_proposed_at
    services.plan_propose(project=revised, actor=world.manager)
    revised.refresh_from_db()
    assert revised.first_proposed_at == first
    assert list(PlanProposal.objects.filter(project=revised).values_list("number", flat=True)) == [
        1,
        2,
    ]
    latest = PlanProposal.objects.get(project=revised, number=2)
    assert latest.snapshot["project"]["total_budget"] == "12000.00"


# --- Back in draft: the client sees the last proposal -------------------------------------------


@pytest.mark.parametrize("how", ["decline", "withdraw"])
def test_back_in_draft_the_contact_sees_the_last_proposed_version(world, project, approver, how):
    revised = _revise(world, project, approver, how=how)
    seen = selectors.project_get(fresh(approver), revised.pk)
    assert seen.being_revised
    assert seen.status == ProjectStatus.DRAFT
    assert seen.name == "Acme webshop"
    assert seen.total_budget == Decimal("10000.00")
    milestones = list(seen.milestones.all())
    assert [(m.title, m.budget) for m in milestones] == [
        ("Discovery", Decimal("4000.00")),
        ("Build", Decimal("6000.00")),
    ]
    assert [d.title for d in milestones[1].deliverables.all()] == ["Staging site", "Admin"]
    # The agency sees its edits.
    mine = selectors.project_get(fresh(world.manager), revised.pk)
    assert mine.being_revised
    assert mine.total_budget == Decimal("12000.00")
    assert [m.title for m in mine.milestones.all()] == ["Discovery", "Build and launch"]


def test_the_snapshot_is_not_saved_over_the_edits(world, revised, approver):
    seen = selectors.project_get(fresh(approver), revised.pk)
    list(seen.milestones.all())
    revised.refresh_from_db()
    assert revised.total_budget == Decimal("12000.00")
    assert revised.name == "Acme webshop v2"


def test_back_in_draft_the_list_shows_the_last_proposed_figures(world, revised, approver):
    rows = selectors.as_seen_by(
        fresh(approver),
        list(
            selectors.with_approved_budget(
                selectors.with_next_milestone(selectors.projects_visible_to(fresh(approver)))
            )
        ),
    )
    assert [(p.name, p.total_budget, p.being_revised) for p in rows] == [
        ("Acme webshop", Decimal("10000.00"), True)
    ]
    assert rows[0].next_title == "Discovery"


def test_back_in_draft_single_milestones_are_not_found_for_contacts(world, revised, approver):
    build = _milestones(revised)[1]
    with pytest.raises(NotFound):
        selectors.milestone_get(fresh(approver), build.pk)
    with pytest.raises(NotFound):
        review_selectors.deliverable_get(fresh(approver), build.deliverables.first().pk)
    assert selectors.milestone_get(fresh(world.member), build.pk).title == "Build and launch"


def test_back_in_draft_the_contact_does_not_see_the_internal_edit_history(world, revised, approver):
    seen = selectors.project_get(fresh(approver), revised.pk)
    actions = {e.action for e in selectors.project_events(seen, fresh(approver))}
    assert actions == {"plan.proposed", "plan.declined", "project_access.granted"}
    agency = {e.action for e in selectors.project_events(revised, fresh(world.manager))}
    assert {"project.created", "project.updated", "milestone.updated"} <= agency


def test_after_acceptance_the_contact_sees_later_project_changes(world, revised, approver):
    services.plan_propose(project=revised, actor=world.manager)
    services.plan_accept(project=revised, actor=fresh(approver))
    revised = Project.objects.get(pk=revised.pk)
    services.project_update(project=revised, actor=world.manager, payment_terms_days=30)
    actions = [e.action for e in selectors.project_events(revised, fresh(approver))]
    assert actions[0] == "project.updated"
    assert "milestone.updated" not in actions


# --- The API as a contact -----------------------------------------------------------------------


def _api_paths(project, milestone):
    return [
        f"/api/v1/projects/{project.pk}/",
        f"/api/v1/projects/{project.pk}/milestones/",
        f"/api/v1/projects/{project.pk}/events/",
        f"/api/v1/projects/{project.pk}/plan-versions/",
        f"/api/v1/milestones/{milestone.pk}/",
    ]


def test_api_never_proposed_is_404_for_contacts(world, project, approver, viewer, api_as):
    for contact in (approver, viewer):
        api = api_as(fresh(contact))
        listed = api.get("/api/v1/projects/")
        assert listed.status_code == 200
        assert listed.json()["results"] == []
        for path in _api_paths(project, _milestones(project)[0]):
            assert_error(api.get(path), 404, "not_found")
    assert api_as(world.member).get(f"/api/v1/projects/{project.pk}/").status_code == 200


def test_api_back_in_draft_gives_the_contact_the_last_proposal(world, revised, approver, api_as):
    api = api_as(fresh(approver))
    detail = api.get(f"/api/v1/projects/{revised.pk}/").json()
    assert detail["being_revised"] is True
    assert detail["status"] == "draft"
    assert detail["name"] == "Acme webshop"
    assert detail["total_budget"] == "10000.00"
    assert detail["allocated_budget"] == "10000.00"
    assert [(m["title"], m["budget"]) for m in detail["milestones"]] == [
        ("Discovery", "4000.00"),
        ("Build", "6000.00"),
    ]
    listed = api.get("/api/v1/projects/").json()["results"]
    assert listed == [detail]
    milestones = api.get(f"/api/v1/projects/{revised.pk}/milestones/").json()
    if isinstance(milestones, dict):  # a page
        milestones = milestones["results"]
    assert milestones == detail["milestones"]
    assert_error(api.get(f"/api/v1/milestones/{milestones[1]['id']}/"), 404, "not_found")
    events = api.get(f"/api/v1/projects/{revised.pk}/events/").json()["results"]
    assert "milestone.updated" not in {e["action"] for e in events}
    assert "project.updated" not in {e["action"] for e in events}


def test_api_back_in_draft_the_agency_sees_its_edits(world, revised, api_as):
    detail = api_as(world.manager).get(f"/api/v1/projects/{revised.pk}/").json()
    assert detail["being_revised"] is True
    assert detail["total_budget"] == "12000.00"
    assert detail["milestones"][1]["title"] == "Build and launch"


def test_api_being_revised_is_false_for_proposed_and_never_proposed(world, project, api_as):
    api = api_as(world.manager)
    assert api.get(f"/api/v1/projects/{project.pk}/").json()["being_revised"] is False
    services.plan_propose(project=project, actor=world.manager)
    assert api.get(f"/api/v1/projects/{project.pk}/").json()["being_revised"] is False


def test_the_schema_documents_being_revised(db, client):
    schema = client.get("/api/v1/schema/").json()
    field = schema["components"]["schemas"]["Project"]["properties"]["being_revised"]
    assert field["type"] == "boolean"
    assert "last proposed" in field["description"]
    assert "being_revised" in schema["components"]["schemas"]["Project"]["required"]


def test_a_contact_cannot_accept_a_plan_back_in_draft(world, revised, approver, api_as):
    response = api_as(fresh(approver)).post(f"/api/v1/projects/{revised.pk}/accept/")
    assert_error(response, 409, "state_conflict")
    revised.refresh_from_db()
    assert revised.status == ProjectStatus.DRAFT


# --- The web pages as a contact -----------------------------------------------------------------


def _web_paths(project, milestone):
    return [
        f"/projects/{project.pk}/",
        f"/projects/{project.pk}/print/",
        f"/projects/{project.pk}/plan.pdf",
        f"/milestones/{milestone.pk}/",
    ]


def test_web_never_proposed_is_404_for_contacts(world, project, approver, viewer, client):
    for contact in (approver, viewer):
        client.force_login(contact)
        for path in _web_paths(project, _milestones(project)[0]):
            assert client.get(path).status_code == 404, path
        listing = client.get("/projects/")
        assert listing.status_code == 200
        assert b"Acme webshop" not in listing.content
        assert b"Acme webshop" not in client.get("/").content
    client.force_login(world.manager)
    page = client.get(f"/projects/{project.pk}/").content.decode()
    assert "They see the project once you propose the plan" in page
    services.plan_propose(project=project, actor=world.manager)
    page = client.get(f"/projects/{project.pk}/").content.decode()
    assert "They see the project once you propose the plan" not in page


def test_web_back_in_draft_shows_the_last_proposal_being_revised(world, revised, approver, client):
    client.force_login(approver)
    page = client.get(f"/projects/{revised.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "is revising this plan" in html
    assert world.organisation.name in html
    assert "€10,000.00" in html
    assert "€6,000.00" in html
    assert "€12,000.00" not in html and "€8,000.00" not in html
    assert "Build and launch" not in html and "Acme webshop v2" not in html
    assert "Accept the plan" not in html and "Propose to the client" not in html
    assert f"/milestones/{_milestones(revised)[1].pk}/" not in html  # no links into the edits
    assert "changed a milestone" not in html  # no internal edit history
    assert "changed the project&#x27;s details" not in html
    printable = client.get(f"/projects/{revised.pk}/print/").content.decode()
    assert "€6,000.00" in printable and "€8,000.00" not in printable
    assert client.get(f"/milestones/{_milestones(revised)[1].pk}/").status_code == 404


def test_web_back_in_draft_lists_show_the_last_proposal(world, revised, approver, client):
    client.force_login(approver)
    for path in ("/projects/", "/"):
        html = client.get(path).content.decode()
        assert "Acme webshop" in html and "Acme webshop v2" not in html, path
        assert "being revised" in html.lower(), path
    listing = client.get("/projects/").content.decode()
    assert "€10,000.00" in listing and "€12,000.00" not in listing


def test_web_back_in_draft_the_agency_sees_its_edits(world, revised, client):
    client.force_login(world.manager)
    html = client.get(f"/projects/{revised.pk}/").content.decode()
    assert "€12,000.00" in html and "Build and launch" in html
    assert "is revising this plan" not in html


# --- Query counts -------------------------------------------------------------------------------


def _queries(client, path) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def _more_revised_projects(world, make_project, approver, n: int) -> None:
    for i in range(n):
        project = make_project(name=f"Extra {i}")
        services.project_access_grant(
            project=project, email=approver.email, role="approver", actor=world.manager
        )
        _revise(world, project, approver)


@pytest.mark.parametrize("path", ["/projects/", "/", "/api/v1/projects/"])
def test_contact_lists_with_revised_projects_stay_constant(
    world, revised, approver, make_project, client, path
):
    client.force_login(approver)
    before = _queries(client, path)
    _more_revised_projects(world, make_project, approver, 3)
    assert _queries(client, path) == before


def test_contact_project_page_being_revised_stays_constant(world, revised, approver, client):
    client.force_login(approver)
    path = f"/projects/{revised.pk}/"
    before = _queries(client, path)
    for i, week in enumerate(("2026-04-13", "2026-04-20", "2026-04-27")):
        services.milestone_add(
            project=revised,
            actor=world.manager,
            title=f"Extra {i}",
            budget="100.00",
            planned_start=week,
            planned_due=week,
            deliverables=[{"title": f"Extra deliverable {i}"}],
        )
    services.project_update(project=revised, actor=world.manager, total_budget="12300.00")
    services.plan_propose(project=Project.objects.get(pk=revised.pk), actor=world.manager)
    services.plan_withdraw(project=Project.objects.get(pk=revised.pk), actor=world.manager)
    html = client.get(path).content.decode()
    assert "Extra deliverable 2" in html  # the page now shows the larger proposal
    assert _queries(client, path) == before


# --- Fail closed: no proposal kept ----------------------------------------------------------------

WITHHELD = "The plan is being revised; the new version will appear here when it is proposed."
#: What the agency changed after taking the plan back: none of it may reach a contact.
LIVE = ("Acme webshop v2", "12,000", "12000", "Build and launch", "8,000", "8000", "2026-05-04")


@pytest.fixture
def revised_unkept(world, revised):
    """Back in draft, but the proposals are missing (lost rows, a partial restore)."""
    services.project_update(
        project=revised, actor=world.manager, start_date="2026-05-04", payment_terms_days=45
    )
    PlanProposal.objects.filter(project=revised).delete()
    return Project.objects.get(pk=revised.pk)


def _no_live_values(text: str) -> None:
    for value in LIVE:
        assert value not in text, value


def test_without_a_kept_proposal_the_contact_sees_no_plan(world, revised_unkept, approver):
    seen = selectors.project_get(fresh(approver), revised_unkept.pk)
    assert seen.being_revised and seen.plan_withheld
    assert list(seen.milestones.all()) == []
    assert seen.total_budget is None and seen.start_date is None
    assert seen.payment_terms_days is None
    assert seen.name != "Acme webshop v2"
    rows = selectors.as_seen_by(
        fresh(approver),
        list(selectors.with_next_milestone(selectors.projects_visible_to(fresh(approver)))),
    )
    assert [(p.plan_withheld, p.total_budget, p.next_title, p.next_due) for p in rows] == [
        (True, None, None, None)
    ]
    assert rows[0].name != "Acme webshop v2"
    # The agency still works on its edits.
    mine = selectors.project_get(fresh(world.manager), revised_unkept.pk)
    assert mine.total_budget == Decimal("12000.00") and len(list(mine.milestones.all())) == 2


def test_web_without_a_kept_proposal_shows_being_revised_and_no_plan(
    world, revised_unkept, approver, client
):
    client.force_login(approver)
    html = client.get(f"/projects/{revised_unkept.pk}/").content.decode()
    assert "is revising this plan" in html
    assert WITHHELD in html
    assert "Discovery" not in html  # no milestones at all
    _no_live_values(html)
    printable = client.get(f"/projects/{revised_unkept.pk}/print/").content.decode()
    assert WITHHELD in printable and "Discovery" not in printable
    _no_live_values(printable)
    assert client.get(f"/projects/{revised_unkept.pk}/plan.pdf").status_code == 200
    for path in ("/projects/", "/"):
        listing = client.get(path).content.decode()
        assert "being revised" in listing.lower(), path
        assert "Discovery" not in listing, path
        _no_live_values(listing)


def test_api_without_a_kept_proposal_gives_no_live_values(world, revised_unkept, approver, api_as):
    api = api_as(fresh(approver))
    detail = api.get(f"/api/v1/projects/{revised_unkept.pk}/").json()
    assert detail["being_revised"] is True
    assert detail["milestones"] == []
    assert detail["total_budget"] is None and detail["allocated_budget"] is None
    assert detail["start_date"] is None and detail["payment_terms_days"] is None
    assert detail["name"] != "Acme webshop v2"
    _no_live_values(str(detail))
    assert api.get("/api/v1/projects/").json()["results"] == [detail]
    milestones = api.get(f"/api/v1/projects/{revised_unkept.pk}/milestones/").json()
    if isinstance(milestones, dict):  # a page
        milestones = milestones["results"]
    assert milestones == []

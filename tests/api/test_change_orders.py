"""Change orders through the API, as a client program drives them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from milepost.plans import services as plans
from milepost.plans.models import Milestone, Project
from milepost.reviews.services.change_orders import change_order_accept

from ..factories import ContactFactory, accepted_project

pytestmark = pytest.mark.django_db


def _fresh(user):
    return type(user).objects.get(pk=user.pk)


@pytest.fixture
def project(world):
    return accepted_project(world)


def _last(project):
    return Milestone.objects.filter(project=project).order_by("-position").first()


def _body(project, extra="600.00"):
    last = _last(project)
    return {
        "title": "A blog",
        "reason": "The client asked for one",
        "changes": [
            {
                "op": "update",
                "milestone": last.pk,
                "fields": {"budget": str(last.budget + Decimal(extra))},
            }
        ],
    }


def test_draft_propose_accept_as_a_program_would(world, project, api_as):
    agency, client = api_as(world.manager), api_as(_fresh(world.contact))
    url = f"/api/v1/projects/{project.pk}/change-orders/"
    created = agency.post(url, _body(project), format="json")
    assert created.status_code == 201, created.content
    draft = created.json()
    assert {k: draft[k] for k in ("label", "status", "base_version", "price", "total_after")} == {
        "label": "CO-1",
        "status": "draft",
        "base_version": 1,
        "price": "600.00",
        "total_after": "10600.00",
    }
    assert draft["problems"] == [] and "budget" in draft["lines"][0]
    # A draft is the agency's alone.
    assert client.get(f"/api/v1/change-orders/{draft['id']}/").status_code == 404
    assert client.get(url).json()["results"] == []
    proposed = agency.post(f"/api/v1/change-orders/{draft['id']}/propose/")
    assert proposed.status_code == 200 and proposed.json()["status"] == "proposed"
    seen = client.get(url).json()["results"]
    assert [c["label"] for c in seen] == ["CO-1"] and seen[0]["lines"] == draft["lines"]
    accepted = client.post(f"/api/v1/change-orders/{draft['id']}/accept/")
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["plan_version"] == 2
    assert accepted.json()["change_order"]["result_version"] == 2
    assert accepted.json()["invoices"] == []
    detail = agency.get(f"/api/v1/projects/{project.pk}/").json()
    assert detail["total_budget"] == "10600.00"


def test_bad_input_gets_a_clear_error_and_changes_nothing(world, project, api_as):
    agency = api_as(world.manager)
    url = f"/api/v1/projects/{project.pk}/change-orders/"
    bad = agency.post(url, {"title": "x", "changes": "not a list"}, format="json")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid"
    assert "changes" in bad.json()["error"]["details"]
    untitled = agency.post(url, {"title": "  ", "changes": []}, format="json")
    assert untitled.status_code == 400 and "title" in untitled.json()["error"]["details"]
    co = agency.post(
        url,
        {
            "title": "Cheaper",
            "changes": [
                {"op": "update", "milestone": _last(project).pk, "fields": {"budget": "-5"}}
            ],
        },
        format="json",
    ).json()
    assert co["problems"][0]["code"] == "value_invalid"  # kept as typed, the problem shown
    refused = agency.post(f"/api/v1/change-orders/{co['id']}/propose/")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "plan_invalid"
    assert refused.json()["error"]["details"]["problems"]
    assert agency.get(f"/api/v1/change-orders/{co['id']}/").json()["status"] == "draft"
    decline = api_as(_fresh(world.contact)).post(
        f"/api/v1/change-orders/{co['id']}/decline/", {"reason": ""}, format="json"
    )
    assert decline.status_code in (404, 409)  # a draft: not the client's to answer


def _bad_changes(project) -> list:
    """Two budgets that are not amounts and a milestone the project does not have."""
    milestones = list(Milestone.objects.filter(project=project).order_by("position"))
    return [
        {"op": "update", "milestone": milestones[1].pk, "fields": {"budget": "12,5x"}},
        {"op": "update", "milestone": milestones[2].pk, "fields": {"budget": ""}},
        {"op": "remove", "milestone": 999999},
    ]


def test_every_refused_field_is_listed_in_one_answer(world, project, api_as):
    agency = api_as(world.manager)
    url = f"/api/v1/projects/{project.pk}/change-orders/"
    # A blank title beside changes that are not a list of objects, and a reason too long.
    refused = agency.post(
        url, {"title": "  ", "reason": "x" * 5001, "changes": [{"op": "remove"}, 7]}, format="json"
    )
    assert refused.status_code == 400
    assert set(refused.json()["error"]["details"]) == {"title", "reason", "changes"}
    refused = agency.post(url, {"title": "", "changes": "all of them"}, format="json")
    assert set(refused.json()["error"]["details"]) == {"title", "changes"}
    assert not project.change_orders.exists()

    co = agency.post(url, {"title": "A blog", "changes": []}, format="json").json()
    refused = agency.patch(
        f"/api/v1/change-orders/{co['id']}/", {"title": " ", "changes": "none"}, format="json"
    )
    assert refused.status_code == 400
    assert set(refused.json()["error"]["details"]) == {"title", "changes"}
    # A PATCH checks only what it sends: the title stays.
    kept = agency.patch(f"/api/v1/change-orders/{co['id']}/", {"changes": []}, format="json")
    assert kept.status_code == 200 and kept.json()["title"] == "A blog"


def test_bad_changes_are_kept_as_typed_and_every_problem_is_listed(world, project, api_as):
    agency = api_as(world.manager)
    url = f"/api/v1/projects/{project.pk}/change-orders/"
    body = {"title": "Three bad", "changes": _bad_changes(project)}
    created = agency.post(url, body, format="json")
    assert created.status_code == 201
    problems = [(p["code"], p["position"], p["field"]) for p in created.json()["problems"]]
    assert problems == [
        ("value_invalid", 2, "budget"),
        ("value_invalid", 3, "budget"),
        ("milestone_unknown", None, None),
    ]
    refused = agency.post(f"/api/v1/change-orders/{created.json()['id']}/propose/")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "plan_invalid"
    assert len(refused.json()["error"]["details"]["problems"]) == 3


def test_another_organisations_ids_are_not_found(world, project, api_as):
    co = plans.change_order_create(project=project, actor=world.owner, title="x", changes_=[])
    outsider = api_as(world.outsider)
    assert outsider.get(f"/api/v1/change-orders/{co.pk}/").status_code == 404
    assert outsider.post(f"/api/v1/change-orders/{co.pk}/propose/").status_code == 404
    assert outsider.get(f"/api/v1/projects/{project.pk}/change-orders/").status_code == 404
    assert api_as(world.owner).get("/api/v1/change-orders/abc/").status_code == 404


def test_a_viewer_reads_a_proposed_change_order_but_cannot_answer_it(world, project, api_as):
    viewer = ContactFactory(client=world.client).user
    plans.project_access_grant(
        project=project, email=viewer.email, role="viewer", actor=world.owner
    )
    co = plans.change_order_create(
        project=project, actor=world.owner, title="A blog", changes_=_body(project)["changes"]
    )
    plans.change_order_propose(change_order=co, actor=world.owner)
    as_viewer = api_as(_fresh(viewer))
    assert as_viewer.get(f"/api/v1/change-orders/{co.pk}/").status_code == 200
    answer = as_viewer.post(f"/api/v1/change-orders/{co.pk}/accept/")
    assert answer.status_code == 403
    assert Project.objects.get(pk=project.pk).plan_version == 1


def test_the_list_reads_a_constant_number_of_queries(world, project, api_as):
    agency = api_as(world.owner)
    url = f"/api/v1/projects/{project.pk}/change-orders/"

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert agency.get(url).status_code == 200
        return len(queries)

    for _ in range(2):
        plans.change_order_create(
            project=project, actor=world.owner, title="x", changes_=_body(project)["changes"]
        )
    two = count()
    for _ in range(6):
        plans.change_order_create(
            project=project, actor=world.owner, title="y", changes_=_body(project)["changes"]
        )
    assert count() == two


def test_the_version_a_change_order_made_names_it_and_its_diff_matches_by_id(
    world, project, api_as
):
    milestones = list(Milestone.objects.filter(project=project).order_by("position"))
    co = plans.change_order_create(
        project=project,
        actor=world.owner,
        title="Drop the second",
        changes_=[
            {"op": "remove", "milestone": milestones[1].pk},
            {
                "op": "update",
                "milestone": milestones[0].pk,
                "fields": {"budget": str(milestones[0].budget + milestones[1].budget)},
            },
        ],
    )
    plans.change_order_propose(change_order=co, actor=world.owner)
    change_order_accept(change_order=co, actor=_fresh(world.contact))
    agency = api_as(world.owner)
    version = agency.get(f"/api/v1/projects/{project.pk}/plan-versions/2/").json()
    assert version["change_order"] == co.pk
    diff = agency.get(f"/api/v1/projects/{project.pk}/plan-versions/2/diff/").json()
    kinds = [(m["kind"], m["title"]) for m in diff["milestones"]]
    # Matched by id: the second milestone is removed, the later ones only moved up.
    assert ("removed", milestones[1].title) in kinds
    assert all(kind != "added" for kind, _title in kinds)


def test_the_change_order_pdf_holds_the_acceptance_record(world, project, api_as):
    from ..billing.test_pdf import text_of

    co = plans.change_order_create(
        project=project, actor=world.owner, title="A blog", changes_=_body(project)["changes"]
    )
    plans.change_order_propose(change_order=co, actor=world.owner)
    change_order_accept(change_order=co, actor=_fresh(world.contact))
    client = api_as(_fresh(world.contact))
    response = client.get(f"/api/v1/change-orders/{co.pk}/pdf/", HTTP_ACCEPT="application/pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = text_of(response.content)
    assert "Change order CO-1: A blog" in text
    assert "made plan v2" in text and world.contact.email in text
    assert "€10,600.00" in text and "Accepted" in text
    assert "This change order +€600.00" in text  # a change, with its sign
    outsider = api_as(world.outsider).get(
        f"/api/v1/change-orders/{co.pk}/pdf/", HTTP_ACCEPT="application/pdf"
    )
    assert outsider.status_code == 404

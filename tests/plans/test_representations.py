"""The API's hand-written project, milestone and deliverable JSON equals DRF's own rendering.

ProjectSerializer, MilestoneSerializer and DeliverableSerializer render with plain dictionaries
for speed. These tests render the same objects through DRF's generic field-by-field path and
compare, key order included, so a field added to ``Meta.fields`` cannot be forgotten.
"""

import datetime as dt

import pytest
from rest_framework import serializers

from milepost.api import plan_serializers as s
from milepost.api.plan_json import project_json
from milepost.plans import selectors

from .conftest import START, milestone_items

pytestmark = pytest.mark.django_db


def drf_rendering(serializer_class, instance) -> list:
    return list(serializers.ModelSerializer.to_representation(serializer_class(), instance).items())


def fast_rendering(serializer_class, instance) -> list:
    return list(serializer_class(instance).data.items())


@pytest.mark.parametrize(
    ("currency", "total", "budgets"),
    [("EUR", "10000.00", ("4000.00", "6000.00")), ("JPY", "1000000", ("400000", "600000"))],
)
def test_project_milestone_and_deliverable_json_match_drf(
    make_project, world, currency, total, budgets
):
    items = milestone_items()
    for item, budget in zip(items, budgets, strict=True):
        item["budget"] = budget
    items[1]["scope"] = ""
    items[1]["deliverables"][0]["acceptance_criteria"] = ""
    project = make_project(currency=currency, total_budget=total, milestones=items)
    project = selectors.project_get(world.manager, project.pk)

    assert fast_rendering(s.ProjectSerializer, project) == drf_rendering(
        s.ProjectSerializer, project
    )
    for milestone in project.milestones.all():
        assert fast_rendering(s.MilestoneSerializer, milestone) == drf_rendering(
            s.MilestoneSerializer, milestone
        )
        for deliverable in milestone.deliverables.all():
            assert fast_rendering(s.DeliverableSerializer, deliverable) == drf_rendering(
                s.DeliverableSerializer, deliverable
            )


def test_rendering_keeps_amounts_as_strings_and_dates_as_iso(make_project, world):
    project = selectors.project_get(world.manager, make_project().pk)
    data = s.ProjectSerializer(project).data
    assert data["total_budget"] == "10000.00"
    assert data["allocated_budget"] == "10000.00"
    assert data["start_date"] == START.isoformat()
    first = data["milestones"][0]
    assert first["budget"] == "4000.00"
    assert first["planned_due"] == dt.date(2026, 3, 13).isoformat()
    assert [d["title"] for d in data["milestones"][1]["deliverables"]] == ["Staging site", "Admin"]


def test_list_rows_render_like_the_detail(make_project, world):
    """GET /api/v1/projects/ builds plans from light rows (plans_of); the JSON is the same."""
    first = make_project()
    second = make_project(name="Second", currency="JPY", total_budget="1000000", milestones=None)
    items = milestone_items()
    items[1]["deliverables"].append({"title": "Docs", "acceptance_criteria": ""})
    third = make_project(name="Third", milestones=items)
    ids = [first.pk, second.pk, third.pk]
    plans = selectors.plans_of(ids)
    assert plans[second.pk] == []
    for pk in ids:
        project = selectors.project_get(world.manager, pk)
        assert project_json(project, plans[pk]) == s.ProjectSerializer(project).data


def test_list_endpoint_matches_detail_endpoint(make_project, world):
    from rest_framework.test import APIClient

    make_project()
    make_project(name="Other")
    client = APIClient()
    client.force_authenticate(world.manager)
    listed = client.get("/api/v1/projects/").json()["results"]
    assert len(listed) == 2
    for item in listed:
        assert item == client.get(f"/api/v1/projects/{item['id']}/").json()

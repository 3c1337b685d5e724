"""The API's hand-written project, milestone and deliverable JSON equals DRF's own rendering.

ProjectSerializer, MilestoneSerializer and DeliverableSerializer render with plain dictionaries
for speed. These tests render the same objects through DRF's generic field-by-field path and
compare, key order included, so a field added to ``Meta.fields`` cannot be forgotten.
"""

import datetime as dt

import pytest
from rest_framework import serializers

from milepost.api import plan_serializers as s
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

"""The milestone JSON the API answers carries the review cycle's state, as the README documents."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from milepost.api import plan_serializers as s
from milepost.api.plan_json import project_json
from milepost.plans import selectors
from milepost.reviews.services.time import run_due_work

pytestmark = pytest.mark.django_db

CYCLE_FIELDS = (
    "revisions_left",
    "review_started_at",
    "auto_approve_at",
    "approved_at",
    "approved_by",
    "support_window_ends",
)


def _iso(value: dt.datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_planned_milestone_has_its_quota_left_and_no_dates(cycle):
    body = _api(cycle.owner).get(f"/api/v1/milestones/{cycle.m(1).pk}/").json()
    assert {k: body[k] for k in CYCLE_FIELDS} == {
        "revisions_left": cycle.m(1).revision_quota,
        "review_started_at": None,
        "auto_approve_at": None,
        "approved_at": None,
        "approved_by": None,
        "support_window_ends": None,
    }


def test_a_milestone_in_review_says_when_it_approves_itself(cycle):
    milestone = cycle.to_review(1)
    cycle.request_changes(1)
    cycle.deliver(1)
    milestone = cycle.m(1)
    days = cycle.project.auto_approve_days
    body = _api(cycle.approver).get(f"/api/v1/milestones/{milestone.pk}/").json()
    assert body["revisions_left"] == milestone.revision_quota - 1
    assert body["review_started_at"] == _iso(milestone.review_started_at)
    assert body["auto_approve_at"] == _iso(milestone.review_started_at + dt.timedelta(days=days))
    assert body["approved_at"] is None and body["approved_by"] is None


def test_an_approved_milestone_names_its_approver_and_support_window(cycle):
    milestone = cycle.to_approved(1)
    for user in (cycle.owner, cycle.approver):
        body = _api(user).get(f"/api/v1/milestones/{milestone.pk}/").json()
        assert body["approved_by"] == cycle.approver.email
        assert body["approved_at"] == _iso(milestone.approved_at)
        assert body["support_window_ends"] == _iso(milestone.support_ends_at)
        assert body["auto_approve_at"] is None


def test_an_auto_approved_milestone_was_approved_by_system(cycle):
    milestone = cycle.to_review(1)
    run_due_work(milestone.review_started_at + dt.timedelta(days=cycle.project.auto_approve_days))
    body = _api(cycle.owner).get(f"/api/v1/milestones/{milestone.pk}/").json()
    assert body["approved_by"] == "system"
    assert body["approved_at"] is not None


def test_the_project_list_detail_and_plan_list_agree_on_the_cycle_fields(cycle):
    approved = cycle.to_approved(1)
    in_review = cycle.to_review(2)
    api = _api(cycle.owner)
    listed = api.get("/api/v1/projects/").json()["results"]
    detail = api.get(f"/api/v1/projects/{cycle.project.pk}/").json()
    plan = api.get(f"/api/v1/projects/{cycle.project.pk}/milestones/").json()["results"]
    assert listed == [detail]
    assert detail["milestones"] == plan
    by_id = {m["id"]: m for m in plan}
    assert by_id[approved.pk]["approved_by"] == cycle.approver.email
    assert by_id[in_review.pk]["auto_approve_at"] is not None


def test_the_hand_built_json_equals_drf_rendering_through_the_cycle(cycle):
    """tests/plans/test_representations.py compares draft plans; here every state is set."""
    from rest_framework import serializers

    cycle.to_approved(1)
    cycle.to_review(2)
    project = selectors.project_get(cycle.owner, cycle.project.pk)
    for milestone in project.milestones.all():
        drf = serializers.ModelSerializer.to_representation(s.MilestoneSerializer(), milestone)
        assert list(s.MilestoneSerializer(milestone).data.items()) == list(drf.items())
    rows = selectors.plans_of([project.pk])[project.pk]
    assert project_json(project, rows) == s.ProjectSerializer(project).data


@pytest.mark.parametrize("path", ["milestones", "plan-versions"])
def test_project_sub_lists_are_paginated_like_every_list(cycle, path):
    """The schema has always said these two are pages (count, next, previous, results)."""
    api = _api(cycle.approver)
    url = f"/api/v1/projects/{cycle.project.pk}/{path}/"
    everything = api.get(url).json()
    assert set(everything) == {"count", "next", "previous", "results"}
    assert everything["count"] == len(everything["results"]) >= 1
    first = api.get(url, {"page_size": 1}).json()
    assert len(first["results"]) == 1
    assert first["results"][0] == everything["results"][0]
    assert (first["next"] is not None) == (everything["count"] > 1)

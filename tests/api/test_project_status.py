"""The API's hold, resume, cancel and delete: answers, refusals (400, 403, 404, 409) in the error
shape, and another organisation's ids."""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.test import APIClient

from milepost.core import clock
from milepost.plans import services as plans
from milepost.plans.models import Milestone, Project

from .demo import Demo
from .helpers import assert_error

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)


class JSONClient(APIClient):
    def post(self, path, data=None, **kwargs):
        return super().post(path, data, format="json", **kwargs)


def as_(role: str) -> APIClient:
    client = JSONClient()
    client.force_authenticate(Demo.user(role))
    return client


def url(pk: int, step: str = "") -> str:
    return f"/api/v1/projects/{pk}/" + (f"{step}/" if step else "")


def test_hold_then_resume_moves_the_auto_approval_in_the_milestone_json(demo):
    before = as_("approver").get(f"/api/v1/milestones/{demo.in_review}/").json()["auto_approve_at"]
    assert before is not None
    with clock.frozen(T0):
        held = as_("manager").post(url(demo.active, "hold"), {"reason": "Budget freeze."})
    assert held.status_code == 200, held.content
    body = held.json()
    assert (body["status"], body["hold_reason"]) == ("on_hold", "Budget freeze.")
    assert body["on_hold_since"] == "2027-03-01T09:00:00Z"
    paused = as_("approver").get(f"/api/v1/milestones/{demo.in_review}/").json()
    assert paused["auto_approve_at"] is None
    with clock.frozen(T0 + dt.timedelta(days=2)):
        resumed = as_("owner").post(url(demo.active, "resume"))
    assert resumed.status_code == 200
    assert (resumed.json()["status"], resumed.json()["on_hold_since"]) == ("active", None)
    after = Milestone.objects.select_related("project").get(pk=demo.in_review).auto_approve_at
    moved = as_("approver").get(f"/api/v1/milestones/{demo.in_review}/").json()["auto_approve_at"]
    assert moved == after.isoformat().replace("+00:00", "Z")
    assert dt.datetime.fromisoformat(moved) - dt.datetime.fromisoformat(before) == dt.timedelta(
        days=2
    )


def test_refusals_answer_in_the_error_shape_and_change_nothing(demo):
    assert_error(as_("owner").post(url(demo.draft, "hold")), 409, "invalid_transition")
    assert_error(as_("owner").post(url(demo.active, "resume")), 409, "invalid_transition")
    assert_error(as_("member").post(url(demo.active, "hold")), 403, "permission_denied")
    assert_error(as_("approver").post(url(demo.active, "cancel"), {"reason": "No."}), 403)
    error = assert_error(as_("owner").post(url(demo.active, "cancel"), {}), 400, "invalid")
    assert "reason" in error["details"]
    error = assert_error(as_("owner").post(url(demo.active, "cancel"), {"reason": " "}), 400)
    assert error["details"] == {"reason": ["This field is required."]}
    assert_error(as_("owner").delete(url(demo.proposed)), 409, "invalid_transition")
    assert Project.objects.get(pk=demo.active).status == "active"
    assert Project.objects.get(pk=demo.proposed).status == "proposed"


def test_another_organisations_ids_are_not_found(demo):
    for method, path in (
        ("post", url(demo.active, "hold")),
        ("post", url(demo.active, "resume")),
        ("post", url(demo.active, "cancel")),
        ("delete", url(demo.draft)),
    ):
        response = getattr(as_("outsider"), method)(path, {"reason": "Mine now."})
        assert_error(response, 404, "not_found")
    assert Project.objects.filter(pk=demo.draft).exists()
    assert Project.objects.get(pk=demo.active).status == "active"


def test_cancel_with_a_reason_both_sides_read(demo):
    response = as_("owner").post(url(demo.active, "cancel"), {"reason": "Merged into phase 2."})
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    seen = as_("approver").get(url(demo.active)).json()
    assert (seen["status"], seen["cancel_reason"]) == ("cancelled", "Merged into phase 2.")
    assert seen["cancelled_at"] is not None
    refused = as_("approver").post(
        f"/api/v1/milestones/{demo.in_review}/approve/", {"accept_open_items": True}
    )
    assert_error(refused, 409, "project_cancelled")


def test_delete_a_draft_never_proposed_but_not_one_the_client_saw(demo):
    assert as_("owner").delete(url(demo.draft)).status_code == 204
    assert not Project.objects.filter(pk=demo.draft).exists()
    assert_error(as_("owner").get(url(demo.draft)), 404)
    plans.plan_withdraw(project=Project.objects.get(pk=demo.proposed), actor=Demo.user("owner"))
    error = assert_error(as_("owner").delete(url(demo.proposed)), 409, "project_was_proposed")
    assert "Cancel the project instead" in error["message"]

"""Re-review over HTTP: the API's checklist and deliveries, and the milestone page."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from rest_framework.test import APIClient

from milepost.reviews import services as reviews

pytestmark = pytest.mark.django_db

XSS = "**Ready** on staging <script>alert(1)</script> [try it](javascript:alert(2))"


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _web(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def second_round(cycle):
    """v1: first failed with a note, second passed; changes requested; v2 delivered with a
    preview and Markdown notes (with a script in them)."""
    cycle.to_review(1)
    first, second, *_ = cycle.deliverables(1)
    reviews.deliverable_verdict(
        deliverable=first, actor=cycle.approver, status="failed", note="Login refused."
    )
    reviews.deliverable_verdict(
        deliverable=second, actor=cycle.approver, status="passed", note="Fast."
    )
    cycle.request_changes(1, feedback="Fix the login.")
    cycle.deliver(1, notes=XSS, preview_url="https://staging.example.com/v2")
    return cycle, first, second


def test_the_api_checklist_shows_earlier_verdicts_and_what_carried_over(second_round):
    cycle, first, second = second_round
    for user in (cycle.approver, cycle.viewer, cycle.member):
        body = _api(user).get(f"/api/v1/milestones/{cycle.m(1).pk}/checklist/").json()
        assert body["delivery"] == 2
        items = {item["deliverable"]: item for item in body["items"]}
        assert list(items) == [d.pk for d in cycle.deliverables(1)]
        assert items[first.pk] == {
            "deliverable": first.pk,
            "title": first.title,
            "status": "untested",
            "note": "",
            "carried_from": None,
            "earlier": {"delivery": 1, "status": "failed", "note": "Login refused."},
        }
        assert items[second.pk] == {
            "deliverable": second.pk,
            "title": second.title,
            "status": "passed",
            "note": "Fast.",
            "carried_from": 1,
            "earlier": {"delivery": 1, "status": "passed", "note": "Fast."},
        }
        # Nothing failed on v2 yet, so no change request is drafted.
        assert body["feedback_draft"] == ""


def test_the_api_checklist_drafts_the_change_request_from_failed_notes(second_round):
    cycle, first, _second = second_round
    _api(cycle.approver).post(
        f"/api/v1/deliverables/{first.pk}/verdict/",
        {"status": "failed", "note": "Still refused."},
        format="json",
    )
    body = _api(cycle.approver).get(f"/api/v1/milestones/{cycle.m(1).pk}/checklist/").json()
    assert body["feedback_draft"] == f"- **{first.title}**: Still refused."


def test_the_api_checklist_before_any_delivery(cycle):
    body = _api(cycle.owner).get(f"/api/v1/milestones/{cycle.m(1).pk}/checklist/").json()
    assert body["delivery"] is None
    assert {item["status"] for item in body["items"]} == {"untested"}


def test_the_api_checklist_is_not_found_for_outsiders(second_round):
    cycle, _first, _second = second_round
    response = _api(cycle.outsider).get(f"/api/v1/milestones/{cycle.m(1).pk}/checklist/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_api_verdicts_say_what_was_carried_over_and_by_whom(second_round):
    cycle, _first, second = second_round
    deliveries = _api(cycle.owner).get(f"/api/v1/milestones/{cycle.m(1).pk}/deliveries/").json()
    v2, v1 = deliveries["results"]
    assert [v["carried_from"] for v in v1["verdicts"]] == [None, None]
    assert v2["verdicts"] == [
        {
            "deliverable": second.pk,
            "delivery": 2,
            "status": "passed",
            "note": "Fast.",
            "decided_by": cycle.approver.email,
            "decided_at": v2["verdicts"][0]["decided_at"],
            "carried_from": 1,
        }
    ]
    assert v2["verdicts"][0]["decided_at"] == next(
        v["decided_at"] for v in v1["verdicts"] if v["deliverable"] == second.pk
    )
    changed = _api(cycle.approver).post(
        f"/api/v1/deliverables/{second.pk}/verdict/", {"status": "failed"}, format="json"
    )
    assert changed.status_code == 200
    assert changed.json()["carried_from"] is None


def test_api_deliveries_keep_the_notes_raw_and_rendered_sanitised(second_round):
    cycle, _first, _second = second_round
    deliveries = _api(cycle.approver).get(f"/api/v1/milestones/{cycle.m(1).pk}/deliveries/")
    latest = deliveries.json()["results"][0]
    assert latest["notes"] == XSS
    assert "<strong>Ready</strong>" in latest["notes_html"]
    assert "<script" not in latest["notes_html"]
    assert "javascript:" not in latest["notes_html"]


def test_the_page_shows_earlier_verdicts_and_passed_in_v1(second_round):
    cycle, first, second = second_round
    html = _web(cycle.approver).get(f"/milestones/{cycle.m(1).pk}/").content.decode()
    items = dict(
        re.findall(r'<li class="check-\w+">\s*<strong>([^<]+)</strong>(.*?)</li>', html, re.S)
    )
    assert 'status-passed">Passed</span>' in items[second.title]
    assert "passed in v1" in items[second.title]
    assert 'status-untested">to test</span>' in items[first.title]
    assert "Earlier: failed in v1 — <em>Login refused.</em>" in items[first.title]
    assert "passed in v1" not in items[first.title]


def test_the_page_prefills_what_should_change_with_the_failed_notes(second_round):
    cycle, first, _second = second_round
    web = _web(cycle.approver)
    url = f"/milestones/{cycle.m(1).pk}/"
    response = web.post(
        f"{url}deliverables/{first.pk}/verdict/",
        {f"v{first.pk}-status": "failed", f"v{first.pk}-note": "Still <b>refused</b>."},
    )
    assert response.status_code == 302
    html = web.get(url).content.decode()
    textarea = re.search(r'<textarea name="feedback"[^>]*>(.*?)</textarea>', html, re.S)
    assert textarea is not None
    assert textarea.group(1).strip() == f"- **{first.title}**: Still &lt;b&gt;refused&lt;/b&gt;."


def test_a_refused_change_request_keeps_what_the_client_typed(second_round):
    cycle, first, _second = second_round
    reviews.deliverable_verdict(deliverable=first, actor=cycle.approver, status="failed")
    html = (
        _web(cycle.approver)
        .post(f"/milestones/{cycle.m(1).pk}/request-changes/", {"feedback": "   "})
        .content.decode()
    )
    textarea = re.search(r'<textarea name="feedback"[^>]*>(.*?)</textarea>', html, re.S)
    assert textarea is not None and textarea.group(1).strip() == ""


def test_the_page_renders_delivery_notes_as_sanitised_markdown(second_round):
    cycle, _first, _second = second_round
    html = _web(cycle.approver).get(f"/milestones/{cycle.m(1).pk}/").content.decode()
    deliveries = html[html.index('id="deliveries"') :]
    deliveries = deliveries[: deliveries.index("</section>")]
    assert "<strong>Ready</strong> on staging" in deliveries
    assert "**Ready**" not in deliveries
    assert "<script" not in deliveries and "alert(1)" not in deliveries
    assert "javascript:" not in html
    # Only the base template's own scripts, each from a file: none came in with the notes.
    scripts = re.findall(r"<script[^>]*>", html)
    assert scripts and all(
        re.fullmatch(r'<script src="/static/web/[^"]+" defer>', s) for s in scripts
    )


def test_the_preview_is_a_button_at_the_top_of_the_page(second_round):
    cycle, _first, _second = second_round
    for user in (cycle.approver, cycle.member):
        html = _web(user).get(f"/milestones/{cycle.m(1).pk}/").content.decode()
        button = re.search(r'<p class="preview-link"><a class="button" href="([^"]+)"', html)
        assert button is not None
        assert button.group(1) == "https://staging.example.com/v2"
        assert html.index('class="preview-link"') < html.index('id="thread"')
        assert html.index('class="preview-link"') < html.index('ul class="checklist"')


def test_no_preview_button_without_a_preview(cycle):
    cycle.to_review(1)
    html = _web(cycle.approver).get(f"/milestones/{cycle.m(1).pk}/").content.decode()
    assert "preview-link" not in html

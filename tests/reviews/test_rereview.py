"""Re-review without starting over: what a new delivery keeps of the last checklist.

Passed stays passed (carried over, the client's verdict), failed goes back to "to test", a
deliverable new since the last delivery is to test, the client may change a carried verdict; the
failed items' notes draft the change request; approval and audit say what happened.
"""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.db import IntegrityError, transaction

from milepost.audit.models import AuditEvent
from milepost.audit.wording import describe
from milepost.plans.models import Deliverable
from milepost.reviews import rules, selectors
from milepost.reviews import services as reviews
from milepost.reviews.models import Delivery, Verdict

pytestmark = pytest.mark.django_db


def verdict(cycle, deliverable, status: str, note: str = "") -> Verdict:
    return reviews.deliverable_verdict(
        deliverable=deliverable, actor=cycle.approver, status=status, note=note
    )


def checklist(cycle, position: int = 1) -> dict[str, dict]:
    """{deliverable title: row} of the delivery under review."""
    milestone = cycle.m(position)
    rows = reviews.checklist(milestone, reviews.current_delivery(milestone))
    return {row["title"]: row for row in rows}


@pytest.fixture
def second_round(cycle):
    """v1 tested (first failed with a note, second passed, the rest untested), changes
    requested, v2 delivered."""
    cycle.to_review(1)
    first, second, *rest = cycle.deliverables(1)
    assert rest, "the template's first milestone has at least three deliverables"
    v1_failed = verdict(cycle, first, "failed", "The admin login refuses the password.")
    v1_passed = verdict(cycle, second, "passed", "Fast on my phone.")
    cycle.request_changes(1, feedback="Fix the login.")
    cycle.deliver(1, notes="Login fixed.")
    return cycle, first, second, rest, v1_failed, v1_passed


def test_a_passed_item_stays_passed_on_the_next_delivery_as_the_client_gave_it(second_round):
    cycle, _first, second, _rest, _failed, v1_passed = second_round
    v2 = reviews.current_delivery(cycle.m(1))
    carried = Verdict.objects.get(delivery=v2, deliverable=second)
    assert carried.status == "passed"
    assert carried.note == "Fast on my phone."
    assert carried.carried_from_id == v1_passed.pk
    assert carried.decided_by_id == cycle.approver.pk  # the client's verdict, not the agency's
    assert carried.decided_at == v1_passed.decided_at
    row = checklist(cycle)[second.title]
    assert row["status"] == "passed" and row["carried_from"] == 1
    assert row["earlier"] == {"delivery": 1, "status": "passed", "note": "Fast on my phone."}
    v1_passed.refresh_from_db()
    assert v1_passed.delivery.number == 1 and v1_passed.carried_from_id is None


def test_a_failed_item_goes_back_to_be_tested_showing_its_earlier_verdict(second_round):
    cycle, first, _second, _rest, _failed, _passed = second_round
    v2 = reviews.current_delivery(cycle.m(1))
    assert not Verdict.objects.filter(delivery=v2, deliverable=first).exists()
    row = checklist(cycle)[first.title]
    assert row["status"] == "untested" and row["carried_from"] is None and row["note"] == ""
    assert row["earlier"] == {
        "delivery": 1,
        "status": "failed",
        "note": "The admin login refuses the password.",
    }


def test_an_item_never_tested_stays_to_test_with_no_earlier_verdict(second_round):
    cycle, _first, _second, rest, _failed, _passed = second_round
    rows = checklist(cycle)
    for deliverable in rest:
        assert rows[deliverable.title]["status"] == "untested"
        assert rows[deliverable.title]["earlier"] is None


def test_a_deliverable_added_since_the_last_delivery_is_to_test(cycle):
    cycle.to_review(1)
    cycle.pass_all(1)
    cycle.request_changes(1)
    # What an accepted change order will do: a new deliverable on the milestone under work.
    added = Deliverable.objects.create(
        milestone=cycle.m(1), position=99, title="Newsletter sign-up", acceptance_criteria="x"
    )
    cycle.deliver(1)
    rows = checklist(cycle)
    assert rows[added.title]["status"] == "untested" and rows[added.title]["earlier"] is None
    others = [row for title, row in rows.items() if title != added.title]
    assert others and {(r["status"], r["carried_from"]) for r in others} == {("passed", 1)}
    open_items = reviews.milestone_approve(
        milestone=cycle.m(1), actor=cycle.approver, accept_open_items=True
    ).open_items
    assert open_items == 1


def test_the_client_may_change_a_carried_verdict_and_the_audit_says_what_it_was(second_round):
    cycle, _first, second, _rest, _failed, v1_passed = second_round
    changed = verdict(cycle, second, "failed", "Slow after all.")
    assert changed.carried_from_id is None and changed.decided_by_id == cycle.approver.pk
    row = checklist(cycle)[second.title]
    assert (row["status"], row["note"], row["carried_from"]) == ("failed", "Slow after all.", None)
    assert row["earlier"]["status"] == "passed" and row["earlier"]["delivery"] == 1
    event = AuditEvent.objects.filter(action="deliverable.verdict").order_by("-sequence").first()
    assert event.data["before"] == {
        "status": "passed",
        "note": "Fast on my phone.",
        "carried_from": 1,
    }
    assert event.data["after"] == {"status": "failed", "note": "Slow after all."}
    assert describe(event) == (
        f"marked “{second.title}” of milestone 1 failed in v2"
    )  # the activity says which deliverable and what the client found
    v1_passed.refresh_from_db()
    assert v1_passed.status == "passed"  # v1's checklist is kept as it stood


def test_confirming_a_carried_verdict_makes_it_the_clients_on_this_delivery(second_round):
    cycle, _first, second, _rest, _failed, _passed = second_round
    again = verdict(cycle, second, "passed", "Still fast.")
    assert again.carried_from_id is None
    assert checklist(cycle)[second.title]["carried_from"] is None


def test_a_verdict_changed_to_failed_is_to_test_on_the_delivery_after(second_round):
    cycle, _first, second, _rest, _failed, _passed = second_round
    verdict(cycle, second, "failed", "Slow after all.")
    cycle.request_changes(1, feedback="Faster, please.")
    cycle.deliver(1)
    row = checklist(cycle)[second.title]
    assert row["status"] == "untested"
    assert row["earlier"] == {"delivery": 2, "status": "failed", "note": "Slow after all."}


def test_a_pass_carried_twice_still_says_where_the_client_gave_it(second_round):
    cycle, first, second, _rest, _failed, v1_passed = second_round
    verdict(cycle, first, "failed", "Still refused.")
    cycle.request_changes(1, feedback="Again.")
    cycle.deliver(1)
    v3 = reviews.current_delivery(cycle.m(1))
    assert v3.number == 3
    carried = Verdict.objects.get(delivery=v3, deliverable=second)
    assert carried.carried_from_id == v1_passed.pk
    row = checklist(cycle)[second.title]
    assert row["carried_from"] == 1 and row["earlier"]["delivery"] == 1
    assert checklist(cycle)[first.title]["earlier"] == {
        "delivery": 2,
        "status": "failed",
        "note": "Still refused.",
    }


def test_the_delivery_audit_names_the_verdicts_carried_over(second_round):
    cycle, _first, second, _rest, _failed, _passed = second_round
    event = AuditEvent.objects.filter(action="milestone.delivered").order_by("-sequence").first()
    assert event.data["delivery"] == 2
    assert event.data["carried_over"] == [
        {
            "deliverable": second.pk,
            "status": "passed",
            "from_delivery": 1,
            "decided_by": cycle.approver.pk,
        }
    ]
    first_event = AuditEvent.objects.filter(action="milestone.delivered").order_by("sequence")[0]
    assert first_event.data["carried_over"] == []


def test_passing_the_rest_approves_without_open_items(second_round):
    cycle, first, second, rest, _failed, _passed = second_round
    for deliverable in (first, *rest):
        verdict(cycle, deliverable, "passed")
    approval = reviews.milestone_approve(milestone=cycle.m(1), actor=cycle.approver)
    assert approval.open_items == 0
    assert approval.delivery.number == 2
    carried = [row for row in approval.checklist if row["carried_from"]]
    assert [row["title"] for row in carried] == [second.title]


def test_the_change_request_is_drafted_from_the_failed_items_notes(cycle):
    cycle.to_review(1)
    first, second, third, *_ = cycle.deliverables(1)
    verdict(cycle, first, "failed", "The admin login\nrefuses the password.")
    verdict(cycle, second, "passed", "Fine.")
    verdict(cycle, third, "failed")
    milestone = cycle.m(1)
    rows = selectors.checklist_of(milestone, reviews.current_delivery(milestone))
    assert selectors.feedback_draft(rows) == (
        f"- **{first.title}**: The admin login refuses the password.\n- **{third.title}**"
    )


def test_nothing_failed_drafts_nothing(cycle):
    cycle.to_review(1)
    cycle.pass_all(1)
    milestone = cycle.m(1)
    assert selectors.feedback_draft(selectors.checklist_of(milestone, None)) == ""
    rows = selectors.checklist_of(milestone, reviews.current_delivery(milestone))
    assert selectors.feedback_draft(rows) == ""


def test_only_passed_verdicts_carry_over():
    assert rules.carries_over("passed")
    assert not rules.carries_over("failed")
    assert not rules.carries_over(None)
    assert not rules.carries_over("untested")


def test_the_database_refuses_a_carried_verdict_that_did_not_pass(second_round):
    cycle, first, _second, _rest, v1_failed, _passed = second_round
    v2 = reviews.current_delivery(cycle.m(1))
    with pytest.raises(IntegrityError), transaction.atomic():
        Verdict.objects.create(
            deliverable=first, delivery=v2, status="failed", carried_from=v1_failed
        )


def test_delivery_notes_are_stored_as_typed_and_rendered_sanitised(cycle):
    cycle.start(1)
    notes = "**Ready** on staging <script>alert(1)</script> [x](javascript:alert(2))"
    delivery = cycle.deliver(1, notes=notes)
    assert delivery.notes == notes
    assert "<strong>Ready</strong>" in delivery.notes_html
    assert "<script" not in delivery.notes_html and "javascript:" not in delivery.notes_html


def test_the_migration_renders_notes_of_earlier_deliveries(cycle):
    cycle.start(1)
    delivery = cycle.deliver(1, notes="*old*")
    Delivery.objects.filter(pk=delivery.pk).update(notes_html="")
    migration = importlib.import_module(
        "milepost.reviews.migrations.0002_verdict_carry_over_delivery_notes_html"
    )
    migration.render_notes(apps, None)
    delivery.refresh_from_db()
    assert delivery.notes_html == "<p><em>old</em></p>"

"""Plan versions without a database: the plan a snapshot holds, what changed between two, and the
difference as the API's JSON."""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from milepost.plans.versions import (
    compare,
    diff_json,
    has_ids,
    plan_json,
    plan_of_snapshot,
    snapshot_total,
)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _milestone(position, title, budget, start, due, items=(), **extra):
    return {
        "position": position,
        "title": title,
        "scope": extra.pop("scope", ""),
        "budget": budget,
        "planned_start": start,
        "planned_due": due,
        "revision_quota": extra.pop("revision_quota", 2),
        "support_window_days": extra.pop("support_window_days", 14),
        "billing_trigger": extra.pop("billing_trigger", "on_approval"),
        "deliverables": [{"title": t, "acceptance_criteria": f"{t} works."} for t in items],
        **extra,
    }


def _snapshot(milestones, *, total=None, currency="EUR"):
    """A snapshot as ``plans.services.common.snapshot`` writes it."""
    if total is None:
        total = str(sum(Decimal(m["budget"]) for m in milestones))
    return {
        "project": {
            "name": "Acme webshop",
            "client": "Acme Shop",
            "currency": currency,
            "total_budget": total,
            "start_date": "2027-01-04",
            "sequential_gating": True,
        },
        "milestones": milestones,
    }


def _v1():
    return _snapshot(
        [
            _milestone(1, "Discovery", "4000.00", "2027-01-04", "2027-01-15", ["Specification"]),
            _milestone(
                2,
                "Build",
                "3000.00",
                "2027-01-18",
                "2027-02-12",
                ["Staging site", "Admin"],
                revision_quota=3,
                scope="Build the shop.",
            ),
            _milestone(3, "Launch", "3000.00", "2027-02-15", "2027-02-26"),
        ]
    )


def _v2():
    """v1 with milestone 3 at €3,600.00, due four days later, with a quote form."""
    after = copy.deepcopy(_v1())
    third = after["milestones"][2]
    third.update(budget="3600.00", planned_due="2027-03-02")
    third["deliverables"].append({"title": "Quote form", "acceptance_criteria": "Sends mail."})
    after["project"]["total_budget"] = "10600.00"
    return after


def _with_ids(snapshot):
    """The same snapshot with ids recorded (milestone 10, 20, …; deliverables 101, 102, …)."""
    keyed = copy.deepcopy(snapshot)
    for m in keyed["milestones"]:
        m["id"] = m["position"] * 10
        for i, d in enumerate(m["deliverables"], start=1):
            d["id"] = m["id"] * 10 + i
    return keyed


# --- The plan a snapshot holds -----------------------------------------------------------------


def test_a_snapshot_becomes_a_plan_with_decimals_dates_and_deliverables():
    plan = plan_of_snapshot(_v1())
    assert plan.currency == "EUR"
    assert plan.project_start == dt.date(2027, 1, 4)
    assert plan.sequential_gating is True
    assert [s.title for s in plan.stages] == ["Discovery", "Build", "Launch"]
    build = plan.stages[1]
    assert build.budget == Decimal("3000.00") and isinstance(build.budget, Decimal)
    assert build.planned_start == dt.date(2027, 1, 18)
    assert build.planned_due == dt.date(2027, 2, 12)
    assert build.revision_quota == 3
    assert build.support_window_days == 14
    assert build.scope == "Build the shop."
    assert [(d.title, d.acceptance_criteria) for d in build.deliverables] == [
        ("Staging site", "Staging site works."),
        ("Admin", "Admin works."),
    ]
    assert plan.total == Decimal("10000.00")


def test_without_recorded_ids_milestones_are_known_by_position():
    plan = plan_of_snapshot(_v1())
    assert [s.id for s in plan.stages] == [None, None, None]
    assert [s.key for s in plan.stages] == ["p1", "p2", "p3"]
    assert not has_ids(_v1())


def test_recorded_ids_are_kept():
    keyed = _with_ids(_v1())
    assert has_ids(keyed)
    plan = plan_of_snapshot(keyed)
    assert [s.id for s in plan.stages] == [10, 20, 30]
    assert [d.id for d in plan.stages[1].deliverables] == [201, 202]
    # Asked not to use them (the other side has none), it goes by position again.
    assert [s.key for s in plan_of_snapshot(keyed, keyed=False).stages] == ["p1", "p2", "p3"]


def test_a_snapshot_with_one_missing_id_has_no_ids():
    keyed = _with_ids(_v1())
    del keyed["milestones"][1]["deliverables"][0]["id"]
    assert not has_ids(keyed)


def test_the_total_is_the_one_recorded_and_otherwise_the_sum():
    assert snapshot_total(_snapshot([], total="12000.00")) == Decimal("12000.00")
    unrecorded = _v1()
    del unrecorded["project"]["total_budget"]
    assert snapshot_total(unrecorded) == Decimal("10000.00")
    assert str(snapshot_total(_snapshot([], total="5000", currency="JPY"))) == "5000"


# --- What changed --------------------------------------------------------------------------------


def test_a_change_to_a_milestone_is_described_field_by_field():
    changed = compare(_v1(), _v2())
    assert changed.total_before == Decimal("10000.00")
    assert changed.total_after == Decimal("10600.00")
    (entry,) = changed.stages
    assert (entry.kind, entry.position, entry.title) == ("changed", 3, "Launch")
    data = diff_json(changed)
    assert data["milestones"][0]["text"] == (
        "Milestone 3 · budget €3,000.00 → €3,600.00 · due 26 Feb 2027 → 2 Mar 2027 · "
        "deliverable “Quote form” added"
    )


def test_the_json_of_a_diff_has_money_as_strings_and_dates_as_iso():
    data = diff_json(compare(_v1(), _v2()))
    assert data["currency"] == "EUR"
    assert (data["total_before"], data["total_after"], data["price"]) == (
        "10000.00",
        "10600.00",
        "600.00",
    )
    assert data["milestones"] == [
        {
            "kind": "changed",
            "position": 3,
            "title": "Launch",
            "moved_from": None,
            "fields": [
                {"field": "budget", "before": "3000.00", "after": "3600.00"},
                {"field": "planned_due", "before": "2027-02-26", "after": "2027-03-02"},
            ],
            "deliverables": [{"kind": "added", "title": "Quote form"}],
            "text": data["milestones"][0]["text"],
        }
    ]


def test_compared_the_other_way_the_changes_go_back():
    data = diff_json(compare(_v2(), _v1()))
    assert data["price"] == "-600.00"
    (entry,) = data["milestones"]
    assert entry["fields"][0] == {"field": "budget", "before": "3600.00", "after": "3000.00"}
    assert entry["deliverables"] == [{"kind": "removed", "title": "Quote form"}]


def test_a_version_compared_with_itself_has_no_changes():
    data = diff_json(compare(_v2(), _v2()))
    assert data["milestones"] == []
    assert data["price"] == "0.00"
    assert data["total_before"] == data["total_after"] == "10600.00"


def test_unchanged_deliverables_without_ids_are_not_reported():
    """Without ids a deliverable is its title: the same list is no change, whatever its order
    of identical titles; a changed criterion is a change, a renamed one is removed and added."""
    after = copy.deepcopy(_v1())
    items = after["milestones"][1]["deliverables"]
    items[0]["acceptance_criteria"] = "Every page loads in a second."
    items[1]["title"] = "Editor"
    (entry,) = compare(_v1(), after).stages
    assert [(d.kind, d.title) for d in entry.deliverables] == [
        ("changed", "Staging site"),
        ("added", "Editor"),
        ("removed", "Admin"),
    ]
    twice = _snapshot([_milestone(1, "One", "100.00", "2027-01-04", "2027-01-08", ["A", "A"])])
    assert compare(twice, copy.deepcopy(twice)).stages == ()
    assert [i.id for i in plan_of_snapshot(twice).stages[0].deliverables] != [None, None]


def test_with_ids_a_moved_removed_and_added_milestone_are_told_apart():
    before = _with_ids(_v1())
    after = copy.deepcopy(before)
    _discovery, build, launch = after["milestones"]
    new = _milestone(3, "Training", "1000.00", "2027-03-01", "2027-03-05", ["Handbook"], id=40)
    new["deliverables"][0]["id"] = 401
    after["milestones"] = [build, launch, new]  # Discovery removed, the others move up
    data = diff_json(compare(before, after))
    assert [
        (m["kind"], m["position"], m["title"], m["moved_from"]) for m in data["milestones"]
    ] == [
        ("removed", 1, "Discovery", None),
        ("changed", 1, "Build", 2),
        ("changed", 2, "Launch", 3),
        ("added", 3, "Training", None),
    ]
    assert data["milestones"][3]["deliverables"] == [{"kind": "added", "title": "Handbook"}]
    assert data["milestones"][1]["text"] == "Milestone 1 · moved from position 2"


def test_a_version_with_ids_and_one_without_are_compared_by_position():
    """An old version (no ids) against a newer one: the same milestones, no spurious changes."""
    assert compare(_v1(), _with_ids(_v1())).stages == ()
    assert len(compare(_v1(), _with_ids(_v2())).stages) == 1


def test_every_field_of_a_milestone_can_show_up():
    after = copy.deepcopy(_v1())
    after["milestones"][0].update(
        title="Research",
        scope="Interviews.",
        planned_start="2027-01-05",
        revision_quota=4,
        support_window_days=30,
        billing_trigger="on_start",
    )
    (entry,) = diff_json(compare(_v1(), after))["milestones"]
    assert {f["field"]: (f["before"], f["after"]) for f in entry["fields"]} == {
        "title": ("Discovery", "Research"),
        "scope": ("", "Interviews."),
        "planned_start": ("2027-01-04", "2027-01-05"),
        "revision_quota": (2, 4),
        "support_window_days": (14, 30),
        "billing_trigger": ("on_approval", "on_start"),
    }
    assert "revisions 2 → 4" in entry["text"]
    assert "scope changed" in entry["text"]


# --- The plan as the API gives it ----------------------------------------------------------------


def test_the_json_of_a_plan_as_it_stood():
    data = plan_json(_v2())
    assert (data["currency"], data["total"], data["start_date"]) == (
        "EUR",
        "10600.00",
        "2027-01-04",
    )
    assert [m["position"] for m in data["milestones"]] == [1, 2, 3]
    launch = data["milestones"][2]
    assert launch == {
        "id": None,
        "position": 3,
        "title": "Launch",
        "scope": "",
        "budget": "3600.00",
        "planned_start": "2027-02-15",
        "planned_due": "2027-03-02",
        "revision_quota": 2,
        "support_window_days": 14,
        "billing_trigger": "on_approval",
        "deliverables": [{"id": None, "title": "Quote form", "acceptance_criteria": "Sends mail."}],
    }
    assert plan_json(_with_ids(_v2()))["milestones"][1]["deliverables"][0]["id"] == 201


# --- What an added milestone holds, and the settings (issue 13 walk) ----------------------------


def test_an_added_milestone_lists_every_field_with_before_null_and_its_text_says_what_it_holds():
    """The client reads what a new milestone contains and costs before accepting it."""
    before = _with_ids(_v1())
    after = copy.deepcopy(before)
    blog = _milestone(
        4,
        "Blog section",
        "1500.00",
        "2027-03-01",
        "2027-03-12",
        ["Posts"],
        id=40,
        scope="A blog with  categories.",
        revision_quota=3,
        support_window_days=30,
    )
    blog["deliverables"][0]["id"] = 401
    after["milestones"].append(blog)
    (entry,) = diff_json(compare(before, after))["milestones"]
    assert entry["kind"] == "added"
    assert {f["field"]: (f["before"], f["after"]) for f in entry["fields"]} == {
        "title": (None, "Blog section"),
        "scope": (None, "A blog with  categories."),
        "budget": (None, "1500.00"),
        "planned_start": (None, "2027-03-01"),
        "planned_due": (None, "2027-03-12"),
        "revision_quota": (None, 3),
        "support_window_days": (None, 30),
        "billing_trigger": (None, "on_approval"),
    }
    assert entry["text"] == (
        "Milestone 4 “Blog section” added · budget €1,500.00 · 1 Mar 2027 → 12 Mar 2027 · "
        "3 revisions · support window 30 days · billed on approval · "
        "scope: A blog with categories. · deliverable “Posts” (test: Posts works.)"
    )


def test_a_changed_billing_trigger_reads_in_lower_case_in_the_sentence():
    after = copy.deepcopy(_v1())
    after["milestones"][0]["billing_trigger"] = "on_start"
    (entry,) = diff_json(compare(_v1(), after))["milestones"]
    assert "billed on approval → on start (prepayment)" in entry["text"]


def test_a_version_that_changed_only_the_extra_revision_price_says_so():
    before = _with_ids(_v1())
    after = copy.deepcopy(before)
    before["project"]["extra_revision_price"] = None
    after["project"]["extra_revision_price"] = "150.00"
    assert plan_of_snapshot(after).extra_revision_price == Decimal("150.00")
    data = diff_json(compare(before, after))
    assert data["milestones"] == []
    assert data["settings"] == [
        {
            "field": "extra_revision_price",
            "before": None,
            "after": "150.00",
            "text": "Price per extra revision: not offered → €150.00",
        }
    ]

"""What an activity entry says, from the before/after its event recorded (no database)."""

from __future__ import annotations

import pytest
from django.utils import translation

from milepost.audit.models import AuditEvent
from milepost.audit.wording import Change, changes_of, describe, phrase

LONG_SCOPE = (
    "Build the home page and the contact page for desktop, with the copy the client sends "
    "and the photographs from the shoot in March."
)


def event(action: str, target_type: str = "plans.milestone", **data) -> AuditEvent:
    return AuditEvent(action=action, target_type=target_type, target_id="1", data=data)


def edit(before: dict, after: dict, **data) -> AuditEvent:
    return event(
        "milestone.updated", position=2, title="Design", before=before, after=after, **data
    )


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def test_a_budget_change_says_old_and_new_in_the_event_currency():
    entry = edit({"budget": "2000.00"}, {"budget": "1900.00"}, currency="EUR")
    assert describe(entry) == "changed milestone 2 “Design”: budget €2,000.00 → €1,900.00"


@pytest.mark.parametrize(
    ("currency", "old", "new", "said"),
    [
        ("JPY", "200000", "190000", "budget ¥200,000 → ¥190,000"),
        ("BHD", "2.500", "1.250", "budget BHD2.500 → BHD1.250"),
        ("EUR", "2000.000", "1900", "budget €2,000.00 → €1,900.00"),  # as stored: 3 places
    ],
)
def test_money_keeps_the_currency_minor_unit(currency, old, new, said):
    entry = edit({"budget": old}, {"budget": new}, currency=currency)
    assert describe(entry).endswith(": " + said)


def test_an_entry_without_its_own_currency_takes_the_project_currency():
    old_entry = event(
        "milestone.updated", position=2, before={"budget": "2000.00"}, after={"budget": "1900.00"}
    )
    assert describe(old_entry, currency="EUR") == (
        "changed milestone 2: budget €2,000.00 → €1,900.00"
    )
    assert describe(old_entry) == "changed milestone 2: budget 2000.00 → 1900.00"  # no currency


def test_dates_choices_and_numbers_read_as_people_write_them():
    entry = edit(
        {"planned_due": "2026-03-01", "billing_trigger": "on_approval", "revision_quota": 2},
        {"planned_due": "2026-03-08", "billing_trigger": "on_start", "revision_quota": 3},
        currency="EUR",
    )
    assert describe(entry) == (
        "changed milestone 2 “Design”: planned due 1 Mar 2026 → 8 Mar 2026; "
        "revision quota 2 → 3; billing trigger On approval → On start (prepayment)"
    )


def test_money_and_dates_follow_the_reader_language():
    entry = edit({"budget": "2000.00"}, {"budget": "1900.00"}, currency="EUR")
    with translation.override("de"):
        assert "2.000,00\xa0€ → 1.900,00\xa0€" in describe(entry)


def test_project_settings_say_on_off_percent_and_a_currency_change():
    entry = event(
        "project.updated",
        "plans.project",
        currency="JPY",
        before={
            "sequential_gating": True,
            "tax_rate": "19.00",
            "total_budget": "100.00",
            "currency": "EUR",
        },
        after={
            "sequential_gating": False,
            "tax_rate": "7.50",
            "total_budget": "100",
            "currency": "JPY",
        },
    )
    assert describe(entry) == (
        "changed the project's details: currency EUR → JPY; total budget €100.00 → ¥100; "
        "sequential gating on → off; tax rate 19% → 7.5%"
    )


def test_the_price_of_an_extra_revision_reads_as_money():
    entry = event(
        "project.updated",
        "plans.project",
        currency="EUR",
        before={"extra_revision_price": None},
        after={"extra_revision_price": "250.000"},
    )
    assert describe(entry) == "changed the project's details: price per extra revision — → €250.00"


def test_organisation_and_client_edits_name_their_fields():
    entry = event(
        "organisation.updated",
        "accounts.organisation",
        before={"name": "Acme", "payment_terms_days": 14},
        after={"name": "Acme Studio", "payment_terms_days": 30},
    )
    assert describe(entry) == (
        "changed the organisation's settings: name “Acme” → “Acme Studio”; "
        "payment terms (days) 14 → 30"
    )
    client = event(
        "client.updated", "accounts.client", before={"city": ""}, after={"city": "Berlin"}
    )
    assert describe(client).endswith(": city — → “Berlin”")


def test_a_long_scope_shows_a_short_diff_not_the_text():
    longer = LONG_SCOPE.replace("the contact page", "the about page, the contact page")
    said = describe(edit({"scope": LONG_SCOPE}, {"scope": longer}))
    assert said == "changed milestone 2 “Design”: scope changed: added “the about page,”"


def test_long_replacements_are_cut_and_many_edits_counted():
    rewritten = " ".join(f"word{i}" for i in range(40))
    said = describe(edit({"scope": LONG_SCOPE}, {"scope": rewritten}))
    [_what, diff] = said.split(": scope changed: ")
    old, new = diff.split(" → ")
    assert old.endswith("…”") and new.endswith("…”")
    assert len(old) <= 44 and len(new) <= 44
    many = LONG_SCOPE.replace("home", "start").replace("desktop", "phones").replace("March", "May")
    many = many.replace("copy", "text")
    said = describe(edit({"scope": LONG_SCOPE}, {"scope": many}))
    assert said.endswith("“home” → “start”; “desktop,” → “phones,”; “copy” → “text”; 1 more")


def test_short_text_reads_old_and_new_and_added_text_reads_added():
    assert describe(edit({"scope": "Pages"}, {"scope": "Pages and forms"})).endswith(
        ": scope “Pages” → “Pages and forms”"
    )
    assert describe(edit({"scope": ""}, {"scope": LONG_SCOPE})).endswith(
        ": scope changed: added “Build the home page and the contact…”"
    )
    assert describe(edit({"scope": LONG_SCOPE}, {"scope": ""})).endswith(
        ": scope changed: removed “Build the home page and the contact…”"
    )


def test_deliverables_say_what_was_added_removed_and_reworded():
    before = [
        {"title": "Home page", "acceptance_criteria": "Loads."},
        {"title": "Contact form", "acceptance_criteria": ""},
    ]
    after = [
        {"title": "Home page", "acceptance_criteria": "Loads in 2 s."},
        {"title": "Search", "acceptance_criteria": ""},
    ]
    said = describe(edit({"deliverables": before}, {"deliverables": after}))
    assert said == (
        "changed milestone 2 “Design”: deliverables: added “Search”, removed “Contact form”, "
        "acceptance criteria of “Home page” changed"
    )
    reordered = describe(edit({"deliverables": before}, {"deliverables": before[::-1]}))
    assert reordered.endswith(": deliverables: reordered")


def test_entries_written_before_the_details_were_recorded_still_read():
    old = event("milestone.updated", position=2, after={"deliverables": ["Home page", "Search"]})
    assert describe(old) == "changed milestone 2: deliverables: “Home page”, “Search”"
    assert describe(event("milestone.approved", milestone=9, position=3)) == (
        "approved milestone 3"
    )
    assert describe(event("milestone.moved", before={"position": 2}, after={"position": "1"})) == (
        "reordered the milestones"
    )


@pytest.mark.parametrize(
    ("entry", "said"),
    [
        (
            event(
                "milestone.added",
                currency="EUR",
                after={"position": 3, "title": "QA", "budget": "500.00"},
            ),
            "added milestone 3 “QA” (€500.00)",
        ),
        (
            event("milestone.moved", title="QA", before={"position": 3}, after={"position": 1}),
            "moved “QA” from position 3 to 1",
        ),
        (
            event("milestone.approved", milestone=9, position=3, title="QA"),
            "approved milestone 3 “QA”",
        ),
        (
            event("plan.proposed", "plans.project", total_budget="12000.00", currency="EUR"),
            "proposed the plan (€12,000.00)",
        ),
        (
            event("plan.declined", "plans.project", reason="Too expensive.\nSorry."),
            "declined the plan: “Too expensive. Sorry.”",
        ),
        (
            event(
                "invoice.issued",
                "billing.invoice",
                after={"number": "INV-2026-0001", "gross": "2380.00", "currency": "EUR"},
            ),
            "issued invoice INV-2026-0001 (€2,380.00)",
        ),
        (
            event("payment.recorded", "billing.payment", invoice="INV-2026-0001", amount="500.00"),
            "recorded a payment of €500.00 on INV-2026-0001",
        ),
        (
            event(
                "project_access.granted",
                "plans.projectaccess",
                email="a@b.example",
                after={"role": "viewer"},
            ),
            "gave a@b.example project access as Viewer",
        ),
        (
            event(
                "payment.reversed",
                "billing.payment",
                invoice="INV-2026-0002",
                amount="2000.000",
                reason="Booked against the wrong invoice",
                before={"status": "partially_paid", "paid": "2000.000"},
                after={"status": "issued", "paid": "0.00"},
            ),
            "reversed the payment of €2,000.00 on INV-2026-0002: “Booked against the wrong "
            "invoice”",
        ),
        (
            event(
                "deliverable.verdict",
                "reviews.verdict",
                position=1,
                title="CMS setup",
                deliverable=51,
                deliverable_title="Site navigation",
                delivery=2,
                after={"status": "failed", "note": "The menu"},
            ),
            "marked “Site navigation” of milestone 1 failed in v2",
        ),
        (
            event(
                "deliverable.verdict",
                "reviews.verdict",
                position=1,
                title="CMS setup",
                deliverable=51,
                delivery=1,
                after={"status": "passed", "note": ""},
            ),
            "tested a deliverable of milestone 1: passed",
        ),
        (
            event(
                "project_access.changed",
                "plans.projectaccess",
                email="a@b.example",
                before={"role": "viewer"},
                after={"role": "approver"},
            ),
            "changed the project access of a@b.example to Approver",
        ),
        (
            event(
                "project_access.removed",
                "plans.projectaccess",
                email="a@b.example",
                before={"role": "approver"},
                after={"role": None},
            ),
            "removed the project access of a@b.example",
        ),
        (
            event(
                "invitation.resent",
                "accounts.invitation",
                email="a@b.example",
                before={"state": "pending"},
                after={"state": "pending"},
            ),
            "resent the invitation to a@b.example",
        ),
        (
            event(
                "invitation.revoked",
                "accounts.invitation",
                email="a@b.example",
                after={"state": "revoked"},
            ),
            "revoked the invitation to a@b.example",
        ),
        (
            event(
                "contact.removed",
                "accounts.contact",
                before={"client": "Beta Bakery", "email": "a@b.example"},
                projects=[],
            ),
            "removed a@b.example from the contacts of Beta Bakery",
        ),
    ],
)
def test_actions_name_what_they_were_taken_on(entry, said):
    assert describe(entry, currency="EUR") == said


@pytest.mark.parametrize(
    "data",
    [{}, {"before": "x", "after": 3}, {"before": {"budget": None}, "after": {"budget": "abc"}}],
)
def test_odd_data_still_reads(data):
    assert describe(event("milestone.updated", **data), currency="EUR").startswith(
        "changed a milestone"
    )
    assert describe(event("something.new", **data)) == "something.new"


def test_changes_are_the_fields_that_differ_in_the_model_order():
    data = {
        "before": {"budget": "2000.00", "title": "Design", "scope": "x"},
        "after": {"budget": "1900.00", "title": "Design", "planned_due": "2026-03-08"},
    }
    assert changes_of(data, "plans.milestone") == [
        Change("scope", "x", None),
        Change("budget", "2000.00", "1900.00"),
        Change("planned_due", None, "2026-03-08"),
    ]
    data["after"]["deliverables"], data["after"]["another"] = ["A"], 1
    assert [c.field for c in changes_of(data, "plans.milestone")][3:] == ["another", "deliverables"]
    assert [c.field for c in changes_of(data)] == [  # no model: by name
        "another",
        "budget",
        "deliverables",
        "planned_due",
        "scope",
    ]
    assert phrase("plans.milestone", Change("planned_due", None, "2026-03-08")) == (
        "planned due — → 8 Mar 2026"
    )

"""Plan services: creating projects, editing draft plans, proposal and acceptance, templates.

Each refusal is checked for its kind (400/403/404/409), its code or field, and for leaving the
plan tables and the audit trail exactly as they were.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail

from milepost.accounts.models import Contact
from milepost.audit.actions import AuditAction
from milepost.audit.models import AuditEvent
from milepost.audit.verify import verify_chains
from milepost.core.errors import InvalidInput, NotAllowed, NotFound, RuleViolation
from milepost.plans import services
from milepost.plans.builtin_templates import WEBSITE_CMS
from milepost.plans.models import (
    Milestone,
    PlanTemplate,
    PlanVersion,
    Project,
    ProjectAccess,
    ProjectStatus,
)
from milepost.plans.rules import is_working_day, next_working_day
from milepost.plans.services.common import holidays_for

from ..factories import ClientFactory
from .conftest import START, fresh, milestone_items

pytestmark = pytest.mark.django_db

D = dt.date


def reload(project):
    return Project.objects.get(pk=project.pk)


def actions(project):
    qs = AuditEvent.objects.filter(project_id=project.pk).order_by("sequence")
    return [e.action for e in qs]


def positions(project):
    return list(project.milestones.order_by("position").values_list("position", "title"))


def working_days(first, last, hols):
    return sum(
        is_working_day(first + dt.timedelta(days=i), hols) for i in range((last - first).days + 1)
    )


# --- project_create: from the built-in template ---------------------------------------------------


def test_project_create_from_the_website_template(world):
    project = services.project_create(
        organisation=world.organisation,
        client=world.client,
        actor=world.manager,
        name="Acme webshop",
        currency="EUR",
        total_budget="10000.00",
        start_date="2026-03-02",
        template="website-cms",
    )

    project = reload(project)
    assert project.status == ProjectStatus.DRAFT
    assert project.total == Decimal("10000.00")
    milestones = list(project.milestones.order_by("position").prefetch_related("deliverables"))
    assert [m.position for m in milestones] == [1, 2, 3, 4, 5]
    assert [m.title for m in milestones] == [m["title"] for m in WEBSITE_CMS["milestones"]]
    assert [m.amount for m in milestones] == [
        Decimal(x) for x in ("2000.00", "2500.00", "3000.00", "1500.00", "1000.00")
    ]
    assert sum(m.budget for m in milestones) == project.total_budget
    for m in milestones:
        deliverables = list(m.deliverables.order_by("position"))
        assert 3 <= len(deliverables) <= 5
        assert [d.position for d in deliverables] == list(range(1, len(deliverables) + 1))
        assert all(d.title and d.acceptance_criteria.strip() for d in deliverables)
        assert m.scope

    hols = holidays_for("DE", range(2026, 2028))
    assert milestones[0].planned_start == D(2026, 3, 2)
    previous_due = None
    for m, spec in zip(milestones, WEBSITE_CMS["milestones"], strict=True):
        assert is_working_day(m.planned_start, hols) and is_working_day(m.planned_due, hols)
        assert working_days(m.planned_start, m.planned_due, hols) == spec["duration_days"]
        if previous_due is not None:
            assert m.planned_start == next_working_day(previous_due + dt.timedelta(days=1), hols)
        previous_due = m.planned_due
    # Good Friday and Easter Monday 2026 fall in milestone 2 and push it back.
    assert (milestones[1].planned_start, milestones[1].planned_due) == (
        D(2026, 3, 16),
        D(2026, 4, 7),
    )

    assert [m.support_window_days for m in milestones] == [14, 14, 14, 14, 30]
    assert [m.revision_quota for m in milestones] == [2, 2, 2, 2, 2]
    assert services.plan_problems(project) == []

    [event] = AuditEvent.objects.filter(project_id=project.pk)
    assert event.action == AuditAction.PROJECT_CREATED
    assert event.data["after"]["template"] == "website-cms"
    assert event.data["after"]["milestones"] == 5
    assert verify_chains().ok


@pytest.mark.parametrize(
    ("currency", "total"),
    [("JPY", "1000001"), ("EUR", "9999.99"), ("BHD", "1000.001"), ("EUR", "0.10"), ("JPY", "7")],
)
def test_template_budgets_always_add_up_to_the_total(world, currency, total):
    project = services.project_create(
        organisation=world.organisation,
        client=world.client,
        actor=world.owner,
        name="Shop",
        currency=currency,
        total_budget=total,
        start_date=START,
        template="website-cms",
    )
    budgets = list(project.milestones.order_by("position").values_list("budget", flat=True))
    assert len(budgets) == 5
    assert sum(budgets) == Decimal(total)
    assert all(b > 0 for b in budgets)


def test_template_split_of_one_million_and_one_yen(world):
    project = services.project_create(
        organisation=world.organisation,
        client=world.client,
        actor=world.owner,
        name="Shop",
        currency="JPY",
        total_budget="1000001",
        start_date=START,
        template="website-cms",
    )
    budgets = [m.amount for m in project.milestones.order_by("position")]
    assert budgets == [Decimal(x) for x in ("200000", "250000", "300001", "150000", "100000")]


@pytest.mark.parametrize(
    ("currency", "total", "expected"),
    [
        ("EUR", "0.05", ["0.01"] * 5),
        ("EUR", "0.06", ["0.01", "0.01", "0.02", "0.01", "0.01"]),
        ("JPY", "5", ["1"] * 5),
        ("BHD", "0.005", ["0.001"] * 5),
    ],
)
def test_a_total_with_one_minor_unit_per_milestone_is_shared(world, currency, total, expected):
    project = services.project_create(
        organisation=world.organisation,
        client=world.client,
        actor=world.owner,
        name="Shop",
        currency=currency,
        total_budget=total,
        start_date=START,
        template="website-cms",
    )
    budgets = [m.amount for m in project.milestones.order_by("position")]
    assert budgets == [Decimal(x) for x in expected]


@pytest.mark.parametrize("total", ["0.01", "0.04"])
def test_a_total_too_small_for_the_template_is_refused(world, row_counts, total):
    # Five milestones need at least five cents: one each.
    before = row_counts()
    with pytest.raises(InvalidInput) as exc:
        services.project_create(
            organisation=world.organisation,
            client=world.client,
            actor=world.owner,
            name="Shop",
            currency="EUR",
            total_budget=total,
            start_date=START,
            template="website-cms",
        )
    assert "total_budget" in exc.value.details
    assert "too small" in exc.value.message
    assert row_counts() == before


# --- project_create: from a list of milestones, or blank ------------------------------------------


def test_project_create_from_a_list_of_milestones(world, make_project):
    project = reload(make_project())

    assert project.organisation == world.organisation
    assert project.client == world.client
    assert project.created_by == world.manager
    assert project.currency == "EUR"
    assert project.start_date == START
    assert (project.sequential_gating, project.auto_approve_days) == (True, 14)
    milestones = list(project.milestones.order_by("position"))
    assert [(m.position, m.title, m.amount) for m in milestones] == [
        (1, "Discovery", Decimal("4000.00")),
        (2, "Build", Decimal("6000.00")),
    ]
    assert (milestones[0].planned_start, milestones[0].planned_due) == (
        D(2026, 3, 2),
        D(2026, 3, 13),
    )
    assert milestones[0].revision_quota == world.organisation.default_revision_quota
    assert milestones[1].revision_quota == 3
    assert [d.title for d in milestones[1].deliverables.order_by("position")] == [
        "Staging site",
        "Admin",
    ]
    assert services.plan_problems(project) == []
    assert actions(project) == [AuditAction.PROJECT_CREATED]


def test_project_create_blank(world, make_project):
    project = make_project(milestones=None, currency="bhd", total_budget="1.005")
    project = reload(project)
    assert project.milestones.count() == 0
    assert project.currency == "BHD"
    assert project.total == Decimal("1.005")
    assert [p.code for p in services.plan_problems(project)] == ["no_milestones"]
    assert actions(project) == [AuditAction.PROJECT_CREATED]


def _bad_milestone(**changes):
    items = milestone_items()
    items[0].update(changes)
    return items


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"currency": "XYZ"}, "currency"),
        ({"currency": ""}, "currency"),
        ({"total_budget": "10.005"}, "total_budget"),
        ({"total_budget": 10000.0}, "total_budget"),
        ({"total_budget": "0"}, "total_budget"),
        ({"total_budget": "-100.00"}, "total_budget"),
        ({"total_budget": "lots"}, "total_budget"),
        ({"currency": "JPY", "total_budget": "1.5"}, "total_budget"),
        ({"name": "   "}, "name"),
        ({"start_date": "02/03/2026"}, "start_date"),
        ({"milestones": _bad_milestone(planned_due="2026-03-01")}, "milestones[0].planned_due"),
        ({"milestones": _bad_milestone(title="  ")}, "milestones[0].title"),
        ({"milestones": _bad_milestone(budget="100.005")}, "milestones[0].budget"),
        ({"milestones": _bad_milestone(budget="0")}, "milestones[0].budget"),
        ({"milestones": _bad_milestone(planned_start="soon")}, "milestones[0].planned_start"),
        ({"milestones": _bad_milestone(colour="red")}, "milestones[0].colour"),
        (
            {"milestones": _bad_milestone(deliverables=[{"title": ""}])},
            "milestones[0].deliverables[0].title",
        ),
        ({"milestones": [*milestone_items(), {"title": "Extra"}]}, "milestones[2].budget"),
        ({"milestones": None, "template": "no-such-template"}, "template"),
        ({"template": "website-cms"}, "template"),  # both a template and milestones
    ],
)
def test_project_create_refuses_bad_input_and_creates_nothing(
    make_project, row_counts, overrides, field
):
    before = row_counts()
    with pytest.raises(InvalidInput) as exc:
        make_project(**overrides)
    assert exc.value.status == 400
    assert field in exc.value.details
    assert all(isinstance(m, str) and m for m in exc.value.details[field])
    assert row_counts() == before


def test_project_create_reports_every_bad_field_at_once(make_project, row_counts):
    before = row_counts()
    items = milestone_items()
    items[0]["title"] = ""
    items[1]["planned_due"] = "2026-03-01"
    with pytest.raises(InvalidInput) as exc:
        make_project(name="", total_budget="-1", milestones=items)
    assert {
        "name",
        "total_budget",
        "milestones[0].title",
        "milestones[1].planned_due",
    } <= set(exc.value.details)
    assert row_counts() == before


def test_project_create_refuses_a_client_of_another_organisation(world, make_project, row_counts):
    foreign = ClientFactory(organisation=world.other_organisation)
    before = row_counts()
    for client in (foreign, None):
        with pytest.raises(InvalidInput) as exc:
            make_project(client=client)
        assert "client" in exc.value.details
    assert row_counts() == before


def test_project_create_needs_owner_or_manager(world, make_project, row_counts):
    before = row_counts()
    with pytest.raises(NotAllowed):
        make_project(actor=world.member)
    with pytest.raises(NotFound):
        make_project(actor=world.outsider)
    with pytest.raises(NotFound):
        make_project(actor=world.contact)
    assert row_counts() == before
    assert make_project(actor=world.owner).pk


def test_another_organisations_template_cannot_be_used(world, project, make_project):
    template = services.template_save_from_project(
        project=project, name="Our way", actor=world.manager
    )
    with pytest.raises(InvalidInput) as exc:
        services.project_create(
            organisation=world.other_organisation,
            client=ClientFactory(organisation=world.other_organisation),
            actor=world.outsider,
            name="Copy",
            currency="EUR",
            total_budget="100.00",
            start_date=START,
            template=template.slug,
        )
    assert "template" in exc.value.details


# --- project_update -------------------------------------------------------------------------------


def test_project_update_changes_fields_and_records_the_difference(world, project):
    services.project_update(
        project=project, actor=world.owner, name="New name", total_budget="12000"
    )
    project = reload(project)
    assert (project.name, project.total) == ("New name", Decimal("12000.00"))
    event = AuditEvent.objects.filter(project_id=project.pk).latest("sequence")
    assert event.action == AuditAction.PROJECT_UPDATED
    assert event.data["after"] == {"name": "New name", "total_budget": "12000.00"}


def test_project_update_refuses_a_currency_the_total_does_not_fit(world, make_project):
    project = make_project(milestones=None, total_budget="100.50")
    with pytest.raises(InvalidInput) as exc:
        services.project_update(project=project, actor=world.owner, currency="JPY")
    assert "total_budget" in exc.value.details
    assert reload(project).currency == "EUR"


def test_project_update_refuses_unknown_fields_and_members(world, project):
    with pytest.raises(InvalidInput) as exc:
        services.project_update(project=project, actor=world.owner, status="active")
    assert "status" in exc.value.details
    with pytest.raises(NotAllowed):
        services.project_update(project=project, actor=world.member, name="x")
    with pytest.raises(NotFound):
        services.project_update(project=project, actor=world.outsider, name="x")


# --- milestones -----------------------------------------------------------------------------------


def test_milestone_add_update_move_remove_keep_positions_contiguous(world, project):
    added = services.milestone_add(
        project=project,
        actor=world.manager,
        title="Launch",
        budget="500.00",
        planned_start="2026-04-13",
        planned_due="2026-04-17",
        deliverables=[{"title": "Go-live", "acceptance_criteria": "Site is live."}],
    )
    assert added.position == 3
    assert added.support_window_days == project.default_support_window_days
    assert positions(project) == [(1, "Discovery"), (2, "Build"), (3, "Launch")]

    first = services.milestone_add(
        project=project,
        actor=world.manager,
        title="Kick-off",
        budget="100.00",
        planned_start="2026-03-02",
        planned_due="2026-03-02",
        position=1,
    )
    assert first.position == 1
    assert positions(project) == [(1, "Kick-off"), (2, "Discovery"), (3, "Build"), (4, "Launch")]

    services.milestone_move(milestone=first, position=4, actor=world.manager)
    assert positions(project) == [(1, "Discovery"), (2, "Build"), (3, "Launch"), (4, "Kick-off")]

    build = project.milestones.get(title="Build")
    services.milestone_update(milestone=build, actor=world.manager, title="Build it", position=1)
    assert positions(project) == [(1, "Build it"), (2, "Discovery"), (3, "Launch"), (4, "Kick-off")]

    services.milestone_remove(
        milestone=project.milestones.get(title="Discovery"), actor=world.owner
    )
    assert positions(project) == [(1, "Build it"), (2, "Launch"), (3, "Kick-off")]

    services.milestone_remove(milestone=project.milestones.get(title="Kick-off"), actor=world.owner)
    services.milestone_remove(milestone=project.milestones.get(title="Build it"), actor=world.owner)
    assert positions(project) == [(1, "Launch")]

    assert actions(project) == [
        AuditAction.PROJECT_CREATED,
        AuditAction.MILESTONE_ADDED,
        AuditAction.MILESTONE_ADDED,
        AuditAction.MILESTONE_MOVED,
        AuditAction.MILESTONE_UPDATED,
        AuditAction.MILESTONE_REMOVED,
        AuditAction.MILESTONE_REMOVED,
        AuditAction.MILESTONE_REMOVED,
    ]
    assert verify_chains().ok


def test_milestone_update_changes_fields_and_replaces_deliverables(world, project):
    build = project.milestones.get(position=2)
    kept = build.deliverables.get(title="Admin")
    services.milestone_update(
        milestone=build,
        actor=world.manager,
        budget="5500.00",
        planned_due="2026-04-24",
        deliverables=[
            {"id": kept.pk, "title": "Admin panel", "acceptance_criteria": "Editors publish."},
            {"title": "Search", "acceptance_criteria": "Finds products by name."},
        ],
    )
    build = Milestone.objects.get(pk=build.pk)
    assert build.amount == Decimal("5500.00")
    assert build.planned_due == D(2026, 4, 24)
    deliverables = list(build.deliverables.order_by("position"))
    assert [(d.position, d.title) for d in deliverables] == [(1, "Admin panel"), (2, "Search")]
    assert deliverables[0].pk == kept.pk
    event = AuditEvent.objects.filter(project_id=project.pk).latest("sequence")
    assert event.action == AuditAction.MILESTONE_UPDATED
    assert event.data["before"] == {
        "budget": "6000.00",
        "planned_due": "2026-04-10",
        "deliverables": [
            {"title": "Staging site", "acceptance_criteria": "Every page loads."},
            {"title": "Admin", "acceptance_criteria": "Editors can publish."},
        ],
    }
    assert event.data["after"]["budget"] == "5500.00"
    assert event.data["after"]["deliverables"] == [
        {"title": "Admin panel", "acceptance_criteria": "Editors publish."},
        {"title": "Search", "acceptance_criteria": "Finds products by name."},
    ]
    assert (event.data["title"], event.data["currency"]) == (build.title, "EUR")
    [problem] = services.plan_problems(reload(project))
    assert problem.code == "budget_unallocated"
    assert "€500.00 not yet allocated" in problem.message


def test_an_unchanged_milestone_update_writes_no_event(world, project):
    before = actions(project)
    services.milestone_update(
        milestone=project.milestones.get(position=1), actor=world.manager, title="Discovery"
    )
    assert actions(project) == before


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"budget": "1.005"}, "budget"),
        ({"budget": "-1"}, "budget"),
        ({"planned_due": "2026-01-01"}, "planned_due"),
        ({"title": ""}, "title"),
        ({"revision_quota": -1}, "revision_quota"),
        ({"billing_trigger": "whenever"}, "billing_trigger"),
        ({"position": 9}, "position"),
        ({"deliverables": [{"id": 999999, "title": "x"}]}, "deliverables[0].id"),
    ],
)
def test_milestone_update_refuses_bad_input_and_changes_nothing(
    world, project, row_counts, fields, field
):
    build = project.milestones.get(position=2)
    before, plan = row_counts(), positions(project)
    with pytest.raises(InvalidInput) as exc:
        services.milestone_update(milestone=build, actor=world.manager, **fields)
    assert field in exc.value.details
    assert row_counts() == before
    assert positions(project) == plan
    assert Milestone.objects.get(pk=build.pk).amount == Decimal("6000.00")


def test_milestone_add_refuses_bad_input_and_adds_nothing(world, project, row_counts):
    before = row_counts()
    with pytest.raises(InvalidInput) as exc:
        services.milestone_add(project=project, actor=world.manager, title="X")
    assert {"budget", "planned_start", "planned_due"} <= set(exc.value.details)
    with pytest.raises(InvalidInput) as exc:
        services.milestone_add(
            project=project,
            actor=world.manager,
            title="X",
            budget="1.00",
            planned_start="2026-05-01",
            planned_due="2026-05-01",
            position=7,
        )
    assert "position" in exc.value.details
    assert row_counts() == before
    assert positions(project) == [(1, "Discovery"), (2, "Build")]


def test_milestone_edits_need_owner_or_manager(world, project, row_counts):
    milestone = project.milestones.get(position=1)
    before = row_counts()
    for actor, error in ((world.member, NotAllowed), (world.outsider, NotFound)):
        with pytest.raises(error):
            services.milestone_add(
                project=project,
                actor=actor,
                title="X",
                budget="1.00",
                planned_start="2026-05-01",
                planned_due="2026-05-01",
            )
        with pytest.raises(error):
            services.milestone_update(milestone=milestone, actor=actor, title="X")
        with pytest.raises(error):
            services.milestone_move(milestone=milestone, position=2, actor=actor)
        with pytest.raises(error):
            services.milestone_remove(milestone=milestone, actor=actor)
    assert row_counts() == before


def _every_plan_edit(world, project):
    """Each plan edit, as a zero-argument call."""
    milestone = project.milestones.get(position=1)
    return {
        "add": lambda: services.milestone_add(
            project=project,
            actor=world.manager,
            title="X",
            budget="1.00",
            planned_start="2026-05-01",
            planned_due="2026-05-01",
        ),
        "update": lambda: services.milestone_update(
            milestone=milestone, actor=world.manager, title="Other"
        ),
        "move": lambda: services.milestone_move(
            milestone=milestone, position=2, actor=world.manager
        ),
        "remove": lambda: services.milestone_remove(milestone=milestone, actor=world.manager),
        "total": lambda: services.project_update(
            project=project, actor=world.manager, total_budget="20000.00"
        ),
        "start_date": lambda: services.project_update(
            project=project, actor=world.manager, start_date="2026-04-01"
        ),
    }


def test_the_plan_is_locked_while_proposed(world, project, row_counts):
    services.plan_propose(project=project, actor=world.manager)
    before = row_counts()
    for name, edit in _every_plan_edit(world, project).items():
        with pytest.raises(RuleViolation) as exc:
            edit()
        assert exc.value.code == "plan_locked", name
        assert exc.value.status == 409
        assert "Withdraw" in exc.value.message
    assert row_counts() == before
    # The name is not part of the plan.
    services.project_update(project=project, actor=world.manager, name="Renamed")
    assert reload(project).name == "Renamed"


def test_the_plan_is_locked_after_acceptance(world, project, approver, row_counts):
    services.plan_propose(project=project, actor=world.manager)
    services.plan_accept(project=project, actor=approver)
    before = row_counts()
    for name, edit in _every_plan_edit(world, project).items():
        with pytest.raises(RuleViolation) as exc:
            edit()
        assert exc.value.code == "plan_locked", name
        assert "change order" in exc.value.message
    assert row_counts() == before


# --- proposal and acceptance ----------------------------------------------------------------------


def test_proposing_an_invalid_plan_lists_every_problem(world, make_project, row_counts):
    items = milestone_items()
    items[0]["planned_start"] = "2026-03-01"  # before the project starts
    items[1]["planned_start"] = "2026-03-10"  # before milestone 1 is due
    items[1]["budget"] = "5500.00"  # 500 short
    project = make_project(milestones=items)
    before = row_counts()

    with pytest.raises(RuleViolation) as exc:
        services.plan_propose(project=project, actor=world.manager)

    assert exc.value.code == "plan_invalid"
    assert "3 problem(s)" in exc.value.message
    problems = exc.value.details["problems"]
    assert {p["code"] for p in problems} == {
        "starts_before_project",
        "dates_overlap",
        "budget_unallocated",
    }
    assert {(p["code"], p["position"]) for p in problems if p["position"]} == {
        ("starts_before_project", 1),
        ("dates_overlap", 2),
    }
    unallocated = next(p for p in problems if p["code"] == "budget_unallocated")
    assert "€500.00 not yet allocated" in unallocated["message"]
    assert reload(project).status == ProjectStatus.DRAFT
    assert row_counts() == before


def test_proposing_a_blank_project_is_refused(world, make_project):
    project = make_project(milestones=None)
    with pytest.raises(RuleViolation) as exc:
        services.plan_propose(project=project, actor=world.owner)
    assert exc.value.code == "plan_invalid"
    assert [p["code"] for p in exc.value.details["problems"]] == ["no_milestones"]


def test_propose_and_withdraw(world, project):
    services.plan_propose(project=project, actor=world.manager)
    proposed = reload(project)
    assert proposed.status == ProjectStatus.PROPOSED
    assert proposed.proposed_at is not None
    event = AuditEvent.objects.filter(project_id=project.pk).latest("sequence")
    assert (event.action, event.actor_id) == (AuditAction.PLAN_PROPOSED, world.manager.pk)
    assert event.data["after"] == {"status": "proposed"}
    assert event.data["total_budget"] == "10000.00"

    with pytest.raises(RuleViolation) as exc:
        services.plan_propose(project=project, actor=world.manager)
    assert exc.value.code == "state_conflict"

    services.plan_withdraw(project=project, actor=world.owner)
    withdrawn = reload(project)
    assert withdrawn.status == ProjectStatus.DRAFT
    assert withdrawn.proposed_at is None
    assert actions(project)[-2:] == [AuditAction.PLAN_PROPOSED, AuditAction.PLAN_WITHDRAWN]

    with pytest.raises(RuleViolation) as exc:
        services.plan_withdraw(project=project, actor=world.owner)
    assert exc.value.code == "state_conflict"


def test_proposal_needs_owner_or_manager(world, project, approver):
    for actor, error in (
        (world.member, NotAllowed),
        (approver, NotFound),  # a draft never proposed is invisible to the client
        (world.outsider, NotFound),
    ):
        with pytest.raises(error):
            services.plan_propose(project=project, actor=actor)
    assert reload(project).status == ProjectStatus.DRAFT
    services.plan_propose(project=project, actor=world.owner)
    for actor, error in (
        (world.member, NotAllowed),
        (fresh(approver), NotAllowed),
        (world.outsider, NotFound),
    ):
        with pytest.raises(error):
            services.plan_withdraw(project=project, actor=actor)
    assert reload(project).status == ProjectStatus.PROPOSED


def test_plan_accept_makes_baseline_v1(world, project, approver):
    services.plan_propose(project=project, actor=world.manager)

    version = services.plan_accept(project=project, actor=approver)

    accepted = reload(project)
    assert accepted.status == ProjectStatus.ACTIVE
    assert accepted.plan_version == 1
    assert accepted.accepted_by == approver
    assert accepted.accepted_at is not None
    assert version.version == 1
    assert version.accepted_by == approver
    assert version.reason == "baseline"
    assert PlanVersion.objects.filter(project=project).count() == 1
    snapshot = PlanVersion.objects.get(pk=version.pk).snapshot
    assert snapshot["project"] == {
        "name": "Acme webshop",
        "client": "Acme Shop",
        "currency": "EUR",
        "total_budget": "10000.00",
        "start_date": "2026-03-02",
        "sequential_gating": True,
        "extra_revision_price": None,
    }
    build = Milestone.objects.get(project=project, position=2)
    assert snapshot["milestones"][1]["id"] == build.pk
    assert [
        (m["position"], m["title"], m["budget"], m["planned_start"], m["planned_due"])
        for m in snapshot["milestones"]
    ] == [
        (1, "Discovery", "4000.00", "2026-03-02", "2026-03-13"),
        (2, "Build", "6000.00", "2026-03-16", "2026-04-10"),
    ]
    assert [
        {k: v for k, v in d.items() if k != "id"} for d in snapshot["milestones"][1]["deliverables"]
    ] == [
        {"title": "Staging site", "acceptance_criteria": "Every page loads."},
        {"title": "Admin", "acceptance_criteria": "Editors can publish."},
    ]
    assert [d["id"] for d in snapshot["milestones"][1]["deliverables"]] == list(
        build.deliverables.order_by("position").values_list("pk", flat=True)
    )
    assert snapshot["milestones"][1]["revision_quota"] == 3

    event = AuditEvent.objects.filter(project_id=project.pk).latest("sequence")
    assert (event.action, event.actor_id) == (AuditAction.PLAN_ACCEPTED, approver.pk)
    assert event.data["plan_version"] == 1
    assert event.data["snapshot"] == snapshot

    with pytest.raises(RuntimeError):
        version.save()  # versions are immutable


def test_accepting_twice_is_a_state_conflict(world, project, approver):
    services.plan_propose(project=project, actor=world.manager)
    services.plan_accept(project=project, actor=approver)
    with pytest.raises(RuleViolation) as exc:
        services.plan_accept(project=project, actor=approver)
    assert exc.value.code == "state_conflict"
    assert PlanVersion.objects.filter(project=project).count() == 1


def test_accepting_a_draft_or_withdrawn_plan_is_a_state_conflict(world, project, approver):
    with pytest.raises(NotFound):  # never proposed: the client does not see it at all
        services.plan_accept(project=project, actor=approver)

    services.plan_propose(project=project, actor=world.manager)
    services.plan_withdraw(project=project, actor=world.manager)
    with pytest.raises(RuleViolation) as exc:
        services.plan_accept(project=project, actor=fresh(approver))
    assert exc.value.code == "state_conflict"
    assert reload(project).status == ProjectStatus.DRAFT
    assert not PlanVersion.objects.filter(project=project).exists()


def test_only_approvers_answer_the_plan(world, project, viewer, row_counts):
    services.plan_propose(project=project, actor=world.manager)
    before = row_counts()
    for actor, error in (
        (viewer, NotAllowed),
        (world.owner, NotAllowed),
        (world.member, NotAllowed),
        (world.outsider, NotFound),
        (fresh(world.contact), NotFound),  # a contact of the client without access
    ):
        with pytest.raises(error):
            services.plan_accept(project=project, actor=actor)
        with pytest.raises(error):
            services.plan_decline(project=project, reason="No.", actor=actor)
    assert row_counts() == before
    assert reload(project).status == ProjectStatus.PROPOSED


def test_decline_needs_a_reason_and_returns_the_plan_to_draft(world, project, approver):
    services.plan_propose(project=project, actor=world.manager)
    for reason in ("", "   ", None):
        with pytest.raises(InvalidInput) as exc:
            services.plan_decline(project=project, reason=reason, actor=approver)
        assert "reason" in exc.value.details
    assert reload(project).status == ProjectStatus.PROPOSED

    services.plan_decline(project=project, reason="  Too expensive.  ", actor=approver)

    declined = reload(project)
    assert declined.status == ProjectStatus.DRAFT
    assert declined.proposed_at is None
    event = AuditEvent.objects.filter(project_id=project.pk).latest("sequence")
    assert (event.action, event.actor_id) == (AuditAction.PLAN_DECLINED, approver.pk)
    assert event.data["reason"] == "Too expensive."
    # The agency can edit again.
    services.milestone_update(
        milestone=project.milestones.get(position=2), actor=world.manager, budget="5000.00"
    )

    with pytest.raises(RuleViolation) as exc:
        services.plan_decline(project=project, reason="Again", actor=approver)
    assert exc.value.code == "state_conflict"


def test_the_whole_journey_is_in_the_audit_trail(world, make_project):
    project = make_project(actor=world.owner)
    services.project_access_grant(
        project=project, email=world.contact.email, role="approver", actor=world.manager
    )
    approver = fresh(world.contact)
    services.plan_propose(project=project, actor=world.manager)
    services.plan_withdraw(project=project, actor=world.manager)
    services.milestone_update(
        milestone=project.milestones.get(position=1), actor=world.manager, scope="Workshops."
    )
    services.plan_propose(project=project, actor=world.manager)
    services.plan_decline(project=project, reason="Add a launch stage.", actor=approver)
    services.milestone_update(
        milestone=project.milestones.get(position=2), actor=world.manager, budget="5500.00"
    )
    services.milestone_add(
        project=project,
        actor=world.manager,
        title="Launch",
        budget="500.00",
        planned_start="2026-04-13",
        planned_due="2026-04-17",
    )
    services.plan_propose(project=project, actor=world.manager)
    services.plan_accept(project=project, actor=approver)

    events = list(AuditEvent.objects.filter(project_id=project.pk).order_by("sequence"))
    assert [(e.action, e.actor_id) for e in events] == [
        (AuditAction.PROJECT_CREATED, world.owner.pk),
        (AuditAction.PROJECT_ACCESS_GRANTED, world.manager.pk),
        (AuditAction.PLAN_PROPOSED, world.manager.pk),
        (AuditAction.PLAN_WITHDRAWN, world.manager.pk),
        (AuditAction.MILESTONE_UPDATED, world.manager.pk),
        (AuditAction.PLAN_PROPOSED, world.manager.pk),
        (AuditAction.PLAN_DECLINED, approver.pk),
        (AuditAction.MILESTONE_UPDATED, world.manager.pk),
        (AuditAction.MILESTONE_ADDED, world.manager.pk),
        (AuditAction.PLAN_PROPOSED, world.manager.pk),
        (AuditAction.PLAN_ACCEPTED, approver.pk),
    ]
    assert all(e.organisation_id == world.organisation.pk for e in events)
    assert [e.sequence for e in events] == sorted(e.sequence for e in events)
    assert reload(project).status == ProjectStatus.ACTIVE
    assert len(PlanVersion.objects.get(project=project).snapshot["milestones"]) == 3
    report = verify_chains()
    assert report.ok, report.reason
    assert verify_chains(organisation_id=world.organisation.pk).checked >= len(events)


# --- project access -------------------------------------------------------------------------------


def test_granting_access_to_a_new_email_invites_a_client_contact(
    world, project, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        access = services.project_access_grant(
            project=project, email="  Pat.Buyer@Example.com ", role="viewer", actor=world.manager
        )

    assert access.role == "viewer"
    user = access.user
    assert user.email == "pat.buyer@example.com"
    assert Contact.objects.filter(client=world.client, user=user).exists()
    assert ProjectAccess.objects.get(project=project, user=user).role == "viewer"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["pat.buyer@example.com"]
    org_actions = list(
        AuditEvent.objects.filter(organisation=world.organisation)
        .order_by("sequence")
        .values_list("action", "project_id")
    )
    assert org_actions[-2:] == [
        (AuditAction.CONTACT_INVITED, None),
        (AuditAction.PROJECT_ACCESS_GRANTED, project.pk),
    ]
    assert verify_chains().ok


def test_granting_access_to_an_existing_contact_sends_no_invitation(
    world, project, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.project_access_grant(
            project=project, email=world.contact.email, role="approver", actor=world.owner
        )
    assert mail.outbox == []
    assert Contact.objects.filter(user=world.contact).count() == 1
    event = AuditEvent.objects.filter(project_id=project.pk).latest("sequence")
    assert event.action == AuditAction.PROJECT_ACCESS_GRANTED
    assert event.data == {
        "email": world.contact.email,
        "before": {"role": None},
        "after": {"role": "approver"},
    }


def test_changing_a_role_is_recorded_and_repeating_it_is_not(world, project, approver):
    grant = {"project": project, "email": world.contact.email, "actor": world.manager}
    count = AuditEvent.objects.count()
    services.project_access_grant(role="approver", **grant)
    assert AuditEvent.objects.count() == count
    services.project_access_grant(role="viewer", **grant)
    assert ProjectAccess.objects.get(project=project, user=approver).role == "viewer"
    event = AuditEvent.objects.latest("sequence")
    assert event.data["before"] == {"role": "approver"}
    assert event.data["after"] == {"role": "viewer"}
    # The demoted contact can no longer accept.
    services.plan_propose(project=project, actor=world.manager)
    with pytest.raises(NotAllowed):
        services.plan_accept(project=project, actor=fresh(approver))


def test_project_access_grant_refusals(world, project, row_counts):
    before = row_counts()
    with pytest.raises(InvalidInput) as exc:
        services.project_access_grant(
            project=project, email=world.contact.email, role="owner", actor=world.manager
        )
    assert "role" in exc.value.details
    with pytest.raises(InvalidInput) as exc:
        services.project_access_grant(
            project=project, email="not an email", role="viewer", actor=world.manager
        )
    assert "email" in exc.value.details
    with pytest.raises(NotAllowed):
        services.project_access_grant(
            project=project, email=world.contact.email, role="viewer", actor=world.member
        )
    with pytest.raises(NotFound):
        services.project_access_grant(
            project=project, email=world.contact.email, role="viewer", actor=world.outsider
        )
    assert row_counts() == before
    assert mail.outbox == []


# --- templates ------------------------------------------------------------------------------------


def _three_way_project(make_project):
    items = milestone_items()
    items[0]["budget"] = "3333.33"
    items[1]["budget"] = "3333.33"
    items.append(
        {
            "title": "Launch",
            "budget": "3333.34",
            "planned_start": "2026-04-13",
            "planned_due": "2026-04-17",
            "support_window_days": 30,
            "billing_trigger": "on_start",
        }
    )
    return make_project(milestones=items)


def test_template_saved_from_a_project_can_create_projects(world, make_project):
    project = _three_way_project(make_project)

    template = services.template_save_from_project(
        project=project, name="  Our webshop  ", actor=world.manager, description="Ours."
    )

    assert (template.name, template.slug, template.description) == (
        "Our webshop",
        "our-webshop",
        "Ours.",
    )
    assert template.organisation == world.organisation
    shares = [Decimal(m["share"]) for m in template.milestones]
    assert shares == [Decimal("33.3333"), Decimal("33.3333"), Decimal("33.3334")]
    assert abs(sum(shares) - 100) <= Decimal("0.001")
    # Good Friday and Easter Monday are not working days in Germany.
    assert [m["duration_days"] for m in template.milestones] == [10, 18, 5]
    assert template.milestones[2]["support_window_days"] == 30
    assert template.milestones[2]["billing_trigger"] == "on_start"
    assert template.milestones[1]["deliverables"][0] == {
        "title": "Staging site",
        "acceptance_criteria": "Every page loads.",
    }
    event = AuditEvent.objects.filter(organisation=world.organisation).latest("sequence")
    assert event.action == AuditAction.TEMPLATE_SAVED

    copy = make_project(template=template.slug, milestones=None, total_budget="20000.00")
    milestones = list(copy.milestones.order_by("position"))
    assert [m.amount for m in milestones] == [
        Decimal("6666.66"),
        Decimal("6666.66"),
        Decimal("6666.68"),
    ]
    assert sum(m.budget for m in milestones) == Decimal("20000.00")
    original = list(project.milestones.order_by("position"))
    assert [(m.planned_start, m.planned_due) for m in milestones] == [
        (m.planned_start, m.planned_due) for m in original
    ]
    assert [m.billing_trigger for m in milestones] == ["on_approval", "on_approval", "on_start"]
    assert services.plan_problems(reload(copy)) == []


def test_template_slugs_do_not_collide(world, project):
    first = services.template_save_from_project(project=project, name="Shop", actor=world.owner)
    second = services.template_save_from_project(project=project, name="Shop", actor=world.owner)
    builtin = services.template_save_from_project(
        project=project, name="Website CMS", actor=world.owner
    )
    assert (first.slug, second.slug) == ("shop", "shop-2")
    assert builtin.slug == "website-cms-2"


def test_template_save_refusals(world, project, make_project, row_counts):
    blank = make_project(milestones=None)
    before = row_counts()
    with pytest.raises(InvalidInput) as exc:
        services.template_save_from_project(project=project, name="  ", actor=world.manager)
    assert "name" in exc.value.details
    with pytest.raises(InvalidInput) as exc:
        services.template_save_from_project(project=blank, name="Empty", actor=world.manager)
    assert "milestones" in exc.value.details
    with pytest.raises(NotAllowed):
        services.template_save_from_project(project=project, name="X", actor=world.member)
    with pytest.raises(NotFound):
        services.template_save_from_project(project=project, name="X", actor=world.outsider)
    assert row_counts() == before


@pytest.fixture
def template(world, project):
    return services.template_save_from_project(project=project, name="Shop", actor=world.manager)


def test_template_update_and_delete_by_managers(world, template):
    services.template_update(
        template=template,
        actor=world.manager,
        name="Shop v2",
        milestones=[{"title": "All in one", "share": 100, "duration_days": 20}],
    )
    template = PlanTemplate.objects.get(pk=template.pk)
    assert template.name == "Shop v2"
    assert [(m["title"], m["share"], m["duration_days"]) for m in template.milestones] == [
        ("All in one", "100", 20)
    ]
    services.template_delete(template=template, actor=world.owner)
    assert not PlanTemplate.objects.filter(pk=template.pk).exists()
    org_actions = list(
        AuditEvent.objects.filter(organisation=world.organisation)
        .order_by("sequence")
        .values_list("action", flat=True)
    )
    assert org_actions[-3:] == [
        AuditAction.TEMPLATE_SAVED,
        AuditAction.TEMPLATE_UPDATED,
        AuditAction.TEMPLATE_DELETED,
    ]
    assert verify_chains().ok


def test_template_update_and_delete_permissions(world, template, viewer, row_counts):
    before = row_counts()
    for actor, error in (
        (world.member, NotAllowed),
        (world.outsider, NotFound),
        (viewer, NotFound),
    ):
        with pytest.raises(error):
            services.template_update(template=template, actor=actor, name="Mine")
        with pytest.raises(error):
            services.template_delete(template=template, actor=actor)
    assert row_counts() == before
    assert PlanTemplate.objects.get(pk=template.pk).name == "Shop"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": " "}, "name"),
        ({"slug": "x"}, "slug"),
        ({"milestones": []}, "milestones"),
        ({"milestones": [{"title": "", "share": 1, "duration_days": 1}]}, "milestones[0].title"),
        ({"milestones": [{"title": "A", "share": 0, "duration_days": 1}]}, "milestones[0].share"),
        ({"milestones": [{"title": "A", "share": "x", "duration_days": 1}]}, "milestones[0].share"),
        (
            {"milestones": [{"title": "A", "share": 1, "duration_days": 0}]},
            "milestones[0].duration_days",
        ),
        (
            {"milestones": [{"title": "A", "share": 1, "duration_days": True}]},
            "milestones[0].duration_days",
        ),
    ],
)
def test_template_update_refuses_bad_input(world, template, row_counts, fields, field):
    before = row_counts()
    with pytest.raises(InvalidInput) as exc:
        services.template_update(template=template, actor=world.manager, **fields)
    assert field in exc.value.details
    assert row_counts() == before
    assert PlanTemplate.objects.get(pk=template.pk).name == "Shop"

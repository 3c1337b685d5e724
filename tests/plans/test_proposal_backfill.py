"""The data migration for projects that existed before proposals were kept (plans 0005)."""

from __future__ import annotations

import importlib
from decimal import Decimal

import pytest
from django.apps import apps

from milepost.audit.models import AuditEvent
from milepost.plans import selectors, services
from milepost.plans.models import PlanProposal, Project, ProjectStatus
from milepost.plans.proposals import proposal_snapshot

from .conftest import fresh
from .test_draft_visibility import WITHHELD

pytestmark = pytest.mark.django_db

backfill = importlib.import_module("milepost.plans.migrations.0005_backfill_proposals").backfill


def _as_before_the_upgrade() -> None:
    """What the database held before: no proposals kept, no first proposal date."""
    PlanProposal.objects.all().delete()
    Project.objects.update(first_proposed_at=None)


def test_backfill(world, make_project, approver):
    never = make_project(name="Never proposed")
    declined = make_project(name="Declined")
    proposed = make_project(name="Proposed")
    accepted = make_project(name="Accepted")
    for project in (declined, proposed, accepted):
        services.project_access_grant(
            project=project, email=approver.email, role="approver", actor=world.manager
        )
        services.plan_propose(project=project, actor=world.manager)
    services.plan_decline(project=declined, reason="No", actor=fresh(approver))
    # Changed before the second proposal: what that proposal showed, as the trail proves.
    services.project_update(
        project=Project.objects.get(pk=declined.pk), actor=world.manager, payment_terms_days=30
    )
    services.plan_propose(project=Project.objects.get(pk=declined.pk), actor=world.manager)
    services.plan_withdraw(project=Project.objects.get(pk=declined.pk), actor=world.manager)
    services.plan_accept(project=accepted, actor=fresh(approver))
    proposed_as_shown = proposal_snapshot(Project.objects.get(pk=proposed.pk))
    # The backfill (migration 0005) predates the price of an extra revision: it never wrote it.
    del proposed_as_shown["project"]["extra_revision_price"]
    _as_before_the_upgrade()
    # Edits in progress at the upgrade: never to be shown to the client.
    services.project_update(
        project=Project.objects.get(pk=declined.pk),
        actor=world.manager,
        total_budget="9000.00",
        name="Declined v2",
    )
    build = Project.objects.get(pk=declined.pk).milestones.order_by("position").last()
    services.milestone_update(milestone=build, actor=world.manager, budget="5000.00")

    backfill(apps, None)

    first_event = (
        AuditEvent.objects.filter(project_id=declined.pk, action="plan.proposed")
        .order_by("sequence")
        .first()
    )
    rows = {p.name: p for p in Project.objects.all()}
    assert rows["Never proposed"].first_proposed_at is None
    assert rows["Declined v2"].first_proposed_at == first_event.created_at
    assert rows["Proposed"].first_proposed_at is not None
    assert rows["Accepted"].first_proposed_at is not None
    # Proposals for the plans that are proposed or back in draft, numbered like the trail.
    kept = {
        p.project.name: p for p in PlanProposal.objects.select_related("project", "proposed_by")
    }
    assert set(kept) == {"Declined v2", "Proposed"}
    revised = kept["Declined v2"]
    assert revised.number == 2
    assert revised.proposed_by == world.manager
    # Back in draft: only what the audit trail proves was proposed, and no milestones.
    assert revised.snapshot == {
        "backfilled": True,
        "project": {
            "name": "Declined",
            "currency": "EUR",
            "total_budget": "10000.00",
            "start_date": "2026-03-02",
            "payment_terms_days": 30,
        },
        "milestones": [],
    }
    # Proposed: the plan is locked, so the plan as it stands is what the client was shown.
    assert kept["Proposed"].number == 1
    assert kept["Proposed"].snapshot == {"backfilled": True, **proposed_as_shown}

    # Running it again changes nothing.
    backfill(apps, None)
    assert PlanProposal.objects.count() == 2

    # From now on the client sees the backfilled version, not later edits; never proposed: 404.
    services.project_update(
        project=Project.objects.get(pk=declined.pk), actor=world.manager, total_budget="8000.00"
    )
    seen = selectors.project_get(fresh(approver), declined.pk)
    assert seen.being_revised and seen.plan_withheld
    assert (seen.name, seen.total_budget, seen.payment_terms_days) == (
        "Declined",
        Decimal("10000.00"),
        30,
    )
    assert list(seen.milestones.all()) == [] and seen.summary == ""
    assert [p.name for p in selectors.projects_visible_to(fresh(approver))] == [
        "Accepted",
        "Proposed",
        "Declined v2",
    ]
    assert Project.objects.get(pk=never.pk).status == ProjectStatus.DRAFT


def test_a_backfilled_plan_being_revised_shows_what_was_proposed_and_no_milestones(
    world, make_project, approver, client, api_as
):
    project = make_project(name="Webshop")
    services.project_access_grant(
        project=project, email=approver.email, role="approver", actor=world.manager
    )
    services.plan_propose(project=project, actor=world.manager)
    services.plan_decline(project=project, reason="Too much", actor=fresh(approver))
    _as_before_the_upgrade()
    services.project_update(
        project=Project.objects.get(pk=project.pk),
        actor=world.manager,
        total_budget="12000.00",
        name="Webshop v2",
    )
    backfill(apps, None)

    client.force_login(approver)
    html = client.get(f"/projects/{project.pk}/").content.decode()
    assert "is revising this plan" in html
    assert WITHHELD in html
    assert "€10,000.00" in html  # the proposed total, from the trail
    assert "Discovery" not in html  # no milestones: the trail does not keep them
    assert "€12,000.00" not in html and "Webshop v2" not in html
    detail = api_as(fresh(approver)).get(f"/api/v1/projects/{project.pk}/").json()
    assert (detail["name"], detail["total_budget"], detail["milestones"]) == (
        "Webshop",
        "10000.00",
        [],
    )
    assert detail["summary"] == "" and detail["auto_approve_days"] is None

"""The data migration for projects that existed before proposals were kept (plans 0005)."""

from __future__ import annotations

import importlib
from decimal import Decimal

import pytest
from django.apps import apps

from milepost.audit.models import AuditEvent
from milepost.plans import selectors, services
from milepost.plans.models import PlanProposal, Project, ProjectStatus

from .conftest import fresh

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
    services.plan_propose(project=Project.objects.get(pk=declined.pk), actor=world.manager)
    services.plan_withdraw(project=Project.objects.get(pk=declined.pk), actor=world.manager)
    services.plan_accept(project=accepted, actor=fresh(approver))
    _as_before_the_upgrade()
    services.project_update(
        project=Project.objects.get(pk=declined.pk), actor=world.manager, total_budget="9000.00"
    )

    backfill(apps, None)

    first_event = (
        AuditEvent.objects.filter(project_id=declined.pk, action="plan.proposed")
        .order_by("sequence")
        .first()
    )
    rows = {p.name: p for p in Project.objects.all()}
    assert rows["Never proposed"].first_proposed_at is None
    assert rows["Declined"].first_proposed_at == first_event.created_at
    assert rows["Proposed"].first_proposed_at is not None
    assert rows["Accepted"].first_proposed_at is not None
    # Proposals for the plans that are proposed or back in draft, numbered like the trail.
    kept = {
        p.project.name: p for p in PlanProposal.objects.select_related("project", "proposed_by")
    }
    assert set(kept) == {"Declined", "Proposed"}
    assert kept["Declined"].number == 2
    assert kept["Declined"].proposed_by == world.manager
    assert kept["Declined"].snapshot["backfilled"] is True
    assert kept["Declined"].snapshot["project"]["total_budget"] == "9000.00"  # as at the upgrade
    assert kept["Proposed"].number == 1

    # Running it again changes nothing.
    backfill(apps, None)
    assert PlanProposal.objects.count() == 2

    # From now on the client sees the backfilled version, not later edits; never proposed: 404.
    services.project_update(
        project=Project.objects.get(pk=declined.pk), actor=world.manager, total_budget="8000.00"
    )
    seen = selectors.project_get(fresh(approver), declined.pk)
    assert seen.being_revised and seen.total_budget == Decimal("9000.00")
    assert [p.name for p in selectors.projects_visible_to(fresh(approver))] == [
        "Accepted",
        "Proposed",
        "Declined",
    ]
    assert Project.objects.get(pk=never.pk).status == ProjectStatus.DRAFT

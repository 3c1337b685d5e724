"""Plan versions for tests, without change orders: an accepted project (v1 by the service), then
later versions written as rows after editing the milestones in the database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from milepost.accounts.models import User
from milepost.core import clock
from milepost.plans import services
from milepost.plans.models import Deliverable, Milestone, PlanVersion, Project
from milepost.plans.services.common import snapshot

MILESTONES = [
    {
        "title": "Discovery",
        "scope": "Workshops and a written specification.",
        "budget": "4000.00",
        "planned_start": "2027-01-04",
        "planned_due": "2027-01-15",
        "deliverables": [{"title": "Specification", "acceptance_criteria": "Covers every page."}],
    },
    {
        "title": "Build",
        "budget": "3000.00",
        "planned_start": "2027-01-18",
        "planned_due": "2027-02-12",
        "revision_quota": 3,
        "deliverables": [
            {"title": "Staging site", "acceptance_criteria": "Every page loads."},
            {"title": "Admin", "acceptance_criteria": "Editors can publish."},
        ],
    },
    {
        "title": "Launch",
        "budget": "3000.00",
        "planned_start": "2027-02-15",
        "planned_due": "2027-02-26",
        "deliverables": [],
    },
]


def accepted_project(world, *, name: str = "Acme webshop", viewer=None) -> Project:
    """A project of ``world``'s agency, accepted by its client contact: baseline v1."""
    project = services.project_create(
        organisation=world.organisation,
        client=world.client,
        actor=world.manager,
        name=name,
        currency="EUR",
        total_budget="10000.00",
        start_date=dt.date(2027, 1, 4),
        milestones=[dict(m, deliverables=list(m["deliverables"])) for m in MILESTONES],
    )
    services.project_access_grant(
        project=project, email=world.contact.email, role="approver", actor=world.manager
    )
    if viewer is not None:
        services.project_access_grant(
            project=project, email=viewer.email, role="viewer", actor=world.manager
        )
    services.plan_propose(project=project, actor=world.manager)
    services.plan_accept(project=project, actor=User.objects.get(pk=world.contact.pk))
    return Project.objects.select_related("client", "organisation").get(pk=project.pk)


def next_version(project: Project, *, reason: str, accepted_by=None) -> PlanVersion:
    """Write the plan as it now stands in the database as the project's next version."""
    project = Project.objects.select_related("client").get(pk=project.pk)
    number = PlanVersion.objects.filter(project=project).order_by("-version").first().version + 1
    total = sum((m.budget for m in project.milestones.all()), Decimal(0))
    Project.objects.filter(pk=project.pk).update(plan_version=number, total_budget=total)
    project.refresh_from_db()
    return PlanVersion.objects.create(
        project=project,
        version=number,
        snapshot=snapshot(project),
        reason=reason,
        accepted_by=accepted_by,
        accepted_at=clock.now(),
    )


def change_budget_and_due(project: Project, *, accepted_by=None) -> PlanVersion:
    """v(n+1): milestone 3 costs 600.00 more and is due 4 days later; it gains "Quote form"."""
    third = Milestone.objects.get(project=project, position=3)
    Milestone.objects.filter(pk=third.pk).update(
        budget=third.budget + Decimal("600.00"),
        planned_due=third.planned_due + dt.timedelta(days=4),
    )
    Deliverable.objects.create(
        milestone=third, position=1, title="Quote form", acceptance_criteria="Sends an email."
    )
    return next_version(project, reason="CO-1: a quote form", accepted_by=accepted_by)


def versions(project: Project, count: int, *, accepted_by=None) -> None:
    """Make the project have ``count`` versions in all, each later one moving milestone 2's
    budget by 100.00 from milestone 1."""
    for n in range(2, count + 1):
        for position, delta in ((1, Decimal("-100.00")), (2, Decimal("100.00"))):
            m = Milestone.objects.get(project=project, position=position)
            Milestone.objects.filter(pk=m.pk).update(budget=m.budget + delta)
        next_version(project, reason=f"CO-{n - 1}", accepted_by=accepted_by)

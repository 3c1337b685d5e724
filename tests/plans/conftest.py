"""Fixtures for plan tests: a valid draft project, its approver and viewer, row counts."""

import datetime as dt

import pytest

from milepost.accounts.models import User
from milepost.audit.models import AuditEvent
from milepost.plans import services
from milepost.plans.models import (
    Deliverable,
    Milestone,
    PlanTemplate,
    PlanVersion,
    Project,
    ProjectAccess,
)

from ..factories import ContactFactory

START = dt.date(2026, 3, 2)  # a Monday

PLAN_MODELS = (
    Project,
    Milestone,
    Deliverable,
    ProjectAccess,
    PlanVersion,
    PlanTemplate,
    AuditEvent,
)


def fresh(user):
    """The same user without cached roles, as the next request would load it."""
    return User.objects.get(pk=user.pk)


def milestone_items():
    return [
        {
            "title": "Discovery",
            "scope": "Workshops and a written specification.",
            "budget": "4000.00",
            "planned_start": "2026-03-02",
            "planned_due": "2026-03-13",
            "deliverables": [
                {"title": "Specification", "acceptance_criteria": "Covers every page."},
            ],
        },
        {
            "title": "Build",
            "budget": "6000.00",
            "planned_start": "2026-03-16",
            "planned_due": "2026-04-10",
            "revision_quota": 3,
            "deliverables": [
                {"title": "Staging site", "acceptance_criteria": "Every page loads."},
                {"title": "Admin", "acceptance_criteria": "Editors can publish."},
            ],
        },
    ]


@pytest.fixture
def row_counts(db):
    """Return a callable giving {model name: row count}, to prove that nothing changed."""

    def counts() -> dict[str, int]:
        return {model.__name__: model.objects.count() for model in PLAN_MODELS}

    return counts


@pytest.fixture
def make_project(world):
    """Create a draft project through the service (valid two-milestone plan by default)."""

    def make(actor=None, **fields):
        values = {
            "organisation": world.organisation,
            "client": world.client,
            "actor": actor or world.manager,
            "name": "Acme webshop",
            "currency": "EUR",
            "total_budget": "10000.00",
            "start_date": START,
            "milestones": milestone_items(),
        }
        values.update(fields)
        return services.project_create(**values)

    return make


@pytest.fixture
def project(make_project):
    return make_project()


@pytest.fixture
def approver(world, project):
    services.project_access_grant(
        project=project, email=world.contact.email, role="approver", actor=world.manager
    )
    return fresh(world.contact)


@pytest.fixture
def viewer(world, project):
    contact = ContactFactory(client=world.client).user
    services.project_access_grant(
        project=project, email=contact.email, role="viewer", actor=world.manager
    )
    return fresh(contact)

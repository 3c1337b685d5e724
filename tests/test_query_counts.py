"""Pages and API lists keep a constant number of queries as their data grows."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from milepost.plans import services as plans

from .factories import ClientFactory, ContactFactory

PAGES = [
    ("web", "/"),
    ("web", "/clients/"),
    ("web", "/members/"),
    ("web", "/settings/"),
    ("web", "/projects/"),
    ("web", "/projects/{project}/"),
    ("web", "/projects/{project}/plan/"),
    ("web", "/projects/{project}/print/"),
    ("web", "/templates/"),
    ("api", "/api/v1/me/"),
    ("api", "/api/v1/clients/"),
    ("api", "/api/v1/projects/"),
    ("api", "/api/v1/projects/{project}/"),
    ("api", "/api/v1/projects/{project}/milestones/"),
    ("api", "/api/v1/projects/{project}/events/"),
    ("api", "/api/v1/templates/"),
]


def _project(world, n: int):
    return plans.project_create(
        organisation=world.organisation,
        client=world.client,
        actor=world.owner,
        name=f"Project {n}",
        currency="EUR",
        total_budget="10000.00",
        start_date="2027-01-04",
        template="website-cms",
    )


def _grow(world, project, clients: int, projects: int, milestones: int) -> None:
    """More clients, contacts, projects, milestones, deliverables and events."""
    for _ in range(clients):
        client = ClientFactory(organisation=world.organisation)
        ContactFactory.create_batch(2, client=client)
    for n in range(projects):
        _project(world, n)
    for n in range(milestones):
        plans.milestone_add(
            project=project,
            actor=world.owner,
            title=f"Extra {n}",
            budget="10.00",
            planned_start="2027-06-01",
            planned_due="2027-06-04",
            deliverables=[
                {"title": f"Part {i}", "acceptance_criteria": "It works."} for i in range(3)
            ],
        )


def _count(kind: str, path: str, user) -> int:
    user = type(user).objects.get(pk=user.pk)  # no roles cached from an earlier request
    if kind == "api":
        http = APIClient()
        http.force_authenticate(user)
    else:
        http = Client()
        http.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = http.get(path)
    assert response.status_code == 200, path
    return len(queries)


@pytest.mark.parametrize(("kind", "path"), PAGES)
def test_query_count_does_not_grow_with_rows(kind, path, world):
    project = _project(world, 0)
    path = path.format(project=project.pk)
    _grow(world, project, clients=2, projects=1, milestones=1)
    _count(kind, path, world.owner)  # first visit creates the user's calendar feed
    small = _count(kind, path, world.owner)
    _grow(world, project, clients=30, projects=12, milestones=6)
    large = _count(kind, path, world.owner)
    assert small == large, f"{path}: {small} queries with few rows, {large} with many"


MILESTONE_PAGES = [
    ("web", "/milestones/{m}/", "owner"),
    ("web", "/milestones/{m}/", "contact"),
    ("web", "/", "contact"),
    ("web", "/", "owner"),
    ("api", "/api/v1/milestones/{m}/", "owner"),
    ("api", "/api/v1/milestones/{m}/comments/", "contact"),
    ("api", "/api/v1/milestones/{m}/deliveries/", "owner"),
    ("api", "/api/v1/milestones/{m}/support-requests/", "owner"),
    ("web", "/invoices/", "owner"),
    ("web", "/invoices/", "contact"),
    ("web", "/notifications/", "contact"),
    ("api", "/api/v1/invoices/", "owner"),
    ("api", "/api/v1/notifications/", "contact"),
]


def _review_round(world, milestone, approver, n: int) -> None:
    """One more delivery, a verdict, a change request (with an extra revision), comments."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from milepost.plans.models import Milestone
    from milepost.reviews import services as reviews

    def fresh():
        return Milestone.objects.select_related("project", "project__organisation").get(
            pk=milestone.pk
        )

    reviews.milestone_deliver(
        milestone=fresh(),
        actor=world.owner,
        notes=f"Round {n}",
        files=[SimpleUploadedFile(f"r{n}.txt", b"notes")],
    )
    reviews.deliverable_verdict(
        deliverable=fresh().deliverables.first(), actor=approver, status="failed", note="Not yet"
    )
    reviews.milestone_grant_revision(milestone=fresh(), actor=world.owner, reason="More time")
    reviews.milestone_request_changes(milestone=fresh(), actor=approver, feedback="Again")
    for i in range(3):
        reviews.comment_add(milestone=fresh(), actor=approver, body=f"Comment {n}.{i}")
    _invoice_and_pay(world, n)


def _invoice_and_pay(world, n: int) -> None:
    """One more invoice (for another milestone of another project) with a payment."""
    from milepost.billing import services as billing
    from milepost.plans.models import Milestone

    project = _project(world, 100 + n)
    milestone = Milestone.objects.select_related(
        "project", "project__organisation", "project__client"
    ).get(project=project, position=1)
    plans.project_access_grant(
        project=project, email=world.contact.email, role="approver", actor=world.owner
    )
    invoice = billing.invoice_issue(milestone=milestone, trigger="on_approval")
    billing.payment_record(
        invoice=invoice, amount="10.00", date="2026-01-05", method="cash", actor=world.owner
    )


@pytest.mark.parametrize(("kind", "path", "who"), MILESTONE_PAGES)
def test_milestone_pages_stay_constant_as_the_review_grows(kind, path, who, world):
    from milepost.plans.models import Milestone
    from milepost.reviews import services as reviews

    project = _project(world, 0)
    plans.project_access_grant(
        project=project, email=world.contact.email, role="approver", actor=world.owner
    )
    plans.plan_propose(project=project, actor=world.owner)
    approver = type(world.contact).objects.get(pk=world.contact.pk)
    plans.plan_accept(project=project, actor=approver)
    milestone = Milestone.objects.select_related("project", "project__organisation").get(
        project=project, position=1
    )
    reviews.milestone_start(milestone=milestone, actor=world.owner)
    path = path.format(m=milestone.pk)
    user = world.owner if who == "owner" else world.contact
    _review_round(world, milestone, approver, 0)
    small = _count(kind, path, user)
    for n in range(1, 6):
        _review_round(world, milestone, approver, n)
    large = _count(kind, path, user)
    assert small == large, f"{path} as {who}: {small} queries with few rows, {large} with many"

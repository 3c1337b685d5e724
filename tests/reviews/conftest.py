"""Fixtures for the review cycle: an active five-milestone project, its people, files, helpers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from milepost.accounts.models import User
from milepost.audit.models import AuditEvent
from milepost.core.models import DomainEvent
from milepost.plans import services as plans
from milepost.plans.models import Deliverable, Milestone, Project
from milepost.reviews import services as reviews
from milepost.reviews.models import (
    Approval,
    Attachment,
    ChangeRequest,
    Delivery,
    Entry,
    RevisionGrant,
    SupportRequest,
    Verdict,
)

START = dt.date(2027, 1, 4)  # a Monday
VIEWER_EMAIL = "viewer@example.com"

REVIEW_MODELS = (
    Delivery,
    Verdict,
    ChangeRequest,
    Approval,
    SupportRequest,
    RevisionGrant,
    Entry,
    Attachment,
    AuditEvent,
    DomainEvent,
)

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8


def fresh(user):
    """The same user without cached roles, as the next request would load it."""
    return User.objects.get(pk=user.pk)


def reload(milestone_or_pk) -> Milestone:
    """The milestone as the next request would see it."""
    pk = getattr(milestone_or_pk, "pk", milestone_or_pk)
    return Milestone.objects.select_related("project", "project__organisation").get(pk=pk)


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def pdf(name: str = "report.pdf", size: int | None = None):
    body = PDF if size is None else PDF + b"\x00" * (size - len(PDF))
    return upload(name, body, "application/pdf")


def png(name: str = "screen.png"):
    return upload(name, PNG + b"\x00" * 64, "image/png")


def counts() -> dict[str, int]:
    """{model name: row count}, to prove that a refusal changed nothing."""
    return {model.__name__: model.objects.count() for model in REVIEW_MODELS}


#: Audit actions written by billing when a milestone's trigger fires (not the review cycle's).
BILLING_ACTIONS = ("invoice.", "credit_note.", "payment.")


def actions_since(before: int, organisation, *, billing: bool = False) -> list[str]:
    """The audit actions written in ``organisation``'s chain after sequence ``before`` (without
    billing's own events unless ``billing``)."""
    actions = (
        AuditEvent.objects.filter(chain=f"org:{organisation.pk}", sequence__gt=before)
        .order_by("sequence")
        .values_list("action", flat=True)
    )
    return [a for a in actions if billing or not a.startswith(BILLING_ACTIONS)]


def last_sequence(organisation) -> int:
    event = AuditEvent.objects.filter(chain=f"org:{organisation.pk}").order_by("-sequence").first()
    return event.sequence if event else 0


@dataclass
class Cycle:
    """An active project and everyone around it (users re-fetched, roles fresh)."""

    world: object
    project: Project
    owner: User
    manager: User
    member: User
    approver: User
    viewer: User
    outsider: User

    @property
    def organisation(self):
        return self.world.organisation

    def m(self, position: int = 1) -> Milestone:
        """Milestone at ``position``, freshly loaded."""
        return reload(Milestone.objects.get(project=self.project, position=position))

    def deliverables(self, position: int = 1) -> list[Deliverable]:
        return list(
            Deliverable.objects.filter(
                milestone__project=self.project, milestone__position=position
            )
            .select_related("milestone__project__organisation")
            .order_by("position")
        )

    # --- driving the cycle ---------------------------------------------------------------------

    def start(self, position: int = 1, actor=None) -> Milestone:
        return reviews.milestone_start(milestone=self.m(position), actor=actor or self.member)

    def deliver(self, position: int = 1, actor=None, notes: str = "Ready to test.", **kw):
        return reviews.milestone_deliver(
            milestone=self.m(position), actor=actor or self.member, notes=notes, **kw
        )

    def pass_all(self, position: int = 1) -> None:
        for d in self.deliverables(position):
            reviews.deliverable_verdict(deliverable=d, actor=self.approver, status="passed")

    def approve(self, position: int = 1, **kw):
        return reviews.milestone_approve(milestone=self.m(position), actor=self.approver, **kw)

    def request_changes(self, position: int = 1, feedback: str = "Please fix the header."):
        return reviews.milestone_request_changes(
            milestone=self.m(position), actor=self.approver, feedback=feedback
        )

    def to_review(self, position: int = 1) -> Milestone:
        self.start(position)
        self.deliver(position)
        return self.m(position)

    def to_approved(self, position: int = 1) -> Milestone:
        self.to_review(position)
        self.pass_all(position)
        self.approve(position)
        return self.m(position)


@pytest.fixture
def make_project(world):
    """A draft project from the website-cms template (EUR 10000.00, five milestones)."""

    def make(**fields):
        values = {
            "organisation": world.organisation,
            "client": world.client,
            "actor": world.owner,
            "template": "website-cms",
            "name": "Acme webshop",
            "currency": "EUR",
            "total_budget": "10000.00",
            "start_date": START,
        }
        values.update(fields)
        project = plans.project_create(**values)
        plans.project_access_grant(
            project=project, email=world.contact.email, role="approver", actor=world.owner
        )
        plans.project_access_grant(
            project=project, email=VIEWER_EMAIL, role="viewer", actor=world.owner
        )
        return project

    return make


def activate(project: Project, owner, approver) -> Project:
    plans.plan_propose(project=Project.objects.get(pk=project.pk), actor=owner)
    plans.plan_accept(project=Project.objects.get(pk=project.pk), actor=fresh(approver))
    return Project.objects.select_related("organisation").get(pk=project.pk)


def cycle_for(world, project: Project) -> Cycle:
    return Cycle(
        world=world,
        project=project,
        owner=fresh(world.owner),
        manager=fresh(world.manager),
        member=fresh(world.member),
        approver=fresh(world.contact),
        viewer=User.objects.get(email=VIEWER_EMAIL),
        outsider=fresh(world.outsider),
    )


@pytest.fixture
def draft(world, make_project) -> Cycle:
    """A draft project with its approver and viewer."""
    return cycle_for(world, make_project())


@pytest.fixture
def cycle(world, make_project) -> Cycle:
    """An active project: plan proposed by the owner and accepted by the approver."""
    project = make_project()
    return cycle_for(world, activate(project, world.owner, world.contact))

"""Fixtures for notifications: an active website-cms project with its people, driven by services.

``flow`` is a :class:`Flow` on a draft project of the world's organisation with an approver
(``world.contact``) and a viewer (a second contact of the same client). Its helpers re-fetch the
users and milestones before every service call, as the next request would.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest

from milepost.accounts.models import User
from milepost.billing import services as billing
from milepost.billing.models import Invoice, InvoiceKind
from milepost.core import clock
from milepost.mail.models import OutgoingEmail
from milepost.notify.models import Notification, Reminder
from milepost.plans import services as plans
from milepost.plans.models import Milestone, Project
from milepost.reviews import services as reviews

from ..factories import ContactFactory

START = dt.date(2027, 1, 4)  # a Monday
VIEWER_EMAIL = "viewer@client.example"
SITE_URL = "https://milepost.example"


def at(day: dt.date, hour: int = 9, minute: int = 0) -> dt.datetime:
    """An aware datetime (UTC, the project's TIME_ZONE) on ``day``."""
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=dt.UTC)


def fresh(user) -> User:
    """The same user without cached roles, as the next request would load it."""
    return User.objects.get(pk=user.pk)


def reload(milestone_or_pk) -> Milestone:
    pk = getattr(milestone_or_pk, "pk", milestone_or_pk)
    return Milestone.objects.select_related(
        "project", "project__organisation", "project__client"
    ).get(pk=pk)


def assert_error(response, status: int, code: str | None = None) -> dict:
    """The response is the documented JSON error shape; return its ``error`` object."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"code", "message", "details"}
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["details"], dict)
    if code is not None:
        assert error["code"] == code, error
    return error


def counts() -> dict[str, int]:
    return {
        "notifications": Notification.objects.count(),
        "emails": OutgoingEmail.objects.count(),
        "reminders": Reminder.objects.count(),
    }


@dataclass
class Flow:
    """One project and everyone around it; every helper goes through the real services."""

    world: object
    project_id: int
    approver_id: int
    viewer_id: int
    owner_id: int
    manager_id: int
    member_id: int

    # --- people, always fresh -----------------------------------------------------------------

    @property
    def owner(self) -> User:
        return User.objects.get(pk=self.owner_id)

    @property
    def manager(self) -> User:
        return User.objects.get(pk=self.manager_id)

    @property
    def member(self) -> User:
        return User.objects.get(pk=self.member_id)

    @property
    def approver(self) -> User:
        return User.objects.get(pk=self.approver_id)

    @property
    def viewer(self) -> User:
        return User.objects.get(pk=self.viewer_id)

    @property
    def organisation(self):
        return self.project.organisation

    # --- objects, always fresh ----------------------------------------------------------------

    @property
    def project(self) -> Project:
        return Project.objects.select_related("organisation", "client").get(pk=self.project_id)

    def m(self, position: int = 1) -> Milestone:
        return reload(Milestone.objects.get(project_id=self.project_id, position=position))

    def invoice(self, position: int = 1) -> Invoice:
        return Invoice.objects.select_related(
            "project", "project__organisation", "milestone", "organisation"
        ).get(
            milestone__project_id=self.project_id,
            milestone__position=position,
            kind=InvoiceKind.INVOICE,
        )

    # --- the plan -------------------------------------------------------------------------------

    def propose(self) -> Project:
        return plans.plan_propose(project=self.project, actor=self.owner)

    def withdraw(self) -> Project:
        return plans.plan_withdraw(project=self.project, actor=self.owner)

    def accept(self):
        return plans.plan_accept(project=self.project, actor=self.approver)

    def decline(self, reason: str = "Too expensive for us.") -> Project:
        return plans.plan_decline(project=self.project, actor=self.approver, reason=reason)

    def activate(self) -> Flow:
        self.propose()
        self.accept()
        return self

    # --- the review cycle -------------------------------------------------------------------------

    def start(self, position: int = 1):
        return reviews.milestone_start(milestone=self.m(position), actor=self.member)

    def deliver(self, position: int = 1, notes: str = "Ready to test on staging."):
        return reviews.milestone_deliver(milestone=self.m(position), actor=self.member, notes=notes)

    def pass_all(self, position: int = 1) -> None:
        approver = self.approver
        for deliverable in self.m(position).deliverables.order_by("position"):
            reviews.deliverable_verdict(deliverable=deliverable, actor=approver, status="passed")

    def approve(self, position: int = 1):
        return reviews.milestone_approve(milestone=self.m(position), actor=self.approver)

    def request_changes(self, position: int = 1, feedback: str = "Please fix the header."):
        return reviews.milestone_request_changes(
            milestone=self.m(position), actor=self.approver, feedback=feedback
        )

    def file_support_request(self, position: int = 1, description: str = "Logo is blurry."):
        return reviews.support_request_file(
            milestone=self.m(position), actor=self.approver, description=description
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

    # --- money --------------------------------------------------------------------------------

    def pay(self, position: int = 1, amount: Decimal | str | None = None):
        invoice = self.invoice(position)
        return billing.payment_record(
            invoice=invoice,
            amount=str(amount if amount is not None else invoice.gross),
            date=clock.today(),
            method="bank_transfer",
            reference="Bank transfer",
            actor=self.manager,
        )


def make_flow(world, client=None, owner=None, viewer_email=VIEWER_EMAIL) -> Flow:
    """A draft website-cms project (EUR 10000.00, five milestones) with an approver and a
    viewer. With ``client`` and ``owner`` of another organisation, that organisation's project
    (its owner then plays every agency role)."""
    client = client or world.client
    organisation = client.organisation
    owner = fresh(owner or world.owner)
    project = plans.project_create(
        organisation=organisation,
        client=client,
        actor=owner,
        template="website-cms",
        name=f"{client.name} webshop",
        currency="EUR",
        total_budget="10000.00",
        start_date=START,
    )
    approver = world.contact if client == world.client else ContactFactory(client=client).user
    plans.project_access_grant(project=project, email=approver.email, role="approver", actor=owner)
    plans.project_access_grant(project=project, email=viewer_email, role="viewer", actor=owner)
    viewer = User.objects.get(email=viewer_email)
    ours = organisation == world.organisation
    return Flow(
        world=world,
        project_id=project.pk,
        approver_id=approver.pk,
        viewer_id=viewer.pk,
        owner_id=owner.pk,
        manager_id=world.manager.pk if ours else owner.pk,
        member_id=world.member.pk if ours else owner.pk,
    )


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE_URL


@pytest.fixture
def flow(world) -> Flow:
    """A draft project with its approver and viewer (nothing proposed yet)."""
    return make_flow(world)


@pytest.fixture
def active(flow) -> Flow:
    """The same project, proposed by the owner and accepted by the approver."""
    return flow.activate()

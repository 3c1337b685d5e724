"""The demo agency (``seed_demo``) with one of everything the API can show, for tests that drive
every operation: the contract test, the role-first test and the Schemathesis run."""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import override_settings

from milepost.accounts.models import Client, Contact, Invitation, User
from milepost.accounts.services import api_token_create, contact_invite
from milepost.billing.models import Invoice
from milepost.integrations import services as integrations
from milepost.notify.models import Notification
from milepost.plans import services as plans
from milepost.plans.models import Deliverable, Milestone, Project, ProjectAccess
from milepost.reviews import services as reviews

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"

#: Allowed by ``WEBHOOK_ALLOWED_HOSTS`` where a test says so; nothing listens on port 9.
WEBHOOK_URL = "http://127.0.0.1:9/hooks/milepost"

EMAILS = {
    "owner": "owner@northwind.example",
    "manager": "manager@northwind.example",
    "member": "dev@northwind.example",
    "approver": "approver@acme.example",
    "viewer": "viewer@acme.example",
    "outsider": "owner@other.example",
}


@dataclass(frozen=True)
class Demo:
    """Ids of the demo's objects, one per state the API can show."""

    organisation: int  # the agency (Northwind): owner, manager and member belong to it
    client: int
    active: int  # accepted plan: m1 approved (invoice issued), m2 in review, m3 to m5 planned
    proposed: int
    draft: int
    approved: int  # milestone 1 of ``active``, in its support window
    in_review: int  # milestone 2 of ``active``: delivery v2 with a file, a comment with a file
    planned: int  # milestone 3 of ``active``
    draft_milestone: int
    deliverable: int  # of ``in_review``
    support_request: int  # open, on ``approved``
    invoice: int  # issued for ``approved``, unpaid
    notification: int  # the owner's
    tokens: dict[str, str]  # role → a raw API token (read-write)

    invitation: int  # a contact of the client invited, not yet accepted
    change_order: int  # CO-1 of ``active``, proposed: milestone 4 costs 500.00 more
    draft_change_order: int  # CO-2 of ``active``, a draft never proposed (the agency's alone)
    change_request: int  # the approver asks for a change order about ``planned``, open
    webhook_endpoint: int  # the agency's, to a loopback URL nothing listens on
    webhook_delivery: int  # a test event to it, failed (so that it can be resent)

    @property
    def viewer_access(self) -> int:
        """The viewer's access to the active project (the approver is its only approver)."""
        return ProjectAccess.objects.get(project_id=self.active, user__email=EMAILS["viewer"]).pk

    @property
    def viewer_contact(self) -> int:
        return Contact.objects.get(client_id=self.client, user__email=EMAILS["viewer"]).pk

    @staticmethod
    def user(role: str) -> User:
        """The demo user with ``role`` (owner, manager, member, approver, viewer, outsider),
        freshly loaded so no roles are cached."""
        return User.objects.get(email=EMAILS[role])


def _milestone(pk: int) -> Milestone:
    return Milestone.objects.select_related("project", "project__organisation").get(pk=pk)


def _png(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG + b"\x00" * 64, content_type="image/png")


def build_demo() -> Demo:
    """Load the demo data and add what it lacks: a support request, files on a delivery and on
    a comment. Call it with the database open for writing."""
    call_command("seed_demo", stdout=io.StringIO())
    active = Project.objects.get(name="Acme web shop relaunch")
    first, second, third = Milestone.objects.filter(project=active).order_by("position")[:3]
    approver, member = Demo.user("approver"), Demo.user("member")
    request = reviews.support_request_file(
        milestone=_milestone(first.pk), actor=approver, description="The footer link is dead."
    )
    reviews.milestone_request_changes(
        milestone=_milestone(second.pk), actor=Demo.user("approver"), feedback="Add the sizes."
    )
    reviews.milestone_deliver(
        milestone=_milestone(second.pk),
        actor=member,
        notes="Sizes added; screenshot attached.",
        files=[_png("sizes.png")],
    )
    reviews.comment_add(
        milestone=_milestone(second.pk),
        actor=Demo.user("approver"),
        body="Here is what I see on my phone.",
        files=[_png("phone.png")],
    )
    draft = Project.objects.get(name="Acme loyalty programme")
    owner = Demo.user("owner")
    acme = Client.objects.select_related("organisation").get(name="Acme Shop")
    invited = contact_invite(client=acme, email="invited@acme.example", actor=owner)
    fourth, fifth = Milestone.objects.filter(project=active).order_by("position")[3:5]
    active_project = Project.objects.get(pk=active.pk)
    proposed_co = plans.change_order_create(
        project=active_project,
        actor=owner,
        title="A blog",
        reason="The client wants to publish news.",
        changes_=[
            {"op": "update", "milestone": fourth.pk, "fields": {"budget": str(fourth.budget + 500)}}
        ],
    )
    plans.change_order_propose(change_order=proposed_co, actor=owner)
    draft_co = plans.change_order_create(
        project=active_project,
        actor=owner,
        title="Later launch",
        changes_=[
            {"op": "update", "milestone": fifth.pk, "fields": {"title": f"{fifth.title} (later)"}}
        ],
    )
    change_request = plans.change_order_request_file(
        milestone=_milestone(third.pk), actor=approver, text="Could the shop take gift cards?"
    )
    owner = Demo.user("owner")
    with override_settings(WEBHOOK_ALLOWED_HOSTS=["127.0.0.1"]):
        endpoint, _secret = integrations.endpoint_create(
            organisation=active.organisation, actor=owner, url=WEBHOOK_URL, description="Chat"
        )
    delivery = integrations.endpoint_send_test(endpoint=endpoint, actor=owner)
    # As if its retries ran out: a delivery still pending is not resent (it would go twice).
    type(delivery).objects.filter(pk=delivery.pk).update(status="failed")
    return Demo(
        organisation=active.organisation_id,
        client=acme.pk,
        active=active.pk,
        proposed=Project.objects.get(name="Acme mobile app").pk,
        draft=draft.pk,
        approved=first.pk,
        in_review=second.pk,
        planned=third.pk,
        draft_milestone=Milestone.objects.filter(project=draft).order_by("position").first().pk,
        deliverable=Deliverable.objects.filter(milestone=second).order_by("position").first().pk,
        support_request=request.pk,
        invoice=Invoice.objects.get(milestone=first).pk,
        notification=Notification.objects.filter(user=owner).order_by("-id").first().pk,
        invitation=Invitation.objects.get(user=invited.user).pk,
        change_order=proposed_co.pk,
        draft_change_order=draft_co.pk,
        change_request=change_request.pk,
        webhook_endpoint=endpoint.pk,
        webhook_delivery=delivery.pk,
        tokens={
            role: api_token_create(user=user, name="Tests", actor=user)[1]
            for role, user in ((role, Demo.user(role)) for role in EMAILS)
        },
    )

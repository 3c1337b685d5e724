"""Who is told of what: each domain event notifies exactly the people of the issue's table.

| event                                         | told                                  |
|-----------------------------------------------|---------------------------------------|
| plan proposed                                 | the client's approvers                |
| plan accepted / declined                      | the agency's managers and owner       |
| milestone delivered                           | the client's approvers and viewers    |
| changes requested / approved / support request| the agency's people                   |
| invoice issued                                | the client's approvers                |
| payment received                              | the agency's managers and owner       |
"""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import transaction

from milepost.accounts.models import User
from milepost.core import events
from milepost.core.errors import RuleViolation
from milepost.mail.models import OutgoingEmail
from milepost.notify import services
from milepost.notify.models import Category, Notification
from milepost.plans import services as plans
from milepost.plans.models import ProjectStatus

from ..factories import ContactFactory
from .conftest import counts, fresh


def last_id(model=Notification) -> int:
    row = model.objects.order_by("-pk").first()
    return row.pk if row else 0


class Told:
    """The notifications and emails written since a marker, per category."""

    def __init__(self) -> None:
        self.notification = last_id(Notification)
        self.email = last_id(OutgoingEmail)

    def users(self, category: str) -> set[int]:
        rows = Notification.objects.filter(pk__gt=self.notification, category=category)
        ids = list(rows.values_list("user_id", flat=True))
        assert len(ids) == len(set(ids)), "someone was told twice"
        return set(ids)

    def emailed(self, category: str) -> set[int]:
        rows = OutgoingEmail.objects.filter(pk__gt=self.email, category=category)
        ids = list(rows.values_list("user_id", flat=True))
        assert len(ids) == len(set(ids)), "someone was emailed twice"
        return set(ids)

    def categories(self) -> set[str]:
        return set(
            Notification.objects.filter(pk__gt=self.notification).values_list("category", flat=True)
        )


@pytest.fixture
def people(world, flow):
    """The project's people by role, with a second approver so that "approvers" is plural."""
    second = ContactFactory(client=world.client).user
    plans.project_access_grant(
        project=flow.project, email=second.email, role="approver", actor=fresh(world.owner)
    )
    return {
        "owner": world.owner.pk,
        "manager": world.manager.pk,
        "member": world.member.pk,
        "approvers": {world.contact.pk, second.pk},
        "viewer": flow.viewer.pk,
        "outsider": world.outsider.pk,
    }


def emails_of(ids) -> list[str]:
    return list(User.objects.filter(pk__in=ids).values_list("email", flat=True))


def agency(people, *roles) -> set[int]:
    return {people[r] for r in roles}


def test_plan_proposed_tells_the_client_approvers(flow, people):
    told = Told()
    flow.propose()
    assert told.users(Category.PLAN) == people["approvers"]
    assert told.emailed(Category.PLAN) == people["approvers"]
    assert told.categories() == {Category.PLAN}
    note = Notification.objects.filter(user_id=flow.approver.pk).get()
    assert note.url == f"/projects/{flow.project_id}/#answer"
    assert flow.project.name in note.title


def test_plan_accepted_tells_managers_and_owner(flow, people):
    flow.propose()
    told = Told()
    flow.accept()
    expected = agency(people, "owner", "manager")
    assert told.users(Category.PLAN) == expected
    assert told.emailed(Category.PLAN) == expected
    assert "accepted" in Notification.objects.get(pk__gt=told.notification, user=flow.owner).title


def test_plan_declined_tells_managers_and_owner_with_the_reason(flow, people):
    flow.propose()
    told = Told()
    flow.decline("The launch date is too late.")
    expected = agency(people, "owner", "manager")
    assert told.users(Category.PLAN) == expected
    assert told.emailed(Category.PLAN) == expected
    note = Notification.objects.get(pk__gt=told.notification, user=flow.manager)
    assert "declined" in note.title
    assert "The launch date is too late." in note.body


def test_delivery_tells_approvers_and_viewers(flow, people):
    flow.activate()
    flow.start(1)
    told = Told()
    flow.deliver(1)
    expected = people["approvers"] | {people["viewer"]}
    assert told.users(Category.DELIVERY) == expected
    assert told.emailed(Category.DELIVERY) == expected
    assert told.categories() == {Category.DELIVERY}


def test_changes_requested_tells_the_agency(flow, people):
    flow.activate()
    flow.to_review(1)
    told = Told()
    flow.request_changes(1)
    expected = agency(people, "owner", "manager", "member")
    assert told.users(Category.REVIEW) == expected
    assert told.emailed(Category.REVIEW) == expected
    assert told.categories() == {Category.REVIEW}


def test_approval_tells_the_agency_and_the_invoice_the_approvers(flow, people):
    flow.activate()
    flow.to_review(1)
    flow.pass_all(1)
    told = Told()
    flow.approve(1)
    team = agency(people, "owner", "manager", "member")
    assert told.users(Category.REVIEW) == team
    assert told.emailed(Category.REVIEW) == team
    # Approval issues the invoice: the approvers are told, and their email carries the PDF.
    assert told.users(Category.INVOICE) == people["approvers"]
    assert told.emailed(Category.INVOICE) == people["approvers"]
    invoice = flow.invoice(1)
    emails = OutgoingEmail.objects.filter(pk__gt=told.email, category=Category.INVOICE)
    assert {e.invoice_id for e in emails} == {invoice.pk}
    assert told.categories() == {Category.REVIEW, Category.INVOICE}


def test_support_request_tells_the_agency(flow, people):
    flow.activate()
    flow.to_approved(1)
    told = Told()
    flow.file_support_request(1)
    team = agency(people, "owner", "manager", "member")
    assert told.users(Category.REVIEW) == team
    assert told.emailed(Category.REVIEW) == team
    note = Notification.objects.filter(pk__gt=told.notification).first()
    assert "support request" in note.title


def test_payment_tells_managers_and_owner(flow, people):
    flow.activate()
    flow.to_approved(1)
    told = Told()
    flow.pay(1)
    expected = agency(people, "owner", "manager")
    assert told.users(Category.PAYMENT) == expected
    assert told.emailed(Category.PAYMENT) == expected
    assert told.categories() == {Category.PAYMENT}


def test_nobody_outside_the_project_is_told(flow, people):
    flow.activate()
    flow.to_approved(1)
    flow.pay(1)
    assert not Notification.objects.filter(user_id=people["outsider"]).exists()
    # Viewers read everything, but are only told of deliveries.
    assert set(
        Notification.objects.filter(user_id=people["viewer"]).values_list("category", flat=True)
    ) == {Category.DELIVERY}


def test_email_off_for_a_category_keeps_the_notification(
    flow, people, django_capture_on_commit_callbacks
):
    flow.activate()
    flow.start(1)
    approver = flow.approver
    chosen = services.preferences_set(
        user=approver, actor=approver, choices={Category.DELIVERY: False}
    )
    assert chosen[Category.DELIVERY] is False
    told = Told()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        flow.deliver(1)
    expected = people["approvers"] | {people["viewer"]}
    assert told.users(Category.DELIVERY) == expected
    assert told.emailed(Category.DELIVERY) == expected - {approver.pk}
    sent_to = sorted(m.to[0] for m in mail.outbox if "ready for your review (v1)" in m.subject)
    others = emails_of(people["approvers"] - {approver.pk})
    assert sent_to == sorted(others)
    assert approver.email not in sent_to
    # A viewer is told it arrived, not asked to approve it.
    (viewer_mail,) = [m for m in mail.outbox if m.to == emails_of({people["viewer"]})]
    assert "was delivered (v1)" in viewer_mail.subject
    assert "approve or ask" not in viewer_mail.body
    # Other categories still email them.
    flow.pass_all(1)
    told = Told()
    flow.approve(1)
    assert approver.pk in told.emailed(Category.INVOICE)


def test_inactive_users_are_not_told(flow, people, world):
    manager = fresh(world.manager)
    manager.is_active = False
    manager.save(update_fields=["is_active"])
    flow.propose()
    told = Told()
    flow.accept()
    assert told.users(Category.PLAN) == {people["owner"]}


def test_rollback_after_emitting_tells_nobody(flow, django_capture_on_commit_callbacks):
    before = counts()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuleViolation) as refused,
        transaction.atomic(),
    ):
        flow.propose()  # emits plan.proposed: notifications and emails are written…
        assert Notification.objects.count() > before["notifications"]
        flow.propose()  # …then refused: no longer a draft; everything rolls back
    assert refused.value.code == "state_conflict"
    assert counts() == before
    assert callbacks == []
    assert mail.outbox == []
    assert flow.project.status == ProjectStatus.DRAFT


def test_a_listener_refusing_after_the_notification_undoes_it(
    flow, monkeypatch, django_capture_on_commit_callbacks
):
    def refuse(event):
        raise RuleViolation("Refused by a later listener.", code="refused")

    name = "plan.proposed"
    monkeypatch.setitem(events._handlers, name, [*events._handlers[name], refuse])
    before = counts()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuleViolation),
    ):
        flow.propose()
    assert counts() == before
    assert callbacks == []
    assert mail.outbox == []
    assert flow.project.status == ProjectStatus.DRAFT

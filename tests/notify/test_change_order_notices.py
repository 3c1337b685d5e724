"""Change orders tell each side what it has to do or what changed, in the app and by email."""

from __future__ import annotations

import pytest

from milepost.mail.models import OutgoingEmail
from milepost.notify.models import Notification
from milepost.plans import services as plans
from milepost.plans.models import Milestone, Project
from milepost.reviews.services.change_orders import change_order_accept

from ..factories import ContactFactory, accepted_project

pytestmark = pytest.mark.django_db


def _fresh(user):
    return type(user).objects.get(pk=user.pk)


@pytest.fixture
def shop(world):
    """The world's contact approves; another contact of the client (``world.viewer``) views."""
    world.viewer = ContactFactory(client=world.client).user

    def add_the_viewer(project):
        plans.project_access_grant(
            project=project, email=world.viewer.email, role="viewer", actor=world.owner
        )

    return accepted_project(world, before_propose=add_the_viewer)


def _proposed(world, project):
    last = Milestone.objects.filter(project=project).order_by("-position").first()
    co = plans.change_order_create(
        project=project,
        actor=world.manager,
        title="A blog",
        changes_=[
            {"op": "update", "milestone": last.pk, "fields": {"budget": str(last.budget + 600)}}
        ],
    )
    return plans.change_order_propose(change_order=co, actor=world.manager)


def _titles(user):
    return list(Notification.objects.filter(user=user).values_list("title", flat=True))


def test_the_approver_is_asked_to_answer_a_proposed_change_order(world, shop):
    Notification.objects.all().delete()
    co = _proposed(world, shop)
    [title] = _titles(world.contact)
    assert title == "Northwind Studio proposed CO-1 for Shop: A blog"
    note = Notification.objects.get(user=world.contact)
    # The price is a change, said with its sign; the link opens the change order itself.
    assert "The total becomes €10,600.00 (+€600.00)." in note.body
    assert note.url == f"/change-orders/{co.pk}/"
    assert _titles(world.viewer) == [] and _titles(world.manager) == []
    assert OutgoingEmail.objects.filter(to=world.contact.email, subject__contains="CO-1").exists()


def test_acceptance_tells_both_sides_and_a_decline_tells_the_managers_why(world, shop):
    co = _proposed(world, shop)
    Notification.objects.all().delete()
    change_order_accept(change_order=co, actor=_fresh(world.contact))
    accepted = "Acme Shop accepted CO-1 of Shop: A blog"
    assert _titles(world.owner) == [accepted] and _titles(world.member) == [accepted]
    assert _titles(world.viewer) == [accepted]
    assert _titles(world.contact) == []  # who accepted knows
    assert "v2" in Notification.objects.filter(user=world.owner).get().body
    second = _proposed(world, Project.objects.get(pk=shop.pk))
    Notification.objects.all().delete()
    plans.change_order_decline(change_order=second, actor=_fresh(world.contact), reason="Too dear")
    assert _titles(world.manager) == ["Acme Shop declined CO-2 of Shop: A blog"]
    assert _titles(world.member) == []
    assert "Too dear" in Notification.objects.get(user=world.manager).body

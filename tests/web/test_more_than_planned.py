"""The milestone page offers the client's two ways on when the revisions run out."""

from __future__ import annotations

import datetime as dt

import pytest

from milepost.core import clock
from milepost.plans import services as plans
from milepost.plans.models import ChangeOrder, ChangeOrderRequest, Milestone, Project
from milepost.reviews import services as reviews

pytestmark = pytest.mark.django_db

START = dt.datetime(2027, 1, 4, 9, tzinfo=dt.UTC)


def _fresh(user):
    return type(user).objects.get(pk=user.pk)


def _m(project, position=1):
    return Milestone.objects.select_related("project__organisation").get(
        project=project, position=position
    )


@pytest.fixture
def out_of_revisions(world):
    with clock.frozen(START):
        project = plans.project_create(
            organisation=world.organisation,
            client=world.client,
            actor=world.owner,
            name="Shop",
            currency="EUR",
            total_budget="10000.00",
            start_date="2027-01-04",
            template="website-cms",
        )
        plans.project_update(project=project, actor=world.owner, extra_revision_price="150.00")
        plans.project_access_grant(
            project=project, email=world.contact.email, role="approver", actor=world.owner
        )
        plans.plan_propose(project=project, actor=world.owner)
        plans.plan_accept(project=project, actor=_fresh(world.contact))
        Milestone.objects.filter(pk=_m(project).pk).update(revision_quota=0)
        reviews.milestone_start(milestone=_m(project), actor=world.owner)
        reviews.milestone_deliver(milestone=_m(project), actor=world.owner, notes="Done")
    return Project.objects.get(pk=project.pk)


def test_the_client_sees_what_buying_costs_and_is_asked_first(world, out_of_revisions, client):
    milestone = _m(out_of_revisions)
    client.force_login(world.contact)
    page = client.get(f"/milestones/{milestone.pk}/").content.decode()
    assert "Need more than the plan holds?" in page
    assert "costs €150.00" in page and "Buy one revision" in page
    asked = client.post(f"/milestones/{milestone.pk}/buy-revision/", {"confirm": "ask"})
    assert asked.status_code == 200 and "Buy one more revision?" in asked.content.decode()
    assert not ChangeOrder.objects.exists()
    bought = client.post(f"/milestones/{milestone.pk}/buy-revision/")
    assert bought.status_code == 302
    assert _m(out_of_revisions).revision_quota == 1
    assert ChangeOrder.objects.get().status == "accepted"


def test_the_agency_does_not_see_the_clients_offer(world, out_of_revisions, client):
    client.force_login(world.owner)
    page = client.get(f"/milestones/{_m(out_of_revisions).pk}/").content.decode()
    assert "Need more than the plan holds?" not in page


def test_asking_for_a_change_order_keeps_what_was_typed_when_refused(
    world, out_of_revisions, client
):
    milestone = _m(out_of_revisions)
    client.force_login(world.contact)
    empty = client.post(f"/milestones/{milestone.pk}/ask-change-order/", {"text": " "})
    assert empty.status_code == 400 and "This field is required" in empty.content.decode()
    assert not ChangeOrderRequest.objects.exists()
    sent = client.post(f"/milestones/{milestone.pk}/ask-change-order/", {"text": "A gallery page"})
    assert sent.status_code == 302
    page = client.get(f"/milestones/{milestone.pk}/").content.decode()
    assert "Change orders asked for" in page and "A gallery page" in page


def test_the_agency_drafts_a_change_order_from_a_request_or_declines_it(
    world, out_of_revisions, client
):
    milestone = _m(out_of_revisions)
    gallery = plans.change_order_request_file(
        milestone=milestone, actor=_fresh(world.contact), text="A gallery page, please"
    )
    chat = plans.change_order_request_file(
        milestone=milestone, actor=_fresh(world.contact), text="A chat widget"
    )
    client.force_login(world.manager)
    page = client.get(f"/milestones/{milestone.pk}/").content.decode()
    assert f"/change-requests/{gallery.pk}/draft/" in page
    drafted = client.post(f"/change-requests/{gallery.pk}/draft/")
    co = ChangeOrder.objects.get(request=gallery)
    assert drafted.status_code == 302 and drafted["Location"] == f"/change-orders/{co.pk}/edit/"
    assert co.reason == "A gallery page, please" and co.status == "draft"
    assert ChangeOrderRequest.objects.get(pk=gallery.pk).status == "drafted"
    refused = client.post(f"/change-requests/{chat.pk}/decline/", {"reason": " "}, follow=True)
    assert "Say why" in refused.content.decode()
    assert ChangeOrderRequest.objects.get(pk=chat.pk).status == "open"
    client.post(f"/change-requests/{chat.pk}/decline/", {"reason": "Out of scope"})
    assert ChangeOrderRequest.objects.get(pk=chat.pk).decline_reason == "Out of scope"
    client.force_login(world.contact)
    page = client.get(f"/milestones/{milestone.pk}/").content.decode()
    assert "Declined: Out of scope" in page and f"/change-requests/{chat.pk}/draft/" not in page

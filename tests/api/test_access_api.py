"""The API for people: a project's access list, changing and removing access, removing a
contact, resending and revoking invitations — 400/403/404/409, another agency's ids, and a
removed person losing the project, its invoices and its calendar entries at once."""

import pytest

from milepost.accounts import services as accounts
from milepost.accounts.models import Contact, Invitation
from milepost.notify import calendar
from milepost.plans import services
from milepost.plans.models import Milestone, ProjectAccess
from milepost.reviews import services as reviews

from ..factories import ClientFactory, ContactFactory
from ..plans.conftest import fresh, milestone_items

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(world):
    project = services.project_create(
        organisation=world.organisation,
        client=world.client,
        actor=world.manager,
        name="Acme webshop",
        currency="EUR",
        total_budget="10000.00",
        start_date="2026-03-02",
        milestones=milestone_items(),
    )
    services.project_access_grant(
        project=project, email=world.contact.email, role="approver", actor=world.manager
    )
    return project


@pytest.fixture
def viewer(world, project):
    user = ContactFactory(client=world.client).user
    services.project_access_grant(
        project=project, email=user.email, role="viewer", actor=world.manager
    )
    return fresh(user)


def access_id(project, user) -> int:
    return ProjectAccess.objects.get(project=project, user=user).pk


def assert_error(response, status: int, code: str | None = None):
    assert response.status_code == status, response.content
    body = response.json()["error"]
    assert set(body) == {"code", "message", "details"}
    if code:
        assert body["code"] == code
    return body


def test_the_access_list_shows_roles_and_pending_invitations(world, project, viewer, api_as):
    services.project_access_grant(
        project=project, email="later@example.com", role="viewer", actor=world.manager
    )
    response = api_as(world.manager).get(f"/api/v1/projects/{project.pk}/access/")
    assert response.status_code == 200
    rows = {r["email"]: r for r in response.json()["results"]}
    assert rows[world.contact.email]["role"] == "approver"
    assert rows[world.contact.email]["invitation"] is None
    pending = rows["later@example.com"]["invitation"]
    assert pending["state"] == "pending"
    assert pending["client"] == world.client.pk
    assert Invitation.objects.get(pk=pending["id"]).user.email == "later@example.com"
    assert_error(api_as(world.member).get(f"/api/v1/projects/{project.pk}/access/"), 403)
    assert_error(api_as(world.outsider).get(f"/api/v1/projects/{project.pk}/access/"), 404)


def test_change_a_role(world, project, viewer, api_as):
    url = f"/api/v1/project-access/{access_id(project, viewer)}/"
    response = api_as(world.manager).patch(url, {"role": "approver"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["role"] == "approver"
    assert response.json()["email"] == viewer.email
    assert ProjectAccess.objects.get(project=project, user=viewer).role == "approver"


def test_change_refusals(world, project, viewer, api_as):
    services.plan_propose(project=project, actor=world.manager)  # contacts see it from now on
    url = f"/api/v1/project-access/{access_id(project, viewer)}/"
    body = assert_error(api_as(world.manager).patch(url, {"role": "boss"}, format="json"), 400)
    assert "role" in body["details"]
    assert_error(api_as(world.member).patch(url, {"role": "approver"}, format="json"), 403)
    # A role that may not is told so before its body is read.
    assert_error(api_as(world.member).patch(url, {"role": "boss"}, format="json"), 403)
    assert_error(api_as(viewer).patch(url, {"role": "approver"}, format="json"), 403)
    assert_error(api_as(world.outsider).patch(url, {"role": "approver"}, format="json"), 404)
    assert_error(api_as(world.manager).patch("/api/v1/project-access/987654/", {}), 404)
    assert ProjectAccess.objects.get(project=project, user=viewer).role == "viewer"


def test_the_last_approver_of_a_proposed_project_stays(world, project, api_as):
    services.plan_propose(project=project, actor=world.manager)
    url = f"/api/v1/project-access/{access_id(project, world.contact)}/"
    body = assert_error(
        api_as(world.owner).patch(url, {"role": "viewer"}, format="json"), 409, "last_approver"
    )
    assert "approver" in body["message"]
    assert_error(api_as(world.owner).delete(url), 409, "last_approver")
    assert ProjectAccess.objects.filter(project=project, user=world.contact).exists()


def test_a_removed_viewer_loses_the_project_its_invoices_and_calendar_at_once(
    world, project, viewer, api_as
):
    first = project.milestones.order_by("position").first()
    services.milestone_update(milestone=first, actor=world.manager, billing_trigger="on_start")
    services.plan_propose(project=project, actor=world.manager)
    services.plan_accept(project=project, actor=fresh(world.contact))
    first = Milestone.objects.select_related("project").get(pk=first.pk)
    reviews.milestone_start(milestone=first, actor=world.member)  # issues the prepayment invoice
    assert api_as(viewer).get(f"/api/v1/projects/{project.pk}/").status_code == 200
    [invoice] = api_as(viewer).get("/api/v1/invoices/").json()["results"]
    assert b"Discovery" in calendar.feed(fresh(viewer))

    response = api_as(world.manager).delete(f"/api/v1/project-access/{access_id(project, viewer)}/")
    assert response.status_code == 204

    gone = fresh(viewer)
    assert_error(api_as(gone).get(f"/api/v1/projects/{project.pk}/"), 404)
    assert_error(api_as(gone).get(f"/api/v1/milestones/{first.pk}/"), 404)
    assert api_as(gone).get("/api/v1/projects/").json()["results"] == []
    assert api_as(gone).get("/api/v1/invoices/").json()["results"] == []
    assert_error(api_as(gone).get(f"/api/v1/invoices/{invoice['id']}/"), 404)
    assert b"Discovery" not in calendar.feed(gone)


def test_remove_a_contact(world, project, viewer, api_as):
    contact = Contact.objects.get(client=world.client, user=viewer)
    assert_error(api_as(world.member).delete(f"/api/v1/contacts/{contact.pk}/"), 403)
    assert_error(api_as(world.outsider).delete(f"/api/v1/contacts/{contact.pk}/"), 404)
    assert_error(api_as(viewer).delete(f"/api/v1/contacts/{contact.pk}/"), 404)
    response = api_as(world.manager).delete(f"/api/v1/contacts/{contact.pk}/")
    assert response.status_code == 204
    assert not Contact.objects.filter(pk=contact.pk).exists()
    assert not ProjectAccess.objects.filter(user=viewer).exists()
    client = api_as(world.manager).get(f"/api/v1/clients/{world.client.pk}/").json()
    assert viewer.email not in {c["email"] for c in client["contacts"]}


def test_the_only_approver_of_an_active_project_is_not_removed(world, project, api_as):
    services.plan_propose(project=project, actor=world.manager)
    services.plan_accept(project=project, actor=fresh(world.contact))
    contact = Contact.objects.get(client=world.client, user=world.contact)
    body = assert_error(
        api_as(world.owner).delete(f"/api/v1/contacts/{contact.pk}/"), 409, "last_approver"
    )
    assert body["details"]["projects"] == [{"id": project.pk, "name": project.name}]
    assert Contact.objects.filter(pk=contact.pk).exists()


def test_resend_and_revoke(world, api_as):
    contact = accounts.contact_invite(
        client=world.client, email="dana@example.com", actor=world.manager
    )
    listed = api_as(world.manager).get(f"/api/v1/clients/{world.client.pk}/").json()
    [row] = [c for c in listed["contacts"] if c["email"] == "dana@example.com"]
    assert row["invitation"]["state"] == "pending"
    pk = row["invitation"]["id"]
    assert Invitation.objects.get(pk=pk).user == contact.user

    assert_error(api_as(world.member).post(f"/api/v1/invitations/{pk}/resend/"), 403)
    assert_error(api_as(world.outsider).post(f"/api/v1/invitations/{pk}/resend/"), 404)
    assert_error(api_as(world.contact).post(f"/api/v1/invitations/{pk}/revoke/"), 404)
    resent = api_as(world.manager).post(f"/api/v1/invitations/{pk}/resend/")
    assert resent.status_code == 200 and resent.json()["state"] == "pending"

    revoked = api_as(world.manager).post(f"/api/v1/invitations/{pk}/revoke/")
    assert revoked.status_code == 200 and revoked.json()["state"] == "revoked"
    assert_error(
        api_as(world.manager).post(f"/api/v1/invitations/{pk}/revoke/"), 409, "state_conflict"
    )
    Invitation.objects.filter(pk=pk).update(revoked_at=None, used_at="2026-01-01T00:00Z")
    assert_error(
        api_as(world.manager).post(f"/api/v1/invitations/{pk}/resend/"), 409, "invitation_used"
    )


def test_another_agency_s_ids_are_not_found(world, api_as):
    """The outsider's own client, contact and invitation: the world's owner sees none of them."""
    theirs = ClientFactory(organisation=world.other_organisation, name="Theirs")
    contact = accounts.contact_invite(client=theirs, email="t@example.com", actor=world.outsider)
    invitation = Invitation.objects.get(user=contact.user)
    owner = api_as(world.owner)
    assert_error(owner.delete(f"/api/v1/contacts/{contact.pk}/"), 404)
    assert_error(owner.post(f"/api/v1/invitations/{invitation.pk}/resend/"), 404)
    assert_error(owner.post(f"/api/v1/invitations/{invitation.pk}/revoke/"), 404)
    assert Contact.objects.filter(pk=contact.pk).exists()
    invitation.refresh_from_db()
    assert invitation.revoked_at is None

"""The pages for people: accepting an invitation signs in, refusals are said beside the action,
and what was asked is confirmed first."""

import pytest
from django.core import mail

from milepost.accounts import services as accounts
from milepost.accounts.models import Contact, Invitation
from milepost.plans import services
from milepost.plans.models import ProjectAccess

from ..accounts.helpers import token_from_mail
from ..plans.conftest import fresh, milestone_items

pytestmark = pytest.mark.django_db

STRONG = "plum-lantern-orbit-42"


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
    services.plan_propose(project=project, actor=world.manager)
    return project


def accept(client, token):
    return client.post(
        f"/invitation/{token}/", {"password1": STRONG, "password2": STRONG}, follow=False
    )


def test_accepting_a_project_invitation_signs_in_on_that_project(
    world, project, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.project_access_grant(
            project=project, email="dana@example.com", role="viewer", actor=world.manager
        )
    response = accept(client, token_from_mail(mail.outbox[-1]))
    assert response.status_code == 302
    assert response["Location"] == f"/projects/{project.pk}/"
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert page.wsgi_request.user.email == "dana@example.com"
    assert "You are a viewer" in page.content.decode()


def test_accepting_without_a_shared_project_lands_on_the_dashboard(
    world, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        accounts.contact_invite(client=world.client, email="eve@example.com", actor=world.owner)
    response = accept(client, token_from_mail(mail.outbox[-1]))
    assert response["Location"] == "/"
    assert client.get("/").wsgi_request.user.email == "eve@example.com"


def test_a_refused_removal_says_why_beside_the_button_and_keeps_the_access(world, project, client):
    client.force_login(world.manager)
    access = ProjectAccess.objects.get(project=project, user=world.contact)
    url = f"/projects/{project.pk}/access/{access.pk}/remove/"
    page = client.get(url)
    assert "Remove access" in page.content.decode()
    response = client.post(url)
    assert response.status_code == 409
    assert "needs at least one approver" in response.content.decode()
    assert ProjectAccess.objects.filter(pk=access.pk).exists()


def test_a_refused_role_change_is_said_on_the_project_page(world, project, client):
    client.force_login(world.manager)
    access = ProjectAccess.objects.get(project=project, user=world.contact)
    response = client.post(
        f"/projects/{project.pk}/access/{access.pk}/role/", {"role": "viewer"}, follow=True
    )
    assert "needs at least one approver" in response.content.decode()
    assert ProjectAccess.objects.get(pk=access.pk).role == "approver"


def test_the_contact_page_explains_who_cannot_be_removed_yet(world, project, client):
    services.plan_accept(project=project, actor=fresh(world.contact))
    contact = Contact.objects.get(client=world.client, user=world.contact)
    client.force_login(world.manager)
    page = client.get(f"/clients/{world.client.pk}/contacts/{contact.pk}/remove/")
    body = page.content.decode()
    assert "only approver of" in body and project.name in body
    assert "Remove contact</button>" not in body


def test_the_client_page_lists_pending_and_revoked_invitations(world, client):
    contact = accounts.contact_invite(
        client=world.client, email="pending@example.com", actor=world.owner
    )
    revoked = accounts.contact_invite(
        client=world.client, email="revoked@example.com", actor=world.owner
    )
    accounts.invitation_revoke(
        invitation=Invitation.objects.get(user=revoked.user), actor=world.owner
    )
    client.force_login(world.manager)
    body = client.get(f"/clients/{world.client.pk}/").content.decode()
    assert f"contact-{contact.pk}" in body
    assert "Invitation pending" in body and "Invitation revoked" in body
    assert "Signed up" in body  # the world's contact


def test_resend_goes_back_only_to_a_local_page(world, client):
    contact = accounts.contact_invite(
        client=world.client, email="pending@example.com", actor=world.owner
    )
    invitation = Invitation.objects.get(user=contact.user)
    client.force_login(world.manager)
    response = client.post(
        f"/invitations/{invitation.pk}/resend/", {"next": "https://evil.example/"}
    )
    assert response["Location"] == f"/clients/{world.client.pk}/"

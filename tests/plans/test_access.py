"""Project access after it is given: changing the role, removing it, removing a client contact.

The client keeps an approver while a project is proposed, active or on hold; access goes at
once; every change is audited and a refused one changes nothing.
"""

import pytest

from milepost.accounts import services as accounts
from milepost.accounts.models import Contact, Invitation
from milepost.audit.actions import AuditAction
from milepost.audit.models import AuditEvent
from milepost.core.errors import InvalidInput, NotAllowed, NotFound, RuleViolation
from milepost.plans import permissions, selectors, services
from milepost.plans.lifecycle.project import NEEDS_APPROVER, ProjectStatus, approver_refusal
from milepost.plans.models import Project, ProjectAccess

from ..factories import ClientFactory, ContactFactory
from .conftest import fresh

pytestmark = pytest.mark.django_db


def access_of(project, user) -> ProjectAccess:
    return ProjectAccess.objects.select_related("project", "user").get(project=project, user=user)


def set_status(project, status) -> Project:
    Project.objects.filter(pk=project.pk).update(status=status)
    project.refresh_from_db()
    return project


@pytest.fixture
def proposed(world, project, approver, viewer):
    services.plan_propose(project=project, actor=world.manager)
    project.refresh_from_db()
    return project


# --- the rule, as a pure function ----------------------------------------------------------------


@pytest.mark.parametrize("status", list(ProjectStatus))
def test_the_last_approver_rule_holds_in_exactly_the_states_that_need_one(status):
    refused = approver_refusal(status, 0)
    assert (refused is not None) == (status in NEEDS_APPROVER)
    assert approver_refusal(status, 1) is None
    if refused:
        assert refused.code == "last_approver"
        assert ProjectStatus(status).label.lower() in refused.message


def test_the_last_approver_rule_reads_well_in_every_state():
    """Not "A active project needs …"."""
    assert approver_refusal(ProjectStatus.ACTIVE, 0).message == (
        "The project is active: it needs at least one approver on the client's side. "
        "Make someone else approver first."
    )
    assert approver_refusal(ProjectStatus.ON_HOLD, 0).message.startswith("The project is on hold:")


# --- changing the role ---------------------------------------------------------------------------


def test_a_viewer_becomes_an_approver_at_once_and_it_is_audited(world, proposed, viewer):
    assert not permissions.is_approver(viewer, proposed)
    access = services.project_access_change(
        access=access_of(proposed, viewer), role="approver", actor=world.manager
    )
    assert access.role == "approver"
    assert permissions.is_approver(fresh(viewer), proposed)
    event = AuditEvent.objects.filter(action=AuditAction.PROJECT_ACCESS_CHANGED).get()
    assert event.data["before"] == {"role": "viewer"}
    assert event.data["after"] == {"role": "approver"}
    assert event.data["email"] == viewer.email
    assert event.project_id == proposed.pk


def test_the_same_role_again_changes_and_audits_nothing(world, proposed, viewer):
    services.project_access_change(
        access=access_of(proposed, viewer), role="viewer", actor=world.manager
    )
    assert not AuditEvent.objects.filter(action=AuditAction.PROJECT_ACCESS_CHANGED).exists()


def test_the_last_approver_of_a_proposed_project_cannot_become_a_viewer(
    world, proposed, approver, row_counts
):
    before = row_counts()
    with pytest.raises(RuleViolation) as error:
        services.project_access_change(
            access=access_of(proposed, approver), role="viewer", actor=world.owner
        )
    assert error.value.code == "last_approver"
    assert row_counts() == before
    assert access_of(proposed, approver).role == "approver"


def test_with_a_second_approver_the_first_can_step_down(world, proposed, approver, viewer):
    services.project_access_change(
        access=access_of(proposed, viewer), role="approver", actor=world.manager
    )
    services.project_access_change(
        access=access_of(proposed, approver), role="viewer", actor=world.manager
    )
    assert access_of(proposed, approver).role == "viewer"


@pytest.mark.parametrize("status", [ProjectStatus.DRAFT, ProjectStatus.COMPLETED])
def test_outside_those_states_the_last_approver_may_go(world, project, approver, status):
    set_status(project, status)
    services.project_access_change(
        access=access_of(project, approver), role="viewer", actor=world.manager
    )
    assert access_of(project, approver).role == "viewer"


def test_granting_again_with_another_role_obeys_the_same_rule(world, proposed, approver):
    """The grant form is a second way to change a role: it cannot demote the last approver."""
    with pytest.raises(RuleViolation) as error:
        services.project_access_grant(
            project=proposed, email=approver.email, role="viewer", actor=world.manager
        )
    assert error.value.code == "last_approver"
    assert access_of(proposed, approver).role == "approver"


def test_a_member_of_the_agency_is_never_given_the_client_s_access(world, proposed, row_counts):
    """Made a contact through the grant form, a member could approve the team's own work."""
    before = row_counts()
    with pytest.raises(InvalidInput) as error:
        services.project_access_grant(
            project=proposed, email=world.member.email.upper(), role="approver", actor=world.owner
        )
    assert list(error.value.details) == ["email"]
    assert not Contact.objects.filter(user=world.member).exists()
    assert not permissions.is_approver(fresh(world.member), proposed)
    assert row_counts() == before


def test_change_refusals(world, proposed, viewer, row_counts):
    access = access_of(proposed, viewer)
    before = row_counts()
    with pytest.raises(InvalidInput) as error:
        services.project_access_change(access=access, role="owner", actor=world.manager)
    assert "role" in error.value.details
    with pytest.raises(NotAllowed):
        services.project_access_change(access=access, role="approver", actor=world.member)
    with pytest.raises(NotAllowed):
        services.project_access_change(access=access, role="approver", actor=fresh(viewer))
    with pytest.raises(NotFound):
        services.project_access_change(access=access, role="approver", actor=world.outsider)
    assert row_counts() == before


def test_an_access_removed_meanwhile_is_not_found(world, proposed, viewer):
    access = access_of(proposed, viewer)
    ProjectAccess.objects.filter(pk=access.pk).delete()
    with pytest.raises(NotFound):
        services.project_access_change(access=access, role="approver", actor=world.manager)
    with pytest.raises(NotFound):
        services.project_access_remove(access=access, actor=world.manager)


# --- removing access -----------------------------------------------------------------------------


def test_removed_access_is_gone_at_once(world, proposed, viewer):
    assert permissions.can_view_project(fresh(viewer), proposed)
    services.project_access_remove(access=access_of(proposed, viewer), actor=world.manager)
    assert not ProjectAccess.objects.filter(project=proposed, user=viewer).exists()
    with pytest.raises(NotFound):
        selectors.project_get(fresh(viewer), proposed.pk)
    assert list(selectors.projects_visible_to(fresh(viewer))) == []
    event = AuditEvent.objects.get(action=AuditAction.PROJECT_ACCESS_REMOVED)
    assert event.data["before"] == {"role": "viewer"}
    assert event.data["after"] == {"role": None}
    # Still a contact of the client: only this project's access went.
    assert Contact.objects.filter(client=world.client, user=viewer).exists()


def test_the_last_approver_cannot_be_removed_from_an_active_project(
    world, proposed, approver, row_counts
):
    services.plan_accept(project=proposed, actor=approver)
    before = row_counts()
    with pytest.raises(RuleViolation) as error:
        services.project_access_remove(access=access_of(proposed, approver), actor=world.owner)
    assert error.value.code == "last_approver"
    assert "active" in error.value.message
    assert row_counts() == before


def test_removal_refusals(world, proposed, viewer, row_counts):
    access = access_of(proposed, viewer)
    before = row_counts()
    with pytest.raises(NotAllowed):
        services.project_access_remove(access=access, actor=world.member)
    with pytest.raises(NotFound):
        services.project_access_remove(access=access, actor=world.outsider)
    assert row_counts() == before


# --- removing a contact from the client ----------------------------------------------------------


def test_removing_a_contact_takes_their_access_to_every_project_of_the_client(
    world, make_project, proposed, viewer
):
    second = make_project(name="Second shop")
    services.project_access_grant(
        project=second, email=viewer.email, role="approver", actor=world.manager
    )
    # Another client's project, shared with the same person, stays.
    other_client = ClientFactory(organisation=world.organisation, name="Other client")
    ContactFactory(client=other_client, user=viewer)
    elsewhere = make_project(name="Elsewhere", client=other_client)
    services.project_access_grant(
        project=elsewhere, email=viewer.email, role="viewer", actor=world.manager
    )
    contact = Contact.objects.get(client=world.client, user=viewer)

    services.contact_remove(contact=contact, actor=world.manager)

    assert not Contact.objects.filter(pk=contact.pk).exists()
    assert set(ProjectAccess.objects.filter(user=viewer).values_list("project", flat=True)) == {
        elsewhere.pk
    }
    removed = AuditEvent.objects.filter(action=AuditAction.PROJECT_ACCESS_REMOVED)
    assert {e.project_id for e in removed} == {proposed.pk, second.pk}
    event = AuditEvent.objects.get(action=AuditAction.CONTACT_REMOVED)
    assert sorted(event.data["projects"]) == ["Acme webshop", "Second shop"]
    assert event.data["before"]["email"] == viewer.email


def test_a_removed_contact_s_unused_invitation_stops_working(world):
    contact = accounts.contact_invite(
        client=world.client, email="late@example.com", actor=world.manager
    )
    invitation = Invitation.objects.get(user=contact.user)
    services.contact_remove(contact=contact, actor=world.manager)
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert (
        AuditEvent.objects.get(action=AuditAction.CONTACT_REMOVED).data["invitations_revoked"] == 1
    )


def test_the_only_approver_of_an_active_project_is_not_removed_and_the_project_is_named(
    world, proposed, approver, row_counts
):
    services.plan_accept(project=proposed, actor=approver)
    contact = Contact.objects.get(client=world.client, user=approver)
    assert services.sole_approver_projects(contact) == [proposed]
    before = row_counts()
    with pytest.raises(RuleViolation) as error:
        services.contact_remove(contact=contact, actor=world.manager)
    assert error.value.code == "last_approver"
    assert proposed.name in error.value.message
    assert error.value.details["projects"] == [{"id": proposed.pk, "name": proposed.name}]
    assert row_counts() == before
    assert Contact.objects.filter(pk=contact.pk).exists()


def test_contact_removal_refusals(world, proposed, viewer, row_counts):
    contact = Contact.objects.get(client=world.client, user=viewer)
    before = row_counts()
    with pytest.raises(NotAllowed):
        services.contact_remove(contact=contact, actor=world.member)
    with pytest.raises(NotFound):
        services.contact_remove(contact=contact, actor=world.outsider)
    with pytest.raises(NotFound):
        services.contact_remove(contact=contact, actor=fresh(viewer))
    assert row_counts() == before


def test_the_access_list_says_who_has_not_accepted_yet(world, project, approver):
    services.project_access_grant(
        project=project, email="pending@example.com", role="viewer", actor=world.manager
    )
    rows = {a.user.email: a for a in selectors.project_access_list(project)}
    assert rows[approver.email].invitation is None  # the factory's contact has a password
    assert rows["pending@example.com"].invitation.state == "pending"

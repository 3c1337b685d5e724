"""Pending invitations: sent again with a new link (the old one stops at once), or revoked."""

import datetime as dt

import pytest
from django.core import mail

from milepost.accounts import services
from milepost.accounts.models import Invitation, Role
from milepost.audit.actions import AuditAction
from milepost.audit.models import AuditEvent
from milepost.core import clock
from milepost.core.errors import NotAllowed, NotFound, RuleViolation
from milepost.mail.models import OutgoingEmail

from .helpers import token_from_mail

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
STRONG = "plum-lantern-orbit-42"


@pytest.fixture
def invited(world, on_commit):
    """A new client contact invited at T0: (their invitation, the raw token from the email)."""
    with clock.frozen(T0), on_commit():
        contact = services.contact_invite(
            client=world.client, email="dana@example.com", name="Dana", actor=world.manager
        )
    [message] = mail.outbox
    mail.outbox.clear()
    return Invitation.objects.get(user=contact.user), token_from_mail(message)


def test_resend_emails_a_new_link_and_the_old_one_stops_at_once(world, invited, on_commit):
    invitation, old = invited
    later = T0 + dt.timedelta(days=6)
    with clock.frozen(later), on_commit():
        services.invitation_resend(invitation=invitation, actor=world.owner)
        # Even before the email has left, the old link is dead.
        with pytest.raises(NotFound):
            services.invitation_lookup(old)
    [message] = mail.outbox
    new = token_from_mail(message)
    assert new != old
    with clock.frozen(later + dt.timedelta(days=6)):  # seven days from the new email
        assert services.invitation_lookup(new).pk == invitation.pk
        services.invitation_accept(raw_token=new, password=STRONG)
    event = AuditEvent.objects.get(action=AuditAction.INVITATION_RESENT)
    assert (event.actor_id, event.data["email"]) == (world.owner.pk, "dana@example.com")


def test_an_expired_invitation_can_be_sent_again(world, invited, on_commit):
    invitation, _old = invited
    with clock.frozen(T0 + dt.timedelta(days=30)):
        assert invitation.state == "expired"
        with on_commit():
            services.invitation_resend(invitation=invitation, actor=world.manager)
        [message] = mail.outbox
        assert services.invitation_lookup(token_from_mail(message)).state == "pending"


def test_revoke_stops_the_link_and_is_audited(world, invited, on_commit):
    invitation, raw = invited
    with clock.frozen(T0 + dt.timedelta(hours=1)):
        services.invitation_revoke(invitation=invitation, actor=world.manager)
        with pytest.raises(NotFound) as error:
            services.invitation_lookup(raw)
        assert error.value.code == "invitation_invalid"
        invitation.refresh_from_db()
        assert invitation.state == "revoked"
        with pytest.raises(RuleViolation) as again:
            services.invitation_revoke(invitation=invitation, actor=world.manager)
        assert again.value.code == "state_conflict"
    event = AuditEvent.objects.get(action=AuditAction.INVITATION_REVOKED)
    assert event.data == {"email": "dana@example.com", "after": {"state": "revoked"}}


def test_an_email_still_waiting_for_a_revoked_invitation_is_never_sent(world, on_commit, settings):
    from milepost.notify.delivery import send_one

    contact = services.contact_invite(
        client=world.client, email="waiting@example.com", actor=world.manager
    )  # no on_commit: the email waits in the outbox
    invitation = Invitation.objects.get(user=contact.user)
    services.invitation_revoke(invitation=invitation, actor=world.manager)
    email = OutgoingEmail.objects.get(invitation=invitation)
    send_one(email.pk)
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.FAILED
    assert "revoked" in email.last_error
    assert mail.outbox == []


def test_a_revoked_invitation_sent_again_works_with_the_new_link_only(world, invited, on_commit):
    invitation, old = invited
    services.invitation_revoke(invitation=invitation, actor=world.manager)
    with on_commit():
        services.invitation_resend(invitation=invitation, actor=world.manager)
    [message] = mail.outbox
    with pytest.raises(NotFound):
        services.invitation_lookup(old)
    user = services.invitation_accept(raw_token=token_from_mail(message), password=STRONG)
    assert user.check_password(STRONG)


def test_an_accepted_invitation_is_neither_resent_nor_revoked(world, invited):
    invitation, raw = invited
    with clock.frozen(T0):
        services.invitation_accept(raw_token=raw, password=STRONG)
    for service in (services.invitation_resend, services.invitation_revoke):
        with pytest.raises(RuleViolation) as error:
            service(invitation=invitation, actor=world.manager)
        assert error.value.code == "invitation_used"


def test_who_may_resend_and_revoke(world, invited, row_counts):
    invitation, _raw = invited
    before = row_counts()
    for service in (services.invitation_resend, services.invitation_revoke):
        with pytest.raises(NotAllowed):
            service(invitation=invitation, actor=world.member)
        with pytest.raises(NotFound):
            service(invitation=invitation, actor=world.outsider)
        with pytest.raises(NotFound):
            service(invitation=invitation, actor=world.contact)
    assert row_counts() == before


def test_a_member_s_invitation_is_the_owners_to_manage(world, on_commit):
    with on_commit():
        membership = services.member_invite(
            organisation=world.organisation,
            email="colleague@example.com",
            role=Role.MEMBER,
            actor=world.owner,
        )
    invitation = Invitation.objects.get(user=membership.user)
    with pytest.raises(NotAllowed):
        services.invitation_revoke(invitation=invitation, actor=world.manager)
    services.invitation_revoke(invitation=invitation, actor=world.owner)


def test_someone_no_longer_a_contact_is_not_invited_again(world, invited):
    invitation, _raw = invited
    invitation.user.contacts.all().delete()
    with pytest.raises(RuleViolation) as error:
        services.invitation_resend(invitation=invitation, actor=world.manager)
    assert error.value.code == "state_conflict"

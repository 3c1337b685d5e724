"""Invitation links: looked up by raw token, usable once, for seven days, with a strong password."""

import datetime as dt

import pytest
from django.core import mail

from milepost.accounts import services
from milepost.accounts.models import Invitation, Role, User
from milepost.audit.actions import AuditAction
from milepost.audit.models import AuditEvent
from milepost.core import clock
from milepost.core.errors import InvalidInput, NotFound, RuleViolation

from ..factories import ClientFactory
from .helpers import token_from_mail

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
STRONG = "plum-lantern-orbit-42"


@pytest.fixture
def invited(world, on_commit):
    """A new manager invited at T0; returns (user, raw token from the email)."""
    with clock.frozen(T0), on_commit():
        membership = services.member_invite(
            organisation=world.organisation,
            email="newbie@example.com",
            name="Nina Newbie",
            role=Role.MANAGER,
            actor=world.owner,
        )
    [message] = mail.outbox
    return membership.user, token_from_mail(message)


def test_lookup_finds_the_invitation_by_its_raw_token(invited):
    user, raw = invited
    with clock.frozen(T0 + dt.timedelta(days=1)):
        invitation = services.invitation_lookup(raw)
    assert invitation.user == user
    assert invitation.used_at is None


def test_accept_sets_the_password_and_uses_the_link(world, invited):
    user, raw = invited
    accepted_at = T0 + dt.timedelta(days=2)
    with clock.frozen(accepted_at):
        returned = services.invitation_accept(raw_token=raw, password=STRONG)

    assert returned == user
    user.refresh_from_db()
    assert user.check_password(STRONG)
    invitation = Invitation.objects.get(user=user)
    assert invitation.used_at == accepted_at
    event = AuditEvent.objects.get(action=AuditAction.INVITATION_ACCEPTED)
    assert (event.organisation, event.actor_id) == (world.organisation, user.pk)
    assert event.target_id == str(invitation.pk)


def test_a_link_works_only_once(invited):
    user, raw = invited
    with clock.frozen(T0 + dt.timedelta(hours=1)):
        services.invitation_accept(raw_token=raw, password=STRONG)
        with pytest.raises(RuleViolation) as exc:
            services.invitation_accept(raw_token=raw, password="another-" + STRONG)
        assert exc.value.code == "invitation_used"
        with pytest.raises(RuleViolation) as lookup:
            services.invitation_lookup(raw)
        assert lookup.value.code == "invitation_used"
    user.refresh_from_db()
    assert user.check_password(STRONG)  # the second attempt changed nothing
    assert AuditEvent.objects.filter(action=AuditAction.INVITATION_ACCEPTED).count() == 1


def test_a_link_works_until_just_before_seven_days(invited):
    user, raw = invited
    with clock.frozen(T0 + dt.timedelta(days=7) - dt.timedelta(seconds=1)):
        services.invitation_accept(raw_token=raw, password=STRONG)
    user.refresh_from_db()
    assert user.check_password(STRONG)


@pytest.mark.parametrize("after", [dt.timedelta(days=7), dt.timedelta(days=7, seconds=1)])
def test_a_link_expires_after_seven_days(invited, after):
    user, raw = invited
    with clock.frozen(T0 + after):
        with pytest.raises(RuleViolation) as lookup:
            services.invitation_lookup(raw)
        with pytest.raises(RuleViolation) as accept:
            services.invitation_accept(raw_token=raw, password=STRONG)
    assert lookup.value.code == accept.value.code == "invitation_expired"
    assert lookup.value.status == 409
    user.refresh_from_db()
    assert not user.has_usable_password()
    assert Invitation.objects.get(user=user).used_at is None
    assert not AuditEvent.objects.filter(action=AuditAction.INVITATION_ACCEPTED).exists()


@pytest.mark.parametrize("raw", ["", "nonsense", "x" * 43])
def test_an_unknown_token_is_not_found(invited, raw):
    with pytest.raises(NotFound):
        services.invitation_lookup(raw)
    with pytest.raises(NotFound):
        services.invitation_accept(raw_token=raw, password=STRONG)


def test_the_stored_hash_is_not_a_token(invited):
    user, _raw = invited
    stored_hash = Invitation.objects.get(user=user).token_hash
    with pytest.raises(NotFound):
        services.invitation_lookup(stored_hash)


@pytest.mark.parametrize(
    "password",
    ["short", "12345678901234", "password123", "newbie@example.com", "qwertyuiop", ""],
)
def test_a_weak_password_is_refused_and_the_link_stays_usable(invited, password):
    user, raw = invited
    with clock.frozen(T0 + dt.timedelta(hours=1)):
        with pytest.raises(InvalidInput) as exc:
            services.invitation_accept(raw_token=raw, password=password)
        assert list(exc.value.details) == ["password"]
        assert exc.value.details["password"]
        user.refresh_from_db()
        assert not user.has_usable_password()
        assert Invitation.objects.get(user=user).used_at is None
        # The person can try again with a good password.
        services.invitation_accept(raw_token=raw, password=STRONG)
    user.refresh_from_db()
    assert user.check_password(STRONG)


def test_a_contact_invitation_is_accepted_the_same_way(world, on_commit):
    with on_commit():
        contact = services.contact_invite(
            client=world.client, email="approver@acme.example", actor=world.owner
        )
    raw = token_from_mail(mail.outbox[0])
    user = services.invitation_accept(raw_token=raw, password=STRONG)
    assert user == contact.user
    assert User.objects.get(pk=user.pk).check_password(STRONG)


def test_setting_a_password_retires_every_other_invitation_link(world, invited, on_commit):
    """A second, older link must not be able to reset the password once it is set."""
    user, first = invited
    # A second organisation invites the same person as its client's contact.
    other_client = ClientFactory(organisation=world.other_organisation)
    with clock.frozen(T0), on_commit():
        services.contact_invite(client=other_client, email=user.email, actor=world.outsider)
    second = token_from_mail(mail.outbox[-1])
    assert second != first
    with clock.frozen(T0 + dt.timedelta(hours=1)):
        services.invitation_accept(raw_token=second, password=STRONG)
        with pytest.raises(RuleViolation) as exc:
            services.invitation_accept(raw_token=first, password="another-" + STRONG)
    assert exc.value.code == "invitation_used"
    user.refresh_from_db()
    assert user.check_password(STRONG)
    assert not Invitation.objects.filter(user=user, used_at__isnull=True).exists()


def test_a_password_close_to_the_users_name_is_refused(world, invited):
    _user, raw = invited  # Nina Newbie
    with clock.frozen(T0), pytest.raises(InvalidInput) as exc:
        services.invitation_accept(raw_token=raw, password="ninanewbie")
    assert "password" in exc.value.details

"""Personal API tokens: stored as a hash, shown once, revocable."""

import datetime as dt

import pytest

from milepost.accounts import services
from milepost.accounts.models import ApiToken, hash_token
from milepost.audit.actions import AuditAction
from milepost.audit.models import AuditEvent
from milepost.core import clock
from milepost.core.errors import InvalidInput, NotFound, RuleViolation

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def test_create_stores_only_the_hash_and_returns_the_raw_token_once(world):
    token, raw = services.api_token_create(user=world.owner, name=" CI ", actor=world.owner)

    assert raw.startswith("mp_") and len(raw) > 40
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.name == "CI"
    assert stored.token_hash == hash_token(raw)
    assert stored.prefix == raw[:10]
    assert raw not in stored.token_hash
    assert not ApiToken.objects.filter(token_hash=raw).exists()
    assert stored.is_active
    event = AuditEvent.objects.get(action=AuditAction.API_TOKEN_CREATED)
    assert (event.organisation_id, event.chain) == (None, "users")
    assert event.data == {"after": {"name": "CI", "prefix": stored.prefix}}
    assert raw not in str(event.data)


def test_each_token_is_different(world):
    _, first = services.api_token_create(user=world.owner, actor=world.owner)
    _, second = services.api_token_create(user=world.owner, actor=world.owner)
    assert first != second
    assert ApiToken.objects.filter(user=world.owner).count() == 2
    assert set(ApiToken.objects.values_list("name", flat=True)) == {"API token"}


def test_create_refuses_a_long_name(world):
    with pytest.raises(InvalidInput) as exc:
        services.api_token_create(user=world.owner, name="n" * 101, actor=world.owner)
    assert list(exc.value.details) == ["name"]
    assert not ApiToken.objects.exists()


def test_nobody_creates_a_token_for_someone_else(world):
    with pytest.raises(NotFound):
        services.api_token_create(user=world.member, actor=world.owner)
    assert not ApiToken.objects.exists()


def test_authenticate_returns_the_owner_and_notes_the_use(world):
    token, raw = services.api_token_create(user=world.member, actor=world.member)
    with clock.frozen(T0):
        assert services.api_token_authenticate(raw) == world.member
    token.refresh_from_db()
    assert token.last_used_at == T0
    # Uses within five minutes do not write again; later ones do.
    with clock.frozen(T0 + dt.timedelta(minutes=4)):
        services.api_token_authenticate(raw)
    token.refresh_from_db()
    assert token.last_used_at == T0
    with clock.frozen(T0 + dt.timedelta(minutes=6)):
        services.api_token_authenticate(raw)
    token.refresh_from_db()
    assert token.last_used_at == T0 + dt.timedelta(minutes=6)


@pytest.mark.parametrize("mangle", [str.upper, lambda raw: raw[:-1], lambda raw: raw + "x"])
def test_authenticate_refuses_a_near_miss(world, mangle):
    _, raw = services.api_token_create(user=world.member, actor=world.member)
    assert services.api_token_authenticate(mangle(raw)) is None


def test_authenticate_refuses_the_stored_hash_itself(world):
    token, _ = services.api_token_create(user=world.member, actor=world.member)
    assert services.api_token_authenticate(token.token_hash) is None


def test_authenticate_refuses_a_deactivated_user(world):
    _, raw = services.api_token_create(user=world.member, actor=world.member)
    world.member.is_active = False
    world.member.save(update_fields=["is_active"])
    assert services.api_token_authenticate(raw) is None


def test_a_revoked_token_no_longer_authenticates(world):
    token, raw = services.api_token_create(user=world.owner, actor=world.owner)
    with clock.frozen(T0):
        revoked = services.api_token_revoke(token=token, actor=world.owner)
    assert revoked.revoked_at == T0
    assert not revoked.is_active
    assert services.api_token_authenticate(raw) is None
    event = AuditEvent.objects.get(action=AuditAction.API_TOKEN_REVOKED)
    assert event.target_id == str(token.pk)
    assert event.data == {"before": {"name": token.name, "prefix": token.prefix}}


def test_revoking_twice_is_a_state_conflict(world):
    token, _ = services.api_token_create(user=world.owner, actor=world.owner)
    with clock.frozen(T0):
        services.api_token_revoke(token=token, actor=world.owner)
    with clock.frozen(T0 + dt.timedelta(days=1)), pytest.raises(RuleViolation) as exc:
        services.api_token_revoke(token=token, actor=world.owner)
    assert (exc.value.code, exc.value.status) == ("state_conflict", 409)
    token.refresh_from_db()
    assert token.revoked_at == T0  # the first revocation time is kept
    assert AuditEvent.objects.filter(action=AuditAction.API_TOKEN_REVOKED).count() == 1


@pytest.mark.parametrize("role", ["manager", "member", "contact", "outsider"])
def test_nobody_revokes_another_users_token(world, role):
    token, raw = services.api_token_create(user=world.owner, actor=world.owner)
    with pytest.raises(NotFound):
        services.api_token_revoke(token=token, actor=world.user(role))
    token.refresh_from_db()
    assert token.revoked_at is None
    assert services.api_token_authenticate(raw) == world.owner


def test_revoking_one_token_leaves_the_others_working(world):
    first, first_raw = services.api_token_create(user=world.owner, actor=world.owner)
    _, second_raw = services.api_token_create(user=world.owner, actor=world.owner)
    services.api_token_revoke(token=first, actor=world.owner)
    assert services.api_token_authenticate(first_raw) is None
    assert services.api_token_authenticate(second_raw) == world.owner

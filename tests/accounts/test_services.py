"""Account services: organisations, members, clients and contacts.

Each refusal is checked for its kind (400/403/404/409), its code or field, and for leaving every
table and the outbox exactly as they were.
"""

import datetime as dt

import pytest
from django.conf import settings
from django.core import mail

from milepost.accounts import permissions, services
from milepost.accounts.models import Client, Contact, Invitation, Membership, Role, User, hash_token
from milepost.audit.actions import AuditAction
from milepost.audit.models import AuditEvent
from milepost.audit.verify import verify_chains
from milepost.core import clock
from milepost.core.errors import InvalidInput, NotAllowed, NotFound, RuleViolation

from ..factories import ClientFactory, ContactFactory, MembershipFactory, UserFactory
from .helpers import token_from_mail

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def events(organisation, action=None):
    qs = AuditEvent.objects.filter(organisation=organisation).order_by("sequence")
    return list(qs.filter(action=action) if action else qs)


def fresh(user):
    """The same user without cached roles (as a new request would load it)."""
    return User.objects.get(pk=user.pk)


# --- organisation_create --------------------------------------------------------------------------


def test_organisation_create_makes_the_creator_owner_and_opens_its_chain():
    founder = UserFactory()
    organisation = services.organisation_create(name="  Bright Pixel  ", owner=founder)

    assert organisation.name == "Bright Pixel"
    membership = Membership.objects.get(organisation=organisation)
    assert (membership.user, membership.role) == (founder, Role.OWNER)
    assert permissions.role_in(founder, organisation) == Role.OWNER  # cache was refreshed
    [event] = events(organisation)
    assert event.action == AuditAction.ORGANISATION_CREATED
    assert (event.chain, event.sequence) == (f"org:{organisation.pk}", 1)
    assert event.actor_id == founder.pk
    assert event.data == {"after": {"name": "Bright Pixel", "owner": founder.email}}
    assert verify_chains().ok


def test_organisation_create_refuses_a_blank_name(row_counts):
    founder = UserFactory()
    before = row_counts()
    with pytest.raises(InvalidInput) as exc:
        services.organisation_create(name="   ", owner=founder)
    assert exc.value.status == 400
    assert "name" in exc.value.details
    assert row_counts() == before


# --- organisation_update ------------------------------------------------------------------------


def test_organisation_update_stores_bank_details_and_vat_id_compact(world):
    services.organisation_update(
        organisation=world.organisation,
        actor=world.owner,
        iban="de89 3704 0044 0532 0130 00",
        bic="coba de ff xxx",
        vat_id="de 123 456 788",
    )
    world.organisation.refresh_from_db()
    assert (world.organisation.iban, world.organisation.bic, world.organisation.vat_id) == (
        "DE89370400440532013000",
        "COBADEFFXXX",
        "DE123456788",
    )
    [event] = events(world.organisation, AuditAction.ORGANISATION_UPDATED)
    assert event.data["after"]["iban"] == "DE89370400440532013000"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"iban": "DE89370400440532013001"}, "iban"),
        ({"bic": "COBADEF"}, "bic"),
        ({"bic": "COBAXXFF"}, "bic"),
        ({"vat_id": "DE123456789"}, "vat_id"),
        ({"name": ""}, "name"),
        ({"name": "n" * 201}, "name"),
        ({"invoice_prefix": "PREFIX-TOO-LONG"}, "invoice_prefix"),
        ({"email": "not-an-address"}, "email"),
        ({"payment_terms_days": 366}, "payment_terms_days"),
        ({"tax_rate": "19.005"}, "tax_rate"),
        ({"country": "Germany"}, "country"),
        ({"website": "https://example.com"}, "website"),
    ],
)
def test_organisation_update_refuses_bad_input_and_changes_nothing(
    world, row_counts, fields, field
):
    before = row_counts()
    with pytest.raises(InvalidInput) as exc:
        services.organisation_update(organisation=world.organisation, actor=world.owner, **fields)
    assert list(exc.value.details) == [field]
    assert row_counts() == before


# --- member_invite ----------------------------------------------------------------------------


def test_member_invite_creates_a_passwordless_user_and_emails_a_one_time_link(world, on_commit):
    with clock.frozen(T0), on_commit():
        membership = services.member_invite(
            organisation=world.organisation,
            email="  New.Person@Example.COM ",
            name="New Person",
            role=Role.MANAGER,
            actor=world.owner,
        )

    user = membership.user
    assert user.email == "new.person@example.com"
    assert user.name == "New Person"
    assert not user.has_usable_password()
    assert (membership.organisation, membership.role) == (world.organisation, Role.MANAGER)

    invitation = Invitation.objects.get(user=user)
    assert invitation.organisation == world.organisation
    assert invitation.client is None
    assert invitation.invited_by == world.owner
    assert invitation.used_at is None
    assert invitation.expires_at == T0 + dt.timedelta(days=7)

    [message] = mail.outbox
    assert message.to == ["new.person@example.com"]
    assert world.organisation.name in message.subject
    raw = token_from_mail(message)
    assert f"{settings.SITE_URL}/invitation/{raw}/" in message.body
    assert invitation.token_hash == hash_token(raw)
    assert raw not in invitation.token_hash  # only the hash is stored

    [event] = events(world.organisation, AuditAction.MEMBER_INVITED)
    assert event.actor_id == world.owner.pk
    assert event.target_id == str(membership.pk)
    assert event.data["after"] == {
        "email": "new.person@example.com",
        "role": "manager",
        "new_user": True,
    }


def test_member_invite_of_an_existing_user_sends_a_login_link_and_no_invitation(world, on_commit):
    with on_commit():
        membership = services.member_invite(
            organisation=world.organisation,
            email=world.outsider.email.upper(),
            role=Role.MEMBER,
            actor=world.owner,
        )
    assert membership.user == world.outsider
    assert fresh(world.outsider).has_usable_password()
    assert not Invitation.objects.filter(user=world.outsider).exists()
    [message] = mail.outbox
    assert "/invitation/" not in message.body
    assert "/login/" in message.body
    [event] = events(world.organisation, AuditAction.MEMBER_INVITED)
    assert event.data["after"]["new_user"] is False


def test_member_invite_sends_no_email_before_the_transaction_commits(world):
    services.member_invite(
        organisation=world.organisation, email="later@example.com", role="member", actor=world.owner
    )
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("role", "error"),
    [
        ("manager", NotAllowed),
        ("member", NotAllowed),
        ("contact", NotFound),
        ("outsider", NotFound),
    ],
)
def test_only_an_owner_may_invite_members(world, row_counts, on_commit, role, error):
    before = row_counts()
    with on_commit() as callbacks, pytest.raises(error) as exc:
        services.member_invite(
            organisation=world.organisation,
            email="someone@example.com",
            role=Role.MEMBER,
            actor=world.user(role),
        )
    assert exc.value.status == (403 if error is NotAllowed else 404)
    assert row_counts() == before
    assert callbacks == []
    assert mail.outbox == []
    assert not User.objects.filter(email="someone@example.com").exists()


@pytest.mark.parametrize(
    ("email", "role", "field"),
    [
        ("not-an-email", Role.MEMBER, "email"),
        ("", Role.MEMBER, "email"),
        ("two@@example.com", Role.MEMBER, "email"),
        ("fresh@example.com", "admin", "role"),
        ("fresh@example.com", "", "role"),
        ("fresh@example.com", "OWNER", "role"),
    ],
)
def test_member_invite_refuses_bad_input_and_changes_nothing(
    world, row_counts, on_commit, email, role, field
):
    before = row_counts()
    with on_commit() as callbacks, pytest.raises(InvalidInput) as exc:
        services.member_invite(
            organisation=world.organisation, email=email, role=role, actor=world.owner
        )
    assert exc.value.status == 400
    assert list(exc.value.details) == [field]
    assert exc.value.details[field]
    assert row_counts() == before
    assert callbacks == []
    assert mail.outbox == []


@pytest.mark.parametrize("role", ["owner", "manager", "member"])
def test_member_invite_refuses_someone_already_in_the_organisation(
    world, row_counts, on_commit, role
):
    address = world.user(role).email.upper()
    before = row_counts()
    with on_commit() as callbacks, pytest.raises(InvalidInput) as exc:
        services.member_invite(
            organisation=world.organisation, email=address, role=Role.MEMBER, actor=world.owner
        )
    assert "email" in exc.value.details
    assert row_counts() == before
    assert callbacks == []
    assert Membership.objects.get(user=world.user(role)).role == role


# --- member_change_role / member_remove --------------------------------------------------------


def owner_membership(world):
    return Membership.objects.get(organisation=world.organisation, user=world.owner)


def test_the_last_owner_cannot_be_demoted(world, row_counts):
    before = row_counts()
    with pytest.raises(RuleViolation) as exc:
        services.member_change_role(
            membership=owner_membership(world), role=Role.MANAGER, actor=world.owner
        )
    assert (exc.value.code, exc.value.status) == ("last_owner", 409)
    assert owner_membership(world).role == Role.OWNER
    assert row_counts() == before


def test_the_last_owner_cannot_be_removed(world, row_counts):
    before = row_counts()
    with pytest.raises(RuleViolation) as exc:
        services.member_remove(membership=owner_membership(world), actor=world.owner)
    assert exc.value.code == "last_owner"
    assert Membership.objects.filter(user=world.owner, role=Role.OWNER).exists()
    assert row_counts() == before


def test_an_owner_may_step_down_once_there_is_another_owner(world):
    manager = Membership.objects.get(user=world.manager)
    services.member_change_role(membership=manager, role=Role.OWNER, actor=world.owner)
    services.member_change_role(
        membership=owner_membership(world), role=Role.MEMBER, actor=world.owner
    )

    assert owner_membership(world).role == Role.MEMBER
    changes = [e.data for e in events(world.organisation, AuditAction.MEMBER_ROLE_CHANGED)]
    assert changes == [
        {"email": world.manager.email, "before": {"role": "manager"}, "after": {"role": "owner"}},
        {"email": world.owner.email, "before": {"role": "owner"}, "after": {"role": "member"}},
    ]
    # Now the manager-turned-owner is the last owner and is protected in turn.
    with pytest.raises(RuleViolation) as exc:
        services.member_remove(
            membership=Membership.objects.get(user=world.manager), actor=world.manager
        )
    assert exc.value.code == "last_owner"


def test_changing_to_the_same_role_records_nothing(world):
    member = Membership.objects.get(user=world.member)
    services.member_change_role(membership=member, role=Role.MEMBER, actor=world.owner)
    assert events(world.organisation) == []


def test_member_change_role_refuses_an_unknown_role(world, row_counts):
    before = row_counts()
    with pytest.raises(InvalidInput) as exc:
        services.member_change_role(
            membership=Membership.objects.get(user=world.member), role="boss", actor=world.owner
        )
    assert list(exc.value.details) == ["role"]
    assert row_counts() == before


@pytest.mark.parametrize(
    ("role", "error"),
    [
        ("manager", NotAllowed),
        ("member", NotAllowed),
        ("contact", NotFound),
        ("outsider", NotFound),
    ],
)
def test_only_an_owner_may_change_roles_or_remove_members(world, row_counts, role, error):
    member = Membership.objects.get(user=world.member)
    before = row_counts()
    with pytest.raises(error):
        services.member_change_role(membership=member, role=Role.OWNER, actor=world.user(role))
    with pytest.raises(error):
        services.member_remove(membership=member, actor=world.user(role))
    assert Membership.objects.get(pk=member.pk).role == Role.MEMBER
    assert row_counts() == before


def test_member_remove_deletes_the_membership_and_records_who_it_was(world):
    member = Membership.objects.get(user=world.member)
    member_pk = member.pk
    services.member_remove(membership=member, actor=world.owner)

    assert not Membership.objects.filter(pk=member_pk).exists()
    assert User.objects.filter(pk=world.member.pk).exists()  # the person stays
    assert permissions.roles_of(fresh(world.member)) == {}
    [event] = events(world.organisation, AuditAction.MEMBER_REMOVED)
    assert event.target_id == str(member_pk)
    assert event.data == {"before": {"email": world.member.email, "role": "member"}}


def test_a_removed_member_can_no_longer_act(world):
    services.member_remove(membership=Membership.objects.get(user=world.member), actor=world.owner)
    manager = Membership.objects.get(user=world.manager)
    services.member_remove(membership=manager, actor=world.owner)
    with pytest.raises(NotFound):
        services.client_create(
            organisation=world.organisation, actor=fresh(world.manager), name="Too late"
        )


# --- client_create / client_update --------------------------------------------------------------


@pytest.mark.parametrize("role", ["owner", "manager"])
def test_owners_and_managers_create_clients(world, role):
    client = services.client_create(
        organisation=world.organisation,
        actor=world.user(role),
        name="  Globex  ",
        street=" 1 Main St ",
        postcode="",
        city="Springfield",
        vat_id=" DE123456788 ",
        country="fr",
    )
    client.refresh_from_db()
    assert (client.name, client.vat_id, client.country) == ("Globex", "DE123456788", "FR")
    assert client.address == "1 Main St\nSpringfield"
    assert client.organisation == world.organisation
    [event] = events(world.organisation, AuditAction.CLIENT_CREATED)
    assert event.actor_id == world.user(role).pk
    assert event.target_type == "accounts.client"
    assert event.target_id == str(client.pk)
    assert event.data == {
        "after": {
            "name": "Globex",
            "street": "1 Main St",
            "postcode": "",
            "city": "Springfield",
            "vat_id": "DE123456788",
            "country": "FR",
        }
    }


@pytest.mark.parametrize(
    ("role", "error"),
    [("member", NotAllowed), ("contact", NotFound), ("outsider", NotFound)],
)
def test_others_cannot_create_clients(world, row_counts, role, error):
    before = row_counts()
    with pytest.raises(error):
        services.client_create(organisation=world.organisation, actor=world.user(role), name="X")
    assert row_counts() == before


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": None}, "name"),
        ({}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": "Ok", "country": "XX"}, "country"),
        ({"name": "Ok", "country": "Germany"}, "country"),
        ({"name": "Ok", "country": "D"}, "country"),
        ({"name": "Ok", "vat_id": "V" * 41}, "vat_id"),
        ({"name": "Ok", "website": "https://example.com"}, "website"),
        ({"name": "Acme Shop"}, "name"),  # taken in this organisation
        ({"name": " Acme Shop "}, "name"),  # taken, once trimmed
    ],
)
def test_client_create_validates_and_changes_nothing(world, row_counts, fields, field):
    before = row_counts()
    with pytest.raises(InvalidInput) as exc:
        services.client_create(organisation=world.organisation, actor=world.owner, **fields)
    assert exc.value.status == 400
    assert field in exc.value.details
    assert row_counts() == before


@pytest.mark.parametrize("code", ["ZZ", "EU", "UN"])
def test_client_create_refuses_region_codes_that_are_not_countries(world, code):
    with pytest.raises(InvalidInput):
        services.client_create(
            organisation=world.organisation, actor=world.owner, name="Ok", country=code
        )


def test_client_create_reports_every_bad_field_at_once(world):
    with pytest.raises(InvalidInput) as exc:
        services.client_create(
            organisation=world.organisation, actor=world.owner, name="", country="Germany"
        )
    assert set(exc.value.details) == {"name", "country"}


def test_client_names_are_unique_per_organisation_only(world):
    theirs = services.client_create(
        organisation=world.other_organisation, actor=world.outsider, name="Acme Shop"
    )
    assert theirs.organisation == world.other_organisation
    assert Client.objects.filter(name="Acme Shop").count() == 2


def test_client_name_of_exactly_200_characters_is_fine(world):
    client = services.client_create(
        organisation=world.organisation, actor=world.owner, name="n" * 200, country=""
    )
    assert len(client.name) == 200
    assert client.country == ""


def test_client_update_records_only_what_changed(world):
    client = world.client  # Acme Shop, IE
    services.client_update(client=client, actor=world.manager, country="de", vat_id="DE123456788")

    client.refresh_from_db()
    assert (client.country, client.vat_id, client.name) == ("DE", "DE123456788", "Acme Shop")
    [event] = events(world.organisation, AuditAction.CLIENT_UPDATED)
    assert event.actor_id == world.manager.pk
    assert event.data == {
        "before": {"country": "IE", "vat_id": ""},
        "after": {"country": "DE", "vat_id": "DE123456788"},
    }


def test_client_update_without_a_change_records_nothing(world):
    services.client_update(client=world.client, actor=world.owner, name=" Acme Shop ", country="ie")
    assert events(world.organisation) == []


def test_client_update_may_keep_its_own_name_but_not_take_another(world, row_counts):
    ClientFactory(organisation=world.organisation, name="Globex")
    services.client_update(client=world.client, actor=world.owner, name="Acme Shop")
    before = row_counts()
    with pytest.raises(InvalidInput) as exc:
        services.client_update(client=world.client, actor=world.owner, name="Globex", vat_id="V")
    assert list(exc.value.details) == ["name"]
    assert row_counts() == before
    world.client.refresh_from_db()
    assert (world.client.name, world.client.vat_id) == ("Acme Shop", "")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "y" * 201}, "name"),
        ({"country": "XX"}, "country"),
        ({"country": "Germany"}, "country"),
        ({"organisation": 5}, "organisation"),
    ],
)
def test_client_update_validates_and_changes_nothing(world, row_counts, fields, field):
    before = row_counts()
    with pytest.raises(InvalidInput) as exc:
        services.client_update(client=world.client, actor=world.owner, **fields)
    assert field in exc.value.details
    assert row_counts() == before
    stored = Client.objects.get(pk=world.client.pk)
    assert (stored.name, stored.country) == ("Acme Shop", "IE")


@pytest.mark.parametrize(
    ("role", "error"),
    [("member", NotAllowed), ("contact", NotFound), ("outsider", NotFound)],
)
def test_others_cannot_update_clients(world, row_counts, role, error):
    before = row_counts()
    with pytest.raises(error):
        services.client_update(client=world.client, actor=world.user(role), name="Hijacked")
    assert Client.objects.get(pk=world.client.pk).name == "Acme Shop"
    assert row_counts() == before


# --- contact_invite -----------------------------------------------------------------------------


def test_contact_invite_creates_the_user_and_an_invitation_for_the_client(world, on_commit):
    with clock.frozen(T0), on_commit():
        contact = services.contact_invite(
            client=world.client, email="Buyer@Acme.example", name="Bea Buyer", actor=world.manager
        )

    assert contact.client == world.client
    user = contact.user
    assert (user.email, user.name) == ("buyer@acme.example", "Bea Buyer")
    assert not user.has_usable_password()
    assert Membership.objects.filter(user=user).count() == 0  # a contact is not a member
    invitation = Invitation.objects.get(user=user)
    assert (invitation.organisation, invitation.client) == (world.organisation, world.client)
    assert invitation.expires_at == T0 + dt.timedelta(days=7)
    [message] = mail.outbox
    assert message.to == ["buyer@acme.example"]
    # Whether they approve or only view is given per project: the invitation promises neither.
    assert "Northwind Studio invited you to follow the projects of Acme Shop on Milepost." in (
        message.body
    )
    assert invitation.token_hash == hash_token(token_from_mail(message))
    [event] = events(world.organisation, AuditAction.CONTACT_INVITED)
    assert event.target_id == str(contact.pk)
    assert event.data["after"] == {
        "client": "Acme Shop",
        "email": "buyer@acme.example",
        "new_user": True,
    }


def test_contact_invite_reuses_an_existing_user(world, on_commit):
    other_client = ClientFactory(organisation=world.organisation, name="Globex")
    users_before = User.objects.count()
    with on_commit():
        contact = services.contact_invite(
            client=other_client, email=world.contact.email.upper(), actor=world.owner
        )
    assert contact.user == world.contact
    assert User.objects.count() == users_before
    assert Contact.objects.filter(user=world.contact).count() == 2
    assert fresh(world.contact).check_password("correct-horse-battery-staple")
    assert not Invitation.objects.filter(user=world.contact).exists()  # has a password already
    [message] = mail.outbox
    assert "/login/" in message.body
    [event] = events(world.organisation, AuditAction.CONTACT_INVITED)
    assert event.data["after"]["new_user"] is False


def test_contact_invite_refuses_a_duplicate_and_changes_nothing(world, row_counts, on_commit):
    before = row_counts()
    with on_commit() as callbacks, pytest.raises(InvalidInput) as exc:
        services.contact_invite(
            client=world.client, email=f"  {world.contact.email.title()} ", actor=world.owner
        )
    assert list(exc.value.details) == ["email"]
    assert row_counts() == before
    assert callbacks == []
    assert mail.outbox == []


@pytest.mark.parametrize("role", ["owner", "manager", "member"])
def test_contact_invite_refuses_a_member_of_the_organisation(world, row_counts, on_commit, role):
    """The team never speaks for its client: as a contact, a member could approve its own work."""
    before = row_counts()
    with on_commit() as callbacks, pytest.raises(InvalidInput) as exc:
        services.contact_invite(
            client=world.client, email=world.user(role).email.title(), actor=world.owner
        )
    assert list(exc.value.details) == ["email"]
    assert row_counts() == before
    assert callbacks == []


def test_a_member_of_another_organisation_may_be_a_contact(world, on_commit):
    with on_commit():
        contact = services.contact_invite(
            client=world.client, email=world.outsider.email, actor=world.owner
        )
    assert contact.user == world.outsider


def test_member_invite_refuses_a_contact_of_the_organisation_s_clients(world, row_counts):
    before = row_counts()
    with pytest.raises(InvalidInput) as exc:
        services.member_invite(
            organisation=world.organisation,
            email=world.contact.email,
            role=Role.MEMBER,
            actor=world.owner,
        )
    assert list(exc.value.details) == ["email"]
    assert row_counts() == before


@pytest.mark.parametrize("email", ["", "nobody", "a@b", "x@example.com, y@example.com"])
def test_contact_invite_refuses_a_malformed_email(world, row_counts, on_commit, email):
    before = row_counts()
    with on_commit() as callbacks, pytest.raises(InvalidInput) as exc:
        services.contact_invite(client=world.client, email=email, actor=world.owner)
    assert list(exc.value.details) == ["email"]
    assert row_counts() == before
    assert callbacks == []


@pytest.mark.parametrize(
    ("role", "error"),
    [("member", NotAllowed), ("contact", NotFound), ("outsider", NotFound)],
)
def test_only_owners_and_managers_invite_contacts(world, row_counts, role, error):
    before = row_counts()
    with pytest.raises(error):
        services.contact_invite(
            client=world.client, email="new@example.com", actor=world.user(role)
        )
    assert row_counts() == before


def test_a_contact_of_one_client_is_invisible_to_another_organisation(world):
    ContactFactory(client=ClientFactory(organisation=world.other_organisation))
    with pytest.raises(NotFound):
        services.contact_invite(
            client=Client.objects.get(organisation=world.other_organisation),
            email="spy@example.com",
            actor=world.owner,
        )


def test_member_of_two_organisations_acts_in_each_with_its_own_role(world):
    MembershipFactory(organisation=world.other_organisation, user=world.member, role=Role.MANAGER)
    member = fresh(world.member)
    services.client_create(organisation=world.other_organisation, actor=member, name="Theirs")
    with pytest.raises(NotAllowed):
        services.client_create(organisation=world.organisation, actor=member, name="Ours")


def test_an_address_typed_in_mixed_case_in_a_form_is_stored_as_login_reads_it(world, password):
    """The admin's change form cleans the model: a mixed-case address must still log in."""
    from django.contrib.auth import authenticate

    user = world.contact
    user.email = "Ivy@Acme.Example"
    user.full_clean()
    user.save()
    user.refresh_from_db()
    assert user.email == "ivy@acme.example"
    assert authenticate(username="IVY@acme.example", password=password) == user

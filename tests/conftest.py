"""Shared fixtures: one organisation with a user per role, a client contact, and an outsider."""

from dataclasses import dataclass

import pytest
from rest_framework.test import APIClient

from milepost.accounts.models import Role

from .factories import (
    PASSWORD,
    ClientFactory,
    ContactFactory,
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
)


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    """Mail goes to django.core.mail.outbox, uploads to a temporary folder, and passwords use a
    fast hasher (Argon2 is deliberately slow; production keeps it)."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Tasks run at once (after commit) instead of waiting for a worker process.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    # Login rate limits count in the cache: every test starts with none.
    from django.core.cache import cache

    cache.clear()
    settings.MEDIA_ROOT = tmp_path / "media"


@dataclass
class World:
    """An agency with one user per role, a client with a contact, and another agency."""

    organisation: object
    owner: object
    manager: object
    member: object
    client: object
    contact: object
    other_organisation: object
    outsider: object

    def user(self, role: str):
        return getattr(self, role)


@pytest.fixture
def world(db):
    organisation = OrganisationFactory(name="Northwind Studio")
    owner = MembershipFactory(organisation=organisation, role=Role.OWNER).user
    manager = MembershipFactory(organisation=organisation, role=Role.MANAGER).user
    member = MembershipFactory(organisation=organisation, role=Role.MEMBER).user
    client = ClientFactory(organisation=organisation, name="Acme Shop")
    contact = ContactFactory(client=client).user
    other = OrganisationFactory(name="Other Agency")
    outsider = MembershipFactory(organisation=other, role=Role.OWNER).user
    return World(organisation, owner, manager, member, client, contact, other, outsider)


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def api_as(api):
    """Return an API client logged in as the given user (or anonymous for None)."""

    def login(user):
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return login


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def user_factory(db):
    return UserFactory


@pytest.fixture
def smtp(settings):
    """A real SMTP server on loopback (aiosmtpd) that Django's SMTP backend sends to."""
    from .smtp import SmtpServer, use_server

    server = SmtpServer()
    server.start()
    use_server(settings, server.port)
    try:
        yield server
    finally:
        server.stop()

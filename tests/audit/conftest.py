"""Fixtures for the audit trail: a few real events written through services."""

import pytest

from milepost.accounts import services
from milepost.audit.models import AuditEvent


@pytest.fixture
def trail(world):
    """Five events in the organisation's chain, two in another organisation's, one user event."""
    for name in ("Alpha", "Bravo", "Charlie", "Delta"):
        services.client_create(organisation=world.organisation, actor=world.owner, name=name)
    services.client_update(client=world.client, actor=world.manager, country="FR")
    services.client_create(organisation=world.other_organisation, actor=world.outsider, name="X")
    services.client_create(organisation=world.other_organisation, actor=world.outsider, name="Y")
    services.api_token_create(user=world.owner, actor=world.owner)
    return world


def chain_of(organisation) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(chain=f"org:{organisation.pk}").order_by("sequence"))

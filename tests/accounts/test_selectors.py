"""Account reads that pages lean on: counts and pickers, seen by members and outsiders."""

import pytest

from milepost.accounts import selectors
from milepost.accounts.models import User

from ..factories import ClientFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def fresh(user):
    return User.objects.get(pk=user.pk)


def test_organisation_counts_for_members_and_outsiders(world):
    assert selectors.organisation_counts(fresh(world.owner), organisation=world.organisation) == {
        "clients": 1,
        "members": 3,
    }
    ClientFactory(organisation=world.organisation, name="Beta")
    ClientFactory(organisation=world.other_organisation, name="Not ours")
    MembershipFactory(organisation=world.organisation)
    assert selectors.organisation_counts(fresh(world.member), organisation=world.organisation) == {
        "clients": 2,
        "members": 4,
    }
    assert selectors.organisation_counts(
        fresh(world.outsider), organisation=world.organisation
    ) == {"clients": 0, "members": 0}


def test_organisation_counts_of_an_empty_organisation(world):
    assert selectors.organisation_counts(
        fresh(world.outsider), organisation=world.other_organisation
    ) == {"clients": 0, "members": 1}


def test_client_choices_are_pairs_in_name_order(world):
    ClientFactory(organisation=world.organisation, name="Beta")
    ClientFactory(organisation=world.organisation, name="Aardvark")
    names = [
        name
        for _, name in selectors.client_choices(fresh(world.owner), organisation=world.organisation)
    ]
    assert names == ["Aardvark", "Acme Shop", "Beta"]
    assert selectors.client_choices(fresh(world.outsider), organisation=world.organisation) == []

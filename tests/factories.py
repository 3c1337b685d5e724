"""Factories for tests: real rows in a real database."""

from contextlib import nullcontext

import factory

from milepost.accounts.models import Client, Contact, Membership, Organisation, Role, User
from milepost.core import clock
from milepost.plans import services as plans
from milepost.plans.models import Project

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Agency {n}")
    legal_name = factory.LazyAttribute(lambda o: f"{o.name} Ltd")
    country = "DE"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    organisation = factory.SubFactory(OrganisationFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.MEMBER


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Client {n}")
    country = "IE"


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    client = factory.SubFactory(ClientFactory)
    user = factory.SubFactory(UserFactory)


def accepted_project(world, name: str = "Shop", *, at=None, before_propose=None, **fields):
    """An accepted project, as the change-order tests start from: a website-cms plan (EUR
    10,000.00, five milestones from Monday 4 January 2027) drafted by the world's owner, with
    the world's contact as approver, proposed and accepted (plan v1).

    ``at`` freezes the clock while it is made; ``before_propose(project)`` adds to the draft
    first (a viewer, a milestone billed on start); ``fields`` are the project's own.
    """
    values = {
        "name": name,
        "currency": "EUR",
        "total_budget": "10000.00",
        "start_date": "2027-01-04",
        "template": "website-cms",
        **fields,
    }
    with clock.frozen(at) if at is not None else nullcontext():
        project = plans.project_create(
            organisation=world.organisation, client=world.client, actor=world.owner, **values
        )
        plans.project_access_grant(
            project=project, email=world.contact.email, role="approver", actor=world.owner
        )
        if before_propose is not None:
            before_propose(project)
        plans.plan_propose(project=Project.objects.get(pk=project.pk), actor=_fresh(world.owner))
        plans.plan_accept(project=Project.objects.get(pk=project.pk), actor=_fresh(world.contact))
    return Project.objects.get(pk=project.pk)


def _fresh(user) -> User:
    """The same user without cached roles, as the next request would load it."""
    return User.objects.get(pk=user.pk)

"""Load the demo data. Running it again changes nothing."""

from django.core.management.base import BaseCommand
from django.db import transaction

from milepost.accounts import services
from milepost.accounts.models import Client, Contact, Membership, Organisation, Role, User
from milepost.core import clock
from milepost.forecast.services import refresh_all
from milepost.plans import services as plans
from milepost.plans.models import AccessRole, Milestone, Project
from milepost.reviews import services as reviews

PASSWORD = "milepost-demo"

LOGINS = [
    ("owner@northwind.example", "Olivia Owner", "Northwind Studio · owner"),
    ("manager@northwind.example", "Max Manager", "Northwind Studio · manager"),
    ("dev@northwind.example", "Dana Developer", "Northwind Studio · member"),
    ("approver@acme.example", "Alex Approver", "Acme Shop · approver on its projects"),
    ("viewer@acme.example", "Vic Viewer", "Acme Shop · viewer on its projects"),
    ("owner@other.example", "Otto Other", "Other Agency · owner"),
]


def _user(email: str, name: str) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=PASSWORD, name=name)
    return user


def _organisation(name: str, owner: User, **fields) -> Organisation:
    org = Organisation.objects.filter(name=name).first()
    return org or services.organisation_create(name=name, owner=owner, **fields)


def _member(org: Organisation, user: User, role: str) -> None:
    Membership.objects.get_or_create(organisation=org, user=user, defaults={"role": role})


def _client(org: Organisation, actor: User, name: str, **fields) -> Client:
    client = Client.objects.filter(organisation=org, name=name).first()
    return client or services.client_create(organisation=org, actor=actor, name=name, **fields)


class Command(BaseCommand):
    help = "Create the demo organisations, users and clients (idempotent)."

    @transaction.atomic
    def handle(self, *args, **options):
        users = {email: _user(email, name) for email, name, _ in LOGINS}
        owner = users["owner@northwind.example"]
        northwind = _organisation(
            "Northwind Studio",
            owner,
            legal_name="Northwind Studio GmbH",
            street="Hafenstraße 12",
            postcode="20457",
            city="Hamburg",
            vat_id="DE123456788",
            country="DE",
            default_currency="EUR",
        )
        _member(northwind, users["manager@northwind.example"], Role.MANAGER)
        _member(northwind, users["dev@northwind.example"], Role.MEMBER)
        acme = _client(
            northwind,
            owner,
            "Acme Shop",
            street="1 Market Street",
            city="Dublin",
            vat_id="IE6388047V",
            country="IE",
        )
        for email in ("approver@acme.example", "viewer@acme.example"):
            Contact.objects.get_or_create(client=acme, user=users[email])
        self._projects(northwind, acme, owner, users)
        _organisation(
            "Other Agency",
            users["owner@other.example"],
            country="FR",
            default_currency="EUR",
            legal_name="Other Agency SAS",
        )
        # The dashboard's slippage and the cash flow read stored forecasts: compute them now.
        refresh_all()

        self.stdout.write(self.style.SUCCESS("Demo data ready. Log in with any of these:"))
        for email, _name, what in LOGINS:
            self.stdout.write(f"  {email:<28} {PASSWORD:<15} {what}")

    def _projects(self, org, client, owner, users) -> None:
        """Three projects for Acme Shop: one in draft, one proposed, one accepted and active."""
        approver, viewer = users["approver@acme.example"], users["viewer@acme.example"]
        start = clock.today()
        specs = [
            ("Acme web shop relaunch", "active", "30000.00"),
            ("Acme mobile app", "proposed", "18000.00"),
            ("Acme loyalty programme", "draft", "9500.00"),
        ]
        for name, status, total in specs:
            if Project.objects.filter(organisation=org, name=name).exists():
                continue
            project = plans.project_create(
                organisation=org,
                client=client,
                actor=owner,
                name=name,
                currency="EUR",
                total_budget=total,
                start_date=start,
                template="website-cms",
                summary="A demo project built from the “Website on a CMS” template.",
            )
            plans.project_access_grant(
                project=project, email=approver.email, role=AccessRole.APPROVER, actor=owner
            )
            plans.project_access_grant(
                project=project, email=viewer.email, role=AccessRole.VIEWER, actor=owner
            )
            if status in ("proposed", "active"):
                plans.plan_propose(project=project, actor=owner)
            if status == "active":
                plans.plan_accept(project=project, actor=User.objects.get(pk=approver.pk))
                self._review_cycle(project, owner, User.objects.get(pk=approver.pk))

    def _review_cycle(self, project, owner, approver) -> None:
        """Milestone 1 approved after one round of changes; milestone 2 waiting for review."""
        first, second = project.milestones.order_by("position")[:2]

        def fresh(milestone):
            return Milestone.objects.select_related("project", "project__organisation").get(
                pk=milestone.pk
            )

        reviews.milestone_start(milestone=fresh(first), actor=owner)
        reviews.milestone_deliver(
            milestone=fresh(first),
            actor=owner,
            notes="The CMS runs on staging and the homepage is built. Log in with the account "
            "we sent you and try it on your phone.",
            preview_url="https://staging.acme.example/",
        )
        homepage = fresh(first).deliverables.order_by("position")[1]
        reviews.deliverable_verdict(
            deliverable=homepage,
            actor=approver,
            status="failed",
            note="The hero image overflows on a 375 px phone.",
        )
        reviews.milestone_request_changes(
            milestone=fresh(first),
            actor=approver,
            feedback="Almost there! On a phone the **hero image** is wider than the screen.",
        )
        reviews.milestone_deliver(
            milestone=fresh(first), actor=owner, notes="Fixed the hero image on small screens."
        )
        for deliverable in fresh(first).deliverables.all():
            reviews.deliverable_verdict(deliverable=deliverable, actor=approver, status="passed")
        reviews.milestone_approve(
            milestone=fresh(first), actor=approver, note="Looks great, thank you."
        )
        reviews.milestone_start(milestone=fresh(second), actor=owner)
        reviews.milestone_deliver(
            milestone=fresh(second),
            actor=owner,
            notes="All products are imported; the admin panel is ready.",
        )

"""Bulk data for the benchmark (``make bench``): many organisations, fast, with bulk inserts.

Not for production databases: it writes rows directly (no services, no audit events).
"""

from __future__ import annotations

import datetime as dt
import random
import time

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from milepost.accounts.models import Client, Contact, Membership, Organisation, Role, User
from milepost.demo.bench_large import bulk_deliverables

BENCH_EMAIL = "bench@milepost.example"
BENCH_CLIENT_EMAIL = "bench-client@milepost.example"
#: The owner of the organisation with 2,000 active projects (its cash flow is measured).
BENCH_LARGE_EMAIL = "bench-large@milepost.example"
LARGE_ORGANISATION = "Meridian Large Agency"
LARGE_PROJECTS = 2000
LARGE_CLIENTS = 40
BENCH_PASSWORD = "milepost-bench"

CLIENTS_PER_ORGANISATION = 5
FIRST_ORGANISATION_CLIENTS = 50  # enough for the list pages to paginate (25 a page)
BATCH = 1000

FIRST_NAMES = [
    "Anna", "Ben", "Chloé", "David", "Elif", "Felix", "Greta", "Hugo", "Ines", "Jonas", "Kaja",
    "Lars", "Mila", "Noah", "Olga", "Paul", "Rosa", "Sami", "Tara", "Ugo", "Vera", "Wim", "Yara",
    "Zoe",
]  # fmt: skip
LAST_NAMES = [
    "Becker", "Costa", "Dubois", "Eriksen", "Fischer", "García", "Hansen", "Ivanova", "Jansen",
    "Kowalski", "Lindqvist", "Moreau", "Novak", "O'Brien", "Petrov", "Rossi", "Schmidt",
    "Takahashi", "Vogel", "Weber", "Young", "Zimmermann",
]  # fmt: skip
AGENCY_WORDS = [
    "Northwind", "Bluefin", "Copperleaf", "Driftwood", "Ember", "Foxglove", "Granite", "Harbour",
    "Indigo", "Juniper", "Kestrel", "Lantern", "Meridian", "Nimbus", "Orchard", "Pinecone",
    "Quarry", "Riverbend", "Saffron", "Tidewater", "Umber", "Velvet", "Willow", "Zephyr",
]  # fmt: skip
AGENCY_KINDS = ["Studio", "Digital", "Labs", "Agency", "Works", "Collective", "Interactive"]
CLIENT_WORDS = [
    "Acme", "Apex", "Beacon", "Cedar", "Delta", "Evergreen", "Falcon", "Summit", "Horizon",
    "Ironbark", "Keystone", "Lighthouse", "Maple", "Nova", "Oakridge", "Pioneer", "Quantum",
    "Redwood", "Silverline", "Trident", "Unity", "Vertex", "Westbrook", "Yellowstone",
]  # fmt: skip
CLIENT_KINDS = [
    "Shop", "Logistics", "Bakery", "Clinic", "Foods", "Energy", "Bank", "Hotels", "Motors",
    "Insurance", "Media", "Pharma", "Realty", "Travel", "Outdoor",
]  # fmt: skip
COUNTRIES = ["DE", "FR", "NL", "IE", "AT", "ES", "IT", "SE", "PL", "BE"]


class Command(BaseCommand):
    help = (
        "Create bulk benchmark data: N organisations with members, clients and contacts, plus "
        f"the logins {BENCH_EMAIL} and {BENCH_CLIENT_EMAIL} (password {BENCH_PASSWORD}), and "
        f"an organisation with {LARGE_PROJECTS} active projects owned by {BENCH_LARGE_EMAIL}, "
        "with every forecast computed. Skips what already exists."
    )

    def add_arguments(self, parser):
        parser.add_argument("--organisations", type=int, default=1000)
        parser.add_argument("--seed", type=int, default=1, help="Random seed (default 1).")
        parser.add_argument(
            "--large-projects",
            type=int,
            default=LARGE_PROJECTS,
            help=f"Active projects of the large organisation (default {LARGE_PROJECTS}).",
        )

    def handle(self, *args, organisations: int, seed: int, large_projects: int, **options):
        if organisations < 1:
            raise CommandError("--organisations must be at least 1.")
        if large_projects < 1:
            raise CommandError("--large-projects must be at least 1.")
        seeded = User.objects.filter(email=BENCH_EMAIL).exists()
        large = User.objects.filter(email=BENCH_LARGE_EMAIL).exists()
        if seeded and large:
            self.stdout.write(
                f"Bench data already present ({Organisation.objects.count()} organisations, "
                f"{User.objects.count()} users): nothing to do."
            )
            return
        started = time.monotonic()
        counts: dict[str, int] = {}
        with transaction.atomic():
            if not seeded:
                counts.update(_seed(organisations, random.Random(seed)))
            if not large:
                counts.update(_seed_large(large_projects, random.Random(seed)))
        counts["project forecasts"] = _compute_forecasts()
        if connection.vendor == "postgresql":
            # What autovacuum would do a minute later: plan queries on real statistics.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        seconds = time.monotonic() - started
        total = sum(counts.values())
        detail = ", ".join(f"{n} {name}" for name, n in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Created {total} rows in {seconds:.1f} s: {detail}."))
        self.stdout.write(f"  {BENCH_EMAIL} / {BENCH_PASSWORD}: owner of {_org_name(1)}")
        self.stdout.write(f"  {BENCH_CLIENT_EMAIL} / {BENCH_PASSWORD}: contact of a client")
        self.stdout.write(
            f"  {BENCH_LARGE_EMAIL} / {BENCH_PASSWORD}: owner of {LARGE_ORGANISATION} "
            f"({large_projects} active projects)"
        )


def _seed_large(projects: int, rng: random.Random) -> dict[str, int]:
    from milepost.demo.bench_large import seed_large

    return seed_large(
        email=BENCH_LARGE_EMAIL,
        password=BENCH_PASSWORD,
        name=LARGE_ORGANISATION,
        projects=projects,
        clients=LARGE_CLIENTS,
        rng=rng,
    )


def _compute_forecasts() -> int:
    """Every active project's forecast, as the scheduler would compute it (in batches)."""
    from milepost.forecast.services import FORECAST_STATUSES, refresh_many
    from milepost.plans.models import Project

    missing = Project.objects.filter(status__in=FORECAST_STATUSES, forecast__isnull=True)
    return refresh_many(list(missing.values_list("pk", flat=True)))


def _org_name(i: int) -> str:
    word = AGENCY_WORDS[i % len(AGENCY_WORDS)]
    kind = AGENCY_KINDS[(i // len(AGENCY_WORDS)) % len(AGENCY_KINDS)]
    return f"{word} {kind} {i:04d}"


def _person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def _client_names(rng: random.Random, count: int) -> list[str]:
    names: set[str] = set()
    while len(names) < count:
        name = f"{rng.choice(CLIENT_WORDS)} {rng.choice(CLIENT_KINDS)}"
        if name in names:
            name = f"{name} {rng.choice(COUNTRIES)}"
        if name in names:
            name = f"{name} {len(names)}"
        names.add(name)
    return sorted(names)


def _seed(organisations: int, rng: random.Random) -> dict[str, int]:
    password = make_password(BENCH_PASSWORD)  # once: Argon2 is deliberately slow
    now = timezone.now()

    def ago(max_days: int) -> dt.datetime:
        return now - dt.timedelta(days=rng.randint(1, max_days), minutes=rng.randint(0, 1439))

    orgs = []
    for i in range(1, organisations + 1):
        country = rng.choice(COUNTRIES)
        name = _org_name(i)
        orgs.append(
            Organisation(
                name=name,
                legal_name=f"{name} GmbH" if country in {"DE", "AT"} else f"{name} Ltd",
                street=f"{rng.randint(1, 200)} Example Street",
                postcode=str(rng.randint(10000, 99999)),
                city="City",
                vat_id=f"{country}{rng.randint(100000000, 999999999)}",
                country=country,
                default_currency="EUR",
                created_at=ago(900),
            )
        )
    orgs = Organisation.objects.bulk_create(orgs, batch_size=BATCH)

    # Agency people: an owner, a manager and a member per organisation.
    users: list[User] = []
    roles: list[tuple[int, str]] = []  # (index into orgs, role), parallel to users
    for n, _org in enumerate(orgs, start=1):
        for role in (Role.OWNER, Role.MANAGER, Role.MEMBER):
            email = (
                BENCH_EMAIL if n == 1 and role == Role.OWNER else f"{role}.{n:04d}@bench.example"
            )
            users.append(
                User(email=email, name=_person(rng), password=password, date_joined=ago(900))
            )
            roles.append((n - 1, role))

    # Clients, and one or two contacts (users of their own) per client.
    clients: list[Client] = []
    for n, org in enumerate(orgs, start=1):
        count = FIRST_ORGANISATION_CLIENTS if n == 1 else CLIENTS_PER_ORGANISATION
        for name in _client_names(rng, count):
            country = rng.choice(COUNTRIES)
            clients.append(
                Client(
                    organisation=org,
                    name=name,
                    street=f"{rng.randint(1, 300)} Market Street",
                    city="Town",
                    vat_id=f"{country}{rng.randint(100000000, 999999999)}",
                    country=country,
                    created_at=ago(600),
                )
            )
    clients = Client.objects.bulk_create(clients, batch_size=BATCH)

    contact_users: list[User] = []
    contact_clients: list[Client] = []
    for c, client in enumerate(clients, start=1):
        for k in range(rng.randint(1, 2)):
            email = BENCH_CLIENT_EMAIL if c == 1 and k == 0 else f"contact.{c}.{k}@bench.example"
            contact_users.append(
                User(email=email, name=_person(rng), password=password, date_joined=ago(600))
            )
            contact_clients.append(client)

    all_users = User.objects.bulk_create(users + contact_users, batch_size=BATCH)
    agency_users, contact_users = all_users[: len(users)], all_users[len(users) :]
    memberships = Membership.objects.bulk_create(
        [
            Membership(organisation=orgs[i], user=user, role=role, created_at=user.date_joined)
            for user, (i, role) in zip(agency_users, roles, strict=True)
        ],
        batch_size=BATCH,
    )
    contacts = Contact.objects.bulk_create(
        [
            Contact(client=client, user=user, created_at=user.date_joined)
            for user, client in zip(contact_users, contact_clients, strict=True)
        ],
        batch_size=BATCH,
    )
    counts = {
        "organisations": len(orgs),
        "users": len(all_users),
        "memberships": len(memberships),
        "clients": len(clients),
        "contacts": len(contacts),
    }
    counts.update(_seed_projects(orgs, clients, contacts, memberships, rng))
    counts.update(_seed_change_orders())
    return counts


#: The bench owner's newest active project changes this often: as many accepted change orders
#: (plan versions 2 to 10), then one draft.
ACCEPTED_CHANGE_ORDERS = 9


def _seed_change_orders() -> dict[str, int]:
    """Ten plan versions and ten change orders on the bench owner's newest active project (the
    one ``bench/endpoints.py`` measures), made by the services as a real agency and client
    would: each accepted one adds 10.00 to the last milestone."""
    from milepost.plans import services as plans
    from milepost.plans.models import Milestone, PlanVersion, Project, ProjectAccess
    from milepost.plans.services.common import snapshot
    from milepost.reviews.services.change_orders import change_order_accept

    owner = User.objects.get(email=BENCH_EMAIL)
    in_review = (
        Milestone.objects.filter(
            project__organisation__memberships__user=owner,
            project__status="active",
            status="in_review",
        )
        .order_by("-project__created_at")
        .first()
    )
    project_id = in_review.project_id
    approver = User.objects.get(
        pk=ProjectAccess.objects.filter(project_id=project_id, role="approver")
        .values_list("user_id", flat=True)
        .first()
    )
    last = Milestone.objects.filter(project_id=project_id).order_by("-position").first()
    project = Project.objects.select_related("client").get(pk=project_id)
    # The bulk rows above have no baseline: give this project its v1, as acceptance would.
    PlanVersion.objects.create(
        project=project,
        version=1,
        snapshot=snapshot(project),
        reason="baseline",
        accepted_by=approver,
        accepted_at=project.accepted_at or timezone.now(),
    )

    def draft(n: int):
        budget = Milestone.objects.get(pk=last.pk).budget
        return plans.change_order_create(
            project=Project.objects.get(pk=project_id),
            actor=owner,
            title=f"Change {n}",
            reason="More pages for the shop.",
            changes_=[
                {"op": "update", "milestone": last.pk, "fields": {"budget": str(budget + 10)}}
            ],
        )

    for n in range(1, ACCEPTED_CHANGE_ORDERS + 1):
        co = plans.change_order_propose(change_order=draft(n), actor=owner)
        change_order_accept(change_order=co, actor=approver)
    draft(ACCEPTED_CHANGE_ORDERS + 1)
    return {"change orders": ACCEPTED_CHANGE_ORDERS + 1}


PROJECTS_PER_ORGANISATION = 10


def _seed_projects(orgs, clients, contacts, memberships, rng: random.Random) -> dict[str, int]:
    """Ten projects per organisation from the website template: drafts, proposals, and active
    projects whose first milestone is approved, invoiced and paid, and the second in review."""
    from decimal import Decimal

    from milepost.billing.models import Invoice, InvoiceSequence, Payment
    from milepost.billing.rules import invoice_number, totals
    from milepost.billing.services import buyer_snapshot, invoice_description, seller_snapshot
    from milepost.core.money import split
    from milepost.plans.builtin_templates import WEBSITE_CMS
    from milepost.plans.models import AccessRole, Milestone, Project, ProjectAccess

    items = WEBSITE_CMS["milestones"]
    now = timezone.now()
    today = now.date()
    clients_of: dict[int, list] = {}
    for client in clients:
        clients_of.setdefault(client.organisation_id, []).append(client)
    approver_of = {}
    for contact in contacts:
        approver_of.setdefault(contact.client_id, contact.user_id)
    owner_of = {m.organisation_id: m.user_id for m in memberships if m.role == Role.OWNER}

    projects, statuses = [], []
    for org in orgs:
        for n in range(PROJECTS_PER_ORGANISATION):
            client = rng.choice(clients_of[org.pk]) if n else clients_of[org.pk][0]
            status = (
                "active",
                "active",
                "active",
                "active",
                "proposed",
                "proposed",
                "proposed",
                "draft",
                "draft",
                "completed",
            )[n]
            total = Decimal(rng.randrange(5_000, 120_000) * 100) / 100
            start = today - dt.timedelta(days=rng.randint(10, 90))
            projects.append(
                Project(
                    organisation=org,
                    client=client,
                    name=f"{client.name} project {n + 1}",
                    currency="EUR",
                    total_budget=total,
                    start_date=start,
                    status=status,
                    plan_version=1 if status in ("active", "completed") else 0,
                    first_proposed_at=None if status == "draft" else now - dt.timedelta(days=n),
                    # Accepted a day after it was proposed: its plan v1 is the baseline.
                    accepted_at=(
                        now - dt.timedelta(days=n) + dt.timedelta(days=1)
                        if status in ("active", "completed")
                        else None
                    ),
                    tax_rate=Decimal("19.00"),
                    created_at=now - dt.timedelta(days=n),
                )
            )
            statuses.append(status)
    projects = Project.objects.bulk_create(projects, batch_size=BATCH)

    milestones = []
    for project, status in zip(projects, statuses, strict=True):
        budgets = split(project.total_budget, [i["share"] for i in items], "EUR")
        day = project.start_date
        for position, (item, budget) in enumerate(zip(items, budgets, strict=True), start=1):
            due = day + dt.timedelta(days=item["duration_days"] + 4)
            state = "planned"
            if status == "completed":
                state = "approved"
            elif status == "active":
                state = {1: "approved", 2: "in_review"}.get(position, "planned")
            milestones.append(
                Milestone(
                    project=project,
                    position=position,
                    title=item["title"],
                    scope=item["scope"],
                    budget=budget,
                    planned_start=day,
                    planned_due=due,
                    revision_quota=2,
                    support_window_days=item["support_window_days"],
                    status=state,
                    started_at=now - dt.timedelta(days=8) if state != "planned" else None,
                    review_started_at=now - dt.timedelta(days=2) if state != "planned" else None,
                    approved_at=now - dt.timedelta(days=1) if state == "approved" else None,
                    support_ends_at=now + dt.timedelta(days=13) if state == "approved" else None,
                )
            )
            day = due + dt.timedelta(days=1)
    milestones = Milestone.objects.bulk_create(milestones, batch_size=BATCH)
    deliverables = bulk_deliverables(milestones, items * len(projects))
    access = ProjectAccess.objects.bulk_create(
        [
            ProjectAccess(project=p, user_id=approver_of[p.client_id], role=AccessRole.APPROVER)
            for p in projects
            if p.client_id in approver_of
        ],
        batch_size=BATCH,
    )

    invoices, sequence = [], {}
    for m in milestones:
        if m.status != "approved":
            continue
        project = m.project
        org = project.organisation
        sequence[org.pk] = sequence.get(org.pk, 0) + 1
        amounts = totals(m.budget, Decimal("19.00"), "EUR")
        invoices.append(
            Invoice(
                organisation=org,
                project=project,
                milestone=m,
                kind="invoice",
                trigger="on_approval",
                number=invoice_number("INV", today.year, sequence[org.pk]),
                year=today.year,
                sequence=sequence[org.pk],
                status="paid",
                currency="EUR",
                net=amounts.net,
                tax_rate=amounts.tax_rate,
                tax=amounts.tax,
                gross=amounts.gross,
                paid=amounts.gross,
                issue_date=today,
                due_date=today + dt.timedelta(days=14),
                seller=seller_snapshot(org),
                buyer=buyer_snapshot(project.client),
                description=invoice_description(m, []),
                created_by_id=owner_of.get(org.pk),
            )
        )
    invoices = Invoice.objects.bulk_create(invoices, batch_size=BATCH)
    Payment.objects.bulk_create(
        [
            Payment(
                invoice=i, amount=i.gross, date=today, method="bank_transfer", reference=i.number
            )
            for i in invoices
        ],
        batch_size=BATCH,
    )
    InvoiceSequence.objects.bulk_create(
        [
            InvoiceSequence(organisation_id=org_id, year=today.year, last_number=n)
            for org_id, n in sequence.items()
        ],
        batch_size=BATCH,
    )
    return {
        "projects": len(projects),
        "milestones": len(milestones),
        "deliverables": len(deliverables),
        "project access": len(access),
        "invoices": len(invoices),
        "payments": len(invoices),
    }

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

BENCH_EMAIL = "bench@milepost.example"
BENCH_CLIENT_EMAIL = "bench-client@milepost.example"
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
        f"the logins {BENCH_EMAIL} and {BENCH_CLIENT_EMAIL} (password {BENCH_PASSWORD}). "
        "Skips when the bench data already exists."
    )

    def add_arguments(self, parser):
        parser.add_argument("--organisations", type=int, default=1000)
        parser.add_argument("--seed", type=int, default=1, help="Random seed (default 1).")

    def handle(self, *args, organisations: int, seed: int, **options):
        if organisations < 1:
            raise CommandError("--organisations must be at least 1.")
        if User.objects.filter(email=BENCH_EMAIL).exists():
            self.stdout.write(
                f"Bench data already present ({Organisation.objects.count()} organisations, "
                f"{User.objects.count()} users): nothing to do."
            )
            return
        started = time.monotonic()
        with transaction.atomic():
            counts = _seed(organisations, random.Random(seed))
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
                address=f"{rng.randint(1, 200)} Example Street\n{rng.randint(10000, 99999)} City",
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
                    legal_address=f"{rng.randint(1, 300)} Market Street\nTown",
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
    return {
        "organisations": len(orgs),
        "users": len(all_users),
        "memberships": len(memberships),
        "clients": len(clients),
        "contacts": len(contacts),
    }

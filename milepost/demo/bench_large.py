"""The benchmark's large organisation: 2,000 active projects whose cash flow ``make bench``
measures (``seed_bench``). Rows are written in bulk, as the rest of the bench data: no services,
no audit events; then every forecast is computed as the scheduler would.

Each project follows the "Website on a CMS" plan from a start between four months ago and a
month ahead, in EUR, GBP or USD, for one of forty clients. Its milestones went as real ones
go: those due some days ago were approved (a day or two either side of their due date),
invoiced and mostly paid, some late; the next one is in progress or in review (late ones make
the project slip); the rest are planned. Plan v1 is its baseline.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from milepost.accounts.models import Client, Contact, Membership, Organisation, Role, User
from milepost.billing.models import Invoice, InvoiceSequence, Payment
from milepost.billing.rules import invoice_number, totals
from milepost.billing.services import buyer_snapshot, invoice_description, seller_snapshot
from milepost.core.money import split
from milepost.plans.builtin_templates import WEBSITE_CMS
from milepost.plans.models import (
    AccessRole,
    Deliverable,
    Milestone,
    PlanVersion,
    Project,
    ProjectAccess,
)
from milepost.plans.services.common import snapshot_of

BATCH = 1000
CURRENCIES = ["EUR"] * 16 + ["GBP"] * 3 + ["USD"]
TAX = Decimal("19.00")


def seed_large(
    *, email: str, password: str, name: str, projects: int, clients: int, rng: random.Random
) -> dict[str, int]:
    """The organisation, its three members, its clients with a contact each, and ``projects``
    active projects with their milestones, deliverables, baselines, invoices and payments."""
    now = timezone.now()
    today = timezone.localdate(now)
    org = Organisation.objects.create(
        name=name,
        legal_name=f"{name} GmbH",
        street="1 Meridian Platz",
        postcode="10115",
        city="Berlin",
        vat_id="DE123456788",
        country="DE",
        default_currency="EUR",
        tax_rate=TAX,
    )
    hashed = make_password(password)
    people = User.objects.bulk_create(
        [
            User(email=email, name="Lena Large", password=hashed),
            User(email="manager.large@bench.example", name="Max Large", password=hashed),
            User(email="member.large@bench.example", name="Mia Large", password=hashed),
        ]
    )
    Membership.objects.bulk_create(
        Membership(organisation=org, user=user, role=role)
        for user, role in zip(people, (Role.OWNER, Role.MANAGER, Role.MEMBER), strict=True)
    )
    buyers = Client.objects.bulk_create(
        Client(organisation=org, name=f"Client {n:02d} Ltd", city="Town", country="IE")
        for n in range(1, clients + 1)
    )
    contacts = User.objects.bulk_create(
        User(email=f"contact.large.{c.pk}@bench.example", name="Carla Contact", password=hashed)
        for c in buyers
    )
    Contact.objects.bulk_create(
        Contact(client=c, user=u) for c, u in zip(buyers, contacts, strict=True)
    )
    approver_of = {c.pk: u.pk for c, u in zip(buyers, contacts, strict=True)}
    # Some clients pay on time, some a little late, a few very late.
    lateness = {c.pk: rng.choice([-2, 0, 0, 3, 5, 9, 15]) for c in buyers}

    rows = []
    for n in range(projects):
        client = buyers[n % len(buyers)]
        currency = CURRENCIES[n % len(CURRENCIES)]
        start = today + dt.timedelta(days=rng.randint(-120, 30))
        start -= dt.timedelta(days=start.weekday())  # a Monday
        rows.append(
            Project(
                organisation=org,
                client=client,
                name=f"{client.name} website {n + 1}",
                currency=currency,
                total_budget=Decimal(rng.randrange(8_000, 90_000)),
                start_date=start,
                status="active",
                plan_version=1,
                first_proposed_at=now - dt.timedelta(days=130),
                accepted_at=now - dt.timedelta(days=125),
                tax_rate=TAX,
                created_at=now - dt.timedelta(days=130, minutes=n),
            )
        )
    projects_made = Project.objects.bulk_create(rows, batch_size=BATCH)
    milestones, deliverables = _milestones(projects_made, today, now, rng)
    versions = PlanVersion.objects.bulk_create(
        [_baseline(p, milestones[p.pk], now) for p in projects_made], batch_size=BATCH
    )
    access = ProjectAccess.objects.bulk_create(
        [
            ProjectAccess(project=p, user_id=approver_of[p.client_id], role=AccessRole.APPROVER)
            for p in projects_made
        ],
        batch_size=BATCH,
    )
    invoices, payments = _invoices(org, milestones, lateness, today, rng)
    return {
        "large organisation projects": len(projects_made),
        "large organisation milestones": sum(len(ms) for ms in milestones.values()),
        "large organisation deliverables": deliverables,
        "large organisation baselines": len(versions),
        "large organisation access": len(access),
        "large organisation invoices": invoices,
        "large organisation payments": payments,
    }


def _milestones(projects, today, now, rng) -> tuple[dict[int, list[Milestone]], int]:
    items = WEBSITE_CMS["milestones"]
    rows = []
    for project in projects:
        budgets = split(project.total_budget, [i["share"] for i in items], project.currency)
        day = project.start_date
        ahead = False  # once one milestone is open, the ones after it are planned
        for position, (item, budget) in enumerate(zip(items, budgets, strict=True), start=1):
            due = day + dt.timedelta(days=item["duration_days"] + 4)
            fields = {"status": "planned"}
            approved_on = due + dt.timedelta(days=rng.randint(-2, 6))
            if not ahead and approved_on < today - dt.timedelta(days=2):
                fields = {
                    "status": "approved",
                    "started_at": _moment(day),
                    "review_started_at": _moment(approved_on - dt.timedelta(days=2)),
                    "approved_at": _moment(approved_on),
                    "support_ends_at": _moment(approved_on + dt.timedelta(days=14)),
                }
            elif not ahead and day <= today:
                ahead = True
                in_review = rng.random() < 0.4
                fields = {
                    "status": "in_review" if in_review else "in_progress",
                    "started_at": _moment(day),
                    "review_started_at": now - dt.timedelta(days=2) if in_review else None,
                }
            else:
                ahead = True
            rows.append(
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
                    **fields,
                )
            )
            day = due + dt.timedelta(days=1)
    made = Milestone.objects.bulk_create(rows, batch_size=BATCH)
    made_deliverables = bulk_deliverables(made, items * len(projects))
    by_project: dict[int, list[Milestone]] = {}
    for m in made:
        by_project.setdefault(m.project_id, []).append(m)
    return by_project, len(made_deliverables)


def bulk_deliverables(milestones: list[Milestone], items: list[dict]) -> list[Deliverable]:
    """The first three deliverables of each milestone's template item (``items`` in the same
    order as ``milestones``), written in batches."""
    return Deliverable.objects.bulk_create(
        [
            Deliverable(
                milestone=m,
                position=k,
                title=d["title"],
                acceptance_criteria=d["acceptance_criteria"],
            )
            for m, item in zip(milestones, items, strict=True)
            for k, d in enumerate(item["deliverables"][:3], start=1)
        ],
        batch_size=BATCH,
    )


def _moment(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10)))


def _baseline(project: Project, milestones: list[Milestone], now) -> PlanVersion:
    """Plan v1 as acceptance stores it (without deliverables: the forecast reads dates)."""
    return PlanVersion(
        project=project,
        version=1,
        reason="baseline",
        accepted_at=now - dt.timedelta(days=125),
        snapshot=snapshot_of(project, "", milestones, deliverables=lambda m: ()),
    )


def _invoices(org, milestones, lateness, today, rng) -> tuple[int, int]:
    """An invoice for every approved milestone, issued the day it was approved; most paid,
    each client as late as it usually is, the rest open (some overdue)."""
    seller = seller_snapshot(org)
    invoices, paid_on = [], []
    last: dict[int, int] = {}  # the numbers run per year, without gaps
    for ms in milestones.values():
        for m in ms:
            if m.status != "approved":
                continue
            project = m.project
            issued = timezone.localdate(m.approved_at)
            due = issued + dt.timedelta(days=14)
            pays = due + dt.timedelta(days=lateness[project.client_id] + rng.randint(-2, 2))
            settled = pays < today and rng.random() < 0.9
            amounts = totals(m.budget, TAX, project.currency)
            sequence = last[issued.year] = last.get(issued.year, 0) + 1
            invoices.append(
                Invoice(
                    organisation=org,
                    project=project,
                    milestone=m,
                    kind="invoice",
                    trigger="on_approval",
                    number=invoice_number("INV", issued.year, sequence),
                    year=issued.year,
                    sequence=sequence,
                    status="paid" if settled else "issued",
                    currency=project.currency,
                    net=amounts.net,
                    tax_rate=amounts.tax_rate,
                    tax=amounts.tax,
                    gross=amounts.gross,
                    paid=amounts.gross if settled else Decimal(0),
                    issue_date=issued,
                    due_date=due,
                    seller=seller,
                    buyer=buyer_snapshot(project.client),
                    description=invoice_description(m, []),
                )
            )
            paid_on.append(pays if settled else None)
    made = Invoice.objects.bulk_create(invoices, batch_size=BATCH)
    payments = Payment.objects.bulk_create(
        [
            Payment(invoice=i, amount=i.gross, date=day, method="bank_transfer", reference=i.number)
            for i, day in zip(made, paid_on, strict=True)
            if day is not None
        ],
        batch_size=BATCH,
    )
    InvoiceSequence.objects.bulk_create(
        InvoiceSequence(organisation=org, year=year, last_number=n) for year, n in last.items()
    )
    return len(made), len(payments)

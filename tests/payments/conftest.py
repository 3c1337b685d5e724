"""Money through the real services: projects proposed and accepted, milestones started, delivered
and approved by the people who would do it, invoices issued by the approvals and starts, payments
recorded as the pages and the API record them.

Users are re-fetched before each call (roles are cached on user objects) and milestones are
re-loaded before each service call, as the next request would load them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from milepost.accounts.models import User
from milepost.audit.models import AuditEvent
from milepost.billing import services as billing
from milepost.billing.models import Invoice, InvoiceKind, Payment, StripeEvent
from milepost.core import clock
from milepost.plans import services as plans
from milepost.plans.models import Milestone, Project
from milepost.reviews import services as reviews

START = dt.date(2027, 1, 4)  # a Monday
TOTAL = Decimal("10000.00")
#: website-cms shares 20/25/30/15/10 of EUR 10000.00.
BUDGETS = [Decimal(b) for b in ("2000.00", "2500.00", "3000.00", "1500.00", "1000.00")]


def fresh(user) -> User:
    """The same user without cached roles."""
    return User.objects.get(pk=user.pk)


def reload(milestone_or_pk) -> Milestone:
    pk = getattr(milestone_or_pk, "pk", milestone_or_pk)
    return Milestone.objects.select_related(
        "project", "project__organisation", "project__client"
    ).get(pk=pk)


def reload_invoice(invoice_or_pk) -> Invoice:
    pk = getattr(invoice_or_pk, "pk", invoice_or_pk)
    return Invoice.objects.select_related(
        "project", "project__organisation", "project__client", "milestone", "organisation"
    ).get(pk=pk)


def money_rows() -> dict[str, int]:
    """Row counts that a refused money operation must leave unchanged."""
    return {
        "invoices": Invoice.objects.count(),
        "payments": Payment.objects.count(),
        "stripe_events": StripeEvent.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


def invoice_state(invoice: Invoice) -> tuple:
    row = Invoice.objects.get(pk=invoice.pk)
    return (row.status, row.paid, row.payments.count())


@dataclass
class Money:
    """Drives projects of ``world``'s agency through plan and review to their invoices."""

    world: Any

    @property
    def organisation(self):
        return self.world.organisation

    def project(
        self,
        *,
        client=None,
        approver=None,
        owner=None,
        organisation=None,
        prepare: Callable[[Project], None] | None = None,
        **fields: Any,
    ) -> Project:
        """An active website-cms project: created and proposed by the owner, accepted by the
        approver. ``prepare(project)`` runs on the draft (settings, billing triggers)."""
        world = self.world
        owner = fresh(owner or world.owner)
        approver = approver or world.contact
        values = {
            "organisation": organisation or world.organisation,
            "client": client or world.client,
            "actor": owner,
            "template": "website-cms",
            "name": "Acme webshop",
            "currency": "EUR",
            "total_budget": "10000.00",
            "start_date": START,
        }
        values.update(fields)
        project = plans.project_create(**values)
        plans.project_access_grant(
            project=project, email=approver.email, role="approver", actor=owner
        )
        if prepare is not None:
            prepare(Project.objects.get(pk=project.pk))
        plans.plan_propose(project=Project.objects.get(pk=project.pk), actor=fresh(owner))
        plans.plan_accept(project=Project.objects.get(pk=project.pk), actor=fresh(approver))
        return Project.objects.select_related("organisation", "client").get(pk=project.pk)

    def m(self, project: Project, position: int = 1) -> Milestone:
        return reload(Milestone.objects.get(project=project, position=position))

    def start(self, project: Project, position: int = 1, actor=None) -> Milestone:
        reviews.milestone_start(
            milestone=self.m(project, position), actor=fresh(actor or self.world.member)
        )
        return self.m(project, position)

    def to_review(self, project: Project, position: int = 1) -> Milestone:
        member = fresh(self.world.member)
        if self.m(project, position).status == "planned":
            reviews.milestone_start(milestone=self.m(project, position), actor=member)
        reviews.milestone_deliver(
            milestone=self.m(project, position), actor=member, notes="Ready to test."
        )
        return self.m(project, position)

    def approve(self, project: Project, position: int = 1, approver=None) -> Milestone:
        reviews.milestone_approve(
            milestone=self.m(project, position),
            actor=fresh(approver or self.world.contact),
            accept_open_items=True,
        )
        return self.m(project, position)

    def approved(self, project: Project, position: int = 1, approver=None) -> Invoice:
        """Start, deliver, approve: returns the invoice the approval issued."""
        self.to_review(project, position)
        self.approve(project, position, approver)
        return self.invoice(project, position)

    def invoice(self, project: Project, position: int = 1, trigger: str = "on_approval"):
        return reload_invoice(
            Invoice.objects.get(
                project=project,
                milestone__position=position,
                kind=InvoiceKind.INVOICE,
                trigger=trigger,
            )
        )

    def pay(self, invoice: Invoice, amount=None, actor=None, **kw):
        invoice = reload_invoice(invoice)
        return reviews.payment_record_and_release(
            invoice=invoice,
            amount=invoice.outstanding if amount is None else amount,
            date=kw.pop("date", clock.today()),
            method=kw.pop("method", "bank_transfer"),
            reference=kw.pop("reference", "Transfer"),
            actor=fresh(actor or self.world.manager),
            **kw,
        )

    def void(self, invoice: Invoice, actor=None, reason: str = "Issued in error.") -> Invoice:
        return billing.invoice_void(
            invoice=reload_invoice(invoice), actor=fresh(actor or self.world.owner), reason=reason
        )


@pytest.fixture
def money(world) -> Money:
    """The agency with the details an invoice shows, and a 19 % default tax rate."""
    organisation = world.organisation
    organisation.legal_name = "Northwind Studio GmbH"
    organisation.street, organisation.postcode, organisation.city = (
        "Torstraße 19",
        "10119",
        "Berlin",
    )
    organisation.vat_id = "DE123456789"
    organisation.iban = "DE89370400440532013000"
    organisation.bic = "COBADEFFXXX"
    organisation.email = "billing@northwind.example"
    organisation.tax_rate = Decimal("19.00")
    organisation.save()
    client = world.client
    client.street, client.city = "3 Grand Canal Square", "Dublin 2"
    client.vat_id = "IE6388047V"
    client.country = "IE"
    client.save()
    return Money(world)

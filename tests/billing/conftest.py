"""Invoices made through the real services: a German agency, an Irish client, an approved milestone.

``invoiced(...)`` drives a website-cms project (EUR 10000.00, five milestones) through proposal,
acceptance, start, delivery, verdicts and approval; the approval issues the invoice through the
``milestone.approved`` domain-event handler, exactly as in production.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from milepost.accounts.models import User
from milepost.billing import services as billing
from milepost.billing.models import Invoice, InvoiceKind
from milepost.plans import services as plans
from milepost.plans.models import Milestone, Project
from milepost.reviews import services as reviews

START = dt.date(2027, 1, 4)  # a Monday

SELLER_ADDRESS = {"street": "Torstraße 19", "postcode": "10119", "city": "Berlin"}
BUYER_ADDRESS = {"street": "3 Grand Canal Square", "postcode": "D02 X285", "city": "Dublin 2"}
SELLER_VAT = "DE123456789"
BUYER_VAT = "IE6388047V"
IBAN = "DE89370400440532013000"
BIC = "COBADEFFXXX"


def set_address(party, fields: dict[str, str]) -> None:
    """Give an organisation or a client the postal fields ``fields`` (not saved)."""
    for name, value in fields.items():
        setattr(party, name, value)


def fresh(user) -> User:
    return User.objects.get(pk=user.pk)


def reload(invoice: Invoice) -> Invoice:
    """The invoice as the selectors load it (snapshots, project, milestone, original)."""
    return Invoice.objects.select_related(
        "project", "project__client", "project__organisation", "milestone", "credit_note_for"
    ).get(pk=invoice.pk)


@dataclass
class Billing:
    world: object

    @property
    def organisation(self):
        return self.world.organisation

    @property
    def client(self):
        return self.world.client

    def project(self, **fields) -> Project:
        """An active project: proposed by the owner, accepted by the client's approver."""
        world = self.world
        values = {
            "organisation": world.organisation,
            "client": world.client,
            "actor": world.owner,
            "template": "website-cms",
            "name": "Acme webshop",
            "currency": "EUR",
            "total_budget": "10000.00",
            "start_date": START,
        }
        values.update(fields)
        project = plans.project_create(**values)
        plans.project_access_grant(
            project=project, email=world.contact.email, role="approver", actor=world.owner
        )
        plans.plan_propose(project=Project.objects.get(pk=project.pk), actor=fresh(world.owner))
        plans.plan_accept(project=Project.objects.get(pk=project.pk), actor=fresh(world.contact))
        return Project.objects.select_related("organisation", "client").get(pk=project.pk)

    def milestone(self, project: Project, position: int = 1) -> Milestone:
        return Milestone.objects.select_related(
            "project", "project__organisation", "project__client"
        ).get(project=project, position=position)

    def approve(self, project: Project, position: int = 1) -> Invoice:
        """Start, deliver, pass every deliverable, approve: the handler issues the invoice."""
        member, approver = fresh(self.world.member), fresh(self.world.contact)
        reviews.milestone_start(milestone=self.milestone(project, position), actor=member)
        reviews.milestone_deliver(
            milestone=self.milestone(project, position), actor=member, notes="Ready to test."
        )
        milestone = self.milestone(project, position)
        for deliverable in milestone.deliverables.order_by("position"):
            reviews.deliverable_verdict(deliverable=deliverable, actor=approver, status="passed")
        reviews.milestone_approve(milestone=self.milestone(project, position), actor=approver)
        return reload(
            Invoice.objects.get(
                milestone__project=project, milestone__position=position, kind=InvoiceKind.INVOICE
            )
        )

    def invoiced(self, position: int = 1, **project_fields) -> Invoice:
        return self.approve(self.project(**project_fields), position)

    def pay(self, invoice: Invoice, amount: str | None = None, date=None) -> Invoice:
        """Record a bank transfer (the whole outstanding amount unless ``amount`` says)."""
        billing.payment_record(
            invoice=invoice,
            amount=amount or str(invoice.outstanding),
            date=date or invoice.issue_date,
            method="bank_transfer",
            reference=invoice.number,
            actor=fresh(self.world.owner),
        )
        return reload(invoice)

    def void(self, invoice: Invoice, reason: str = "Scope moved to milestone 2.") -> Invoice:
        note = billing.invoice_void(invoice=invoice, actor=fresh(self.world.owner), reason=reason)
        return reload(note)


@pytest.fixture
def setup(world) -> Billing:
    """The agency with everything an EN 16931 invoice needs, and an Irish business client."""
    organisation = world.organisation
    organisation.legal_name = "Northwind Studio GmbH"
    set_address(organisation, SELLER_ADDRESS)
    organisation.vat_id = SELLER_VAT
    organisation.iban = IBAN
    organisation.bic = BIC
    organisation.country = "DE"
    organisation.email = "billing@northwind.example"
    organisation.save()
    client = world.client
    set_address(client, BUYER_ADDRESS)
    client.vat_id = BUYER_VAT
    client.country = "IE"
    client.save()
    return Billing(world)

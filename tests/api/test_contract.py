"""The API keeps its contract: every operation of the OpenAPI document, driven with real requests
(Bearer tokens) to its success and error answers, answers only documented statuses with bodies
that validate against the document (tests/api/contract.py)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import stripe
from django.test import override_settings
from rest_framework.test import APIClient

from milepost.accounts import services as accounts
from milepost.accounts.models import Client, Contact, Invitation
from milepost.core import clock
from milepost.plans.models import Milestone, ProjectAccess
from milepost.reviews import services as reviews

from .contract import Contract, fetch_schema
from .demo import EMAILS, PNG, WEBHOOK_URL, Demo

pytestmark = pytest.mark.django_db

TOO_BIG = 2**63  # past SQLite's 64-bit integers
CHECKOUT_URL = "https://checkout.stripe.com/c/pay/cs_test_1"


@dataclass
class Call:
    """One request: as ``who`` (None: anonymous), to the operation's path with ``id``."""

    who: str | None
    expect: int
    id: int | None = None
    body: Any = None
    query: dict[str, Any] = field(default_factory=dict)
    multipart: bool = False
    before: Callable[[Demo], None] | None = None
    payment: int = 1  # for paths with {payment_id}
    number: int = 1  # for paths with {number} (a plan version)
    settings: dict[str, Any] = field(default_factory=dict)


def second_version(d: Demo) -> None:
    """Plan version 2 of the active project: milestone 3 dearer, later, with one more item."""
    from milepost.plans.models import Project

    from ..plan_versions import change_budget_and_due

    change_budget_and_due(Project.objects.get(pk=d.active))


def _m(pk: int) -> Milestone:
    return Milestone.objects.select_related("project", "project__organisation").get(pk=pk)


def a_payment(d: Demo) -> int:
    """A payment of 100.00 recorded on the demo's invoice."""
    from milepost.billing import services as billing
    from milepost.billing.models import Invoice

    invoice = Invoice.objects.select_related("project", "organisation").get(pk=d.invoice)
    return billing.payment_record(
        invoice=invoice,
        amount="100.00",
        date=clock.today(),
        method="bank_transfer",
        actor=Demo.user("manager"),
    ).pk


def reversal_calls(d: Demo) -> list[Call]:
    p = a_payment(d)
    return [
        Call("manager", 400, id=d.invoice, payment=p, body={"reason": ""}),
        Call("approver", 403, id=d.invoice, payment=p, body={"reason": "Twice."}),
        Call("manager", 404, id=d.invoice, payment=987654, body={"reason": "Twice."}),
        Call("manager", 201, id=d.invoice, payment=p, body={"reason": "Twice."}),
        Call("owner", 409, id=d.invoice, payment=p, body={"reason": "Again."}),
    ]


def reversal_preview_calls(d: Demo) -> list[Call]:
    p = a_payment(d)
    return [
        Call("approver", 403, id=d.invoice, payment=p),
        Call("manager", 404, id=d.invoice, payment=987654),
        Call("manager", 200, id=d.invoice, payment=p),
    ]


def approve_in_review(d: Demo) -> None:
    reviews.milestone_approve(
        milestone=_m(d.in_review), actor=Demo.user("approver"), accept_open_items=True
    )


def hold_active(d: Demo) -> None:
    from milepost.plans import services as plans
    from milepost.plans.models import Project

    plans.project_hold(project=Project.objects.get(pk=d.active), actor=Demo.user("owner"))


def changes_requested(d: Demo) -> None:
    reviews.milestone_request_changes(
        milestone=_m(d.in_review), actor=Demo.user("approver"), feedback="Once more."
    )


def extra_revision(d: Demo) -> None:
    reviews.milestone_grant_revision(
        milestone=_m(d.approved), actor=Demo.user("manager"), reason="One more fix."
    )


def access(d: Demo, role: str) -> int:
    """The id of ``role``'s access to the active project (the approver is its only one)."""
    return ProjectAccess.objects.get(project_id=d.active, user__email=EMAILS[role]).pk


def contact(d: Demo, role: str) -> int:
    return Contact.objects.get(client_id=d.client, user__email=EMAILS[role]).pk


def invitation(d: Demo, email: str, *, accepted: bool = False) -> int:
    """A new contact of the demo client, invited and (``accepted``) already in."""
    client = Client.objects.select_related("organisation").get(pk=d.client)
    invited = accounts.contact_invite(client=client, email=email, actor=Demo.user("owner"))
    found = Invitation.objects.get(user=invited.user)
    if accepted:
        Invitation.objects.filter(pk=found.pk).update(used_at=clock.now())
    return found.pk


def sell_revisions(d: Demo) -> None:
    """The active project sells extra revisions, and its milestones have used theirs."""
    from django.db.models import F

    from milepost.plans.models import Milestone, Project

    Project.objects.filter(pk=d.active).update(extra_revision_price="150.00")
    Milestone.objects.filter(project=d.active).update(revisions_used=F("revision_quota"))


def withdraw_change_order(d: Demo) -> None:
    from milepost.plans import services as plans
    from milepost.plans.models import ChangeOrder

    co = ChangeOrder.objects.select_related("project").get(pk=d.change_order)
    plans.change_order_withdraw(change_order=co, actor=Demo.user("owner"))


#: Card payments on, against the loopback Stripe of ``fake_stripe``.
STRIPE_ON = {"STRIPE_SECRET_KEY": "sk_test_contract", "STRIPE_WEBHOOK_SECRET": "whsec_contract"}


def png():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("shot.png", PNG + b"\x00" * 64, content_type="image/png")


NEW_MILESTONE = {
    "title": "Extra page",
    "budget": "100.00",
    "planned_start": "2027-06-01",
    "planned_due": "2027-06-04",
}

#: Per operation, the calls beyond the ones every operation gets (anonymous 401, unknown id 404).
CASES: dict[str, Callable[[Demo], list[Call]]] = {
    "GET /api/v1/me/": lambda d: [Call("owner", 200), Call("approver", 200)],
    "GET /api/v1/me/notification-settings/": lambda d: [Call("approver", 200)],
    "PATCH /api/v1/me/notification-settings/": lambda d: [
        Call("owner", 400, body=["review"]),
        Call("owner", 400, body={"review": "maybe"}),
        Call("owner", 200, body={"review": False}),
    ],
    "POST /api/v1/me/calendar-token/": lambda d: [Call("viewer", 200)],
    "GET /api/v1/organisations/{id}/": lambda d: [
        Call("owner", 200, id=d.organisation),
        Call("member", 200, id=d.organisation),
        Call("approver", 404, id=d.organisation),
        Call("outsider", 404, id=d.organisation),
    ],
    "PATCH /api/v1/organisations/{id}/": lambda d: [
        Call("owner", 400, id=d.organisation, body={"iban": "DE89370400440532013001"}),
        Call("owner", 400, id=d.organisation, body={"legal_address": "Torstraße 19"}),
        Call("owner", 400, id=d.organisation, body={"payment_terms_days": "soon"}),
        Call("manager", 403, id=d.organisation, body={"bic": "COBADEFFXXX"}),
        Call("approver", 404, id=d.organisation, body={"bic": "COBADEFFXXX"}),
        Call("owner", 200, id=d.organisation, body={"iban": "DE89 3704 0044 0532 0130 00"}),
    ],
    "GET /api/v1/clients/": lambda d: [
        Call("owner", 200),
        Call("approver", 200),
        Call("owner", 200, query={"search": "acme", "ordering": "-contacts"}),
        Call("owner", 400, query={"ordering": "vat"}),
        Call("owner", 400, query={"search": "x" * 101}),
        Call("owner", 404, query={"page": 99}),
    ],
    "POST /api/v1/clients/": lambda d: [
        Call("owner", 400, body={"name": ""}),
        Call("member", 403, body={"name": "Globex"}),
        Call("approver", 403, body={"name": "Globex"}),
        Call("owner", 201, body={"name": "Globex", "country": "DE"}),
    ],
    "GET /api/v1/clients/{id}/": lambda d: [
        Call("manager", 200, id=d.client),
        Call("approver", 404, id=d.client),
    ],
    "PATCH /api/v1/clients/{id}/": lambda d: [
        Call("owner", 400, id=d.client, body={"country": "Germany"}),
        Call("member", 403, id=d.client, body={"name": "Acme Ltd"}),
        Call("owner", 200, id=d.client, body={"name": "Acme Ltd"}),
    ],
    "POST /api/v1/clients/{id}/contacts/": lambda d: [
        Call("owner", 400, id=d.client, body={"email": "not an address"}),
        Call("member", 403, id=d.client, body={"email": "new@acme.example"}),
        Call("owner", 201, id=d.client, body={"email": "new@acme.example", "name": "Nia"}),
    ],
    "GET /api/v1/templates/": lambda d: [Call("owner", 200), Call("approver", 200)],
    "GET /api/v1/cash-flow/": lambda d: [
        Call("owner", 200),
        Call("member", 200, query={"interval": "week", "from": "2027-01-04", "to": "2027-03-28"}),
        Call("owner", 200, query={"client": d.client, "organisation": d.organisation}),
        Call("manager", 200, query={"project": d.active}),
        Call("approver", 403),
        Call("outsider", 404, query={"organisation": d.organisation}),
        Call("outsider", 404, query={"client": d.client}),
        Call("owner", 404, query={"project": 987654}),
        Call("owner", 400, query={"from": "2027-05-01", "to": "2027-01-01"}),
        Call("owner", 400, query={"from": "2027-01-01", "to": "2031-01-01"}),
        Call("owner", 400, query={"interval": "year", "from": "soon"}),
        Call("owner", 400, query={"client": TOO_BIG}),
        Call("owner", 400, query={"organisation": -1}),
    ],
    "GET /api/v1/projects/": lambda d: [
        Call("owner", 200),
        Call("approver", 200, query={"status": "active"}),
        Call("owner", 200, query={"client": d.client}),
        Call("owner", 400, query={"status": "lost"}),
        Call("owner", 400, query={"client": TOO_BIG}),
        Call("owner", 400, query={"client": "acme"}),
        Call("owner", 200, query={"search": "shop", "ordering": "-total"}),
        Call("owner", 400, query={"ordering": "budget"}),
        Call("owner", 404, query={"page": 99}),
    ],
    "POST /api/v1/projects/": lambda d: [
        Call("owner", 400, body={"client": d.client}),
        Call("approver", 403, body={"client": d.client}),
        Call(
            "manager",
            201,
            body={
                "client": d.client,
                "name": "Acme newsletter",
                "currency": "EUR",
                "total_budget": "1000.00",
                "start_date": "2027-01-04",
                "template": "website-cms",
            },
        ),
    ],
    "GET /api/v1/projects/{id}/": lambda d: [
        Call("owner", 200, id=d.active),
        Call("approver", 200, id=d.active),
        Call("outsider", 404, id=d.active),
    ],
    "PATCH /api/v1/projects/{id}/": lambda d: [
        Call("owner", 400, id=d.draft, body={"auto_approve_days": "soon"}),
        Call("owner", 409, id=d.active, body={"total_budget": "1.00"}),
        Call("approver", 403, id=d.active, body={"name": "Mine"}),
        Call("owner", 200, id=d.draft, body={"name": "Acme loyalty 2"}),
    ],
    "POST /api/v1/projects/{id}/access/": lambda d: [
        Call("owner", 400, id=d.draft, body={"email": "x@acme.example", "role": "boss"}),
        Call("approver", 403, id=d.active, body={"email": "x@acme.example", "role": "viewer"}),
        Call("owner", 201, id=d.draft, body={"email": "x@acme.example", "role": "viewer"}),
    ],
    "GET /api/v1/projects/{id}/access/": lambda d: [
        Call("owner", 200, id=d.active),
        Call("approver", 403, id=d.active),
        Call("outsider", 404, id=d.active),
    ],
    "PATCH /api/v1/project-access/{id}/": lambda d: [
        Call("owner", 400, id=access(d, "viewer"), body={"role": "boss"}),
        Call("approver", 403, id=access(d, "viewer"), body={"role": "approver"}),
        Call("outsider", 404, id=access(d, "viewer"), body={"role": "approver"}),
        Call("owner", 409, id=access(d, "approver"), body={"role": "viewer"}),
        Call("manager", 200, id=access(d, "viewer"), body={"role": "approver"}),
    ],
    "DELETE /api/v1/project-access/{id}/": lambda d: [
        Call("member", 403, id=access(d, "viewer")),
        Call("outsider", 404, id=access(d, "viewer")),
        Call("owner", 409, id=access(d, "approver")),
        Call("owner", 204, id=access(d, "viewer")),
    ],
    "DELETE /api/v1/contacts/{id}/": lambda d: [
        Call("member", 403, id=contact(d, "viewer")),
        Call("approver", 404, id=contact(d, "viewer")),
        Call("outsider", 404, id=contact(d, "viewer")),
        Call("owner", 409, id=contact(d, "approver")),
        Call("manager", 204, id=contact(d, "viewer")),
    ],
    "POST /api/v1/invitations/{id}/resend/": lambda d: [
        Call("member", 403, id=invitation(d, "new@acme.example")),
        Call("outsider", 404, id=invitation(d, "newer@acme.example")),
        Call("owner", 409, id=invitation(d, "in@acme.example", accepted=True)),
        Call("manager", 200, id=invitation(d, "newest@acme.example")),
    ],
    "POST /api/v1/invitations/{id}/revoke/": lambda d: [
        Call("member", 403, id=invitation(d, "new@acme.example")),
        Call("owner", 409, id=invitation(d, "in@acme.example", accepted=True)),
        Call("owner", 200, id=invitation(d, "newer@acme.example")),
    ],
    "GET /api/v1/projects/{id}/milestones/": lambda d: [
        Call("approver", 200, id=d.active),
        Call("owner", 200, id=d.active, query={"page_size": 2}),
    ],
    "POST /api/v1/projects/{id}/milestones/": lambda d: [
        Call("owner", 400, id=d.draft, body={"title": "No budget"}),
        Call("owner", 409, id=d.active, body=NEW_MILESTONE),
        Call("approver", 403, id=d.active, body=NEW_MILESTONE),
        Call("owner", 201, id=d.draft, body=NEW_MILESTONE),
    ],
    "POST /api/v1/projects/{id}/propose/": lambda d: [
        Call("owner", 409, id=d.active),
        Call("approver", 403, id=d.active),
        Call("owner", 200, id=d.draft),
    ],
    "POST /api/v1/projects/{id}/withdraw/": lambda d: [
        Call("owner", 409, id=d.draft),
        Call("approver", 403, id=d.proposed),
        Call("owner", 200, id=d.proposed),
    ],
    "POST /api/v1/projects/{id}/accept/": lambda d: [
        Call("approver", 409, id=d.active),
        Call("owner", 403, id=d.proposed),
        Call("approver", 200, id=d.proposed),
    ],
    "POST /api/v1/projects/{id}/decline/": lambda d: [
        Call("approver", 400, id=d.proposed, body={}),
        Call("owner", 403, id=d.proposed, body={"reason": "Too dear."}),
        Call("approver", 200, id=d.proposed, body={"reason": "Too dear."}),
    ],
    "GET /api/v1/projects/{id}/change-orders/": lambda d: [
        Call("owner", 200, id=d.active),
        Call("approver", 200, id=d.active),
        Call("outsider", 404, id=d.active),
    ],
    "POST /api/v1/projects/{id}/change-orders/": lambda d: [
        Call("owner", 400, id=d.active, body={"title": "", "changes": []}),
        Call("owner", 400, id=d.active, body={"title": "x", "changes": "all"}),
        Call("owner", 409, id=d.draft, body={"title": "x", "changes": []}),
        Call("approver", 403, id=d.active, body={"title": "x"}),
        Call("manager", 201, id=d.active, body={"title": "Shop", "changes": []}),
    ],
    "GET /api/v1/change-orders/{id}/": lambda d: [
        Call("owner", 200, id=d.change_order),
        Call("owner", 200, id=d.draft_change_order),
        Call("approver", 200, id=d.change_order),
        Call("approver", 404, id=d.draft_change_order),
        Call("outsider", 404, id=d.change_order),
    ],
    "PATCH /api/v1/change-orders/{id}/": lambda d: [
        Call("owner", 400, id=d.draft_change_order, body={"changes": "all"}),
        Call("owner", 409, id=d.change_order, body={"title": "Renamed"}),
        Call("member", 403, id=d.draft_change_order, body={"title": "Renamed"}),
        Call("owner", 200, id=d.draft_change_order, body={"title": "Renamed"}),
    ],
    "DELETE /api/v1/change-orders/{id}/": lambda d: [
        Call("owner", 409, id=d.change_order),
        Call("member", 403, id=d.draft_change_order),
        Call("owner", 204, id=d.draft_change_order),
    ],
    "POST /api/v1/change-orders/{id}/propose/": lambda d: [
        Call("owner", 409, id=d.draft_change_order),  # CO-1 waits for the client
        Call("member", 403, id=d.draft_change_order),
        Call("owner", 200, id=d.draft_change_order, before=withdraw_change_order),
    ],
    "POST /api/v1/change-orders/{id}/rebase/": lambda d: [
        Call("owner", 409, id=d.change_order),
        Call("owner", 200, id=d.draft_change_order),
    ],
    "POST /api/v1/change-orders/{id}/withdraw/": lambda d: [
        Call("owner", 409, id=d.draft_change_order),
        Call("approver", 403, id=d.change_order),
        Call("manager", 200, id=d.change_order),
    ],
    "POST /api/v1/change-orders/{id}/revise/": lambda d: [
        Call("owner", 409, id=d.change_order),
        Call("owner", 200, id=d.change_order, before=withdraw_change_order),
    ],
    "POST /api/v1/change-orders/{id}/accept/": lambda d: [
        Call("owner", 403, id=d.change_order),
        Call("approver", 200, id=d.change_order),
        Call("approver", 409, id=d.change_order),  # answered already
    ],
    "POST /api/v1/change-orders/{id}/decline/": lambda d: [
        Call("approver", 400, id=d.change_order, body={"reason": " "}),
        Call("owner", 403, id=d.change_order, body={"reason": "No"}),
        Call("approver", 200, id=d.change_order, body={"reason": "Too dear."}),
    ],
    "POST /api/v1/milestones/{id}/buy-revision/": lambda d: [
        Call("owner", 403, id=d.in_review),
        Call("approver", 409, id=d.in_review),  # the demo sells no extra revisions
        Call("approver", 409, id=d.planned, before=sell_revisions),  # nothing to revise yet
        Call("approver", 409, id=d.in_review, before=sell_revisions),  # CO-1 waits
        Call("approver", 200, id=d.in_review, before=withdraw_change_order),
    ],
    "GET /api/v1/milestones/{id}/change-requests/": lambda d: [
        Call("owner", 200, id=d.planned),
        Call("viewer", 200, id=d.planned),
        Call("outsider", 404, id=d.planned),
    ],
    "POST /api/v1/milestones/{id}/change-requests/": lambda d: [
        Call("approver", 400, id=d.planned, body={"text": " "}),
        Call("owner", 403, id=d.planned, body={"text": "More"}),
        Call("approver", 201, id=d.planned, body={"text": "A newsletter sign-up"}),
    ],
    "GET /api/v1/change-requests/{id}/": lambda d: [
        Call("owner", 200, id=d.change_request),
        Call("approver", 200, id=d.change_request),
        Call("outsider", 404, id=d.change_request),
    ],
    "POST /api/v1/change-requests/{id}/decline/": lambda d: [
        Call("owner", 400, id=d.change_request, body={"reason": ""}),
        Call("approver", 403, id=d.change_request, body={"reason": "No"}),
        Call("manager", 200, id=d.change_request, body={"reason": "Out of scope."}),
        Call("manager", 409, id=d.change_request, body={"reason": "Again."}),
    ],
    "POST /api/v1/projects/{id}/hold/": lambda d: [
        Call("owner", 400, id=d.active, body={"reason": "x" * 2001}),
        Call("owner", 409, id=d.draft, body={}),
        Call("approver", 403, id=d.active, body={}),
        Call("outsider", 404, id=d.active, body={}),
        Call("manager", 200, id=d.active, body={"reason": "Budget freeze until March."}),
    ],
    "POST /api/v1/projects/{id}/resume/": lambda d: [
        Call("owner", 409, id=d.active),
        Call("approver", 403, id=d.active),
        Call("owner", 200, id=d.active, before=hold_active),
    ],
    "POST /api/v1/projects/{id}/cancel/": lambda d: [
        Call("owner", 400, id=d.active, body={"reason": "  "}),
        Call("approver", 403, id=d.active, body={"reason": "Mine."}),
        Call("outsider", 404, id=d.active, body={"reason": "Theirs."}),
        Call("owner", 200, id=d.proposed, body={"reason": "The client chose another agency."}),
        Call("owner", 409, id=d.proposed, body={"reason": "Twice."}),
    ],
    "DELETE /api/v1/projects/{id}/": lambda d: [
        Call("approver", 403, id=d.active),
        Call("outsider", 404, id=d.draft),
        Call("owner", 409, id=d.active),
        Call("owner", 204, id=d.draft),
    ],
    "GET /api/v1/projects/{id}/plan-versions/": lambda d: [
        Call("approver", 200, id=d.active),
        Call("owner", 200, id=d.draft),
    ],
    "GET /api/v1/projects/{id}/plan-versions/{number}/": lambda d: [
        Call("approver", 200, id=d.active),
        Call("owner", 200, id=d.active, number=1),
        Call("owner", 404, id=d.active, number=2),
        Call("outsider", 404, id=d.active),
    ],
    "GET /api/v1/projects/{id}/plan-versions/{number}/diff/": lambda d: [
        Call("approver", 200, id=d.active, query={"against": 1}),
        Call("owner", 404, id=d.active),  # the baseline has no version before it
        Call("approver", 200, id=d.active, number=2, before=second_version),
        Call("owner", 404, id=d.active, query={"against": 3}),
        Call("owner", 400, id=d.active, query={"against": "two"}),
        Call("outsider", 404, id=d.active, query={"against": 1}),
    ],
    "GET /api/v1/projects/{id}/timeline/": lambda d: [
        Call("owner", 200, id=d.active),
        Call("approver", 200, id=d.active),
        Call("viewer", 200, id=d.active),
        Call("owner", 200, id=d.proposed),  # no baseline yet: empty
        Call("outsider", 404, id=d.active),
    ],
    "GET /api/v1/projects/{id}/payment-schedule/": lambda d: [
        Call("approver", 200, id=d.active),
        Call("viewer", 200, id=d.active, before=a_payment),  # the invoice part-paid
        Call("owner", 200, id=d.proposed),
        Call("outsider", 404, id=d.active),
    ],
    "GET /api/v1/projects/{id}/events/": lambda d: [
        Call("owner", 200, id=d.active),
        Call("owner", 404, id=d.active, query={"page": 999}),
    ],
    "GET /api/v1/milestones/{id}/": lambda d: [
        Call("owner", 200, id=d.approved),
        Call("approver", 200, id=d.in_review),
        Call("outsider", 404, id=d.approved),
    ],
    "PATCH /api/v1/milestones/{id}/": lambda d: [
        Call("owner", 400, id=d.draft_milestone, body={"planned_due": "soon"}),
        Call("owner", 409, id=d.planned, body={"title": "Renamed"}),
        Call("approver", 403, id=d.planned, body={"title": "Renamed"}),
        Call("owner", 200, id=d.draft_milestone, body={"title": "Renamed"}),
    ],
    "DELETE /api/v1/milestones/{id}/": lambda d: [
        Call("owner", 409, id=d.planned),
        Call("approver", 403, id=d.planned),
        Call("owner", 204, id=d.draft_milestone),
    ],
    "POST /api/v1/milestones/{id}/start/": lambda d: [
        Call("owner", 409, id=d.planned),
        Call("approver", 403, id=d.planned),
        Call("member", 200, id=d.planned, before=approve_in_review),
    ],
    "POST /api/v1/milestones/{id}/deliver/": lambda d: [
        Call("member", 409, id=d.in_review, body={"notes": "Again."}, multipart=True),
        Call("approver", 403, id=d.in_review, body={"notes": "Mine."}, multipart=True),
        Call(
            "member",
            400,
            id=d.in_review,
            body={"notes": "v3", "preview_url": "ftp://x"},
            multipart=True,
            before=changes_requested,
        ),
        Call(
            "member",
            201,
            id=d.in_review,
            body={"notes": "v3", "files": [png()]},
            multipart=True,
        ),
    ],
    "GET /api/v1/milestones/{id}/checklist/": lambda d: [
        Call("approver", 200, id=d.in_review),
        Call("owner", 200, id=d.planned),
    ],
    "GET /api/v1/milestones/{id}/deliveries/": lambda d: [
        Call("approver", 200, id=d.in_review),
        Call("owner", 200, id=d.approved),
    ],
    "POST /api/v1/milestones/{id}/request-changes/": lambda d: [
        Call("approver", 400, id=d.in_review, body={"feedback": ""}),
        Call("owner", 403, id=d.in_review, body={"feedback": "Mine."}),
        Call("approver", 409, id=d.planned, body={"feedback": "Not yet."}),
        Call("approver", 200, id=d.in_review, body={"feedback": "The logo is blurry."}),
    ],
    "POST /api/v1/milestones/{id}/approve/": lambda d: [
        Call("approver", 400, id=d.in_review, body={"accept_open_items": "perhaps"}),
        Call("owner", 403, id=d.in_review, body={}),
        Call("approver", 409, id=d.planned, body={}),
        Call("approver", 200, id=d.in_review, body={"accept_open_items": True, "note": "Good."}),
    ],
    "POST /api/v1/milestones/{id}/grant-revision/": lambda d: [
        Call("owner", 400, id=d.in_review, body={"reason": ""}),
        Call("member", 403, id=d.in_review, body={"reason": "Kind."}),
        Call("approver", 403, id=d.in_review, body={"reason": "Kind."}),
        Call("manager", 200, id=d.in_review, body={"reason": "Kind."}),
    ],
    "GET /api/v1/milestones/{id}/comments/": lambda d: [
        Call("viewer", 200, id=d.in_review),
        Call("owner", 200, id=d.in_review, query={"page_size": 1}),
    ],
    "POST /api/v1/milestones/{id}/comments/": lambda d: [
        Call("viewer", 400, id=d.in_review, body={"body": ""}),
        Call("viewer", 201, id=d.in_review, body={"body": "**Nice**"}),
        Call(
            "member",
            201,
            id=d.in_review,
            body={"body": "See file", "files": [png()]},
            multipart=True,
        ),
    ],
    "GET /api/v1/milestones/{id}/support-requests/": lambda d: [
        Call("approver", 200, id=d.approved),
        Call("owner", 200, id=d.planned),
    ],
    "POST /api/v1/milestones/{id}/support-requests/": lambda d: [
        Call("approver", 400, id=d.approved, body={"description": ""}),
        Call("owner", 403, id=d.approved, body={"description": "Mine."}),
        Call("approver", 409, id=d.planned, body={"description": "Too early."}),
        Call(
            "approver",
            201,
            id=d.approved,
            body={"description": "The logo is blurry."},
            before=extra_revision,
        ),
    ],
    "POST /api/v1/support-requests/{id}/resolve/": lambda d: [
        Call("approver", 403, id=d.support_request, body={}),
        Call("member", 200, id=d.support_request, body={"resolution": "Fixed."}),
        Call("member", 409, id=d.support_request, body={}),
    ],
    "POST /api/v1/deliverables/{id}/verdict/": lambda d: [
        Call("approver", 400, id=d.deliverable, body={"status": "meh"}),
        Call("owner", 403, id=d.deliverable, body={"status": "passed"}),
        Call("approver", 200, id=d.deliverable, body={"status": "failed", "note": "Blurry."}),
    ],
    "GET /api/v1/invoices/": lambda d: [
        Call("owner", 200),
        Call("approver", 200, query={"status": "issued"}),
        Call("owner", 200, query={"project": d.active}),
        Call("owner", 400, query={"status": "lost"}),
        Call("owner", 400, query={"project": TOO_BIG}),
        Call("owner", 400, query={"project": -1}),
        Call("approver", 200, query={"status": "unpaid", "search": "INV-", "ordering": "due"}),
        Call("owner", 400, query={"ordering": "amount"}),
        Call("owner", 404, query={"page": 9}),
    ],
    "GET /api/v1/invoices/{id}/": lambda d: [
        Call("manager", 200, id=d.invoice),
        Call("approver", 200, id=d.invoice),
        Call("outsider", 404, id=d.invoice),
    ],
    "GET /api/v1/invoices/{id}/pdf/": lambda d: [Call("approver", 200, id=d.invoice)],
    "GET /api/v1/change-orders/{id}/pdf/": lambda d: [
        Call("approver", 200, id=d.change_order),
        Call("owner", 200, id=d.draft_change_order),
        Call("approver", 404, id=d.draft_change_order),
    ],
    "POST /api/v1/invoices/{id}/payments/": lambda d: [
        Call("manager", 400, id=d.invoice, body={"amount": "1.00"}),
        Call("approver", 403, id=d.invoice, body={"amount": "1.00"}),
        Call(
            "manager",
            201,
            id=d.invoice,
            body={"amount": "100.00", "date": str(clock.today()), "method": "bank_transfer"},
        ),
    ],
    "GET /api/v1/invoices/{id}/payment-preview/": lambda d: [
        Call("manager", 400, id=d.invoice, query={"amount": "lots"}),
        Call("approver", 403, id=d.invoice, query={"amount": "1.00"}),
        Call("manager", 200, id=d.invoice, query={"amount": "100.00"}),
    ],
    "GET /api/v1/invoices/{id}/payments/{payment_id}/reversal-preview/": reversal_preview_calls,
    "POST /api/v1/invoices/{id}/payments/{payment_id}/reverse/": reversal_calls,
    "GET /api/v1/milestones/{id}/approval-preview/": lambda d: [
        Call("owner", 403, id=d.in_review),
        Call("approver", 409, id=d.planned),
        Call("approver", 200, id=d.in_review),
    ],
    "GET /api/v1/milestones/{id}/changes-preview/": lambda d: [
        Call("member", 403, id=d.in_review),
        Call("approver", 409, id=d.approved),
        Call("approver", 200, id=d.in_review),
    ],
    "GET /api/v1/projects/{id}/proposal-preview/": lambda d: [
        Call("member", 403, id=d.draft),
        Call("owner", 409, id=d.proposed),
        Call("manager", 200, id=d.draft),
    ],
    "GET /api/v1/projects/{id}/acceptance-preview/": lambda d: [
        Call("owner", 403, id=d.proposed),
        Call("approver", 409, id=d.active),
        Call("approver", 200, id=d.proposed),
    ],
    "POST /api/v1/invoices/{id}/void/": lambda d: [
        Call("approver", 403, id=d.invoice, body={}),
        Call("owner", 400, id=d.invoice, body={"reissue": "later"}),
        Call("owner", 201, id=d.invoice, body={"reason": "Wrong address."}),
        Call("owner", 409, id=d.invoice, body={}),
    ],
    "POST /api/v1/invoices/{id}/checkout/": lambda d: [
        Call("owner", 403, id=d.invoice),
        Call("approver", 409, id=d.invoice),  # card payments are off without Stripe keys
        Call("approver", 200, id=d.invoice, settings=STRIPE_ON),
    ],
    "GET /api/v1/notifications/": lambda d: [
        Call("owner", 200),
        Call("approver", 200, query={"unread": "true"}),
        Call("approver", 200, query={"ordering": "created"}),
        Call("owner", 400, query={"ordering": "title"}),
        Call("owner", 404, query={"page": 99}),
    ],
    "POST /api/v1/notifications/{id}/read/": lambda d: [
        Call("approver", 404, id=d.notification),
        Call("owner", 200, id=d.notification),
    ],
    "POST /api/v1/notifications/read-all/": lambda d: [Call("owner", 200)],
    "GET /api/v1/webhook-endpoints/": lambda d: [
        Call("owner", 200),
        Call("outsider", 200),
        Call("manager", 403),
        Call("approver", 403),
        Call("owner", 404, query={"page": 99}),
        Call(
            "owner", 200, query={"updated_since": "2026-01-01T00:00:00Z", "ordering": "-updated_at"}
        ),
        Call("owner", 400, query={"ordering": "url"}),
        Call("owner", 400, query={"updated_since": "yesterday"}),
    ],
    "POST /api/v1/webhook-endpoints/": lambda d: [
        Call("owner", 400, body={"url": "javascript:alert(1)"}),
        Call("owner", 400, body={"url": "https://10.0.0.1/", "event_types": []}),
        Call("owner", 400, body={"url": WEBHOOK_URL, "event_types": "all"}),
        Call("member", 403, body={"url": WEBHOOK_URL}),
        Call("approver", 403, body={"url": WEBHOOK_URL}),
        Call("owner", 400, body={"url": WEBHOOK_URL}, settings=HOOKS_OK),  # the demo's own URL
        Call(
            "owner", 400, body={"url": WEBHOOK_URL + "/2", "secret": "whsec_x"}, settings=HOOKS_OK
        ),
        Call(
            "owner", 201, body={"url": WEBHOOK_URL + "/2", "event_types": ["*"]}, settings=HOOKS_OK
        ),
    ],
    "GET /api/v1/webhook-endpoints/{id}/": lambda d: [
        Call("owner", 200, id=d.webhook_endpoint),
        Call("manager", 403, id=d.webhook_endpoint),
        Call("approver", 404, id=d.webhook_endpoint),
        Call("outsider", 404, id=d.webhook_endpoint),
    ],
    "PATCH /api/v1/webhook-endpoints/{id}/": lambda d: [
        Call("owner", 400, id=d.webhook_endpoint, body={"event_types": ["project.exploded"]}),
        Call("owner", 400, id=d.webhook_endpoint, body={"enabled": "sometimes"}),
        Call("member", 403, id=d.webhook_endpoint, body={"description": "Mine"}),
        Call("owner", 200, id=d.webhook_endpoint, body={"description": "Accounting"}),
    ],
    "DELETE /api/v1/webhook-endpoints/{id}/": lambda d: [
        Call("manager", 403, id=d.webhook_endpoint),
        Call("owner", 204, id=d.webhook_endpoint),
    ],
    "POST /api/v1/webhook-endpoints/{id}/rotate-secret/": lambda d: [
        Call("member", 403, id=d.webhook_endpoint),
        Call("owner", 200, id=d.webhook_endpoint),
    ],
    "POST /api/v1/webhook-endpoints/{id}/test/": lambda d: [
        Call("manager", 403, id=d.webhook_endpoint),
        Call("owner", 202, id=d.webhook_endpoint),
        Call("owner", 409, id=d.webhook_endpoint, before=disable_webhook_endpoint),
    ],
    "GET /api/v1/webhook-endpoints/{id}/deliveries/": lambda d: [
        Call("owner", 200, id=d.webhook_endpoint),
        Call("owner", 200, id=d.webhook_endpoint, query={"ordering": "updated_at"}),
        Call("owner", 400, id=d.webhook_endpoint, query={"updated_since": "2026-01-01"}),
        Call("member", 403, id=d.webhook_endpoint),
    ],
    "POST /api/v1/webhook-deliveries/{id}/resend/": lambda d: [
        Call("manager", 403, id=d.webhook_delivery),
        Call("outsider", 404, id=d.webhook_delivery),
        Call("owner", 202, id=d.webhook_delivery),
    ],
    "GET /api/v1/events/": lambda d: [
        Call("owner", 200),
        Call("owner", 200, query={"limit": 1}),
        Call("owner", 400, query={"after": "evt_nope"}),
        Call("owner", 400, query={"limit": 1000}),
        Call("member", 403),
        Call("approver", 403),
    ],
}


HOOKS_OK = {"WEBHOOK_ALLOWED_HOSTS": ["127.0.0.1"]}


def disable_webhook_endpoint(d: Demo) -> None:
    from milepost.integrations.models import WebhookEndpoint

    WebhookEndpoint.objects.filter(pk=d.webhook_endpoint).update(enabled=False)


def generic_calls(template: str) -> list[Call]:
    """What every operation answers: 401 without credentials, 404 for an id that is not there
    (one past SQLite's integers included)."""
    calls = [Call(None, 401, id=1 if "{id}" in template else None)]
    if "{id}" in template:
        calls += [Call("owner", 404, id=987654), Call("approver", 404, id=TOO_BIG)]
    return calls


def send(method: str, template: str, call: Call, demo: Demo):
    client = APIClient()
    if call.who is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {demo.tokens[call.who]}")
    path = (
        template.replace("{id}", str(call.id))
        .replace("{payment_id}", str(call.payment))
        .replace("{number}", str(call.number))
    )
    if method == "GET":
        return client.get(path, call.query)
    if call.query:
        path += "?" + "&".join(f"{k}={v}" for k, v in call.query.items())
    kind = "multipart" if call.multipart else "json"
    return getattr(client, method.lower())(path, call.body, format=kind)


@pytest.fixture(scope="module")
def fake_stripe():
    """A Stripe API on loopback that opens Checkout sessions (stripe.api_base points to it)."""

    class Stripe(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            assert self.path == "/v1/checkout/sessions", self.path
            body = json.dumps(
                {"id": "cs_test_1", "object": "checkout.session", "url": CHECKOUT_URL}
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Stripe)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    previous, stripe.api_base = stripe.api_base, f"http://127.0.0.1:{server.server_port}"
    yield server
    stripe.api_base = previous
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def contract(django_db_setup, django_db_blocker) -> Contract:
    with django_db_blocker.unblock():
        return Contract(fetch_schema())


def test_every_operation_in_the_schema_has_cases(contract):
    assert set(CASES) == set(contract.operations())


@pytest.mark.parametrize("operation", sorted(CASES))
def test_every_answer_is_documented_and_matches_the_schema(operation, demo, contract, fake_stripe):
    method, template = operation.split(" ", 1)
    classes = set()
    for call in generic_calls(template) + CASES[operation](demo):
        if call.before is not None:
            call.before(demo)
        with override_settings(**call.settings):
            response = send(method, template, call, demo)
        assert response.status_code == call.expect, (call, response.content[:400])
        contract.check(method, template, response)
        classes.add(response.status_code // 100)
    assert {2, 4} <= classes, f"{operation}: drive both a success and an error"


def test_the_strict_check_catches_an_undeclared_field_and_a_relative_uri(demo, contract):
    """The checker itself: a field the schema does not name, or a path where it says URI."""

    class Fake:
        status_code = 200
        content = b"{}"

        def __init__(self, body):
            self.body = body

        def get(self, key, default=None):
            return "application/json"

        def json(self):
            return self.body

    good = send("GET", "/api/v1/me/", Call("owner", 200), demo).json()
    assert contract.problems("GET", "/api/v1/me/", Fake(good)) == []
    extra = contract.problems("GET", "/api/v1/me/", Fake({**good, "secret": 1}))
    assert extra and "secret" in extra[0]
    relative = contract.problems("GET", "/api/v1/me/", Fake({**good, "calendar_url": "/c.ics"}))
    assert relative and "uri" in relative[0]


def test_reads_and_writes_of_one_address_are_described_apart(contract):
    """A list that also takes POST: the GET is a page and creates nothing, the POST is not paged."""
    for operation in contract.operations():
        method, template = operation.split(" ", 1)
        described = contract.operation(method, template)
        query = {p["name"] for p in described.get("parameters", []) if p["in"] == "query"}
        if method == "GET":
            assert "201" not in described["responses"], operation
            assert "requestBody" not in described, operation
        else:
            assert not query & {"page", "page_size"}, operation

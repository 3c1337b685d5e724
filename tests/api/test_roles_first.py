"""The role is checked before the body: someone whose role does not allow an action hears 403,
never which of their fields were wrong (issue 10, item 12). Every write operation of the API is
listed here by who may call it, and the schema proves the lists complete."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from milepost.audit.models import AuditEvent

from .contract import Contract, fetch_schema
from .helpers import assert_error

pytestmark = pytest.mark.django_db

BAD = {"name": "", "email": 7, "status": "?", "amount": [], "title": "", "budget": {}}

#: Agency-only writes: (operation, the demo object whose id goes in the path, an invalid body).
#: Contacts of the client see every one of these objects but the agency's records of the client
#: (``AGENCY_RECORDS``): the client, its contacts and their invitations.
#: So are change orders never proposed (``draft_change_order``).
#: And the webhooks (owners only): contacts are in no organisation to own them.
AGENCY_RECORDS = {
    "client",
    "viewer_contact",
    "invitation",
    "draft_change_order",
    "webhook_endpoint",
    "webhook_delivery",
}
AGENCY_ONLY = [
    ("PATCH /api/v1/organisations/{id}/", "organisation", BAD),
    ("POST /api/v1/clients/", None, BAD),
    ("PATCH /api/v1/clients/{id}/", "client", BAD),
    ("POST /api/v1/clients/{id}/contacts/", "client", BAD),
    ("POST /api/v1/projects/", None, BAD),
    ("PATCH /api/v1/projects/{id}/", "active", {"auto_approve_days": "soon"}),
    ("POST /api/v1/projects/{id}/access/", "active", BAD),
    ("PATCH /api/v1/project-access/{id}/", "viewer_access", {"role": "boss"}),
    ("DELETE /api/v1/project-access/{id}/", "viewer_access", None),
    ("DELETE /api/v1/contacts/{id}/", "viewer_contact", None),
    ("POST /api/v1/invitations/{id}/resend/", "invitation", BAD),
    ("POST /api/v1/invitations/{id}/revoke/", "invitation", BAD),
    ("POST /api/v1/projects/{id}/milestones/", "active", BAD),
    ("POST /api/v1/projects/{id}/propose/", "active", BAD),
    ("POST /api/v1/projects/{id}/withdraw/", "proposed", BAD),
    ("POST /api/v1/projects/{id}/hold/", "active", {"reason": []}),
    ("POST /api/v1/projects/{id}/resume/", "active", BAD),
    ("POST /api/v1/projects/{id}/cancel/", "active", {"reason": []}),
    ("DELETE /api/v1/projects/{id}/", "active", None),
    ("PATCH /api/v1/milestones/{id}/", "planned", {"planned_due": "soon"}),
    ("DELETE /api/v1/milestones/{id}/", "planned", None),
    ("POST /api/v1/milestones/{id}/start/", "planned", BAD),
    ("POST /api/v1/milestones/{id}/deliver/", "in_review", {"preview_url": 5}),
    ("POST /api/v1/milestones/{id}/grant-revision/", "in_review", {"reason": []}),
    ("POST /api/v1/support-requests/{id}/resolve/", "support_request", {"resolution": []}),
    ("POST /api/v1/invoices/{id}/payments/", "invoice", BAD),
    ("POST /api/v1/invoices/{id}/void/", "invoice", {"reissue": "later"}),
    ("POST /api/v1/invoices/{id}/payments/{payment_id}/reverse/", "invoice", {"reason": []}),
    ("POST /api/v1/projects/{id}/change-orders/", "active", {"title": [], "changes": 5}),
    ("PATCH /api/v1/change-orders/{id}/", "draft_change_order", {"changes": "all"}),
    ("DELETE /api/v1/change-orders/{id}/", "draft_change_order", None),
    ("POST /api/v1/change-orders/{id}/propose/", "draft_change_order", BAD),
    ("POST /api/v1/change-orders/{id}/rebase/", "draft_change_order", BAD),
    ("POST /api/v1/change-orders/{id}/withdraw/", "change_order", BAD),
    ("POST /api/v1/change-orders/{id}/revise/", "change_order", BAD),
    ("POST /api/v1/change-requests/{id}/decline/", "change_request", {"reason": []}),
    ("POST /api/v1/webhook-endpoints/", None, {"url": 5, "event_types": "all"}),
    ("PATCH /api/v1/webhook-endpoints/{id}/", "webhook_endpoint", {"event_types": "all"}),
    ("DELETE /api/v1/webhook-endpoints/{id}/", "webhook_endpoint", None),
    ("POST /api/v1/webhook-endpoints/{id}/rotate-secret/", "webhook_endpoint", BAD),
    ("POST /api/v1/webhook-endpoints/{id}/test/", "webhook_endpoint", BAD),
    ("POST /api/v1/webhook-deliveries/{id}/resend/", "webhook_delivery", BAD),
]

#: The client approver's writes, refused to the agency's owner whatever the body.
CLIENT_ONLY = [
    ("POST /api/v1/projects/{id}/accept/", "proposed", BAD),
    ("POST /api/v1/projects/{id}/decline/", "proposed", {"reason": []}),
    ("POST /api/v1/milestones/{id}/request-changes/", "in_review", {"feedback": []}),
    ("POST /api/v1/milestones/{id}/approve/", "in_review", {"accept_open_items": "maybe"}),
    ("POST /api/v1/milestones/{id}/support-requests/", "approved", {"description": []}),
    ("POST /api/v1/deliverables/{id}/verdict/", "deliverable", {"status": "?"}),
    ("POST /api/v1/invoices/{id}/checkout/", "invoice", BAD),
    ("POST /api/v1/change-orders/{id}/accept/", "change_order", BAD),
    ("POST /api/v1/change-orders/{id}/decline/", "change_order", {"reason": []}),
    ("POST /api/v1/milestones/{id}/buy-revision/", "in_review", BAD),
    ("POST /api/v1/milestones/{id}/change-requests/", "in_review", {"text": []}),
]

#: Writes anyone who sees the object may make (their own settings, comments, notifications).
ANYONE = [
    "PATCH /api/v1/me/notification-settings/",
    "POST /api/v1/me/calendar-token/",
    "POST /api/v1/milestones/{id}/comments/",
    "POST /api/v1/notifications/{id}/read/",
    "POST /api/v1/notifications/read-all/",
]


def _a_payment(demo) -> int:
    """A payment recorded on the demo's invoice (the reversal's path names one)."""
    from milepost.accounts.models import User
    from milepost.billing import services as billing
    from milepost.billing.models import Invoice
    from milepost.core import clock

    invoice = Invoice.objects.select_related("project", "organisation").get(pk=demo.invoice)
    manager = User.objects.get(email="manager@northwind.example")
    return billing.payment_record(
        invoice=invoice, amount="1.00", date=clock.today(), method="cash", actor=manager
    ).pk


def _path(demo, operation: str, target: str | None) -> str:
    template = operation.split(" ", 1)[1]
    path = template.replace("{id}", str(getattr(demo, target))) if target else template
    if "{payment_id}" in path:
        path = path.replace("{payment_id}", str(_a_payment(demo)))
    return path


def _call(demo, who: str, operation: str, target: str | None, body, path: str | None = None):
    method = operation.split(" ", 1)[0]
    path = path or _path(demo, operation, target)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {demo.tokens[who]}")
    return getattr(client, method.lower())(path, body, format="json")


@pytest.mark.parametrize(("operation", "target", "body"), AGENCY_ONLY)
@pytest.mark.parametrize("who", ["approver", "viewer"])
def test_a_client_contact_sending_anything_to_an_agency_action_gets_403(
    demo, who, operation, target, body
):
    """The agency and its clients are its records, which contacts do not see at all: 404 there."""
    path = _path(demo, operation, target)
    before = AuditEvent.objects.count()
    hidden = target in AGENCY_RECORDS or target == "organisation"
    expected = (404, "not_found") if hidden else (403, "permission_denied")
    assert_error(_call(demo, who, operation, target, body, path), *expected)
    assert AuditEvent.objects.count() == before


#: What every agency member may do; the rest of AGENCY_ONLY is for owners and managers.
MEMBERS_TOO = ("/start/", "/deliver/", "/resolve/")
MANAGERS_ONLY = [op for op in AGENCY_ONLY if not op[0].endswith(MEMBERS_TOO)]


@pytest.mark.parametrize(("operation", "target", "body"), MANAGERS_ONLY)
def test_a_member_sending_anything_to_a_managers_action_gets_403(demo, operation, target, body):
    assert_error(_call(demo, "member", operation, target, body), 403, "permission_denied")


@pytest.mark.parametrize(("operation", "target", "body"), CLIENT_ONLY)
@pytest.mark.parametrize("who", ["owner", "member", "viewer"])
def test_anyone_but_an_approver_sending_anything_to_a_clients_action_gets_403(
    demo, who, operation, target, body
):
    assert_error(_call(demo, who, operation, target, body), 403, "permission_denied")


def test_every_write_operation_is_listed_by_who_may_call_it(db):
    schema = Contract(fetch_schema())
    writes = {op for op in schema.operations() if not op.startswith("GET ")}
    listed = [op for op, _t, _b in AGENCY_ONLY + CLIENT_ONLY] + ANYONE
    assert len(listed) == len(set(listed))
    assert writes == set(listed)

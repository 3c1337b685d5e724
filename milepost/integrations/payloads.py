"""The object of a public event, as the API shows it to the organisation's owner."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db.models import Prefetch

from milepost.api.billing_serializers import InvoiceDetailSerializer, PaymentSerializer
from milepost.api.change_order_views import change_order_json
from milepost.api.common import datetime_json
from milepost.api.plan_json import milestone_json, project_json
from milepost.api.review_serializers import SupportRequestSerializer
from milepost.billing.models import Invoice, Payment
from milepost.billing.selectors import payments_with_reversals
from milepost.plans.models import ChangeOrder, Milestone, Project
from milepost.reviews.models import SupportRequest

from .public import VERSION


def _project(pk: int) -> dict[str, Any]:
    project = Project.objects.prefetch_related("milestones__deliverables").get(pk=pk)
    return project_json(project, project.milestones.all())


def _milestone(pk: int) -> dict[str, Any]:
    milestone = (
        Milestone.objects.select_related("project", "approved_by")
        .prefetch_related("deliverables")
        .get(pk=pk)
    )
    return milestone_json(milestone, milestone.project.currency)


def _invoice(pk: int) -> dict[str, Any]:
    """As ``GET /api/v1/invoices/{id}/`` answers it: with its payments and the day it was paid
    in full (an ``invoice.paid`` without ``paid_in_full_on`` said less than the API)."""
    invoice = (
        Invoice.objects.select_related("credit_note_for", "corrects")
        .prefetch_related(Prefetch("payments", queryset=payments_with_reversals()))
        .get(pk=pk)
    )
    return dict(InvoiceDetailSerializer(invoice).data)


def _payment(pk: int) -> dict[str, Any]:
    payment = Payment.objects.select_related("invoice", "reversal").get(pk=pk)
    return {**PaymentSerializer(payment).data, "invoice": payment.invoice_id}


def _support_request(pk: int) -> dict[str, Any]:
    request = SupportRequest.objects.select_related("filed_by", "resolved_by").get(pk=pk)
    return dict(SupportRequestSerializer(request).data)


def _change_order(pk: int) -> dict[str, Any]:
    change_order = ChangeOrder.objects.select_related(
        "project", "proposed_by", "decided_by", "result_version"
    ).get(pk=pk)
    return change_order_json(change_order)


OBJECTS: dict[str, Callable[[int], dict[str, Any]]] = {
    "project": _project,
    "milestone": _milestone,
    "invoice": _invoice,
    "payment": _payment,
    "support_request": _support_request,
    "change_order": _change_order,
}


def object_json(object_type: str, pk: int) -> dict[str, Any]:
    """The object as its API endpoint answers it (``GET /api/v1/<objects>/<id>/``)."""
    return OBJECTS[object_type](pk)


def envelope(
    *,
    event_id: str,
    event_type: str,
    created_at: dt.datetime,
    organisation_id: int,
    sequence: int,
    obj: dict[str, Any],
) -> dict[str, Any]:
    """The versioned JSON every webhook and feed entry carries (``sequence``: the n-th event
    about this object, so a receiver can put events about one object in order)."""
    return {
        "id": event_id,
        "type": event_type,
        "version": VERSION,
        "created_at": datetime_json(created_at),
        "sequence": sequence,
        "organisation": {"id": organisation_id},
        "data": {"object": obj},
    }

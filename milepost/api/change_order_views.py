"""REST views for change orders: thin, one service each. The JSON is built by
``change_order_json`` as ``ChangeOrderSerializer`` declares it (the schema)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from milepost.core.money import normalise
from milepost.plans import changes as plan_changes
from milepost.plans import selectors, services
from milepost.plans.lifecycle.change_order import ChangeOrderAction, ChangeOrderStatus
from milepost.plans.lifecycle.milestone import MilestoneAction
from milepost.plans.lifecycle.project import ProjectAction
from milepost.plans.models import ChangeOrder, ChangeOrderRequest
from milepost.plans.services.change_orders import current_plan
from milepost.reviews.services.change_orders import change_order_accept, revision_buy

from . import roles
from .base import GenericViewSet
from .common import datetime_json, validated
from .errors import ErrorSerializer
from .renderers import PDFRenderer

ERRORS = {code: ErrorSerializer for code in (400, 401, 403, 404, 409)}


class ProblemSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    position = serializers.IntegerField(allow_null=True)
    field = serializers.CharField(allow_null=True)


class ChangeOrderSerializer(serializers.Serializer):
    """A change order as the API shows it (money as strings in the project's currency)."""

    id = serializers.IntegerField()
    number = serializers.IntegerField(help_text="Per project: 2 is CO-2.")
    label = serializers.CharField(help_text='"CO-2".')
    project = serializers.IntegerField()
    status = serializers.ChoiceField(choices=ChangeOrderStatus.choices)
    title = serializers.CharField()
    reason = serializers.CharField()
    base_version = serializers.IntegerField(help_text="The plan version it was drafted on.")
    result_version = serializers.IntegerField(
        allow_null=True, help_text="The plan version accepting it made."
    )
    currency = serializers.CharField()
    price = serializers.CharField(
        allow_null=True,
        help_text="What the total changes by (negative: less). Fixed when proposed; for a "
        "draft, what it would be now.",
    )
    total_before = serializers.CharField(allow_null=True)
    total_after = serializers.CharField(allow_null=True)
    changes = serializers.ListField(
        child=serializers.DictField(),
        help_text='The changes in order: {"op": "update"|"add"|"remove", …} '
        "(docs/change-orders.md).",
    )
    lines = serializers.ListField(
        child=serializers.CharField(), help_text="What changes, one line per milestone."
    )
    problems = ProblemSerializer(many=True, help_text="Why it cannot be proposed (drafts).")
    proposed_at = serializers.DateTimeField(allow_null=True)
    proposed_by = serializers.EmailField(allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)
    decided_by = serializers.EmailField(allow_null=True)
    decline_reason = serializers.CharField()
    updated_at = serializers.DateTimeField(help_text="When it last changed (docs/sync.md).")


class ChangeOrderWriteSerializer(serializers.Serializer):
    title = serializers.CharField(required=False, allow_blank=True, max_length=200)
    reason = serializers.CharField(required=False, allow_blank=True)
    changes = serializers.ListField(child=serializers.DictField(), required=False)
    change_request = serializers.IntegerField(
        required=False, help_text="Draft it from the client's request (POST only)."
    )

    def to_internal_value(self, data):
        """The fields as typed here, and the service's own checks of them
        (``change_order_input_errors``), refused in one answer: a malformed ``changes`` does
        not hide a blank title. (``partial`` for PATCH: only the fields sent are checked.)"""
        try:
            value, errors = super().to_internal_value(data), {}
        except serializers.ValidationError as error:
            if not isinstance(data, Mapping) or not isinstance(error.detail, Mapping):
                raise
            errors = dict(error.detail)
            value = {k: data[k] for k in ("title", "reason", "changes") if k in data}
            value = {k: v for k, v in value.items() if k not in errors}
        title, partial = value.get("title"), self.partial
        if not title and "change_request" in data:
            title, partial = None, True  # drafted from a request: its text is the title
        checked = services.change_order_input_errors(
            title=title, reason=value.get("reason"), changes_=value.get("changes"), partial=partial
        )
        if errors or checked:
            raise serializers.ValidationError({**checked, **errors})
        return value


class ChangeOrderDeclineSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)


class AcceptedSerializer(serializers.Serializer):
    change_order = ChangeOrderSerializer()
    plan_version = serializers.IntegerField()
    invoices = serializers.ListField(
        child=serializers.IntegerField(), help_text="Invoices and credit notes issued at once."
    )


class ChangeOrderRequestSerializer(serializers.Serializer):
    """A client's request for a change order about a milestone."""

    id = serializers.IntegerField()
    milestone = serializers.IntegerField()
    text = serializers.CharField()
    status = serializers.ChoiceField(choices=ChangeOrderRequest.Status.choices)
    created_by = serializers.EmailField(allow_null=True)
    created_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)
    decline_reason = serializers.CharField()
    change_order = serializers.IntegerField(
        allow_null=True, help_text="The change order drafted from it."
    )
    updated_at = serializers.DateTimeField(help_text="When it last changed (docs/sync.md).")


class ChangeOrderRequestInputSerializer(serializers.Serializer):
    text = serializers.CharField(allow_blank=True, help_text="What should change, and why.")


def request_json(request: ChangeOrderRequest, drafted: dict[int, int]) -> dict[str, Any]:
    return {
        "id": request.pk,
        "milestone": request.milestone_id,
        "text": request.text,
        "status": request.status,
        "created_by": _email(request.created_by),
        "created_at": datetime_json(request.created_at),
        "decided_at": datetime_json(request.decided_at),
        "decline_reason": request.decline_reason,
        "change_order": drafted.get(request.pk),
        "updated_at": datetime_json(request.updated_at),
    }


def _drafted(requests) -> dict[int, int]:
    """Request id → the change order drafted from it (one query)."""
    ids = [r.pk for r in requests]
    if not ids:
        return {}
    return dict(ChangeOrder.objects.filter(request_id__in=ids).values_list("request_id", "pk"))


def milestone_change_requests(view, request, milestone) -> Response:
    """GET: what the client asked for about the milestone; POST: ask (its approvers)."""
    if request.method == "POST":
        roles.require(request.user, MilestoneAction.ASK_CHANGE_ORDER, milestone)
        data = validated(ChangeOrderRequestInputSerializer, request.data)
        made = services.change_order_request_file(
            milestone=milestone, actor=request.user, text=data["text"]
        )
        made = selectors.change_order_request_get(request.user, made.pk)
        return Response(request_json(made, {}), status=status.HTTP_201_CREATED)
    rows = view.paginate_queryset(
        view.sync_list(selectors.change_order_requests_of(request.user, milestone))
    )
    drafted = _drafted(rows)
    return view.get_paginated_response([request_json(r, drafted) for r in rows])


def buy_revision(request, milestone) -> Response:
    accepted = revision_buy(milestone=milestone, actor=request.user)
    return Response(
        {
            "change_order": change_order_json(
                selectors.change_order_get(request.user, accepted.change_order.pk)
            ),
            "plan_version": accepted.version.version,
            "invoices": [invoice.pk for invoice in accepted.invoices],
        }
    )


class ChangeOrderRequestViewSet(GenericViewSet):
    """A request for a change order: read it, or decline it with a reason (the agency)."""

    serializer_class = ChangeOrderRequestSerializer
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        return ChangeOrderRequest.objects.none()

    @extend_schema(responses={200: ChangeOrderRequestSerializer, **ERRORS})
    def retrieve(self, request, pk=None):
        found = selectors.change_order_request_get(request.user, pk)
        return Response(request_json(found, _drafted([found])))

    @extend_schema(
        request=ChangeOrderDeclineSerializer,
        responses={200: ChangeOrderRequestSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        """Decline a request for a change order, saying why (owners and managers)."""
        found = selectors.change_order_request_get(request.user, pk)
        roles.require(request.user, ProjectAction.CHANGE_PLAN, found.milestone.project)
        data = validated(ChangeOrderDeclineSerializer, request.data)
        services.change_order_request_decline(
            request=found, actor=request.user, reason=data["reason"]
        )
        found = selectors.change_order_request_get(request.user, pk)
        return Response(request_json(found, _drafted([found])))


def _money(amount, currency: str) -> str | None:
    return None if amount is None else str(normalise(amount, currency))


def _email(user) -> str | None:
    return None if user is None else user.email


def change_order_json(co: ChangeOrder, before: plan_changes.Plan | None = None) -> dict[str, Any]:
    """``co`` as ChangeOrderSerializer declares it; ``before``, the project's current plan, when
    the caller read it already (a list reads it once)."""
    project = co.project
    currency = project.currency
    problems: list = []
    lines: list[str] = []
    price, total_before, total_after = co.price, co.total_before, co.total_after
    if co.status == ChangeOrderStatus.DRAFT:
        plan, outcome = services.change_order_outcome(co, before)
        problems = [p.as_dict() for p in outcome.problems]
        difference = plan_changes.diff(plan, outcome.plan)
        lines = plan_changes.lines(difference)
        price, total_before, total_after = difference.price, plan.total, outcome.plan.total
    else:
        proposal = getattr(co, "last_proposal", None) or co.proposals.order_by("-number").first()
        lines = list(proposal.snapshot.get("lines", [])) if proposal is not None else []
    try:
        result = co.result_version.version
    except ChangeOrder.result_version.RelatedObjectDoesNotExist:
        result = None
    return {
        "id": co.pk,
        "number": co.number,
        "label": co.label,
        "project": project.pk,
        "status": co.status,
        "title": co.title,
        "reason": co.reason,
        "base_version": co.base_version,
        "result_version": result,
        "currency": currency,
        "price": _money(price, currency),
        "total_before": _money(total_before, currency),
        "total_after": _money(total_after, currency),
        "changes": co.changes,
        "lines": lines,
        "problems": problems,
        "proposed_at": datetime_json(co.proposed_at),
        "proposed_by": _email(co.proposed_by),
        "decided_at": datetime_json(co.decided_at),
        "decided_by": _email(co.decided_by),
        "decline_reason": co.decline_reason,
        "updated_at": datetime_json(co.updated_at),
    }


def project_change_orders(view, request, project) -> Response:
    """GET: the project's change orders, paginated; POST: draft one (the ProjectViewSet's
    action ``view``)."""
    if request.method == "POST":
        roles.require(request.user, ChangeOrderAction.EDIT, _Draft(project))
        data = validated(ChangeOrderWriteSerializer, request.data)
        asked = None
        if data.get("change_request") is not None:
            asked = selectors.change_order_request_get(request.user, data["change_request"])
        co = services.change_order_create(
            project=project,
            actor=request.user,
            title=data.get("title") or (asked.text[:200] if asked else ""),
            reason=data.get("reason") or (asked.text if asked else ""),
            changes_=data.get("changes", []),
            request=asked,
        )
        co = selectors.change_order_get(request.user, co.pk)
        return Response(change_order_json(co), status=status.HTTP_201_CREATED)
    rows = view.paginate_queryset(
        view.sync_list(
            selectors.change_orders_of(request.user, project).prefetch_related("proposals")
        )
    )
    drafts = any(row.status == ChangeOrderStatus.DRAFT for row in rows)
    before = current_plan(project) if drafts else None
    for row in rows:
        row.project = project
        proposals = sorted(row.proposals.all(), key=lambda p: p.number)
        row.last_proposal = proposals[-1] if proposals else None
    return view.get_paginated_response([change_order_json(row, before) for row in rows])


class _Draft:
    """What ``roles.require`` needs of a change order not written yet: its project."""

    def __init__(self, project):
        self.project = project


class ChangeOrderViewSet(GenericViewSet):
    """One change order: read, edit a draft, delete a draft never proposed, and its lifecycle."""

    serializer_class = ChangeOrderSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return ChangeOrder.objects.none()  # every read goes through the selectors

    def _get(self, request, pk) -> ChangeOrder:
        return selectors.change_order_get(request.user, pk)

    def _answer(self, request, pk) -> Response:
        return Response(change_order_json(self._get(request, pk)))

    @extend_schema(responses={200: ChangeOrderSerializer, **ERRORS})
    def retrieve(self, request, pk=None):
        """The change order, with what it changes and, for a draft, its problems."""
        return self._answer(request, pk)

    @extend_schema(
        request=ChangeOrderWriteSerializer, responses={200: ChangeOrderSerializer, **ERRORS}
    )
    def partial_update(self, request, pk=None):
        """Edit a draft: title, reason, changes (the list given replaces the old one)."""
        co = self._get(request, pk)
        roles.require(request.user, ChangeOrderAction.EDIT, co)
        data = validated(ChangeOrderWriteSerializer, request.data, partial=True)
        services.change_order_update(
            change_order=co,
            actor=request.user,
            title=data.get("title"),
            reason=data.get("reason"),
            changes_=data.get("changes"),
        )
        return self._answer(request, pk)

    @extend_schema(responses={204: None, **ERRORS})
    def destroy(self, request, pk=None):
        """Delete a draft never proposed; 409 `change_order_was_proposed` once it was."""
        services.change_order_delete(change_order=self._get(request, pk), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _step(self, request, pk, service, **kwargs) -> Response:
        service(change_order=self._get(request, pk), actor=request.user, **kwargs)
        return self._answer(request, pk)

    @extend_schema(request=None, responses={200: ChangeOrderSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def propose(self, request, pk=None):
        """Send a valid draft to the client: 409 `plan_invalid` lists every problem,
        `change_order_pending` when another waits, `plan_changed` when the plan moved on."""
        return self._step(request, pk, services.change_order_propose)

    @extend_schema(request=None, responses={200: ChangeOrderSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """Take a proposed change order back."""
        return self._step(request, pk, services.change_order_withdraw)

    @extend_schema(request=None, responses={200: ChangeOrderSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def revise(self, request, pk=None):
        """A declined or withdrawn change order back to draft, on the current plan version."""
        return self._step(request, pk, services.change_order_revise)

    @extend_schema(request=None, responses={200: ChangeOrderSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def rebase(self, request, pk=None):
        """Move a draft onto the current plan version (its changes stay; see `problems`)."""
        return self._step(request, pk, services.change_order_rebase)

    @extend_schema(
        request=ChangeOrderDeclineSerializer, responses={200: ChangeOrderSerializer, **ERRORS}
    )
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        """Decline a proposed change order, saying why (the client's approvers)."""
        co = self._get(request, pk)
        roles.require(request.user, ChangeOrderAction.DECLINE, co)
        data = validated(ChangeOrderDeclineSerializer, request.data)
        return self._step(request, pk, services.change_order_decline, reason=data["reason"])

    @extend_schema(
        responses={
            (200, "application/pdf"): OpenApiTypes.BINARY,
            **{(code, "application/json"): ErrorSerializer for code in (401, 404)},
        }
    )
    @action(detail=True, methods=["get"], renderer_classes=[JSONRenderer, PDFRenderer])
    def pdf(self, request, pk=None):
        """The change order as a PDF for the client's files: what changes, the money, and every
        proposal with its answer (who accepted it, when, and the version it made)."""
        from milepost.plans.pdf import change_order_pdf

        co = self._get(request, pk)
        response = HttpResponse(change_order_pdf(co), content_type="application/pdf")
        name = f"{co.label}-{co.project_id}.pdf"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

    @extend_schema(request=None, responses={200: AcceptedSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """Accept a proposed change order (the client's approvers): the plan becomes the next
        version; a price on a milestone already invoiced is invoiced at once."""
        accepted = change_order_accept(change_order=self._get(request, pk), actor=request.user)
        return Response(
            {
                "change_order": change_order_json(self._get(request, pk)),
                "plan_version": accepted.version.version,
                "invoices": [invoice.pk for invoice in accepted.invoices],
            }
        )

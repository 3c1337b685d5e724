"""REST actions of the review cycle: one service call each."""

from __future__ import annotations

from django.db.models import F
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from milepost.billing import selectors as billing_selectors
from milepost.plans import selectors as plan_selectors
from milepost.plans.lifecycle.milestone import MilestoneAction
from milepost.reviews import consequences, selectors, services

from . import plan_serializers as ps
from . import review_serializers as s
from . import roles
from .base import APIView
from .billing_serializers import ConsequenceSerializer, InvoiceLinkSerializer
from .common import validated
from .errors import ErrorSerializer
from .filters import sync_filters
from .parsers import JSONParser

ERRORS = {code: ErrorSerializer for code in (400, 401, 403, 404, 409)}
UPLOAD_PARSERS = [MultiPartParser, FormParser, JSONParser]
#: Uploads may also be refused as too large (413) before they are read.
UPLOAD_ERRORS = {**ERRORS, 413: ErrorSerializer}


def _files(request) -> list:
    return request.FILES.getlist("files") if hasattr(request, "FILES") else []


def _milestone_json(user, pk):
    return ps.MilestoneSerializer(plan_selectors.milestone_get(user, pk)).data


class ApprovedMilestoneSerializer(ps.MilestoneSerializer):
    """The milestone after approval, with the invoice the approval issued."""

    invoice = InvoiceLinkSerializer(
        read_only=True,
        allow_null=True,
        help_text="The invoice the approval issued; null when the milestone was billed on start.",
    )

    class Meta(ps.MilestoneSerializer.Meta):
        fields = [*ps.MilestoneSerializer.Meta.fields, "invoice"]


def invoice_link(request, invoice) -> dict | None:
    if invoice is None:
        return None
    return {
        "id": invoice.pk,
        "number": invoice.number,
        "url": request.build_absolute_uri(reverse("api:invoice-detail", args=[invoice.pk])),
        "web_url": request.build_absolute_uri(reverse("web:invoice_detail", args=[invoice.pk])),
    }


class MilestoneReviewActions:
    """Mixed into the milestone viewset: the review cycle's actions."""

    @extend_schema(request=None, responses={200: ps.MilestoneSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        """Start work; refused with `project_not_active` or `previous_milestone_not_approved`."""
        milestone = plan_selectors.milestone_get(request.user, pk)
        services.milestone_start(milestone=milestone, actor=request.user)
        return Response(_milestone_json(request.user, pk))

    @extend_schema(
        request={"multipart/form-data": s.DeliverInputSerializer},
        responses={201: s.DeliverySerializer, **UPLOAD_ERRORS},
    )
    @action(detail=True, methods=["post"], parser_classes=UPLOAD_PARSERS)
    def deliver(self, request, pk=None):
        """Deliver a new version for review: `notes`, optional `preview_url`, `files`."""
        milestone = plan_selectors.milestone_get(request.user, pk)
        roles.require(request.user, MilestoneAction.DELIVER, milestone)
        data = validated(s.DeliverInputSerializer, request.data)
        delivery = services.milestone_deliver(
            milestone=milestone,
            actor=request.user,
            notes=data["notes"],
            preview_url=data.get("preview_url", ""),
            files=_files(request),
        )
        delivery = selectors.deliveries_of(milestone).get(pk=delivery.pk)
        return Response(
            s.DeliverySerializer(delivery, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        request={
            "multipart/form-data": s.FeedbackInputSerializer,
            "application/json": s.FeedbackInputSerializer,
        },
        responses={200: ps.MilestoneSerializer, **UPLOAD_ERRORS},
    )
    @action(
        detail=True, methods=["post"], url_path="request-changes", parser_classes=UPLOAD_PARSERS
    )
    def request_changes(self, request, pk=None):
        """Ask for changes in writing (uses one revision; 409 `revision_quota_exhausted`)."""
        milestone = plan_selectors.milestone_get(request.user, pk)
        roles.require(request.user, MilestoneAction.REQUEST_CHANGES, milestone)
        data = validated(s.FeedbackInputSerializer, request.data)
        services.milestone_request_changes(
            milestone=milestone,
            actor=request.user,
            feedback=data["feedback"],
            files=_files(request),
        )
        return Response(_milestone_json(request.user, pk))

    @extend_schema(
        request=s.ApproveInputSerializer, responses={200: ApprovedMilestoneSerializer, **ERRORS}
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Approve the delivery under review; open items need `accept_open_items: true`.

        Answers with the milestone and the `invoice` the approval issued (id, number, url)."""
        milestone = plan_selectors.milestone_get(request.user, pk)
        roles.require(request.user, MilestoneAction.APPROVE, milestone)
        data = validated(s.ApproveInputSerializer, request.data)
        services.milestone_approve(milestone=milestone, actor=request.user, **data)
        body = dict(_milestone_json(request.user, pk))
        body["invoice"] = invoice_link(request, billing_selectors.approval_invoice(milestone))
        return Response(body)

    @extend_schema(request=None, responses={200: ConsequenceSerializer, **ERRORS})
    @action(detail=True, methods=["get"], url_path="approval-preview")
    def approval_preview(self, request, pk=None):
        """What approving would do: the invoice it issues (net, tax, gross, terms), the support
        window it opens, what it unlocks, the open items it turns into support requests. 409
        when the milestone is not in review."""
        milestone = plan_selectors.milestone_get(request.user, pk)
        said = consequences.milestone_preview(request.user, milestone, MilestoneAction.APPROVE)
        return Response(said.as_dict())

    @extend_schema(request=None, responses={200: ConsequenceSerializer, **ERRORS})
    @action(detail=True, methods=["get"], url_path="changes-preview")
    def changes_preview(self, request, pk=None):
        """What requesting changes would do: the revision it uses and how many remain after."""
        milestone = plan_selectors.milestone_get(request.user, pk)
        said = consequences.milestone_preview(
            request.user, milestone, MilestoneAction.REQUEST_CHANGES
        )
        return Response(said.as_dict())

    @extend_schema(
        request=s.ReasonInputSerializer, responses={200: ps.MilestoneSerializer, **ERRORS}
    )
    @action(detail=True, methods=["post"], url_path="grant-revision")
    def grant_revision(self, request, pk=None):
        """Give one extra revision, with a `reason` (owners and managers)."""
        milestone = plan_selectors.milestone_get(request.user, pk)
        roles.require(request.user, MilestoneAction.GRANT_REVISION, milestone)
        data = validated(s.ReasonInputSerializer, request.data)
        services.milestone_grant_revision(
            milestone=milestone, actor=request.user, reason=data["reason"]
        )
        return Response(_milestone_json(request.user, pk))

    @extend_schema(
        methods=["GET"],
        parameters=sync_filters(default="-created"),
        responses={200: s.EntrySerializer(many=True), **ERRORS},
    )
    @extend_schema(
        methods=["POST"],
        request={
            "multipart/form-data": s.CommentInputSerializer,
            "application/json": s.CommentInputSerializer,
        },
        responses={201: s.EntrySerializer, **UPLOAD_ERRORS},
    )
    @action(detail=True, methods=["get", "post"], parser_classes=UPLOAD_PARSERS)
    def comments(self, request, pk=None):
        """The milestone's thread (newest first, paginated), or add a comment (Markdown)."""
        milestone = plan_selectors.milestone_get(request.user, pk)
        if request.method == "GET":
            # An entry is never edited: it was last updated when it was written.
            entries = selectors.thread_of(milestone).alias(updated_at=F("created_at"))
            page = self.paginate_queryset(self.sync_list(entries))
            return self.get_paginated_response(
                s.EntrySerializer(page, many=True, context=self.get_serializer_context()).data
            )
        data = validated(s.CommentInputSerializer, request.data)
        entry = services.comment_add(
            milestone=milestone, actor=request.user, body=data["body"], files=_files(request)
        )
        entry = selectors.thread_of(milestone).get(pk=entry.pk)
        return Response(
            s.EntrySerializer(entry, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(responses={200: s.ChecklistSerializer, **ERRORS})
    @action(detail=True, methods=["get"])
    def checklist(self, request, pk=None):
        """The checklist of the delivery under review: each deliverable's verdict (carried over
        from an earlier delivery when it passed there), its earlier verdict and note, and the
        failed items' notes as a draft change request."""
        milestone = plan_selectors.milestone_get(request.user, pk)
        delivery = selectors.deliveries_of(milestone).first()
        rows = selectors.checklist_of(milestone, delivery)
        return Response(
            {
                "delivery": delivery.number if delivery else None,
                "items": [row.as_json() for row in rows],
                "feedback_draft": selectors.feedback_draft(rows),
            }
        )

    @extend_schema(
        parameters=sync_filters(default="-number"),
        responses={200: s.DeliverySerializer(many=True), **ERRORS},
    )
    @action(detail=True, methods=["get"])
    def deliveries(self, request, pk=None):
        """Every delivery, newest first, with files and the client's verdicts."""
        milestone = plan_selectors.milestone_get(request.user, pk)
        page = self.paginate_queryset(self.sync_list(selectors.deliveries_of(milestone)))
        return self.get_paginated_response(
            s.DeliverySerializer(page, many=True, context=self.get_serializer_context()).data
        )

    @extend_schema(
        methods=["GET"],
        parameters=sync_filters(default="created"),
        responses={200: s.SupportRequestSerializer(many=True), **ERRORS},
    )
    @extend_schema(
        methods=["POST"],
        request={
            "multipart/form-data": s.SupportInputSerializer,
            "application/json": s.SupportInputSerializer,
        },
        responses={201: s.SupportRequestSerializer, **UPLOAD_ERRORS},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        url_path="support-requests",
        parser_classes=UPLOAD_PARSERS,
    )
    def support_requests(self, request, pk=None):
        """Support requests; file one during the support window (uses one revision)."""
        milestone = plan_selectors.milestone_get(request.user, pk)
        if request.method == "GET":
            page = self.paginate_queryset(self.sync_list(selectors.support_requests_of(milestone)))
            return self.get_paginated_response(s.SupportRequestSerializer(page, many=True).data)
        roles.require(request.user, MilestoneAction.SUPPORT_REQUEST, milestone)
        data = validated(s.SupportInputSerializer, request.data)
        created = services.support_request_file(
            milestone=milestone,
            actor=request.user,
            description=data["description"],
            files=_files(request),
        )
        created = selectors.support_requests_of(milestone).get(pk=created.pk)
        return Response(s.SupportRequestSerializer(created).data, status=status.HTTP_201_CREATED)


class VerdictView(APIView):
    @extend_schema(request=s.VerdictInputSerializer, responses={200: s.VerdictSerializer, **ERRORS})
    def post(self, request, pk):
        """Mark a deliverable of the delivery under review `passed` or `failed`, with a note."""
        deliverable = selectors.deliverable_get(request.user, pk)
        roles.require(request.user, MilestoneAction.VERDICT, deliverable.milestone)
        data = validated(s.VerdictInputSerializer, request.data)
        verdict = services.deliverable_verdict(deliverable=deliverable, actor=request.user, **data)
        return Response(s.VerdictSerializer(verdict).data)


class ResolveView(APIView):
    @extend_schema(
        request=s.ResolveInputSerializer, responses={200: s.SupportRequestSerializer, **ERRORS}
    )
    def post(self, request, pk):
        """Mark a support request resolved (the agency's team)."""
        support_request = selectors.support_request_get(request.user, pk)
        roles.require(request.user, MilestoneAction.RESOLVE, support_request.milestone)
        data = validated(s.ResolveInputSerializer, request.data)
        resolved = services.support_request_resolve(
            request=support_request, actor=request.user, **data
        )
        return Response(s.SupportRequestSerializer(resolved).data)

"""JSON shapes of the review cycle."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from milepost.reviews.models import Attachment, Delivery, Entry, SupportRequest, Verdict
from milepost.reviews.selectors import decided_in


class AttachmentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = ["id", "name", "content_type", "size", "url"]

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, attachment) -> str:
        """The download address, absolute: on the host the request came to (else SITE_URL)."""
        path = reverse("web:attachment", args=[attachment.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else settings.SITE_URL + path


class VerdictSerializer(serializers.ModelSerializer):
    deliverable = serializers.IntegerField(source="deliverable_id")
    delivery = serializers.IntegerField(source="delivery.number")
    decided_by = serializers.EmailField(source="decided_by.email", allow_null=True)
    carried_from = serializers.SerializerMethodField(
        help_text="The delivery (number) whose passed verdict was carried over to this one; "
        "null when the client set it on this delivery."
    )

    class Meta:
        model = Verdict
        fields = [
            "deliverable",
            "delivery",
            "status",
            "note",
            "decided_by",
            "decided_at",
            "carried_from",
        ]

    def get_carried_from(self, verdict) -> int | None:
        return decided_in(verdict) if verdict.carried_from_id else None


class DeliverySerializer(serializers.ModelSerializer):
    version = serializers.SerializerMethodField()
    delivered_by = serializers.EmailField(source="delivered_by.email", allow_null=True)
    attachments = serializers.SerializerMethodField()
    verdicts = VerdictSerializer(many=True, read_only=True)

    class Meta:
        model = Delivery
        fields = [
            "id",
            "number",
            "version",
            "notes",
            "notes_html",
            "preview_url",
            "delivered_by",
            "created_at",
            "attachments",
            "verdicts",
            "updated_at",
        ]

    def get_version(self, delivery) -> str:
        return f"v{delivery.number}"

    @extend_schema_field(AttachmentSerializer(many=True))
    def get_attachments(self, delivery):
        files = [
            a
            for e in delivery.entries.all()
            if e.kind == Entry.Kind.DELIVERY
            for a in e.attachments.all()
        ]
        return AttachmentSerializer(files, many=True, context=self.context).data


class EarlierVerdictSerializer(serializers.Serializer):
    delivery = serializers.IntegerField(help_text="The delivery (number) the client decided on.")
    status = serializers.ChoiceField(choices=Verdict.Status.choices)
    note = serializers.CharField()


class ChecklistItemSerializer(serializers.Serializer):
    deliverable = serializers.IntegerField()
    title = serializers.CharField()
    status = serializers.ChoiceField(
        choices=[*Verdict.Status.choices, ("untested", "To test")],
        help_text="On the delivery under review: `untested` until the client tests it again.",
    )
    note = serializers.CharField()
    carried_from = serializers.IntegerField(
        allow_null=True,
        help_text="Passed on this earlier delivery (number) and carried over; null when set on "
        "this one.",
    )
    earlier = EarlierVerdictSerializer(
        allow_null=True, help_text="The latest verdict on an earlier delivery, if any."
    )


class ChecklistSerializer(serializers.Serializer):
    delivery = serializers.IntegerField(
        allow_null=True, help_text="The delivery under review (number); null before v1."
    )
    items = ChecklistItemSerializer(many=True)
    feedback_draft = serializers.CharField(
        help_text="The failed items' notes as Markdown, to start a change request from."
    )


class EntrySerializer(serializers.ModelSerializer):
    author = serializers.SerializerMethodField()
    attachments = AttachmentSerializer(many=True, read_only=True)
    delivery = serializers.IntegerField(source="delivery.number", allow_null=True, default=None)
    updated_at = serializers.DateTimeField(
        source="created_at", help_text="An entry never changes: when it was written."
    )

    class Meta:
        model = Entry
        fields = [
            "id",
            "kind",
            "author",
            "body",
            "body_html",
            "delivery",
            "created_at",
            "attachments",
            "updated_at",
        ]

    def get_author(self, entry) -> str:
        return entry.author.email if entry.author_id else "system"


class SupportRequestSerializer(serializers.ModelSerializer):
    milestone = serializers.IntegerField(source="milestone_id")
    filed_by = serializers.EmailField(source="filed_by.email", allow_null=True, default=None)
    resolved_by = serializers.EmailField(source="resolved_by.email", allow_null=True, default=None)

    class Meta:
        model = SupportRequest
        fields = [
            "id",
            "milestone",
            "deliverable",
            "description",
            "uses_revision",
            "status",
            "filed_by",
            "created_at",
            "resolved_by",
            "resolved_at",
            "resolution",
            "updated_at",
        ]


class DeliverInputSerializer(serializers.Serializer):
    notes = serializers.CharField(allow_blank=True)
    preview_url = serializers.CharField(required=False, allow_blank=True)
    files = serializers.ListField(child=serializers.FileField(), required=False)


class FeedbackInputSerializer(serializers.Serializer):
    feedback = serializers.CharField(allow_blank=True)
    files = serializers.ListField(child=serializers.FileField(), required=False)


class ApproveInputSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True)
    accept_open_items = serializers.BooleanField(required=False, default=False)


class ReasonInputSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)


class CommentInputSerializer(serializers.Serializer):
    body = serializers.CharField(allow_blank=True)
    files = serializers.ListField(child=serializers.FileField(), required=False)


class VerdictInputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Verdict.Status.choices)
    note = serializers.CharField(required=False, allow_blank=True)


class SupportInputSerializer(serializers.Serializer):
    description = serializers.CharField(allow_blank=True)
    files = serializers.ListField(child=serializers.FileField(), required=False)


class ResolveInputSerializer(serializers.Serializer):
    resolution = serializers.CharField(required=False, allow_blank=True)

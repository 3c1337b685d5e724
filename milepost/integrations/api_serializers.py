"""What the webhook API answers and takes. Types only: the services clean the input."""

from __future__ import annotations

from rest_framework import serializers

from .models import WebhookDelivery, WebhookEndpoint
from .public import EVENT_TYPES, PAYLOAD_TYPES


class WebhookEndpointSerializer(serializers.ModelSerializer):
    event_types = serializers.ListField(
        child=serializers.CharField(),
        help_text='Event names (see the webhooks of this document), or ["*"] for every event.',
    )
    previous_secret_expires_at = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text="After a rotation the previous secret signs too, until this time.",
    )
    failing_since = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text="The first failed attempt since the last success; after 3 days the endpoint "
        "is disabled and the owners emailed.",
    )

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "organisation",
            "url",
            "description",
            "event_types",
            "enabled",
            "failing_since",
            "disabled_reason",
            "previous_secret_expires_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class WebhookEndpointSecretSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(
        help_text="The signing secret (whsec_…): answered once, at creation and rotation."
    )

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class WebhookEndpointInputSerializer(serializers.Serializer):
    organisation = serializers.IntegerField(
        required=False, help_text="Needed only when you own several organisations (create)."
    )
    url = serializers.CharField(
        required=False,
        help_text="https:// to a public address (plain http only to WEBHOOK_ALLOWED_HOSTS).",
    )
    description = serializers.CharField(required=False, allow_blank=True)
    event_types = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        allow_empty=True,
        help_text=f'A list of: {", ".join(EVENT_TYPES)}; or ["*"] (the default) for all.',
    )
    enabled = serializers.BooleanField(required=False)


class WebhookDeliverySerializer(serializers.ModelSerializer):
    event = serializers.CharField(source="event.public_id", help_text="The event id (evt_…).")
    event_type = serializers.CharField(source="event.type")
    status = serializers.ChoiceField(choices=WebhookDelivery.Status.choices)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "endpoint",
            "event",
            "event_type",
            "status",
            "attempts",
            "last_status_code",
            "last_error",
            "last_attempt_at",
            "next_attempt_at",
            "created_at",
            "updated_at",
            "finished_at",
        ]
        read_only_fields = fields


class WebhookOrganisationSerializer(serializers.Serializer):
    id = serializers.IntegerField()


class WebhookEventDataSerializer(serializers.Serializer):
    object = serializers.DictField(
        help_text="The object as its API endpoint answers it (a project, milestone, invoice, "
        "payment, support request or change order)."
    )


class WebhookEventSerializer(serializers.Serializer):
    """An event as webhooks send it and the feed lists it (version 1)."""

    id = serializers.CharField(help_text="evt_…; the same as the webhook-id header.")
    type = serializers.ChoiceField(choices=[(t, t) for t in PAYLOAD_TYPES])
    version = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    sequence = serializers.IntegerField(help_text="The n-th event about this object (1, 2, …).")
    organisation = WebhookOrganisationSerializer()
    data = WebhookEventDataSerializer()

    def to_representation(self, instance):
        return instance.payload


class WebhookEventPageSerializer(serializers.Serializer):
    results = WebhookEventSerializer(many=True)
    next = serializers.CharField(
        allow_null=True, help_text="The next page, or null when you have every event so far."
    )
    last_id = serializers.CharField(
        allow_null=True, help_text="The last event of this page: poll again with ?after= it."
    )

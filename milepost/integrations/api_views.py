"""The webhook API: endpoints, their deliveries, resends, and the event feed. Owners only.

Thin: parse, call one service or selector, answer. Another organisation's ids answer 404; its
members who are not owners hear 403.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from milepost.accounts import selectors as account_selectors
from milepost.api.base import APIView, GenericViewSet
from milepost.api.common import validated
from milepost.api.errors import ErrorSerializer
from milepost.api.filters import SyncReads, ordering_filter, sync_filters
from milepost.core.errors import FIELDS_INVALID, InvalidInput

from . import api_serializers as s
from . import selectors, services
from .models import WebhookEndpoint

ERRORS = {code: ErrorSerializer for code in (400, 401, 403, 404, 409)}
NO_BODY_ERRORS = {code: ErrorSerializer for code in (401, 403, 404, 409)}
FEED_LIMIT_DEFAULT = 50
FEED_LIMIT_MAX = 100


def _input(request) -> dict:
    """The endpoint's fields as sent; a field it does not take (a ``secret`` of one's own) is
    refused rather than ignored, so a program never believes it set it."""
    data = request.data if isinstance(request.data, dict) else {}
    unknown = sorted(set(data) - set(s.WebhookEndpointInputSerializer().fields))
    if unknown:
        errors = {name: [_("Unknown field.")] for name in unknown}
        if "secret" in errors:
            errors["secret"] = [
                _("Milepost makes the secret and shows it once: rotate it for a new one.")
            ]
        raise InvalidInput(str(FIELDS_INVALID), details=errors)
    return validated(s.WebhookEndpointInputSerializer, request.data)


#: How the endpoint list and the delivery log may be sorted (``?ordering=``).
ENDPOINT_ORDERINGS = {"created": ("id",), "updated_at": ("updated_at", "id")}
DELIVERY_ORDERINGS = {"created": ("id",), "updated_at": ("updated_at", "id")}


class WebhookEndpointViewSet(SyncReads, GenericViewSet):
    """Your organisations' webhook endpoints (owners only)."""

    serializer_class = s.WebhookEndpointSerializer
    queryset = WebhookEndpoint.objects.none()  # for the schema only: reads go through selectors

    def get_queryset(self):
        return selectors.endpoints_of(self.request.user)

    @extend_schema(
        parameters=[ordering_filter(ENDPOINT_ORDERINGS, "created")],
        responses={200: s.WebhookEndpointSerializer(many=True), **ERRORS},
    )
    def list(self, request):
        """The endpoints of the organisations you own."""
        page = self.paginate_queryset(self.sync_list(self.get_queryset(), ENDPOINT_ORDERINGS))
        return self.get_paginated_response(s.WebhookEndpointSerializer(page, many=True).data)

    @extend_schema(
        request=s.WebhookEndpointInputSerializer,
        responses={201: s.WebhookEndpointSecretSerializer, **ERRORS},
    )
    def create(self, request):
        """Add an endpoint; the answer carries its signing `secret`, this once."""
        selectors.owned_organisations(request.user)  # the role before the body: 403 first
        data = _input(request)
        organisation = self._organisation(data.pop("organisation", None))
        endpoint, secret = services.endpoint_create(
            organisation=organisation, actor=request.user, **data
        )
        body = s.WebhookEndpointSecretSerializer(endpoint).data
        return Response({**body, "secret": secret}, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: s.WebhookEndpointSerializer, **ERRORS})
    def retrieve(self, request, pk=None):
        return Response(s.WebhookEndpointSerializer(selectors.endpoint_get(request.user, pk)).data)

    @extend_schema(
        request=s.WebhookEndpointInputSerializer,
        responses={200: s.WebhookEndpointSerializer, **ERRORS},
    )
    def partial_update(self, request, pk=None):
        """Change the URL, description, event types or `enabled` (enabling forgets failures)."""
        endpoint = selectors.endpoint_get(request.user, pk)
        data = _input(request)
        data.pop("organisation", None)
        endpoint = services.endpoint_update(endpoint=endpoint, actor=request.user, **data)
        return Response(s.WebhookEndpointSerializer(endpoint).data)

    @extend_schema(request=None, responses={204: None, **NO_BODY_ERRORS})
    def destroy(self, request, pk=None):
        """Delete the endpoint and its delivery log (its events stay in the feed)."""
        endpoint = selectors.endpoint_get(request.user, pk)
        services.endpoint_delete(endpoint=endpoint, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={200: s.WebhookEndpointSecretSerializer, **ERRORS})
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, pk=None):
        """A new secret, answered this once; the old one keeps signing for 24 hours."""
        endpoint = selectors.endpoint_get(request.user, pk)
        endpoint, secret = services.endpoint_rotate_secret(endpoint=endpoint, actor=request.user)
        return Response({**s.WebhookEndpointSecretSerializer(endpoint).data, "secret": secret})

    @extend_schema(request=None, responses={202: s.WebhookDeliverySerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def test(self, request, pk=None):
        """Send a `webhook.test` event to this endpoint only; the delivery is answered at once
        and sent by the worker."""
        endpoint = selectors.endpoint_get(request.user, pk)
        delivery = services.endpoint_send_test(endpoint=endpoint, actor=request.user)
        return Response(s.WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        parameters=sync_filters(DELIVERY_ORDERINGS, default="-created"),
        responses={200: s.WebhookDeliverySerializer(many=True), **ERRORS},
    )
    @action(detail=True, methods=["get"])
    def deliveries(self, request, pk=None):
        """The endpoint's delivery log, newest first."""
        endpoint = selectors.endpoint_get(request.user, pk)
        rows = self.sync_list(selectors.deliveries_of(endpoint), DELIVERY_ORDERINGS)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(s.WebhookDeliverySerializer(page, many=True).data)

    def _organisation(self, organisation_id):
        if organisation_id is not None:
            return account_selectors.organisation_get(self.request.user, organisation_id)
        owned = selectors.owned_organisations(self.request.user)
        if len(owned) > 1:
            raise InvalidInput(
                _("You own several organisations: say which one."),
                details={"organisation": [_("This field is required.")]},
            )
        return account_selectors.organisation_get(self.request.user, owned[0])


class WebhookDeliveryResendView(APIView):
    @extend_schema(request=None, responses={202: s.WebhookDeliverySerializer, **ERRORS})
    def post(self, request, pk):
        """Send the delivery's event again to its endpoint, as a new delivery."""
        delivery = selectors.delivery_get(request.user, pk)
        again = services.delivery_resend(delivery=delivery, actor=request.user)
        return Response(s.WebhookDeliverySerializer(again).data, status=status.HTTP_202_ACCEPTED)


class EventFeedView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter(
                "after", OpenApiTypes.STR, description="An event id: the events after it."
            ),
            OpenApiParameter(
                "limit", OpenApiTypes.INT, description=f"At most {FEED_LIMIT_MAX} (50)."
            ),
        ],
        responses={200: s.WebhookEventPageSerializer, **ERRORS},
    )
    def get(self, request):
        """The events of the organisations you own, oldest first: the same events the webhooks
        send, so a receiver that was down can catch up (`?after=` the last id it has)."""
        limit = self._limit(request.query_params.get("limit"))
        after = request.query_params.get("after", "")
        rows = list(selectors.events_of(request.user, after=after)[: limit + 1])
        more = len(rows) > limit
        rows = rows[:limit]
        last = rows[-1].public_id if rows else (after or None)
        next_url = None
        if more:
            next_url = request.build_absolute_uri(request.path) + f"?after={last}&limit={limit}"
        return Response(
            {
                "results": [row.payload for row in rows],
                "next": next_url,
                "last_id": last,
            }
        )

    @staticmethod
    def _limit(value) -> int:
        if value in (None, ""):
            return FEED_LIMIT_DEFAULT
        try:
            limit = int(value)
        except ValueError:
            limit = 0
        if not 1 <= limit <= FEED_LIMIT_MAX:
            message = _("A number from 1 to %(n)s.") % {"n": FEED_LIMIT_MAX}
            raise InvalidInput(message, details={"limit": [message]})
        return limit

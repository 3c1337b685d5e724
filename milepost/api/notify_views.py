"""REST views for notifications, notification settings and the calendar feed address."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from milepost.core.errors import InvalidInput
from milepost.notify import selectors, services
from milepost.notify.models import Notification

from .base import APIView, GenericViewSet
from .errors import ErrorSerializer
from .filters import SyncReads, ordering_filter, ordering_param
from .notify_serializers import (
    CalendarTokenSerializer,
    NotificationSerializer,
    PreferencesSerializer,
    ReadAllSerializer,
)

ERRORS = {code: ErrorSerializer for code in (400, 401, 404)}


class NotificationViewSet(SyncReads, GenericViewSet):
    """Your notifications, newest first."""

    serializer_class = NotificationSerializer
    queryset = Notification.objects.none()  # for the schema only
    http_method_names = ["get", "post", "head", "options"]

    @extend_schema(
        parameters=[
            OpenApiParameter("unread", bool),
            ordering_filter(selectors.NOTIFICATION_ORDERINGS, "-created"),
        ]
    )
    def list(self, request):
        unread = request.query_params.get("unread") in ("1", "true", "True")
        ordering = ordering_param(request, selectors.NOTIFICATION_ORDERINGS)
        notifications = selectors.notifications_of(request.user, unread=unread, ordering=ordering)
        page = self.paginate_queryset(self.filter_queryset(notifications))
        return self.get_paginated_response(NotificationSerializer(page, many=True).data)

    @extend_schema(request=None, responses={200: NotificationSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = selectors.notification_get(request.user, pk)
        notification = services.notification_read(notification=notification, actor=request.user)
        return Response(NotificationSerializer(notification).data)

    @extend_schema(request=None, responses={200: ReadAllSerializer})
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        return Response({"marked": services.notifications_read_all(actor=request.user)})


class NotificationSettingsView(APIView):
    @extend_schema(responses={200: PreferencesSerializer})
    def get(self, request):
        return Response(services.preferences_of(request.user))

    @extend_schema(request=PreferencesSerializer, responses={200: PreferencesSerializer, **ERRORS})
    def patch(self, request):
        if not isinstance(request.data, dict):
            raise InvalidInput(
                _('Send an object: {"category": true or false, …}.'),
                details={"non_field_errors": [_("Expected an object.")]},
            )
        choices = request.data
        return Response(
            services.preferences_set(user=request.user, actor=request.user, choices=dict(choices))
        )


class CalendarTokenView(APIView):
    @extend_schema(request=None, responses={200: CalendarTokenSerializer})
    def post(self, request):
        """Replace your calendar feed's secret address; the old one stops working."""
        services.calendar_token_replace(user=request.user, actor=request.user)
        return Response({"calendar_url": services.calendar_url(request.user)})

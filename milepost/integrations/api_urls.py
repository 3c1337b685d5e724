"""The webhook API under /api/v1/ (namespace ``webhooks_api``)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api_views

app_name = "webhooks_api"

router = SimpleRouter(trailing_slash=True)
router.register("webhook-endpoints", api_views.WebhookEndpointViewSet, basename="webhook-endpoint")

urlpatterns = [
    path(
        "webhook-deliveries/<int:pk>/resend/",
        api_views.WebhookDeliveryResendView.as_view(),
        name="webhook-delivery-resend",
    ),
    path("events/", api_views.EventFeedView.as_view(), name="events"),
    *router.urls,
]

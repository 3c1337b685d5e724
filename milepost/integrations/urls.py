"""Settings → Webhooks (namespace ``webhooks``)."""

from django.urls import path

from . import views

app_name = "webhooks"

urlpatterns = [
    path("settings/webhooks/", views.endpoint_list, name="list"),
    path("settings/webhooks/<int:pk>/", views.endpoint_detail, name="detail"),
    path("settings/webhooks/<int:pk>/toggle/", views.endpoint_toggle, name="toggle"),
    path("settings/webhooks/<int:pk>/rotate/", views.endpoint_rotate, name="rotate"),
    path("settings/webhooks/<int:pk>/delete/", views.endpoint_delete, name="delete"),
    path("settings/webhooks/<int:pk>/test/", views.endpoint_test, name="test"),
    path(
        "settings/webhook-deliveries/<int:pk>/resend/",
        views.delivery_resend,
        name="delivery_resend",
    ),
]

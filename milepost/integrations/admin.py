"""Read-only views for the staff: endpoints (never their secrets), deliveries and events.
Writes go through the services, from the settings pages and the API."""

from django.contrib import admin

from .models import OutboundEvent, WebhookDelivery, WebhookEndpoint


class ReadOnly(admin.ModelAdmin):
    hidden: tuple[str, ...] = ()

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name not in self.hidden]

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ReadOnly):
    hidden = ("secret", "previous_secret")
    list_display = ("url", "organisation", "enabled", "failing_since", "created_at")
    list_filter = ("enabled",)
    list_select_related = ("organisation",)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnly):
    list_display = ("pk", "endpoint", "event", "status", "attempts", "last_status_code")
    list_filter = ("status",)
    list_select_related = ("endpoint", "event")


@admin.register(OutboundEvent)
class OutboundEventAdmin(ReadOnly):
    list_display = ("pk", "type", "organisation", "object_type", "object_id", "sequence")
    list_filter = ("type",)
    list_select_related = ("organisation",)

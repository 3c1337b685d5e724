from django.contrib import admin
from django.urls import include, path

from milepost.api.webhooks import stripe_webhook
from milepost.core.views import healthz
from milepost.notify.views import calendar_feed
from milepost.web.throttle import LOGIN, throttle

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    # The admin's own login form counts against the same limits as the app's.
    path("admin/login/", throttle(*LOGIN)(admin.site.login)),
    path("admin/", admin.site.urls),
    path("api/v1/", include("milepost.api.urls")),
    path("api/v1/", include("milepost.integrations.api_urls")),
    path("webhooks/stripe/", stripe_webhook, name="stripe_webhook"),
    path("calendar/<str:token>.ics", calendar_feed, name="calendar_feed"),
    path("", include("milepost.integrations.urls")),
    path("", include("milepost.web.urls")),
]

handler404 = "milepost.web.views.errors.not_found"
handler500 = "milepost.web.views.errors.server_error"

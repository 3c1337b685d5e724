from django.urls import include, path
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from . import (
    access_views,
    account_views,
    billing_views,
    cashflow_views,
    change_order_views,
    forecast_views,
    notify_views,
    plan_views,
    review_views,
    version_views,
)

app_name = "api"

router = SimpleRouter(trailing_slash=True)
router.register("organisations", account_views.OrganisationViewSet, basename="organisation")
router.register("clients", account_views.ClientViewSet, basename="client")
router.register("projects", plan_views.ProjectViewSet, basename="project")
router.register("milestones", plan_views.MilestoneViewSet, basename="milestone")
router.register("change-orders", change_order_views.ChangeOrderViewSet, basename="change-order")
router.register(
    "change-requests", change_order_views.ChangeOrderRequestViewSet, basename="change-request"
)
router.register("invoices", billing_views.InvoiceViewSet, basename="invoice")
router.register("notifications", notify_views.NotificationViewSet, basename="notification")

urlpatterns = [
    path("me/", account_views.MeView.as_view(), name="me"),
    path(
        "me/notification-settings/",
        notify_views.NotificationSettingsView.as_view(),
        name="notification-settings",
    ),
    path("me/calendar-token/", notify_views.CalendarTokenView.as_view(), name="calendar-token"),
    path("templates/", plan_views.TemplateListView.as_view(), name="templates"),
    path("cash-flow/", cashflow_views.CashFlowView.as_view(), name="cash-flow"),
    path(
        "projects/<int:pk>/plan-versions/<int:number>/",
        version_views.PlanVersionView.as_view(),
        name="project-plan-version",
    ),
    path(
        "projects/<int:pk>/plan-versions/<int:number>/diff/",
        version_views.PlanVersionDiffView.as_view(),
        name="project-plan-version-diff",
    ),
    path(
        "projects/<int:pk>/timeline/",
        forecast_views.ProjectTimelineView.as_view(),
        name="project-timeline",
    ),
    path(
        "projects/<int:pk>/payment-schedule/",
        forecast_views.PaymentScheduleView.as_view(),
        name="project-payment-schedule",
    ),
    path("deliverables/<int:pk>/verdict/", review_views.VerdictView.as_view(), name="verdict"),
    path(
        "support-requests/<int:pk>/resolve/",
        review_views.ResolveView.as_view(),
        name="support-request-resolve",
    ),
    path(
        "project-access/<int:pk>/",
        access_views.ProjectAccessView.as_view(),
        name="project-access-item",
    ),
    path("contacts/<int:pk>/", access_views.ContactView.as_view(), name="contact"),
    path(
        "invitations/<int:pk>/resend/",
        access_views.InvitationResendView.as_view(),
        name="invitation-resend",
    ),
    path(
        "invitations/<int:pk>/revoke/",
        access_views.InvitationRevokeView.as_view(),
        name="invitation-revoke",
    ),
    path("schema/", SpectacularJSONAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("", include(router.urls)),
]

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from milepost.notify import views as notify_views

from .views import (
    account,
    auth,
    clients,
    files,
    invoices,
    members,
    milestones,
    notifications,
    pages,
    plan_editor,
    projects,
    search,
    templates,
)

app_name = "web"

urlpatterns = [
    path("", pages.dashboard, name="dashboard"),
    path("login/", auth.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password-reset/",
        auth.PasswordResetView.as_view(success_url=reverse_lazy("web:password_reset_done")),
        name="password_reset",
    ),
    # Milepost's reset pages live under web/: the admin's registration/ templates would win.
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="web/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        auth.PasswordResetConfirmView.as_view(
            success_url=reverse_lazy("web:password_reset_complete")
        ),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="web/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
    path("invitation/<str:token>/", auth.invitation, name="invitation"),
    path("switch-organisation/", auth.switch_organisation, name="switch_organisation"),
    path("search/", search.search, name="search"),
    path("projects/", projects.project_list, name="projects"),
    path("projects/new/", projects.project_create, name="project_new"),
    path("projects/<int:pk>/", projects.project_detail, name="project_detail"),
    path("projects/<int:pk>/print/", projects.project_print, name="project_print"),
    path("projects/<int:pk>/plan.pdf", projects.project_proposal_pdf, name="project_proposal_pdf"),
    path("projects/<int:pk>/propose/", projects.project_propose, name="project_propose"),
    path("projects/<int:pk>/withdraw/", projects.project_withdraw, name="project_withdraw"),
    path("projects/<int:pk>/accept/", projects.project_accept, name="project_accept"),
    path("projects/<int:pk>/decline/", projects.project_decline, name="project_decline"),
    path("projects/<int:pk>/access/", projects.project_access, name="project_access"),
    path(
        "projects/<int:pk>/save-template/",
        projects.project_save_template,
        name="project_save_template",
    ),
    path("projects/<int:pk>/plan/", plan_editor.plan_editor, name="plan_editor"),
    path("projects/<int:pk>/settings/", plan_editor.project_settings, name="project_settings"),
    path("projects/<int:pk>/milestones/add/", plan_editor.milestone_add, name="milestone_add"),
    path(
        "projects/<int:pk>/milestones/<int:milestone_id>/edit/",
        plan_editor.milestone_edit,
        name="milestone_edit",
    ),
    path(
        "projects/<int:pk>/milestones/<int:milestone_id>/move/",
        plan_editor.milestone_move,
        name="milestone_move",
    ),
    path(
        "projects/<int:pk>/milestones/<int:milestone_id>/remove/",
        plan_editor.milestone_remove,
        name="milestone_remove",
    ),
    path("files/<int:pk>/", files.attachment_download, name="attachment"),
    path("notifications/", notifications.notification_list, name="notifications"),
    path("notifications/<int:pk>/open/", notifications.notification_open, name="notification_open"),
    path(
        "notifications/read-all/",
        notifications.notifications_read_all,
        name="notifications_read_all",
    ),
    path("settings/notifications/", notifications.preferences, name="notification_preferences"),
    path("settings/calendar/", notifications.calendar_token, name="calendar_token"),
    path("settings/emails/<int:pk>/resend/", notifications.email_resend, name="email_resend"),
    path("unsubscribe/<str:token>/", notify_views.unsubscribe, name="unsubscribe"),
    path("invoices/", invoices.invoice_list, name="invoices"),
    path("invoices/<int:pk>/", invoices.invoice_detail, name="invoice_detail"),
    path("invoices/<int:pk>/pdf/", invoices.invoice_pdf, name="invoice_pdf"),
    path("invoices/<int:pk>/payments/", invoices.payment_record, name="payment_record"),
    path("invoices/<int:pk>/void/", invoices.invoice_void, name="invoice_void"),
    path("invoices/<int:pk>/checkout/", invoices.invoice_checkout, name="invoice_checkout"),
    path("milestones/<int:pk>/", milestones.milestone_detail, name="milestone_detail"),
    path("milestones/<int:pk>/start/", milestones.milestone_start, name="milestone_start"),
    path("milestones/<int:pk>/deliver/", milestones.milestone_deliver, name="milestone_deliver"),
    path(
        "milestones/<int:pk>/deliverables/<int:deliverable_id>/verdict/",
        milestones.deliverable_verdict,
        name="deliverable_verdict",
    ),
    path(
        "milestones/<int:pk>/request-changes/",
        milestones.milestone_request_changes,
        name="milestone_request_changes",
    ),
    path("milestones/<int:pk>/approve/", milestones.milestone_approve, name="milestone_approve"),
    path(
        "milestones/<int:pk>/grant-revision/",
        milestones.milestone_grant_revision,
        name="milestone_grant_revision",
    ),
    path(
        "milestones/<int:pk>/support-requests/",
        milestones.support_request_file,
        name="support_request_file",
    ),
    path(
        "milestones/<int:pk>/support-requests/<int:request_id>/resolve/",
        milestones.support_request_resolve,
        name="support_request_resolve",
    ),
    path("milestones/<int:pk>/comments/", milestones.comment_add, name="comment_add"),
    path("templates/", templates.template_list, name="templates"),
    path("templates/<int:pk>/", templates.template_edit, name="template_edit"),
    path("templates/<int:pk>/delete/", templates.template_delete, name="template_delete"),
    path("clients/", clients.client_list, name="clients"),
    path("clients/<int:pk>/", clients.client_detail, name="client_detail"),
    path("clients/<int:pk>/edit/", clients.client_edit, name="client_edit"),
    path("members/", members.member_list, name="members"),
    path("members/<int:pk>/role/", members.member_role, name="member_role"),
    path("members/<int:pk>/remove/", members.member_remove, name="member_remove"),
    path("settings/", account.settings_page, name="settings"),
    path("settings/profile/", account.profile, name="settings_profile"),
    path("settings/password/", account.password, name="settings_password"),
    path("settings/organisation/", account.organisation, name="settings_organisation"),
    path("settings/tokens/", account.token_create, name="token_create"),
    path("settings/tokens/<int:pk>/revoke/", account.token_revoke, name="token_revoke"),
]

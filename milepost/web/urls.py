from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from .views import account, auth, clients, members, pages

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
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
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
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("invitation/<str:token>/", auth.invitation, name="invitation"),
    path("switch-organisation/", auth.switch_organisation, name="switch_organisation"),
    path("projects/", pages.projects, name="projects"),
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

"""Logging in and out, password reset, invitations, the organisation switcher."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from milepost.accounts import services
from milepost.accounts.middleware import SESSION_KEY
from milepost.accounts.permissions import roles_of
from milepost.core.errors import ApplicationError, InvalidInput
from milepost.plans.selectors import projects_visible_to

from ..forms import InvitationForm, LoginForm, PasswordResetForm, SetPasswordForm, apply_errors
from ..throttle import LOGIN, PASSWORD_RESET, throttle


@method_decorator(throttle(*LOGIN), name="post")
class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def get_initial(self):
        return {"username": self.request.GET.get("email", "")}


@method_decorator(throttle(*PASSWORD_RESET), name="post")
class PasswordResetView(auth_views.PasswordResetView):
    """The same answer for every address; the email goes through the outbox (the form's save)."""

    form_class = PasswordResetForm
    template_name = "web/password_reset_form.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = SetPasswordForm
    template_name = "web/password_reset_confirm.html"


def invitation(request, token: str):
    """Let an invited person choose a password, once, within the link's lifetime."""
    try:
        invite = services.invitation_lookup(token)
    except ApplicationError as error:
        return render(
            request,
            "web/invitation_invalid.html",
            {"error": error},
            status=error.status if error.status == 404 else 410,
        )
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(
                raw_token=token, password=form.cleaned_data["password1"]
            )
        except InvalidInput as error:
            apply_errors(form, error, rename={"password": "password1"})
        except ApplicationError as error:
            return render(request, "web/invitation_invalid.html", {"error": error}, status=410)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Your password is set. Welcome to Milepost."))
            return redirect(_landing(request, invite))
    return render(request, "web/invitation.html", {"form": form, "invitation": invite})


def _landing(request, invite) -> str:
    """Where someone who just accepted lands: the one project they were given, or the
    dashboard (a new member works in the organisation that invited them)."""
    if invite.client_id is None:
        request.session[SESSION_KEY] = invite.organisation_id
        return reverse("web:dashboard")
    projects = list(
        projects_visible_to(request.user, client_id=invite.client_id).values_list("pk", flat=True)[
            :2
        ]
    )
    if len(projects) == 1:
        return reverse("web:project_detail", args=[projects[0]])
    return reverse("web:dashboard")


@require_POST
@login_required
def switch_organisation(request):
    """Work in another of the user's organisations."""
    try:
        org_id = int(request.POST.get("organisation", ""))
    except ValueError:
        org_id = None
    if org_id in roles_of(request.user):
        request.session[SESSION_KEY] = org_id
    return redirect("web:dashboard")

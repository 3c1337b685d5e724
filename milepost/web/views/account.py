"""The user's settings: profile, password, API tokens, and (owners) the organisation."""

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from milepost.accounts import permissions, selectors, services
from milepost.billing import selectors as billing_selectors
from milepost.core.errors import ApplicationError, InvalidInput
from milepost.notify import selectors as notify_selectors
from milepost.notify import services as notify_services

from ..forms import OrganisationForm, PasswordChangeForm, ProfileForm, TokenForm, apply_errors
from ..notify_forms import PreferencesForm
from .base import agency_required


def _page(request, status=200, **forms):
    user = request.user
    organisation = request.organisation
    can_edit_org = organisation is not None and permissions.can_manage_organisation(
        user, organisation
    )
    context = {
        "profile_form": ProfileForm(initial={"name": user.name}),
        "password_form": PasswordChangeForm(user),
        "token_form": TokenForm(),
        "tokens": selectors.api_tokens_of(user),
        "can_edit_org": can_edit_org,
        "org_form": OrganisationForm(
            initial={f: getattr(organisation, f) for f in services.ORGANISATION_FIELDS}
        )
        if can_edit_org
        else None,
    }
    if organisation is not None and permissions.can_manage_invoicing(user, organisation):
        problems = billing_selectors.organisation_einvoice_problems(organisation)
        context["einvoice_problems"] = problems
    if can_edit_org:
        context["stripe_ignored"] = billing_selectors.ignored_stripe_events(organisation.pk)
    prefs = notify_services.preferences_of(user)
    context["prefs_form"] = PreferencesForm(initial=prefs)
    context["calendar_url"] = notify_services.calendar_url(user)
    if can_edit_org:
        context["undelivered"] = notify_selectors.undelivered_emails(organisation.pk)
    context.update(forms)
    return render(request, "web/settings.html", context, status=status)


@login_required
def settings_page(request):
    return _page(request)


@login_required
def profile(request):
    form = ProfileForm(request.POST)
    if request.method == "POST" and form.is_valid():
        services.user_update_profile(
            user=request.user, name=form.cleaned_data["name"], actor=request.user
        )
        messages.success(request, _("Profile saved."))
        return redirect("web:settings")
    return _page(request, status=400, profile_form=form)


@login_required
def password(request):
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        update_session_auth_hash(request, user)
        messages.success(request, _("Password changed."))
        return redirect("web:settings")
    return _page(request, status=400 if form.errors else 200, password_form=form)


@login_required
def token_create(request):
    """Create a token and show its value on this response only."""
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            token, raw = services.api_token_create(
                user=request.user, name=form.cleaned_data["name"], actor=request.user
            )
        except InvalidInput as error:
            apply_errors(form, error)
        else:
            return _page(request, new_token=raw, new_token_name=token.name)
    return _page(request, status=400 if form.errors else 200, token_form=form)


@login_required
def token_revoke(request, pk: int):
    """Ask first; revoke on POST."""
    token = get_object_or_404(selectors.api_tokens_of(request.user), pk=pk)
    if request.method == "POST":
        try:
            services.api_token_revoke(token=token, actor=request.user)
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
        return redirect("web:settings")
    return render(request, "web/token_revoke.html", {"token": token})


@agency_required
def organisation(request):
    org = request.organisation
    if not permissions.can_manage_organisation(request.user, org):
        return render(request, "web/403.html", status=403)
    form = OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.organisation_update(organisation=org, actor=request.user, **form.cleaned_data)
        except InvalidInput as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Organisation details saved."))
            return redirect("web:settings")
    return _page(request, status=400 if form.errors else 200, org_form=form)

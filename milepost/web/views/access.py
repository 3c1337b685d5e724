"""People on a project and a client: changing a role, removing access or a contact (asked
first), and sending again or revoking a pending invitation."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from milepost.accounts import permissions as account_permissions
from milepost.accounts import selectors as account_selectors
from milepost.accounts import services as account_services
from milepost.core.errors import ApplicationError, InvalidInput
from milepost.core.urls import cached_reverse
from milepost.plans import selectors, services
from milepost.plans.lifecycle.project import ProjectAction
from milepost.plans.permissions import require

from ..plan_forms import AccessRoleForm
from .base import agency_required


def _to_project(pk: int):
    return redirect(cached_reverse("web:project_detail", pk) + "#access")


@require_POST
@login_required
def project_access_role(request, pk: int, access_id: int):
    """Make a person approver or viewer; a refusal is said on the project page."""
    project = selectors.project_get(request.user, pk)
    require(request.user, ProjectAction.CHANGE_ACCESS, project)
    access = selectors.project_access_get(project, access_id)
    form = AccessRoleForm(request.POST)
    try:
        if not form.is_valid():
            raise InvalidInput(_("Choose approver or viewer."))
        access = services.project_access_change(
            access=access, role=form.cleaned_data["role"], actor=request.user
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("%(email)s is now %(role)s on this project.")
            % {"email": access.user.email, "role": access.get_role_display().lower()},
        )
    return _to_project(project.pk)


def _ask_then_remove(request, remove, *, success: str, done: str, template: str, context: dict):
    """The page that asks first (GET), and the removal (POST): done, or the page again with the
    service's refusal beside the button (its status code)."""
    error = None
    if request.method == "POST":
        try:
            remove()
        except ApplicationError as refused:
            error = refused
        else:
            messages.success(request, success)
            return redirect(done)
    return render(
        request, template, {**context, "error": error}, status=error.status if error else 200
    )


@login_required
def project_access_remove(request, pk: int, access_id: int):
    """Ask first (what they lose); remove on POST, or say why not beside the button."""
    project = selectors.project_get(request.user, pk)
    require(request.user, ProjectAction.REMOVE_ACCESS, project)
    access = selectors.project_access_get(project, access_id)
    return _ask_then_remove(
        request,
        lambda: services.project_access_remove(access=access, actor=request.user),
        success=_("%(email)s no longer has access to %(project)s.")
        % {"email": access.user.email, "project": project.name},
        done=cached_reverse("web:project_detail", project.pk) + "#access",
        template="web/access_remove.html",
        context={"project": project, "access": access},
    )


@agency_required
def contact_remove(request, pk: int, contact_id: int):
    """Ask first, naming the projects they lose (or the ones that keep them); remove on POST."""
    client = account_selectors.client_get(request.user, pk)
    if not account_permissions.can_manage_clients(request.user, client.organisation):
        return render(request, "web/403.html", status=403)
    contact = account_selectors.contact_get(request.user, client, contact_id)
    projects = selectors.projects_visible_to(request.user, client_id=client.pk).filter(
        access__user_id=contact.user_id
    )
    return _ask_then_remove(
        request,
        lambda: services.contact_remove(contact=contact, actor=request.user),
        success=_("%(email)s is no longer a contact of %(client)s.")
        % {"email": contact.user.email, "client": client.name},
        done=cached_reverse("web:client_detail", client.pk),
        template="web/contact_remove.html",
        context={
            "client": client,
            "contact": contact,
            "projects": projects,  # read once, when the page shows them
            "stuck": services.sole_approver_projects(contact),
        },
    )


def _back(request, invitation) -> str:
    """Where the page that asked was (a local path only), else the client's or members' page."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    if invitation.client_id:
        return cached_reverse("web:client_detail", invitation.client_id)
    return cached_reverse("web:members")


def _invitation(request, pk: int):
    """The invitation (404 outside the user's organisations), or None when their role may not
    manage it (the caller answers 403 before reading anything posted)."""
    invitation = account_selectors.invitation_get(request.user, pk)
    if not account_permissions.can_manage_invitation(request.user, invitation):
        return None
    return invitation


@require_POST
@agency_required
def invitation_resend(request, pk: int):
    invitation = _invitation(request, pk)
    if invitation is None:
        return render(request, "web/403.html", status=403)
    try:
        account_services.invitation_resend(invitation=invitation, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("A new invitation is on its way to %(email)s; the earlier link no longer works.")
            % {"email": invitation.user.email},
        )
    return redirect(_back(request, invitation))


@agency_required
def invitation_revoke(request, pk: int):
    """Ask first; on POST the link stops working (the person stays listed until removed)."""
    invitation = _invitation(request, pk)
    if invitation is None:
        return render(request, "web/403.html", status=403)
    error = None
    if request.method == "POST":
        try:
            account_services.invitation_revoke(invitation=invitation, actor=request.user)
        except ApplicationError as refused:
            error = refused
        else:
            messages.success(
                request,
                _("The invitation to %(email)s is revoked: its link no longer works.")
                % {"email": invitation.user.email},
            )
            return redirect(_back(request, invitation))
    return render(
        request,
        "web/invitation_revoke.html",
        {"invitation": invitation, "back": _back(request, invitation), "error": error},
        status=error.status if error else 200,
    )

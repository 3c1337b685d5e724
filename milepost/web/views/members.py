"""The organisation's members: owners invite, change roles and remove."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from milepost.accounts import permissions, selectors, services
from milepost.accounts.models import Membership
from milepost.core.errors import ApplicationError, InvalidInput

from ..forms import MemberInviteForm, RoleForm, apply_errors
from ..listing import listing
from .base import agency_required


def _membership(request, pk: int) -> Membership:
    return get_object_or_404(
        Membership.objects.select_related("user", "organisation"),
        pk=pk,
        organisation=request.organisation,
    )


@agency_required
def member_list(request):
    organisation = request.organisation
    can_manage = permissions.can_manage_members(request.user, organisation)
    form = MemberInviteForm(request.POST or None) if can_manage else None
    if request.method == "POST":
        if not can_manage:
            return render(request, "web/403.html", status=403)
        if form.is_valid():
            try:
                membership = services.member_invite(
                    organisation=organisation, actor=request.user, **form.cleaned_data
                )
            except InvalidInput as error:
                apply_errors(form, error)
            else:
                messages.success(
                    request, _("Invitation sent to %(email)s.") % {"email": membership.user.email}
                )
                return redirect("web:members")
    shown = listing(request, selectors.MEMBER_ORDERINGS, "name")
    memberships = selectors.memberships_of(organisation, search=shown.search, ordering=shown.sort)
    return render(
        request,
        "web/members.html",
        {
            "page": Paginator(memberships, 50).get_page(request.GET.get("page")),
            **shown.context,
            "form": form,
            "can_manage": can_manage,
            "roles": RoleForm.base_fields["role"].choices,
        },
        status=400 if form is not None and form.errors else 200,
    )


@agency_required
def member_role(request, pk: int):
    membership = _membership(request, pk)
    if not permissions.can_manage_members(request.user, membership.organisation):
        return render(request, "web/403.html", status=403)
    if request.method != "POST":
        return redirect("web:members")
    form = RoleForm(request.POST)
    try:
        if not form.is_valid():
            raise InvalidInput(_("Choose a valid role."))
        services.member_change_role(
            membership=membership, role=form.cleaned_data["role"], actor=request.user
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("%(email)s is now %(role)s.")
            % {"email": membership.user.email, "role": membership.get_role_display()},
        )
    return redirect("web:members")


@agency_required
def member_remove(request, pk: int):
    """Ask first; remove on POST."""
    membership = _membership(request, pk)
    if not permissions.can_manage_members(request.user, membership.organisation):
        return render(request, "web/403.html", status=403)
    if request.method == "POST":
        try:
            services.member_remove(membership=membership, actor=request.user)
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, _("%(email)s was removed.") % {"email": membership.user.email}
            )
        return redirect("web:members")
    return render(request, "web/member_remove.html", {"membership": membership})

"""Clients and their contacts."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from milepost.accounts import permissions, selectors, services
from milepost.billing.selectors import client_einvoice_problems
from milepost.core.errors import InvalidInput

from ..forms import ClientForm, InviteForm, apply_errors
from ..listing import listing
from .base import agency_required


@agency_required
def client_list(request):
    organisation = request.organisation
    can_manage = permissions.can_manage_clients(request.user, organisation)
    form = ClientForm(request.POST or None) if can_manage else None
    if request.method == "POST":
        if not can_manage:
            return render(request, "web/403.html", status=403)
        if form.is_valid():
            try:
                client = services.client_create(
                    organisation=organisation, actor=request.user, **form.cleaned_data
                )
            except InvalidInput as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("Client %(name)s added.") % {"name": client.name})
                return redirect("web:client_detail", client.pk)
    shown = listing(request, selectors.CLIENT_ORDERINGS, "name")
    clients = selectors.clients_visible_to(
        request.user, organisation=organisation, search=shown.search, ordering=shown.sort
    )
    page = Paginator(clients, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "web/clients.html",
        {"page": page, "form": form, "can_manage": can_manage, **shown.context},
        status=400 if form is not None and form.errors else 200,
    )


@agency_required
def client_detail(request, pk: int):
    client = selectors.client_get(request.user, pk)
    can_manage = permissions.can_manage_clients(request.user, client.organisation)
    invite_form = InviteForm(request.POST or None) if can_manage else None
    if request.method == "POST":
        if not can_manage:
            return render(request, "web/403.html", status=403)
        if invite_form.is_valid():
            try:
                contact = services.contact_invite(
                    client=client, actor=request.user, **invite_form.cleaned_data
                )
            except InvalidInput as error:
                apply_errors(invite_form, error)
            else:
                messages.success(
                    request, _("Invitation sent to %(email)s.") % {"email": contact.user.email}
                )
                return redirect("web:client_detail", client.pk)
    return render(
        request,
        "web/client_detail.html",
        {
            "client": client,
            "invite_form": invite_form,
            "can_manage": can_manage,
            "einvoice_problems": client_einvoice_problems(client) if can_manage else [],
        },
        status=400 if invite_form is not None and invite_form.errors else 200,
    )


@agency_required
def client_edit(request, pk: int):
    client = selectors.client_get(request.user, pk)
    if not permissions.can_manage_clients(request.user, client.organisation):
        return render(request, "web/403.html", status=403)
    initial = {f: getattr(client, f) for f in services.CLIENT_FIELDS}
    form = ClientForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.client_update(client=client, actor=request.user, **form.cleaned_data)
        except InvalidInput as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Client details saved."))
            return redirect("web:client_detail", client.pk)
    return render(
        request,
        "web/client_edit.html",
        {"client": client, "form": form, "einvoice_problems": client_einvoice_problems(client)},
        status=400 if form.errors else 200,
    )

"""Settings → Webhooks: the owner's pages for endpoints and their delivery log. Thin views."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from milepost.core import clock
from milepost.core.errors import ApplicationError, InvalidInput
from milepost.core.pagination import feed_page
from milepost.web.forms import apply_errors
from milepost.web.views.base import agency_required

from . import selectors, services
from .forms import EndpointForm
from .public import EVENT_TYPES

DELIVERIES_PER_PAGE = 25


def _require_owner(request) -> None:
    services.require_owner(request.user, request.organisation)


def _endpoint(request, pk):
    return selectors.endpoint_get(request.user, pk)


#: Where a secret waits, in the session, for the one page that shows it (after a redirect, so
#: that reloading neither adds the endpoint again nor rotates again).
SECRET_KEY = "webhook_secret"


def _secret_for_once(request, endpoint, secret: str, kind: str) -> None:
    request.session[SECRET_KEY] = {"endpoint": endpoint.pk, "secret": secret, "kind": kind}


def _secret_shown_once(request, endpoint) -> dict | None:
    """The secret kept for this endpoint's page, forgotten as it is read."""
    kept = request.session.get(SECRET_KEY)
    if not kept or kept.get("endpoint") != endpoint.pk:
        return None
    del request.session[SECRET_KEY]
    return kept


@agency_required
def endpoint_list(request):
    """The organisation's endpoints, and a form to add one (its secret shown once, on its page)."""
    _require_owner(request)
    form = EndpointForm(request.POST or None, initial={"event_types": ["*"], "enabled": True})
    if request.method == "POST" and form.is_valid():
        try:
            endpoint, secret = services.endpoint_create(
                organisation=request.organisation,
                actor=request.user,
                **form.data_for_service(),
            )
        except InvalidInput as error:
            apply_errors(form, error)
        else:
            _secret_for_once(request, endpoint, secret, "created")
            return redirect("webhooks:detail", endpoint.pk)
    context = {
        "form": form,
        "event_types": EVENT_TYPES,
        "endpoints": selectors.endpoints_of(request.user, request.organisation.pk),
    }
    return render(
        request, "integrations/endpoints.html", context, status=400 if form.errors else 200
    )


@agency_required
def endpoint_detail(request, pk: int):
    """Edit the endpoint, act on it, and read its delivery log (newest first)."""
    endpoint = _endpoint(request, pk)
    initial = {
        "url": endpoint.url,
        "description": endpoint.description,
        "event_types": endpoint.event_types,
        "enabled": endpoint.enabled,
    }
    form = EndpointForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.endpoint_update(
                endpoint=endpoint, actor=request.user, **form.data_for_service()
            )
        except InvalidInput as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Webhook endpoint saved."))
            return redirect("webhooks:detail", endpoint.pk)
    page = feed_page(
        selectors.deliveries_of(endpoint), request.GET.get("page"), DELIVERIES_PER_PAGE
    )
    context = {
        "endpoint": endpoint,
        "form": form,
        "page": page,
        "deliveries": page.object_list,
        "now": clock.now(),
        "new_secret": None if request.method == "POST" else _secret_shown_once(request, endpoint),
    }
    return render(
        request, "integrations/endpoint.html", context, status=400 if form.errors else 200
    )


@agency_required
@require_POST
def endpoint_toggle(request, pk: int):
    """Enable or disable the endpoint."""
    endpoint = _endpoint(request, pk)
    enable = not endpoint.enabled
    services.endpoint_update(endpoint=endpoint, actor=request.user, enabled=enable)
    messages.success(
        request,
        _("Endpoint enabled.")
        if enable
        else _(
            "Endpoint disabled: events are not queued for it until you enable it again; "
            "the event feed keeps them all."
        ),
    )
    return redirect("webhooks:detail", endpoint.pk)


@agency_required
def endpoint_rotate(request, pk: int):
    """Ask first; on POST a new secret, shown once (the old one signs for 24 more hours)."""
    endpoint = _endpoint(request, pk)
    if request.method == "POST":
        try:
            endpoint, secret = services.endpoint_rotate_secret(
                endpoint=endpoint, actor=request.user
            )
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            _secret_for_once(request, endpoint, secret, "rotated")
        return redirect("webhooks:detail", endpoint.pk)
    return render(request, "integrations/rotate.html", {"endpoint": endpoint})


@agency_required
def endpoint_delete(request, pk: int):
    """Ask first; delete on POST."""
    endpoint = _endpoint(request, pk)
    if request.method == "POST":
        services.endpoint_delete(endpoint=endpoint, actor=request.user)
        messages.success(request, _("Webhook endpoint deleted."))
        return redirect("webhooks:list")
    return render(request, "integrations/delete.html", {"endpoint": endpoint})


@agency_required
@require_POST
def endpoint_test(request, pk: int):
    """Send a ``webhook.test`` event to this endpoint."""
    endpoint = _endpoint(request, pk)
    try:
        services.endpoint_send_test(endpoint=endpoint, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Test event queued: it appears in the log below."))
    return redirect("webhooks:detail", endpoint.pk)


@agency_required
@require_POST
def delivery_resend(request, pk: int):
    """Send a delivery's event again, as a new delivery."""
    delivery = selectors.delivery_get(request.user, pk)
    try:
        services.delivery_resend(delivery=delivery, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Queued again: it appears at the top of the log."))
    return redirect("webhooks:detail", delivery.endpoint_id)

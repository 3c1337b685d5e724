"""Dashboard and projects (projects arrive with the plans issue)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from milepost.accounts import selectors


@login_required
def dashboard(request):
    """The agency's overview, or a client contact's list of what needs them."""
    organisation = request.organisation
    if organisation is None:
        contacts = list(selectors.client_contacts_of(request.user))
        return render(request, "web/dashboard_client.html", {"contacts": contacts})
    context = {
        "client_count": selectors.clients_visible_to(
            request.user, organisation=organisation
        ).count(),
        "member_count": selectors.memberships_of(organisation).count(),
    }
    return render(request, "web/dashboard.html", context)

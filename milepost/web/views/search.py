"""Search across the agency's projects, clients and invoices, by name or number.

Only agency members search (client contacts get 404): a contact's few projects and invoices are
all on their dashboard. Each group is read through the list's own selector, so search finds
what the list shows and nothing else.
"""

from django.shortcuts import render

from milepost.accounts import selectors as account_selectors
from milepost.billing import selectors as billing_selectors
from milepost.plans import selectors as plan_selectors

from ..listing import search_of
from .base import agency_required

#: Rows shown per group; the group links to its list, filtered the same way, for the rest.
SHOWN = 10


@agency_required
def search(request):
    query = search_of(request)
    groups = []
    if query:
        organisation = request.organisation
        for key, rows in (
            (
                "projects",
                plan_selectors.projects_visible_to(
                    request.user, organisation_id=organisation.pk, search=query
                ),
            ),
            (
                "clients",
                account_selectors.clients_visible_to(
                    request.user, organisation=organisation, search=query
                ),
            ),
            (
                "invoices",
                billing_selectors.invoices_visible_to(
                    request.user, organisation_id=organisation.pk, search=query
                ),
            ),
        ):
            groups.append({"key": key, "count": rows.count(), "rows": list(rows[:SHOWN])})
    return render(
        request,
        "web/search.html",
        {"q": query, "groups": groups, "found": sum(g["count"] for g in groups)},
    )

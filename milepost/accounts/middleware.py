"""Pick the organisation a request works in (the organisation switcher)."""

from __future__ import annotations

from .models import Organisation
from .permissions import organisations_of

SESSION_KEY = "milepost_organisation_id"


def current_organisation(request) -> Organisation | None:
    """The organisation chosen in the session, or the user's first one; None for contacts."""
    organisations = organisations_of(request.user)
    if not organisations:
        return None
    chosen = request.session.get(SESSION_KEY)
    return organisations[chosen if chosen in organisations else min(organisations)]


class CurrentOrganisationMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.organisation = current_organisation(request)
        return self.get_response(request)

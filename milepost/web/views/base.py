"""Small helpers shared by the web views."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404


def agency_required(view):
    """Log in, and belong to an organisation (client contacts get 404)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.organisation is None:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper

"""Query parameters of the lists, parsed before any query: a bad value is a 400 naming it."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter

from milepost.core.errors import InvalidInput

#: Ids are 64-bit integers in every database Milepost runs on.
MAX_ID = 2**63 - 1


def id_param(request, name: str) -> int | None:
    """``?name=<id>`` as an int, None when absent; 400 when it is not an id."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    if not (raw.isascii() and raw.isdigit() and 1 <= int(raw) <= MAX_ID):
        message = _("Give an id: a whole number from 1 to %(max)s.") % {"max": MAX_ID}
        raise InvalidInput(message, details={name: [message]})
    return int(raw)


def id_filter(name: str, description: str) -> OpenApiParameter:
    """The OpenAPI declaration of an id filter read with :func:`id_param`."""
    return OpenApiParameter(
        name, {"type": "integer", "minimum": 1, "maximum": MAX_ID}, description=description
    )

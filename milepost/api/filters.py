"""Query parameters of the lists, parsed before any query: a bad value is a 400 naming it."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter

from milepost.core.errors import InvalidInput
from milepost.core.ordering import Orderings, choices, is_valid

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


#: A search longer than this is refused: nobody's project or invoice name is longer.
SEARCH_MAX = 100


def search_param(request) -> str | None:
    """``?search=`` trimmed, None when absent or blank; 400 when longer than ``SEARCH_MAX``."""
    raw = (request.query_params.get("search") or "").strip()
    if len(raw) > SEARCH_MAX:
        message = _("Search for at most %(n)s characters.") % {"n": SEARCH_MAX}
        raise InvalidInput(message, details={"search": [message]})
    return raw or None


def search_filter(description: str) -> OpenApiParameter:
    """The OpenAPI declaration of ``?search=`` read with :func:`search_param`."""
    return OpenApiParameter(
        "search", {"type": "string", "maxLength": SEARCH_MAX}, description=description
    )


def ordering_param(request, orderings: Orderings) -> str | None:
    """``?ordering=key`` or ``-key`` (descending), a key of the list's declaration; None when
    absent; 400 naming the values it takes otherwise."""
    raw = request.query_params.get("ordering")
    if raw is None or raw == "":
        return None
    if not is_valid(raw, orderings):
        message = _("Sort by one of: %(keys)s.") % {"keys": ", ".join(choices(orderings))}
        raise InvalidInput(message, details={"ordering": [message]})
    return raw


def ordering_filter(orderings: Orderings, default: str) -> OpenApiParameter:
    """The OpenAPI declaration of ``?ordering=`` read with :func:`ordering_param`."""
    return OpenApiParameter(
        "ordering",
        {"type": "string", "enum": choices(orderings)},
        description=f"Sort by a key, descending with a leading `-` (default `{default}`).",
    )

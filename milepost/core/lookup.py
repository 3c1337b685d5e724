"""Reading one row by the id a request carried: a malformed id and an id outside what the user may
see are the same ``404 not_found``, so no one learns which ids exist."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Model, QuerySet

from .errors import NotFound

M = TypeVar("M", bound=Model)


def pk_of(value: Any, message: str = "Not found.") -> int:
    """The id as a number, or NotFound (``message``) for anything that is not one."""
    try:
        return int(value)
    except (TypeError, ValueError):
        raise NotFound(message) from None


def one(visible: QuerySet[M], value: Any, message: str) -> M:
    """The row of ``visible`` (already narrowed to what the user may see) with id ``value``, or
    NotFound (``message``)."""
    found = visible.filter(pk=pk_of(value, message)).first()
    if found is None:
        raise NotFound(message)
    return found

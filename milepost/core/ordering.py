"""Sorting a list by a key its reader chooses: ``name`` ascending, ``-name`` descending.

Each list declares its keys once (key → the fields it orders by, the last one making the order
total), in its selector; the web and the API read the same declaration, so a key sorts the
same everywhere and the OpenAPI document lists exactly the keys a list takes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.db.models import QuerySet

#: key → the fields to order by, ascending (``-field`` for a field that reads newest first).
Orderings = Mapping[str, Sequence[str]]


def choices(orderings: Orderings) -> list[str]:
    """Every value a list's ``ordering``/``sort`` takes: each key, then each key reversed."""
    return [*orderings, *(f"-{key}" for key in orderings)]


def is_valid(ordering: str | None, orderings: Orderings) -> bool:
    return bool(ordering) and ordering.removeprefix("-") in orderings


def fields(ordering: str, orderings: Orderings) -> list[str]:
    """The fields of ``ordering`` (a valid value), every one of them flipped when it starts with
    ``-``."""
    descending = ordering.startswith("-")
    declared = orderings[ordering.removeprefix("-")]
    if not descending:
        return list(declared)
    return [name[1:] if name.startswith("-") else f"-{name}" for name in declared]


def order(queryset: QuerySet, ordering: str | None, orderings: Orderings) -> QuerySet:
    """``queryset`` sorted by ``ordering`` when it is one of the list's values; as it was
    ordered otherwise (the caller decides whether an unknown value is an error)."""
    if not is_valid(ordering, orderings):
        return queryset
    return queryset.order_by(*fields(ordering, orderings))

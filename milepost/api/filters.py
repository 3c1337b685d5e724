"""Query parameters of the lists, parsed before any query: a bad value is a 400 naming it."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters.fields import IsoDateTimeField
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter

from milepost.core.errors import InvalidInput
from milepost.core.ordering import Orderings, choices, is_valid, order

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


#: The ordering of a list that declares no other: by when each row last changed.
UPDATED_ORDERINGS: Orderings = {"updated_at": ("updated_at", "id")}

NAIVE_TIME = gettext_lazy("Give the time with its offset (ISO 8601), e.g. 2026-12-04T09:30:00Z.")
BAD_TIME = gettext_lazy("Give a time in ISO 8601 with its offset, e.g. 2026-12-04T09:30:00Z.")


class AwareTimeField(IsoDateTimeField):
    """An ISO 8601 time that says its offset: a time without one is refused, not guessed."""

    default_error_messages = {"invalid": BAD_TIME, "naive": NAIVE_TIME}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            parsed = parse_datetime(str(value).strip())
        except ValueError:
            parsed = None
        if parsed is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        if timezone.is_naive(parsed):
            raise forms.ValidationError(self.error_messages["naive"], code="naive")
        return parsed


class AwareTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = AwareTimeField


class UpdatedSinceFilterSet(django_filters.FilterSet):
    """``?updated_since=``: the rows changed at or after a time (docs/sync.md)."""

    updated_since = AwareTimeFilter(
        field_name="updated_at",
        lookup_expr="gte",
        label="Only what changed at or after this time (ISO 8601 with its offset; docs/sync.md).",
    )


class SyncFilterBackend(DjangoFilterBackend):
    """django-filter's backend, refusing a bad value in the API's own shape (400 naming it)."""

    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        if not filterset.is_valid():
            details = {
                name: [str(m) for m in messages] for name, messages in filterset.errors.items()
            }
            raise InvalidInput(next(iter(details.values()))[0], details=details)
        return filterset.qs


class SyncReads:
    """A viewset whose lists take ``?updated_since=`` (django-filter; in the schema of its
    ``list``; its other lists declare :func:`updated_since_filter`)."""

    filter_backends = [SyncFilterBackend]
    filterset_class = UpdatedSinceFilterSet

    def sync_list(self, queryset, orderings: Orderings = UPDATED_ORDERINGS):
        """``queryset`` filtered by ``updated_since`` and sorted by ``ordering`` (a key of
        ``orderings``, by default only ``updated_at``), as the request asks; ``queryset`` itself
        (and what it has prefetched) when it asks neither."""
        ordering = ordering_param(self.request, orderings)
        if ordering is None and not self.sync_asked():
            return queryset
        return order(self.filter_queryset(queryset), ordering, orderings)

    def sync_asked(self) -> bool:
        """Whether the request filters by ``updated_since`` (whatever its value)."""
        return bool(self.request.query_params.get("updated_since"))


def updated_since_filter() -> OpenApiParameter:
    """The OpenAPI declaration of ``?updated_since=`` on a list outside a viewset's ``list``."""
    return OpenApiParameter(
        "updated_since",
        {"type": "string", "format": "date-time"},
        description=str(UpdatedSinceFilterSet.base_filters["updated_since"].label),
    )


def sync_filters(orderings: Orderings = UPDATED_ORDERINGS, default: str = "") -> list:
    """``updated_since`` and ``ordering``, declared for a nested list."""
    return [updated_since_filter(), ordering_filter(orderings, default or "its own")]

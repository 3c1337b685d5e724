"""Pages of newest-first feeds (activity, comment threads) that never count the whole feed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import QuerySet


class FeedPage(Sequence):
    """One page of a feed, with the parts of Django's ``Page`` that "newer/older" links use.

    It reads ``per_page + 1`` rows: the extra row only says whether an older page exists, so a
    page costs one query instead of a count and a read.
    """

    def __init__(self, rows: list, number: int, per_page: int):
        self.number = number
        self.object_list = rows[:per_page]
        self._has_next = len(rows) > per_page

    def __getitem__(self, index: Any) -> Any:
        return self.object_list[index]

    def __len__(self) -> int:
        return len(self.object_list)

    def has_next(self) -> bool:
        return self._has_next

    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_next() or self.has_previous()

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1


def feed_page(queryset: QuerySet, page: Any, per_page: int) -> FeedPage:
    """Page ``page`` of ``queryset`` (ordered newest first), read as leniently as
    ``Paginator.get_page``: junk or a number below 1 gives the first page, a number past the end
    gives the last page (only then is the feed counted)."""
    try:
        number = max(int(page), 1)
    except (TypeError, ValueError):
        number = 1
    start = (number - 1) * per_page
    rows = list(queryset[start : start + per_page + 1])
    if not rows and number > 1:
        count = queryset.count()
        number = max((count + per_page - 1) // per_page, 1)
        start = (number - 1) * per_page
        rows = list(queryset[start : start + per_page + 1])
    return FeedPage(rows, number, per_page)

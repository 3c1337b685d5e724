"""What every list page shares: the search box (``q``), the sort (``sort``, a key of the list's
``core.ordering`` declaration) and the page, read as leniently as a page number."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from milepost.core.ordering import Orderings, is_valid

#: A search longer than this is cut: nobody's project or invoice name is longer.
SEARCH_MAX = 100


@dataclass(frozen=True)
class Listing:
    """A list page's request: what to find, how to sort, and the query string to keep."""

    search: str
    sort: str
    default_sort: str
    query: str  # the request's query string without ``page``, for the page links

    @property
    def context(self) -> dict[str, Any]:
        """What the list's template reads: ``q``, ``sort`` (and whether it is the default) and
        ``query``."""
        return {
            "q": self.search,
            "sort": self.sort,
            "sorted": self.sort != self.default_sort,
            "query": self.query,
        }


def search_of(request) -> str:
    """``?q=``, trimmed and cut to ``SEARCH_MAX``; empty when absent."""
    return (request.GET.get("q") or "").strip()[:SEARCH_MAX]


def listing(request, orderings: Orderings, default: str) -> Listing:
    """Read ``q`` and ``sort`` (an unknown sort is the list's ``default``, like a bad page)."""
    sort = request.GET.get("sort") or ""
    if not is_valid(sort, orderings):
        sort = default
    query = request.GET.copy()
    query.pop("page", None)
    return Listing(search_of(request), sort, default, query.urlencode())

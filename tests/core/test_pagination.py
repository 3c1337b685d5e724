"""feed_page: newer/older pages of a feed in one query, as lenient as Paginator.get_page."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from milepost.accounts.models import User
from milepost.core.pagination import feed_page

from ..factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def feed():
    for _ in range(7):
        UserFactory()
    return User.objects.order_by("-id")


def emails(page):
    return [u.email for u in page]


def test_pages_walk_the_feed_in_order(feed):
    everyone = emails(feed)
    first, second, third = (feed_page(feed, n, 3) for n in (1, 2, 3))
    assert emails(first) + emails(second) + emails(third) == everyone
    assert (first.has_previous(), first.has_next(), first.next_page_number()) == (False, True, 2)
    assert (second.has_previous(), second.has_next()) == (True, True)
    assert (third.has_next(), third.previous_page_number(), len(third)) == (False, 2, 1)
    assert all(page.has_other_pages() for page in (first, second, third))


def test_a_single_page_has_no_other_pages(feed):
    page = feed_page(feed, 1, 10)
    assert len(page) == 7
    assert not page.has_other_pages()


def test_exactly_full_last_page_has_no_next(feed):
    assert not feed_page(feed, 1, 7).has_next()
    assert not feed_page(feed, 2, 5).has_next()


@pytest.mark.parametrize("junk", [None, "", "abc", "0", "-3", "1.5"])
def test_junk_gives_the_first_page(feed, junk):
    page = feed_page(feed, junk, 3)
    assert page.number == 1
    assert emails(page) == emails(feed)[:3]


def test_past_the_end_gives_the_last_page(feed):
    page = feed_page(feed, 99, 3)
    assert page.number == 3
    assert emails(page) == emails(feed)[6:]


def test_an_empty_feed_is_an_empty_first_page(db):
    page = feed_page(User.objects.none(), 5, 3)
    assert (page.number, len(page), bool(page), page.has_other_pages()) == (1, 0, False, False)


def test_one_query_per_page(feed):
    with CaptureQueriesContext(connection) as queries:
        page = feed_page(feed, 2, 3)
        list(page)
    assert len(queries) == 1

"""The timeline of a project with progress, for the agency and for the client, in two
browsers: from the project page's slippage line to the drawing, its table and the payment
schedule, at 1280 and 390 px wide without the page scrolling sideways (the drawing scrolls in
its own box). Screenshots go to the test's tmp dir."""

from __future__ import annotations

import datetime as dt
import urllib.request

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from milepost.accounts.models import User
from milepost.core import clock
from milepost.plans.models import Milestone
from milepost.reviews import services as reviews
from tests.factories import PASSWORD

from .helpers import active_project, forget_login_attempts, log_in

pytestmark = pytest.mark.e2e

SIZES = {"1280": {"width": 1280, "height": 900}, "390": {"width": 390, "height": 844}}


@pytest.fixture(autouse=True)
def _login_limit_untouched():
    forget_login_attempts()
    yield
    forget_login_attempts()


@pytest.fixture(autouse=True)
def _warm(live_server, transactional_db):
    urllib.request.urlopen(f"{live_server.url}/login/", timeout=120).read()


def _at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10)))


def _m(pk: int) -> Milestone:
    return Milestone.objects.select_related("project__organisation").get(pk=pk)


def _progress(owner, approver, milestones) -> dt.date:
    """Milestone 1 started today, delivered, sent back, delivered again and approved two
    weeks on; milestone 2 started the day after. Returns the day to look from."""
    first, second = milestones[0].pk, milestones[1].pk
    today = dt.date.today()
    steps = [
        (0, lambda: reviews.milestone_start(milestone=_m(first), actor=owner)),
        (4, lambda: reviews.milestone_deliver(milestone=_m(first), actor=owner, notes="v1")),
        (
            5,
            lambda: reviews.milestone_request_changes(
                milestone=_m(first), actor=User.objects.get(pk=approver.pk), feedback="Bigger"
            ),
        ),
        (7, lambda: reviews.milestone_deliver(milestone=_m(first), actor=owner, notes="v2")),
        (
            14,
            lambda: reviews.milestone_approve(
                milestone=_m(first),
                actor=User.objects.get(pk=approver.pk),
                accept_open_items=True,
            ),
        ),
        (15, lambda: reviews.milestone_start(milestone=_m(second), actor=owner)),
    ]
    for offset, step in steps:
        with clock.frozen(_at(today + dt.timedelta(days=offset))):
            step()
    return today + dt.timedelta(days=20)


def _fits(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth"), (
        f"{page.url} scrolls sideways at {page.viewport_size['width']} px"
    )


def test_both_sides_read_the_timeline_at_both_widths(
    page: Page, new_page, live_server, tmp_path, transactional_db
):
    owner, approver, milestones = active_project()
    project = milestones[0].project
    looked_on = _progress(owner, approver, milestones)
    base = live_server.url
    agency, client = page, new_page()
    log_in(agency, base, owner.email, PASSWORD)
    log_in(client, base, approver.email, PASSWORD)
    # The live server reads the same clock: both browsers look from the same day.
    with clock.frozen(_at(looked_on)):
        for who, browser in (("agency", agency), ("client", client)):
            browser.goto(f"{base}/projects/{project.pk}/")
            line = browser.locator("#slippage")
            expect(line).to_contain_text("Forecast end")
            expect(line).to_contain_text("baseline v1")
            expect(line).to_contain_text("agency")
            line.get_by_role("link", name="Timeline").click()
            expect(browser.get_by_role("heading", level=1)).to_have_text("Timeline")
            svg = browser.locator("svg.timeline")
            expect(svg).to_be_visible()
            expect(svg).to_have_attribute("role", "img")
            title = svg.locator(":scope > title")
            expect(title).to_have_text(f"Timeline of {project.name}")
            assert svg.locator("rect.bar").count() >= 5 * 2 + 2
            expect(browser.locator("table.timeline-table tbody tr")).to_have_count(5)
            expect(browser.locator("#payment-schedule")).to_contain_text("Expected")
            for width, size in SIZES.items():
                browser.set_viewport_size(size)
                _fits(browser)
                browser.screenshot(
                    path=str(tmp_path / f"timeline-{who}-{width}.png"), full_page=True
                )
            # At 390 px the drawing keeps a readable size and scrolls in its own box, and the
            # page says so (a newcomer saw no bars and no hint that there were more).
            box = browser.locator(".timeline-scroll")
            assert box.evaluate("e => e.scrollWidth > e.clientWidth")
            hint = browser.get_by_text("The drawing is wider than the screen")
            expect(hint).to_be_visible()
            browser.set_viewport_size(SIZES["1280"])
            expect(hint).to_be_hidden()
            # Printed: the header and links go, the drawing fits the page (nothing scrolls).
            browser.emulate_media(media="print")
            expect(browser.locator("header.top")).to_be_hidden()
            expect(svg).to_be_visible()
            assert box.evaluate("e => e.scrollWidth <= e.clientWidth")
            browser.pdf(path=str(tmp_path / f"timeline-{who}.pdf")) if who == "agency" else None
            browser.emulate_media(media="screen")
    assert (tmp_path / "timeline-agency.pdf").stat().st_size > 0
    assert sorted(p.name for p in tmp_path.glob("timeline-*.png")) == [
        "timeline-agency-1280.png",
        "timeline-agency-390.png",
        "timeline-client-1280.png",
        "timeline-client-390.png",
    ]

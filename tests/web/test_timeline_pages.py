"""The project's timeline page for both sides, and the slippage line on the project page
(issue 14), read from a fixed clock."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from html import unescape

import pytest
from django.test import Client

from milepost.core import clock
from milepost.plans import services as plans
from tests.forecast.conftest import at, reload
from tests.forecast.helpers import add_a_milestone
from tests.reviews.conftest import VIEWER_EMAIL, fresh

from ..factories import UserFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2027, 1, 25)


def _page(user, path, day=TODAY):
    http = Client()
    http.force_login(user)
    with clock.frozen(at(day)):
        return http.get(path)


def _text(response) -> str:
    html = response.content.decode()
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def _svg(html: str, project) -> str:
    """The timeline's drawing in the page (the header has icons of its own)."""
    start = re.search(rf'<svg [^>]*id="timeline-{project.pk}"', html).start()
    return html[start : html.index("</svg>", start) + len("</svg>")]


@pytest.fixture
def viewer(world):
    """The project's viewer (``make_project`` gave the address access)."""
    from milepost.accounts.models import User

    user = User.objects.filter(email=VIEWER_EMAIL).first()
    if user is None:
        user = UserFactory(email=VIEWER_EMAIL)
    return user


@pytest.mark.parametrize("who", ["owner", "member", "contact"])
def test_both_sides_see_the_timeline_the_table_and_the_schedule(world, progressed, who):
    response = _page(world.user(who), f"/projects/{progressed.pk}/timeline/")
    assert response.status_code == 200
    html = response.content.decode()
    root = ET.fromstring(_svg(html, progressed))
    assert root.find("{http://www.w3.org/2000/svg}title").text == "Timeline of Acme webshop"
    text = _text(response)
    # The project's line: milestone 2 began three working days late (Thu 21 Jan, planned
    # Mon 18 Jan) and keeps its length, so the project ends three working days late.
    assert "Forecast end 2 Apr 2027 · 3 working days later than baseline v1" in text
    assert "Who held it up, in working days: agency 8 days · client 8 days" in text
    assert "of them 2 days waiting for the plan's acceptance" in text
    # The table: milestone 1 as it happened, with the XML characters of its title escaped.
    row = re.search(r'<tr id="timeline-m\d+">(.*?)</tr>', html, re.S).group(1)
    assert "Design &lt;&amp;&gt; &quot;layout&quot; &amp; co" in row
    row_text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row))
    for said in (
        "4 Jan 2027 \u2013 15 Jan 2027",  # baseline and plan
        "v1 8 Jan 2027",
        "changes requested 11 Jan 2027",
        "v2 13 Jan 2027",
        "20 Jan 2027",  # approved
        "3 working days later",  # approved Wed 20 Jan, due Fri 15 Jan
    ):
        assert said in row_text, (said, row_text)
    # The payment schedule: the invoice issued and the four expected.
    schedule = text[text.index("Payment schedule") :]
    assert "Invoiced €2,380.00 · paid €0.00 · outstanding €2,380.00" in schedule
    assert "still to come €9,520.00 (forecast) · in all €11,900.00" in schedule
    assert schedule.count("Expected") == 4
    assert "INV-2027-0001" in schedule


def test_a_viewer_sees_it_too_and_an_outsider_gets_404(world, progressed, viewer):
    assert _page(fresh(viewer), f"/projects/{progressed.pk}/timeline/").status_code == 200
    assert _page(world.outsider, f"/projects/{progressed.pk}/timeline/").status_code == 404


def test_before_acceptance_the_page_says_what_will_appear(world, make_project):
    project = make_project()
    plans.plan_propose(project=reload(project), actor=world.owner)
    for user in (world.owner, world.contact):
        response = _page(fresh(user), f"/projects/{project.pk}/timeline/")
        assert response.status_code == 200
        text = _text(response)
        assert "The timeline appears once Acme Shop accepts the plan" in text
        assert "Nothing is scheduled before the plan is accepted." in text
        assert 'class="timeline"' not in response.content.decode()


def test_the_project_page_has_the_slippage_line_and_links_the_timeline(world, progressed):
    # Mon 15 Feb: milestone 2 (due Fri 5 Feb) is still in progress, six working days late;
    # the rest moves with it (Easter, 26 and 29 Mar, is off in Germany).
    late = dt.date(2027, 2, 15)
    for user in (world.owner, world.contact):
        response = _page(fresh(user), f"/projects/{progressed.pk}/", day=late)
        line = re.search(r'<p class="slippage" id="slippage">(.*?)</p>', response.content.decode())
        assert line, "no slippage line"
        text = re.sub(r"<[^>]+>", "", line.group(1))
        assert text == (
            "Forecast end 7 Apr 2027 · 6 working days later than baseline v1 · "
            "agency 23 days · client 8 days · Timeline"
        )
        assert f'href="/projects/{progressed.pk}/timeline/"' in line.group(1)


def test_no_slippage_line_before_acceptance_or_once_cancelled(world, make_project, progressed):
    project = make_project()
    assert 'id="slippage"' not in _page(world.owner, f"/projects/{project.pk}/").content.decode()
    plans.project_cancel(project=reload(progressed), actor=fresh(world.owner), reason="Stop")
    page = _page(world.owner, f"/projects/{progressed.pk}/").content.decode()
    assert 'id="slippage"' not in page
    timeline = _text(_page(world.owner, f"/projects/{progressed.pk}/timeline/"))
    assert "Cancelled on" in timeline and "Expected" not in timeline


def test_a_milestone_a_change_order_added_has_no_baseline(world, progressed):
    add_a_milestone(world, progressed, "Shop & cart")
    response = _page(world.contact, f"/projects/{progressed.pk}/timeline/")
    html = response.content.decode()
    last = re.findall(r'<tr id="timeline-m\d+">(.*?)</tr>', html, re.S)[-1]
    assert "Shop &amp; cart" in last and "added by a change order" in last
    assert "not in the baseline" in last
    root = ET.fromstring(_svg(html, progressed))
    rows = root.findall(".//{http://www.w3.org/2000/svg}g[@class='row status-planned']")
    classes = [r.get("class") for r in rows[-1].iter("{http://www.w3.org/2000/svg}rect")]
    assert "bar baseline" not in classes and "bar plan" in classes
    # The project now ends with the new milestone, which plan v1 did not have; against the
    # plan now (v2) it is as late as milestone 2's late start (three working days).
    text = _text(response)
    assert (
        "Forecast end 14 Apr 2027 · not in baseline v1 · 3 working days later than plan v2" in text
    )

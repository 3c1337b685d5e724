"""The timeline's SVG is valid XML with a text alternative for the whole and for every bar and
mark, whatever the milestones are called."""

from __future__ import annotations

import datetime as dt
import itertools
import xml.etree.ElementTree as ET

from milepost.forecast.svg import timeline_svg
from milepost.forecast.timeline import project_timeline

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # raises on anything that is not well-formed XML


def bars(root: ET.Element) -> list[ET.Element]:
    return [e for e in root.iter(f"{SVG}rect") if "bar" in (e.get("class") or "").split()]


def marks(root: ET.Element) -> list[ET.Element]:
    return [e for e in root.iter(f"{SVG}g") if "mark" in (e.get("class") or "").split()]


def title_of(element: ET.Element) -> str:
    found = element.find(f"{SVG}title")
    assert found is not None and found.text, ET.tostring(element)
    return found.text


def test_the_svg_is_valid_xml_with_a_title_and_a_description(progressed):
    line = project_timeline(progressed, today=dt.date(2027, 1, 25))
    root = parse(timeline_svg(line))
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert title.text == f"Timeline of {progressed.name}"
    assert "working days" in desc.text or "on time" in desc.text
    assert root.get("width") == "100%" and root.get("viewBox").startswith("0 0 960 ")


def test_every_bar_and_mark_has_a_title_even_with_special_characters(progressed):
    line = project_timeline(progressed, today=dt.date(2027, 1, 25))
    svg = timeline_svg(line)
    root = parse(svg)
    found = bars(root)
    kinds = {kind for e in found for kind in e.get("class").split()} - {"bar"}
    assert kinds == {"baseline", "plan", "done", "forecast"}
    # Five baselines and plans, two started (done), four not done (forecast).
    assert len(found) == 5 + 5 + 2 + 4
    for element in found + marks(root):
        title_of(element)
    # The milestone's own name, escaped in the markup, read back as it was typed.
    assert '<&> "layout"' not in svg
    names = [title_of(t) for t in root.iter(f"{SVG}text") if t.find(f"{SVG}title") is not None]
    assert names[0] == '1. Design <&> "layout" & co'
    assert 'Design <&> "layout" & co' in root.find(f"{SVG}desc").text


def test_marks_say_each_delivery_the_request_for_changes_and_the_approval(progressed):
    line = project_timeline(progressed, today=dt.date(2027, 1, 25))
    root = parse(timeline_svg(line))
    first = root.find(f".//{SVG}g[@id='row-{line.rows[0].milestone.pk}']")
    said = [title_of(g) for g in marks(first)]
    assert said == [
        "Delivery v1 on 8 Jan 2027",
        "Changes requested on 11 Jan 2027",
        "Delivery v2 on 13 Jan 2027",
        "Approved on 20 Jan 2027",
    ]
    plan = next(e for e in bars(first) if "plan" in e.get("class"))
    assert title_of(plan) == "Plan v1: 4 Jan 2027 \u2013 15 Jan 2027, 3 working days later"
    done = next(e for e in bars(first) if "done" in e.get("class"))
    assert title_of(done).startswith("Done: started 4 Jan 2027, approved 20 Jan 2027")


def test_the_today_line_and_month_ticks(progressed):
    line = project_timeline(progressed, today=dt.date(2027, 1, 25))
    root = parse(timeline_svg(line))
    today = root.find(f".//{SVG}g[@class='today']")
    assert title_of(today) == "Today, 25 Jan 2027"
    months = [t.text for t in root.find(f".//{SVG}g[@class='months']").iter(f"{SVG}text")]
    assert months[:3] == ["Jan 2027", "Feb 2027", "Mar 2027"]


def test_an_untouched_plan_has_no_done_bar_and_no_marks(accepted):
    root = parse(timeline_svg(project_timeline(accepted, today=dt.date(2026, 12, 31))))
    assert not [e for e in bars(root) if "done" in e.get("class")]
    assert not marks(root)
    forecasts = [e for e in bars(root) if "forecast" in e.get("class")]
    assert len(forecasts) == 5
    assert all(e.get("fill").startswith("url(#") for e in forecasts)  # hatched, not a colour


def test_ids_are_unique_per_drawing(accepted, world):
    line = project_timeline(accepted, today=dt.date(2026, 12, 31))
    root = parse(timeline_svg(line, ident="tl-a"))
    ids = [e.get("id") for e in root.iter() if e.get("id")]
    assert len(ids) == len(set(ids))
    assert all(i.startswith(("tl-a", "row-")) for i in ids)


def mark_centres(row: ET.Element) -> list[float]:
    """The x each mark of a row is drawn around (a path's first point, a circle's centre)."""
    centres = []
    for g in marks(row):
        shape = next(e for e in g if e.tag != f"{SVG}title")
        if shape.tag == f"{SVG}circle":
            centres.append(float(shape.get("cx")))
        else:
            x = float(shape.get("d")[1:].split(",")[0])
            centres.append(x + 5 if "h10" in shape.get("d") else x)
    return centres


def test_marks_of_one_day_are_drawn_side_by_side(world, accepted):
    """Delivered, sent back, delivered again and approved on one day: a newcomer saw the four
    marks drawn over one another, none readable."""
    from milepost.core import clock
    from milepost.reviews import services as reviews

    from ..reviews.conftest import fresh
    from .helpers import approve_review, at, deliver, m, reload, start

    day = dt.date(2027, 1, 6)
    start(world, accepted, 1, day)
    deliver(world, accepted, 1, day)
    with clock.frozen(at(day, 11)):
        reviews.milestone_request_changes(
            milestone=m(accepted, 1), actor=fresh(world.contact), feedback="Bigger logo"
        )
    with clock.frozen(at(day, 12)):
        reviews.milestone_deliver(milestone=m(accepted, 1), actor=world.owner, notes="Again")
    with clock.frozen(at(day, 13)):
        approve_review(world, accepted, 1, day)
    line = project_timeline(reload(accepted), today=day)
    root = parse(timeline_svg(line))
    first = root.find(f".//{SVG}g[@id='row-{line.rows[0].milestone.pk}']")
    centres = mark_centres(first)
    assert len(centres) == 4
    # Each at least a mark's width (12) from the one before, in the order they happened.
    assert all(b - a >= 12 for a, b in itertools.pairwise(centres)), centres


def test_the_axis_starts_on_the_week_of_the_first_day_not_the_month(world, make_project):
    """A project starting on Mon 30 Nov began its drawing on 1 Nov: a quarter of it empty."""
    from milepost.forecast.drawing import Scale

    scale = Scale(dt.date(2026, 11, 30), dt.date(2027, 3, 1), 0, 1000)
    assert scale.start == dt.date(2026, 11, 30)
    assert Scale(dt.date(2026, 12, 3), dt.date(2027, 3, 1), 0, 1000).start == dt.date(2026, 11, 30)
    # Its first month begun mid-way is still named, at the left edge, when there is room.
    assert scale.months()[0] == dt.date(2026, 12, 1)

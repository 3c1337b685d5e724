"""A project's timeline drawn on the server as accessible SVG, without JavaScript: one row per
milestone with its baseline (a faint dashed bar), its current plan, what happened (a solid bar
from its start, a mark per delivery, request for changes and approval) and the forecast for
what is not done (hatched), a "today" line and month ticks.

Every bar and mark has a ``<title>`` (its text alternative, and a tooltip), the whole a
``<title>`` and ``<desc>`` named by ``aria-labelledby``; kinds differ by pattern, outline and
shape, never by colour alone, and a legend names them. The page's table says the same in
full. Drawn in fixed units (``WIDTH``) that scale to the container (viewBox, width 100%)."""

from __future__ import annotations

import datetime as dt
import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from django.utils import formats
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from . import wording
from .drawing import Scale, add, markup, root, short, text
from .timeline import Mark, Row, Timeline

WIDTH = 960
LEFT, RIGHT = 220, WIDTH - 16  # the milestones' names take the left
AXIS = 44  # month labels and "Today" above the rows
MARK_GAP = 13  # the least distance between the middles of two marks (each 12 wide)
ROW = 60
LEGEND = 56
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif"

INK, MUTED, RULE, BAND = "#1d2330", "#5b6475", "#c9cfda", "#eef1f6"
PLAN, PLAN_FILL, DONE, FORECAST, RED = "#2457d6", "#dbe5fb", "#1f7a4d", "#9a6200", "#b42318"
BAR = {"height": 12, "rx": 2}


def timeline_svg(timeline: Timeline, *, ident: str | None = None) -> SafeString:
    """The timeline as an ``<svg>`` element, ready for a page; ``ident`` prefixes its ids."""
    ident = ident or f"timeline-{timeline.project.pk}"
    scale = Scale(timeline.first_day, timeline.last_day, LEFT, RIGHT)
    bottom = AXIS + ROW * len(timeline.rows)
    svg = root(
        WIDTH,
        bottom + LEGEND,
        role="img",
        aria_labelledby=f"{ident}-title {ident}-desc",
        class_="timeline",
        id=ident,
        font_family=FONT,
        font_size=12,
    )
    title = _("Timeline of %(project)s") % {"project": timeline.project.name}
    add(svg, "title", id=f"{ident}-title").text = title
    said = [_Said.of(row) for row in timeline.rows]  # each row's words, said once
    add(svg, "desc", id=f"{ident}-desc").text = _description(timeline, said)
    hatch = _hatch(svg, ident)
    _months(svg, scale, bottom)
    plan = _("Plan v%(n)s") % {"n": timeline.project.plan_version}
    for index, (row, words) in enumerate(zip(timeline.rows, said, strict=True)):
        _row(svg, row, words, plan, timeline.today, scale, AXIS + index * ROW, hatch)
    _today(svg, timeline.today, scale, bottom)
    _legend(svg, hatch, bottom + 30)
    return markup(svg)


@dataclass(frozen=True)
class _Said:
    status: str
    slip: str  # against the baseline

    @classmethod
    def of(cls, row: Row) -> _Said:
        return cls(
            row.milestone.get_status_display(),
            wording.slip_against(row.forecast.slip_baseline, wording.BASELINE),
        )


def _description(timeline: Timeline, said: list[_Said]) -> str:
    lines = [wording.summary(timeline) + "."]
    for row, words in zip(timeline.rows, said, strict=True):
        lines.append(
            _("%(n)s. %(title)s: %(status)s, forecast %(span)s, %(slip)s.")
            % {
                "n": row.milestone.position,
                "title": row.milestone.title,
                "status": words.status.lower(),
                "span": wording.span(row.forecast.start, row.forecast.end),
                "slip": words.slip,
            }
        )
    return " ".join(lines)


def _hatch(svg: ET.Element, ident: str) -> str:
    """The forecast's pattern (diagonal lines), and the fill that names it."""
    pattern = add(
        add(svg, "defs"),
        "pattern",
        id=f"{ident}-hatch",
        patternUnits="userSpaceOnUse",
        width=6,
        height=6,
        patternTransform="rotate(45)",
    )
    add(pattern, "rect", width=6, height=6, fill="#fff")
    add(pattern, "line", x1=0, y1=0, x2=0, y2=6, stroke=FORECAST, stroke_width=2.5)
    return f"url(#{ident}-hatch)"


def _months(svg: ET.Element, scale: Scale, bottom: int) -> None:
    """A rule at the first of each month, labelled (every n-th when months are narrow)."""
    group = add(svg, "g", class_="months", aria_hidden="true")
    months = scale.months()
    if scale.start.day != 1 and (not months or scale.x(months[0]) - scale.x(scale.start) >= 64):
        # The month the drawing begins in, part-way through: named at the edge when it fits.
        text(group, formats.date_format(scale.start, "M Y"), x=LEFT + 3, y=AXIS - 18, fill=MUTED)
    every = max(1, math.ceil(len(months) * 64 / (RIGHT - LEFT)))
    for i, month in enumerate(months):
        x = scale.x(month)
        add(group, "line", x1=x, y1=AXIS - 14, x2=x, y2=bottom, stroke=RULE)
        if i % every == 0 and x < RIGHT - 48:  # a month just begun at the edge: no room
            text(group, formats.date_format(month, "M Y"), x=x + 3, y=AXIS - 18, fill=MUTED)


def _row(
    svg: ET.Element,
    row: Row,
    words: _Said,
    plan: str,
    today: dt.date,
    scale: Scale,
    top: int,
    hatch: str,
) -> None:
    m, forecast = row.milestone, row.forecast
    group = add(svg, "g", class_=f"row status-{m.status}", id=f"row-{m.pk}")
    if top > AXIS:
        add(group, "line", x1=0, y1=top, x2=WIDTH, y2=top, stroke=BAND)
    name = f"{m.position}. {m.title}"
    text(group, short(name, 26), name, x=6, y=top + 18, fill=INK, font_weight=600)
    text(group, words.status, x=6, y=top + 34, fill=MUTED, font_size=11)
    text(group, wording.hands(row.hands), x=6, y=top + 49, fill=MUTED, font_size=11)
    if row.baseline_start and row.baseline_due:
        x, w = scale.bar(row.baseline_start, row.baseline_due)
        said = _("Baseline v1: %(span)s") % {
            "span": wording.span(row.baseline_start, row.baseline_due)
        }
        add(group, "rect", said, class_="bar baseline", x=x, y=top + 10, width=w, **_BASELINE)
    x, w = scale.bar(m.planned_start, m.planned_due)
    said = _("%(plan)s: %(span)s, %(slip)s") % {
        "plan": plan,
        "span": wording.span(m.planned_start, m.planned_due),
        "slip": wording.slip(forecast.slip_plan),
    }
    add(group, "rect", said, class_="bar plan", x=x, y=top + 22, width=w, **_PLAN)
    _happened(group, row, words.slip, today, scale, top + 38, hatch)
    marks = [*row.marks, *([Mark(row.approved, "approved")] if row.approved else [])]
    previous = None
    for mark in marks:
        # Marks of one day (or days too close to tell apart) are drawn side by side, in the
        # order they happened, rather than over one another; each title still says its day.
        x = scale.middle(mark.day)
        if previous is not None and x < previous + MARK_GAP:
            x = previous + MARK_GAP
        _mark(group, mark, x, top + 38)
        previous = x


_BASELINE = {"height": 8, "rx": 2, "fill": BAND, "stroke": MUTED, "stroke_dasharray": "3 2"}
_PLAN = {"height": 10, "rx": 2, "fill": PLAN_FILL, "stroke": PLAN, "stroke_width": 1.5}


def _happened(
    group: ET.Element, row: Row, slip: str, today: dt.date, scale: Scale, y: int, hatch: str
) -> None:
    """What happened (solid, from the start to the approval or today) and the forecast for the
    rest (hatched and outlined), at ``y``."""
    forecast = row.forecast
    if row.started:
        x, w = scale.bar(row.started, row.approved or max(today, row.started))
        said = (
            _("Done: started %(start)s, approved %(end)s, %(slip)s")
            if row.approved
            else _("Under way since %(start)s")
        ) % {"start": wording.day(row.started), "end": wording.day(row.approved), "slip": slip}
        add(group, "rect", said, class_="bar done", x=x, y=y, width=w, fill=DONE, **BAR)
    first = max(today, forecast.start) if row.started else forecast.start
    if forecast.done or first > forecast.end:
        return
    x, w = scale.bar(first, forecast.end)
    said = _("Forecast: %(span)s, %(slip)s") % {
        "span": wording.span(forecast.start, forecast.end),
        "slip": slip,
    }
    style = {"fill": hatch, "stroke": FORECAST, "stroke_width": 1.5, **BAR}
    add(group, "rect", said, class_="bar forecast", x=x, y=y, width=w, **style)


def _mark(group: ET.Element, mark: Mark, x: float, y: int) -> None:
    """A delivery (▼), a request for changes (✕ in a circle) or the approval (◇), centred on
    ``x``: shapes, not colours, tell them apart."""
    when = wording.day(mark.day)
    if mark.kind == "delivered" and mark.number:
        said = _("Delivery v%(n)s on %(day)s") % {"n": mark.number, "day": when}
    elif mark.kind == "delivered":
        said = _("Delivered on %(day)s") % {"day": when}
    elif mark.kind == "changes_requested":
        said = _("Changes requested on %(day)s") % {"day": when}
    else:
        said = _("Approved on %(day)s") % {"day": when}
    _shape(add(group, "g", said, class_=f"mark {mark.kind.replace('_', '-')}"), mark.kind, x, y)


def _shape(group: ET.Element, kind: str, x: float, y: float) -> None:
    """The shape of a mark of ``kind`` centred on ``x``, on a bar whose top is at ``y``."""
    if kind == "delivered":
        add(group, "path", d=f"M{x - 5:g},{y - 7:g} h10 l-5,7 z", fill=INK)
    elif kind == "changes_requested":
        add(group, "circle", cx=x, cy=y + 6, r=6, fill="#fff", stroke=RED, stroke_width=1.5)
        cross = f"M{x - 3:g},{y + 3:g} l6,6 M{x + 3:g},{y + 3:g} l-6,6"
        add(group, "path", d=cross, stroke=RED, stroke_width=1.5)
    else:
        diamond = f"M{x:g},{y - 2:g} l6,8 l-6,8 l-6,-8 z"
        add(group, "path", d=diamond, fill="#fff", stroke=INK, stroke_width=1.5)


def _today(svg: ET.Element, today: dt.date, scale: Scale, bottom: int) -> None:
    x = scale.middle(today)
    group = add(svg, "g", _("Today, %(day)s") % {"day": wording.day(today)}, class_="today")
    line = {"stroke": RED, "stroke_width": 1.5, "stroke_dasharray": "4 3"}
    add(group, "line", x1=x, y1=AXIS - 12, x2=x, y2=bottom, **line)
    text(group, _("Today"), x=x + 3, y=AXIS - 4, fill=RED, font_weight=600)


def _legend(svg: ET.Element, hatch: str, y: int) -> None:
    """Each kind's swatch or shape and its name, in a line (two when the names are long)."""
    group = add(svg, "g", class_="legend")
    swatches = [
        (_("Baseline v1"), _BASELINE),
        (_("Plan"), _PLAN),
        (_("Done"), {"fill": DONE, **BAR}),
        (_("Forecast"), {"fill": hatch, "stroke": FORECAST, **BAR}),
    ]
    shapes = [
        (_("Delivery"), "delivered"),
        (_("Changes requested"), "changes_requested"),
        (_("Approved"), "approved"),
    ]
    x = 6.0
    for label, kind in [*swatches, *shapes, (_("Today"), "today")]:
        width = 30 + 7 * len(label) + 16
        if x + width > WIDTH:
            x, y = 6.0, y + 22
        if isinstance(kind, dict):
            add(group, "rect", x=x, y=y - 10, width=22, **{**kind, "height": 10})
        elif kind == "today":
            add(
                group,
                "line",
                x1=x + 11,
                y1=y - 13,
                x2=x + 11,
                y2=y + 3,
                stroke=RED,
                stroke_dasharray="4 3",
            )
        else:
            _shape(group, kind, x + 11, y - 2 if kind == "delivered" else y - 10)
        text(group, label, x=x + 30, y=y, fill=INK)
        x += width

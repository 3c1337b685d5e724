"""A small helper for SVG drawn on the server with ElementTree: elements with a ``<title>`` (the
text alternative and tooltip), attribute names written as Python keywords, and a scale from
days to x. ElementTree escapes every text and attribute, so a name with ``<&>`` stays a name."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

from django.utils.safestring import SafeString, mark_safe

NAMESPACE = "http://www.w3.org/2000/svg"


def add(parent: ET.Element, tag: str, title: str | None = None, **attrs) -> ET.Element:
    """A child ``tag`` of ``parent``, its ``<title>`` first when given. ``class_`` is written
    ``class``, other underscores dashes (``stroke_width`` → ``stroke-width``); None is left out."""
    element = ET.SubElement(
        parent, tag, {_name(k): _value(v) for k, v in attrs.items() if v is not None}
    )
    if title:
        ET.SubElement(element, "title").text = title
    return element


def text(parent: ET.Element, content: str, title: str | None = None, **attrs) -> ET.Element:
    """A ``<text>``; ``title`` (the whole of a shortened text) comes before its words."""
    element = add(parent, "text", title, **attrs)
    if title:
        element[0].tail = content
    else:
        element.text = content
    return element


def root(width: int, height: int, **attrs) -> ET.Element:
    return ET.Element(
        "svg",
        {"xmlns": NAMESPACE, "viewBox": f"0 0 {width} {height}", "width": "100%"}
        | {_name(k): _value(v) for k, v in attrs.items()},
    )


def markup(svg: ET.Element) -> SafeString:
    """The drawing as markup to put in a page: ElementTree escaped what it holds."""
    return mark_safe(ET.tostring(svg, encoding="unicode"))


def short(words: str, limit: int) -> str:
    return words if len(words) <= limit else words[: limit - 1].rstrip() + "…"


def _name(key: str) -> str:
    return "class" if key == "class_" else key.replace("_", "-")


def _value(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


class Scale:
    """Days to x between ``left`` and ``right``: from the Monday of the week of ``first`` to
    the day after ``last`` (four weeks at least)."""

    def __init__(self, first: dt.date, last: dt.date, left: float, right: float):
        self.start = first - dt.timedelta(days=first.weekday())
        self.end = max(last + dt.timedelta(days=1), self.start + dt.timedelta(days=28))
        self.left = left
        self.per_day = (right - left) / (self.end - self.start).days

    def x(self, day: dt.date) -> float:
        return round(self.left + (day - self.start).days * self.per_day, 1)

    def middle(self, day: dt.date) -> float:
        return round(self.x(day) + self.per_day / 2, 1)

    def bar(self, first: dt.date, last: dt.date) -> tuple[float, float]:
        """x and width of a bar over ``first`` to ``last``, both days included (2 at least)."""
        x = self.x(first)
        return x, max(round(self.x(last + dt.timedelta(days=1)) - x, 1), 2.0)

    def months(self) -> list[dt.date]:
        """The first of each month within the scale."""
        found = []
        month = self.start if self.start.day == 1 else _next_month(self.start)
        while month < self.end:
            found.append(month)
            month = (month + dt.timedelta(days=32)).replace(day=1)
        return found


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)

"""What the timeline says in words, in the reader's language: slippage ("5 working days later
than baseline v1"), who held it up ("agency 31 days · client 9 days") and date spans. The
page, its SVG and the project page's slippage line say it the same way."""

from __future__ import annotations

import datetime as dt

from django.utils import dateformat, formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .rules import Hands

BASELINE = 1


def day(value: dt.date | None) -> str:
    """A date as the reader writes it: 23 Mar 2027 (— for none). ``date_format`` without its
    wrapper: a drawing says dozens."""
    return dateformat.format(value, formats.get_format("DATE_FORMAT")) if value else "—"


def span(start: dt.date, end: dt.date) -> str:
    """From one day to another, with an en dash: 4 Jan 2027 to 15 Jan 2027."""
    return _("%(start)s \u2013 %(end)s") % {"start": day(start), "end": day(end)}


def version(number: int) -> str:
    """What a plan version is called beside slippage: baseline v1, plan v3."""
    if number == BASELINE:
        return _("baseline v1")
    return _("plan v%(n)s") % {"n": number}


def working_days(n: int) -> str:
    return ngettext("%(n)s working day", "%(n)s working days", n) % {"n": n}


def slip(days: int | None) -> str:
    """Slippage in a table cell under its column: later, on time or ahead (— without a
    baseline: a milestone a change order added)."""
    if days is None:
        return _("not in the baseline")
    if days > 0:
        return ngettext("%(n)s working day later", "%(n)s working days later", days) % {"n": days}
    if days < 0:
        return ngettext("%(n)s working day ahead", "%(n)s working days ahead", -days) % {"n": -days}
    return _("on time")


def slip_against(days: int | None, number: int) -> str:
    """Slippage against plan version ``number``: 5 working days later than baseline v1."""
    against = version(number)
    if days is None:
        return _("not in %(version)s") % {"version": against}
    if days > 0:
        return ngettext(
            "%(n)s working day later than %(version)s",
            "%(n)s working days later than %(version)s",
            days,
        ) % {"n": days, "version": against}
    if days < 0:
        return ngettext(
            "%(n)s working day ahead of %(version)s",
            "%(n)s working days ahead of %(version)s",
            -days,
        ) % {"n": -days, "version": against}
    return _("on time against %(version)s") % {"version": against}


def hands(held: Hands) -> str:
    """Who held it up: agency 31 days · client 9 days (working days)."""
    agency = ngettext("agency %(n)s day", "agency %(n)s days", held.agency) % {"n": held.agency}
    client = ngettext("client %(n)s day", "client %(n)s days", held.client) % {"n": held.client}
    return f"{agency} · {client}"


def plan_wait(days: int) -> str:
    """The plan's own wait for the client, inside the client's days."""
    return ngettext(
        "of them %(n)s day waiting for the plan's acceptance",
        "of them %(n)s days waiting for the plan's acceptance",
        days,
    ) % {"n": days}


def end(timeline) -> str:
    """Forecast end 23 Mar 2027, or Ended 23 Mar 2027 once every milestone is approved."""
    if timeline.rows and all(row.forecast.done for row in timeline.rows):
        return _("Ended %(day)s") % {"day": day(timeline.forecast_end)}
    return _("Forecast end %(day)s") % {"day": day(timeline.forecast_end)}


def summary(timeline, *, with_hands: bool = True) -> str:
    """The project's line: Forecast end 23 Mar 2027 · 5 working days later than baseline v1
    (· 2 working days later than plan v3, after change orders) · agency 31 days · client 9 days
    (who held it up, unless ``with_hands`` is false: the timeline page says it on its own)."""
    parts = [end(timeline), slip_against(timeline.slip_baseline, BASELINE)]
    current = timeline.project.plan_version
    if current > BASELINE:
        parts.append(slip_against(timeline.slip_plan, current))
    if with_hands:
        parts.append(hands(timeline.hands))
    return " · ".join(parts)

"""The cash-flow chart, drawn on the server as SVG: one chart per currency, two bars per week or
month (invoices, payments), what happened solid and what is expected hatched above it.

Accessible and printable without JavaScript: the chart has a ``<title>`` and a ``<desc>`` that
sums it up, every bar has a ``<title>`` (its bucket, what it stands for, the amount), and the
page's table beside it holds every figure. It scales with its ``viewBox`` (no fixed width), so
it fits a phone's screen. Amounts and dates are in the reader's language.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_CEILING, Decimal
from functools import lru_cache
from xml.sax.saxutils import escape

from django.utils import formats
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from milepost.core import display

from .cashflow import Bucket, Series

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 84, 8, 34, 30
#: Narrower than this the labels would be too small to read: its box scrolls instead.
MIN_WIDTH = 540
#: The two bars of a bucket: (what happened, what is expected on top of it, their colour).
BARS = (
    ("invoiced", "expected_invoices", "#2f5d9e"),
    ("paid", "expected_payments", "#2e7d4f"),
)


def bucket_label(start: dt.date, interval: str, *, long: bool = False) -> str:
    """Under the axis ``4 Jan`` (the week from Monday 4 January) or ``Jan 2027``; in a title
    ``week of 4 Jan 2027`` or ``January 2027``: as the table beside it says them."""
    return _bucket_label(start, interval, long, display.language())


@lru_cache(maxsize=4096)  # a chart names each week several times; formatting a date is slow
def _bucket_label(start: dt.date, interval: str, long: bool, language: str) -> str:
    if interval == "week":
        if long:
            return _("week of %(day)s") % {"day": formats.date_format(start, "DATE_FORMAT")}
        return formats.date_format(start, "j M")
    return formats.date_format(start, "YEAR_MONTH_FORMAT" if long else "M Y")


def figure_label(name: str) -> str:
    return _figure_label(name, display.language())


@lru_cache(maxsize=64)
def _figure_label(name: str, language: str) -> str:
    return {
        "invoiced": _("invoiced"),
        "expected_invoices": _("expected to be invoiced"),
        "paid": _("paid"),
        "expected_payments": _("expected to be paid"),
        "overdue": _("overdue"),
    }[name]


def chart(series: Series, interval: str) -> SafeString:
    """The SVG of one currency's buckets."""
    buckets = series.buckets
    top = max(
        [max(b.invoiced, 0) + b.expected_invoices for b in buckets]
        + [max(b.paid, 0) + b.expected_payments for b in buckets]
        + [Decimal(0)]
    )
    bottom = min([b.invoiced for b in buckets] + [b.paid for b in buckets] + [Decimal(0)])
    step = _step(max(top - bottom, Decimal(1)))
    high = _ceil(top, step) or step
    low = -_ceil(-bottom, step)
    plot_h = HEIGHT - TOP - BOTTOM
    plot_w = WIDTH - LEFT - RIGHT

    def y(value: Decimal) -> float:
        return TOP + float((high - value) / (high - low)) * plot_h

    ident = f"cashflow-{series.currency.lower()}"
    totals = series.totals
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" '
        f'style="min-width:{MIN_WIDTH}px" '
        f'class="cash-flow-chart" role="img" aria-labelledby="{ident}-title {ident}-desc" '
        'preserveAspectRatio="xMidYMid meet">',
        f'<title id="{ident}-title">{escape(_title(series, interval))}</title>',
        f'<desc id="{ident}-desc">{escape(_desc(series, totals))}</desc>',
        "<defs>",
        *(_hatch(f"{ident}-{expected}", colour) for _done, expected, colour in BARS),
        "</defs>",
    ]
    parts += _legend(ident)
    value = low
    while value <= high:
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
            f'stroke="{"#555" if value == 0 else "#ddd"}" stroke-width="1"/>'
            f'<text x="{LEFT - 6}" y="{y(value) + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="#555">{escape(display.money(value, series.currency))}</text>'
        )
        value += step
    slot = plot_w / len(buckets)
    bar = min(slot * 0.36, 28)
    every = max(1, round(len(buckets) / 12))  # at most about twelve labels under the axis
    for i, bucket in enumerate(buckets):
        x0 = LEFT + i * slot + (slot - 2 * bar) / 2
        for k, figures in enumerate(BARS):
            parts += _bar(
                bucket, figures, x0 + k * bar, bar * 0.92, y, ident, series.currency, interval
            )
        if i % every == 0:
            parts.append(
                f'<text x="{LEFT + (i + 0.5) * slot:.1f}" y="{HEIGHT - 10}" text-anchor="middle" '
                f'font-size="11" fill="#333">{escape(bucket_label(bucket.start, interval))}</text>'
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every text in it was escaped


def _hatch(ident: str, colour: str) -> str:
    """Stripes of ``colour``: what is expected, told apart from what happened without colour."""
    return (
        f'<pattern id="{ident}" width="6" height="6" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff"/>'
        f'<rect width="3" height="6" fill="{colour}"/></pattern>'
    )


def _bar(
    bucket: Bucket, figures, x: float, width: float, y, ident: str, currency: str, interval: str
):
    done, expected, colour = figures
    happened, ahead = getattr(bucket, done), getattr(bucket, expected)
    when = bucket_label(bucket.start, interval, long=True)
    parts = []
    if happened:
        low, high = sorted((y(Decimal(0)), y(happened)))
        style = f'fill="{colour}"'
        parts.append(_rect(x, low, width, high - low, style, when, done, happened, currency))
    if ahead:
        base = max(happened, Decimal(0))
        low, high = y(base + ahead), y(base)
        style = f'fill="url(#{ident}-{expected})" stroke="{colour}" stroke-dasharray="3 2"'
        parts.append(_rect(x, low, width, high - low, style, when, expected, ahead, currency))
    return parts


def _rect(x, y, width, height, style, when, figure, amount, currency) -> str:
    title = f"{when}: {figure_label(figure)} {display.money(amount, currency)}"
    return (
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{max(height, 1):.1f}" '
        f'{style} data-figure="{figure}"><title>{escape(title)}</title></rect>'
    )


def _legend(ident: str) -> list[str]:
    parts = ['<g class="legend" font-size="11" fill="#333" aria-hidden="true">']
    x = LEFT
    for done, expected, colour in BARS:
        for figure, fill in ((done, colour), (expected, f"url(#{ident}-{expected})")):
            label = figure_label(figure)
            parts.append(
                f'<rect x="{x}" y="8" width="12" height="12" fill="{fill}" stroke="{colour}"/>'
            )
            parts.append(f'<text x="{x + 16}" y="18">{escape(label)}</text>')
            x += 28 + 6 * len(label)
    parts.append("</g>")
    return parts


def _title(series: Series, interval: str) -> str:
    first, last = series.buckets[0].start, series.buckets[-1].start
    return _("Cash flow in %(currency)s by %(interval)s, %(first)s to %(last)s") % {
        "currency": series.currency,
        "interval": _("week") if interval == "week" else _("month"),
        "first": bucket_label(first, interval, long=True),
        "last": bucket_label(last, interval, long=True),
    }


def _desc(series: Series, totals: Bucket) -> str:
    money = {
        name: display.money(value, series.currency) for name, value in totals.figures().items()
    }
    return _(
        "Invoiced %(invoiced)s and %(expected_invoices)s more expected; paid %(paid)s and "
        "%(expected_payments)s more expected; %(overdue_now)s overdue now. The table gives "
        "every week or month."
    ) % {**money, "overdue_now": display.money(series.overdue, series.currency)}


def _step(span: Decimal) -> Decimal:
    """A round step (1, 2 or 5 times a power of ten) that cuts ``span`` into about four."""
    raw = span / 4
    power = Decimal(10) ** (len(str(int(raw))) - 1) if raw >= 1 else Decimal(1)
    for factor in (1, 2, 5, 10):
        if raw <= power * factor:
            return power * factor
    return power * 10


def _ceil(value: Decimal, step: Decimal) -> Decimal:
    """The smallest multiple of ``step`` at or above ``value`` (0 for what is not above 0)."""
    if value <= 0:
        return Decimal(0)
    return (value / step).to_integral_value(rounding=ROUND_CEILING) * step

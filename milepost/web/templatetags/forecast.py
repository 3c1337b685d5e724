"""What the timeline says in words (``forecast.wording``), for templates:
``{{ row.forecast.slip_baseline|slip }}``, ``{{ timeline|slippage_summary }}``."""

from django import template

from milepost.forecast import wording

register = template.Library()


@register.filter
def slip(days):
    """5 working days later / on time / 2 working days ahead."""
    return wording.slip(days)


@register.filter
def slip_against(days, version):
    """5 working days later than baseline v1 (``version``: the plan version's number)."""
    return wording.slip_against(days, int(version))


@register.filter
def hands(held):
    """agency 31 days · client 9 days."""
    return wording.hands(held)


@register.filter
def plan_wait(days):
    return wording.plan_wait(days)


@register.filter
def slippage_summary(timeline):
    """Forecast end 23 Mar 2027 · 5 working days later than baseline v1 · agency … · client …"""
    return wording.summary(timeline)


@register.filter
def slippage(timeline):
    """Forecast end 23 Mar 2027 · 5 working days later than baseline v1 (no one's days)."""
    return wording.summary(timeline, with_hands=False)


@register.filter
def working_days(n):
    return wording.working_days(n)

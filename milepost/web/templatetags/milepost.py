import datetime as dt
import re
from decimal import Decimal
from functools import cache

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.timesince import timesince
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from milepost.audit.wording import change_order_name, describe
from milepost.core import clock, locale
from milepost.core.identifiers import group_iban
from milepost.core.money import format_money
from milepost.core.urls import cached_reverse
from milepost.reviews.change_order_consequences import Money, money_lines, signed_money

register = template.Library()


@register.filter
def accessible(field):
    """Render a field's widget tied to its help text and errors for screen readers."""
    ids = []
    if field.help_text:
        ids.append(f"{field.auto_id}_helptext")
    if field.errors:
        ids.append(f"{field.auto_id}_error")
    attrs = {"aria-describedby": " ".join(ids)} if ids else {}
    if field.errors:
        attrs["aria-invalid"] = "true"
    return field.as_widget(attrs=attrs)


@register.simple_tag
def link(viewname, *args):
    """``{% link 'web:milestone_detail' m.pk %}``: like ``{% url %}``, remembered per arguments."""
    return cached_reverse(viewname, *args)


@register.filter
def ago(moment):
    """How long ago, for a sentence: "3 days ago", or "just now" under a minute (where
    ``timesince`` says "0 minutes")."""
    if not moment:
        return ""
    if clock.now() - moment < dt.timedelta(minutes=1):
        return _("just now")
    return _("%(since)s ago") % {"since": timesince(moment, clock.now())}


@register.filter
def money(amount, currency):
    """Format an amount for the reader's language: €2,500.00."""
    if amount is None or amount == "":
        return "—"
    return format_money(amount, currency, get_language() or "en")


@register.filter
def iban(value):
    """An IBAN grouped in fours for people to read, as the invoice PDF prints it."""
    return group_iban(value)


@cache
def _choice_labels(model: type, field: str) -> dict:
    return dict(model._meta.get_field(field).flatchoices)


@register.filter
def label(obj, field: str) -> str:
    """``{{ m|label:"status" }}``: what ``m.get_status_display`` gives, translated once.

    Django's ``get_FOO_display`` hashes every choice's lazy label, one translation lookup per
    choice, on each call; this keeps the labels per model and field and translates just one.
    """
    value = getattr(obj, field)
    return str(_choice_labels(type(obj), field).get(value, value))


@register.filter
def status_badge(obj):
    """A coloured badge with the status of a project, milestone or invoice."""
    if getattr(obj, "being_revised", False):  # a project back in draft after a proposal
        return format_html('<span class="badge status-draft">{}</span>', _("Being revised"))
    return format_html('<span class="badge status-{}">{}</span>', obj.status, label(obj, "status"))


@register.filter
def missing_list(problems) -> str:
    """What e-invoice problems say is missing: "a postal address and a VAT id"."""
    items = list(dict.fromkeys(problem.missing for problem in problems))
    if len(items) < 2:
        return "".join(items)
    return _("%(items)s and %(last)s") % {"items": ", ".join(items[:-1]), "last": items[-1]}


@register.filter
def percent(part, whole):
    """Share of ``whole`` as a whole-number percentage (0 when whole is 0)."""
    try:
        return round(100 * part / whole) if whole else 0
    except (TypeError, ZeroDivisionError):
        return 0


@register.filter
def event_text(event, currency=""):
    """What an activity entry says after its actor: what was done and what changed; the change
    order it names links to its page when the reader may open it (``change_order_shown``, from
    ``plans.selectors.project_events``)."""
    text = describe(event, currency=currency or "")
    name = change_order_name(event)
    if not (name and getattr(event, "change_order_shown", False) and name in text):
        return text
    link = cached_reverse("web:change_order_detail", int(event.target_id))
    before, _name, after = text.partition(name)
    return format_html('{}<a href="{}">{}</a>{}', before, link, name, after)


@register.filter
def country_name(code: str) -> str:
    """The country's name in the reader's language: ``FR`` → ``France``."""
    return locale.country_name(code, get_language() or "en") if code else ""


@register.simple_tag(takes_context=True)
def sort_header(context, key, title):
    """A sortable column's ``<th>``: a link that sorts by ``key``, or reverses the current sort
    by it; ``aria-sort`` says how the list is sorted now. Keeps the other query parameters."""
    request = context["request"]
    current = context.get("sort") or ""
    query = request.GET.copy()
    query.pop("page", None)
    if current == key:
        query["sort"], state, arrow = f"-{key}", "ascending", " ▲"
    elif current == f"-{key}":
        query["sort"], state, arrow = key, "descending", " ▼"
    else:
        query["sort"], state, arrow = key, None, ""
    aria = format_html(' aria-sort="{}"', state) if state else ""
    return format_html(
        '<th scope="col"{}><a class="sort" href="?{}">{}{}</a></th>',
        aria,
        query.urlencode(),
        title,
        arrow,
    )


@register.filter
def signed(amount, currency):
    """An amount with its sign, for a change: +€600.00, or minus €200.00 (€0.00 for none), kept
    on one line (a narrow screen would otherwise break it after the sign)."""
    if amount is None or amount == "":
        return "—"
    return format_html('<span class="signed">{}</span>', signed_money(Decimal(amount), currency))


#: A signed amount inside a sentence: "+€600.00" in "The total becomes €10,600.00 (+€600.00)."
SIGNED_IN_TEXT = re.compile(r"[+\N{MINUS SIGN}][^\s()]*\d[^\s()]*")


@register.filter
def signs_kept(text):
    """A sentence (escaped) with each signed amount in it kept on one line, as ``signed`` does."""
    escaped = conditional_escape(text)  # safe to mark: escaped first, then only wrapped
    return mark_safe(
        SIGNED_IN_TEXT.sub(lambda m: f'<span class="signed">{m.group(0)}</span>', escaped)
    )


@register.filter
def signed_price(money):
    """A change order's price with its sign (``reviews.change_order_consequences.Money``)."""
    return signed(money.price, money.currency) if money is not None else "—"


@register.simple_tag
def change_order_money(status, currency, total_before, total_after, at_once=0):
    """What a change order does to the money, said as its status has it (its page's lines:
    ``money_lines``), for its printable page and PDF."""
    if total_before is None or total_after is None:
        return []
    money = Money(currency, Decimal(total_before), Decimal(total_after), Decimal(at_once or 0))
    return money_lines(money, status=status)

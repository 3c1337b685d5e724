"""The template helpers in ``milepost`` give what Django's own tools give, faster."""

import pytest
from django.utils import translation

from milepost.billing.models import Invoice
from milepost.plans.models import BillingTrigger, Milestone, MilestoneStatus, Project
from milepost.web.templatetags.milepost import label, money, percent, status_badge


@pytest.mark.parametrize("status", [*MilestoneStatus.values, "unknown"])
def test_label_is_get_display_for_every_status(status):
    milestone = Milestone(status=status, billing_trigger=BillingTrigger.ON_APPROVAL)
    assert label(milestone, "status") == milestone.get_status_display()
    assert label(milestone, "billing_trigger") == milestone.get_billing_trigger_display()
    assert isinstance(label(milestone, "status"), str)


def test_label_follows_the_active_language():
    project = Project(status="active")
    with translation.override("en"):
        english = label(project, "status")
        assert english == project.get_status_display()
    with translation.override("de"):
        assert label(project, "status") == project.get_status_display()


def test_status_badge_escapes_and_labels():
    invoice = Invoice(status="issued")
    assert status_badge(invoice) == (
        f'<span class="badge status-issued">{invoice.get_status_display()}</span>'
    )
    tricky = Invoice(status='<b>"x"</b>')
    assert "<b>" not in status_badge(tricky)


def test_money_and_percent():
    from decimal import Decimal

    with translation.override("en"):
        assert money(Decimal("2500"), "EUR") == "€2,500.00"
        assert money(Decimal("2500.00"), "EUR") == "€2,500.00"
        assert money(None, "EUR") == "—"
    assert percent(Decimal("250"), Decimal("1000")) == 25
    assert percent(Decimal("1"), Decimal("0")) == 0


def test_ago_says_just_now_under_a_minute_never_zero_minutes():
    import datetime as dt

    from milepost.core import clock
    from milepost.web.templatetags.milepost import ago

    now = dt.datetime(2027, 1, 4, 9, 0, tzinfo=dt.UTC)
    with clock.frozen(now):
        assert ago(now - dt.timedelta(seconds=20)) == "just now"
        assert ago(now - dt.timedelta(days=3, hours=2)) == "3\xa0days, 2\xa0hours ago"
        assert ago(None) == ""


def test_a_signed_amount_is_kept_whole_and_the_rest_still_escaped():
    from decimal import Decimal

    from milepost.web.templatetags.milepost import signed, signs_kept

    with translation.override("en"):
        assert signed(Decimal("600"), "EUR") == '<span class="signed">+€600.00</span>'
        assert signed(Decimal("-200"), "EUR") == '<span class="signed">\N{MINUS SIGN}€200.00</span>'
        assert signed(None, "EUR") == "—"
    minus = "\N{MINUS SIGN}"
    said = signs_kept(f"<b>The total</b> becomes €10,600.00 (+€600.00); the rest ({minus}€50.00).")
    assert said == (
        "&lt;b&gt;The total&lt;/b&gt; becomes €10,600.00 "
        '(<span class="signed">+€600.00</span>); '
        f'the rest (<span class="signed">{minus}€50.00</span>).'
    )

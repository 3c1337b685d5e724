"""Notifications name their project and say money and dates as their reader reads them."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import translation
from django.utils.translation import gettext_lazy, ngettext_lazy

from milepost.mail.models import OutgoingEmail
from milepost.notify import services
from milepost.notify.models import Category, Notification
from milepost.notify.wording import Money, Text, render
from milepost.plans import services as plans

from .conftest import make_flow

ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
RAW_AMOUNT = re.compile(r"(?<![€\d,.])\d+\.\d{2,3}\b|\bEUR\b")  # "1900.00", "EUR"


def test_text_formats_money_dates_and_counts_for_the_language():
    text = Text(
        gettext_lazy("%(total)s from %(start)s, %(when)s"),
        total=Money(Decimal("1900.000"), "EUR"),
        start=dt.date(2027, 1, 25),
        when=dt.datetime(2027, 1, 25, 14, 30, tzinfo=dt.UTC),
    )
    assert render(text, language="en") == "€1,900.00 from 25 Jan 2027, 25 Jan 2027, 14:30"
    assert render(text, language="de").startswith("1.900,00\xa0€ from 25. Januar 2027")
    days = ngettext_lazy("%(days)s day overdue", "%(days)s days overdue", "days")
    assert [render(Text(days, days=n)) for n in (1, 7)] == ["1 day overdue", "7 days overdue"]
    assert render("plain words") == "plain words"


def test_a_signed_amount_says_which_way_the_money_moves():
    said = Text(gettext_lazy("%(price)s"), price=Money(Decimal("600.000"), "EUR", signed=True))
    assert render(said, language="en") == "+€600.00"
    less = Text(gettext_lazy("%(price)s"), price=Money(Decimal("-200"), "EUR", signed=True))
    assert render(less, language="de") == "\N{MINUS SIGN}200,00\xa0€"
    nothing = Text(gettext_lazy("%(price)s"), price=Money(Decimal("0"), "EUR", signed=True))
    assert render(nothing, language="en") == "€0.00"


def test_each_reader_gets_their_own_language_whoever_acted(world):
    english, german = world.owner, world.manager
    german.language = "de"
    german.save(update_fields=["language"])
    title = Text(gettext_lazy("Paid %(amount)s"), amount=Money(Decimal("1900"), "EUR"))
    with translation.override("de"):  # the acting user's request language
        services.notify(users=[english, german], category=Category.PAYMENT, title=title)
    said = dict(Notification.objects.values_list("user_id", "title"))
    assert said == {english.pk: "Paid €1,900.00", german.pk: "Paid 1.900,00\xa0€"}
    subjects = dict(OutgoingEmail.objects.values_list("user_id", "subject"))
    assert subjects == said


def test_every_notification_of_a_project_names_it_and_shows_no_raw_values(world, settings):
    settings.LANGUAGE_CODE = "en"
    flow = make_flow(world)
    flow.activate()
    flow.to_review(1)
    flow.request_changes(1)
    flow.deliver(1, notes="v2")
    flow.pass_all(1)
    flow.approve(1)
    flow.pay(1, amount="100.00")
    flow.file_support_request(1)
    project = flow.project
    notes = list(Notification.objects.all())
    assert {n.category for n in notes} >= {
        Category.PLAN,
        Category.DELIVERY,
        Category.REVIEW,
        Category.INVOICE,
        Category.PAYMENT,
    }
    for note in notes:
        assert project.name in note.title, note.title
        for text in (note.title, note.body):
            assert not ISO_DATE.search(text), text
            assert not RAW_AMOUNT.search(text), text
    emails = OutgoingEmail.objects.filter(category__in=[n.category for n in notes])
    assert {e.subject for e in emails} == {n.title for n in notes}


def test_invoice_and_payment_notifications_say_their_amounts(world):
    flow = make_flow(world)
    flow.activate()
    flow.to_approved(1)
    invoice, milestone = flow.invoice(1), flow.m(1)
    told = Notification.objects.get(category=Category.INVOICE, user=flow.approver)
    gross = f"€{invoice.gross:,.2f}"
    due = f"{invoice.due_date.day} {invoice.due_date:%b %Y}"
    assert told.title == (
        f"Invoice {invoice.number} from {flow.organisation.name} for {flow.project.name}"
    )
    assert told.body == f"{gross} for “{milestone.title}”, due {due}. The PDF is attached."
    flow.pay(1, amount="100.00")
    paid = Notification.objects.get(category=Category.PAYMENT, user=flow.owner)
    assert paid.title == (f"Payment of €100.00 received for {invoice.number} ({flow.project.name})")
    assert paid.body == f"Paid so far: €100.00 of {gross}."
    approved = Notification.objects.get(category=Category.REVIEW, user=flow.member)
    assert approved.title == (
        f"{flow.project.client.name} approved “{milestone.title}” of {flow.project.name}"
    )
    assert approved.body == f"Milestone 1, €{milestone.budget:,.2f}."


def test_plan_notifications_say_the_total_and_start(world):
    flow = make_flow(world)
    flow.propose()
    proposed = Notification.objects.get(category=Category.PLAN, user=flow.approver)
    assert proposed.title == (
        f"{flow.organisation.name} proposed the plan of {flow.project.name} (€10,000.00)"
    )
    flow.accept()
    accepted = Notification.objects.get(category=Category.PLAN, user=flow.owner)
    assert accepted.body == "Baseline v1: €10,000.00, starting 4 Jan 2027."


def test_a_title_longer_than_its_column_is_cut(world):
    flow = make_flow(world)
    plans.project_update(project=flow.project, actor=flow.owner, name="Project " * 25)
    first = flow.m(1)
    plans.milestone_update(milestone=first, actor=flow.owner, title="Milestone " * 20)
    flow.activate()
    flow.to_review(1)
    [note] = Notification.objects.filter(category=Category.DELIVERY, user=flow.approver)
    assert len(note.title) <= Notification._meta.get_field("title").max_length
    assert note.title.endswith("…")


@pytest.mark.parametrize("language", ["", "en"])
def test_a_reader_without_a_language_reads_the_site_language(world, language):
    world.owner.language = language
    title = Text(gettext_lazy("Due %(day)s"), day=dt.date(2027, 1, 4))
    [note] = services.notify(users=[world.owner], category=Category.PLAN, title=title)
    assert note.title == "Due 4 Jan 2027"

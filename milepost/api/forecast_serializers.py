"""JSON shapes of a project's timeline and of the client's payment schedule (issue 14).

The serializers read the forecast's own objects (``forecast.timeline.Row``,
``forecast.schedule.Line``); the top levels are built in ``forecast_views`` and declared here
for the OpenAPI document, which the contract test checks every answer against."""

from __future__ import annotations

from rest_framework import serializers

from milepost.billing.models import InvoiceStatus
from milepost.core.money import normalise
from milepost.plans.models import BillingTrigger, MilestoneStatus

from .version_serializers import money

SLIP = "Working days the end lies after the planned due date (negative: before it)."


class TimelineHandsSerializer(serializers.Serializer):
    agency = serializers.IntegerField(
        min_value=0, help_text="Working days in the agency's hands (in progress, changes asked)."
    )
    client = serializers.IntegerField(
        min_value=0,
        help_text="Working days in the client's hands (in review, prepayment awaited, a change "
        "order touching it waiting for their answer).",
    )


class TimelineBaselineSerializer(serializers.Serializer):
    start = serializers.DateField(source="baseline_start")
    due = serializers.DateField(source="baseline_due")


class TimelinePlanSerializer(serializers.Serializer):
    start = serializers.DateField(source="milestone.planned_start")
    due = serializers.DateField(source="milestone.planned_due")


class TimelineActualSerializer(serializers.Serializer):
    started = serializers.DateField(allow_null=True)
    delivered = serializers.DateField(allow_null=True, help_text="The first delivery's day.")
    approved = serializers.DateField(allow_null=True)


class TimelineForecastSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField(help_text="Its approval (or forecast approval).")
    done = serializers.BooleanField(help_text="Approved: the dates are what happened.")


class TimelineEventSerializer(serializers.Serializer):
    date = serializers.DateField(source="day")
    kind = serializers.ChoiceField(choices=["delivered", "changes_requested"])
    delivery = serializers.IntegerField(
        source="number", allow_null=True, help_text="The delivery's number (v1, v2…)."
    )


class TimelineMilestoneSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="milestone.pk")
    position = serializers.IntegerField(source="milestone.position", min_value=1)
    title = serializers.CharField(source="milestone.title")
    status = serializers.ChoiceField(source="milestone.status", choices=MilestoneStatus.choices)
    billing_trigger = serializers.ChoiceField(
        source="milestone.billing_trigger", choices=BillingTrigger.choices
    )
    baseline = serializers.SerializerMethodField(
        help_text="Its dates in plan v1; null for a milestone a change order added."
    )
    plan = TimelinePlanSerializer(source="*", help_text="Its dates in the current plan version.")
    actual = TimelineActualSerializer(source="*")
    forecast = TimelineForecastSerializer()
    slip_baseline = serializers.IntegerField(
        source="forecast.slip_baseline", allow_null=True, help_text=f"{SLIP} Against plan v1."
    )
    slip_plan = serializers.IntegerField(
        source="forecast.slip_plan", help_text=f"{SLIP} Against the current plan."
    )
    hands = TimelineHandsSerializer()
    events = TimelineEventSerializer(source="marks", many=True)

    def get_baseline(self, row) -> TimelineBaselineSerializer(allow_null=True):  # type: ignore[valid-type]
        return TimelineBaselineSerializer(row).data if row.baseline_due else None


class TimelineSerializer(serializers.Serializer):
    """Where the project stands: empty (``accepted`` false) until the client accepts a plan."""

    project = serializers.IntegerField()
    accepted = serializers.BooleanField(help_text="Whether there is a baseline (plan v1).")
    plan_version = serializers.IntegerField(min_value=0)
    today = serializers.DateField(help_text="The day the forecast was made for.")
    forecast_end = serializers.DateField(allow_null=True)
    done = serializers.BooleanField(help_text="Every milestone approved.")
    slip_baseline = serializers.IntegerField(
        allow_null=True, help_text=f"The last milestone's: {SLIP} Against plan v1."
    )
    slip_plan = serializers.IntegerField(
        allow_null=True, help_text=f"The last milestone's: {SLIP} Against the current plan."
    )
    hands = TimelineHandsSerializer(help_text="Every milestone together, with the plan's own wait.")
    plan_wait = serializers.IntegerField(
        min_value=0,
        help_text="Working days the plan waited for the client's acceptance (in `hands.client`).",
    )
    milestones = TimelineMilestoneSerializer(many=True)


class ScheduleLineSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["expected", "invoice", "credit_note"])
    milestone = serializers.IntegerField(source="milestone.pk")
    position = serializers.IntegerField(source="milestone.position", min_value=1)
    title = serializers.CharField(source="milestone.title")
    trigger = serializers.CharField(
        allow_blank=True,
        help_text="`on_approval`, `on_start` or `change_order` (an accepted change order's "
        "price on an invoiced milestone); empty for a credit note.",
    )
    change_order = serializers.CharField(allow_blank=True, help_text="e.g. `CO-2`, or empty.")
    invoice = serializers.IntegerField(source="invoice.pk", default=None, allow_null=True)
    number = serializers.CharField(source="invoice.number", default=None, allow_null=True)
    date = serializers.DateField(help_text="Issued on, or forecast to be (`expected`).")
    due_date = serializers.DateField(source="due")
    amount = serializers.SerializerMethodField(
        help_text="Gross, with the currency's decimals; negative for a credit note."
    )
    paid = serializers.SerializerMethodField()
    outstanding = serializers.SerializerMethodField()
    status = serializers.ChoiceField(choices=["expected", *InvoiceStatus.values])
    overdue = serializers.BooleanField()
    paid_on = serializers.DateField(allow_null=True, help_text="When it was paid in full.")

    def _money(self, line, field: str) -> str:
        return str(normalise(getattr(line, field), self.context["currency"]))

    def get_amount(self, line) -> str:
        return self._money(line, "amount")

    def get_paid(self, line) -> str:
        return self._money(line, "paid")

    def get_outstanding(self, line) -> str:
        return self._money(line, "outstanding")


class PaymentScheduleSerializer(serializers.Serializer):
    """What the client is asked to pay on the project, and when: invoices issued and those the
    forecast expects, in date order, gross, in the project's currency."""

    project = serializers.IntegerField()
    accepted = serializers.BooleanField(help_text="Nothing is scheduled before acceptance.")
    currency = serializers.CharField(help_text="ISO 4217, e.g. `EUR`.")
    invoiced = money("Invoiced, less credit notes.")
    paid = money()
    outstanding = money()
    expected = money("Still to be invoiced, as forecast.")
    total = money("Invoiced and expected together.")
    overdue = serializers.IntegerField(min_value=0, help_text="How many invoices are overdue.")
    lines = ScheduleLineSerializer(many=True)

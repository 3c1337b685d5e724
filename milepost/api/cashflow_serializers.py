"""The organisation's cash flow as JSON: per currency, a series of weeks or months."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from milepost.forecast.cashflow import FIGURES, Bucket, CashFlow


def _figures_fields() -> dict[str, serializers.Field]:
    """The five figures of a bucket (or of the whole range)."""

    def amount(help_text: str) -> serializers.CharField:
        return serializers.CharField(
            read_only=True, help_text=f'{help_text} In the currency\'s decimals: "2500.00".'
        )

    return {
        "expected_invoices": amount("Gross of the milestones whose invoice is expected then."),
        "expected_payments": amount(
            "Expected invoices after the payment terms and the client's average delay, and "
            "what is outstanding on invoices not yet due."
        ),
        "invoiced": amount("Invoices issued then; credit notes negative."),
        "paid": amount("Payments received then."),
        "overdue": amount("Outstanding now on invoices past due that fell due then."),
    }


FiguresSerializer = type("FiguresSerializer", (serializers.Serializer,), _figures_fields())
BucketSerializer = type(
    "BucketSerializer",
    (serializers.Serializer,),
    {
        "start": serializers.DateField(read_only=True, help_text="A Monday, or a 1st."),
        "end": serializers.DateField(read_only=True, help_text="The bucket's last day."),
        **_figures_fields(),
    },
)


class SeriesSerializer(serializers.Serializer):
    currency = serializers.CharField(read_only=True)
    overdue = serializers.CharField(
        read_only=True, help_text="Everything outstanding on invoices past due, whenever due."
    )
    totals = FiguresSerializer(read_only=True, help_text="The buckets added up.")
    buckets = BucketSerializer(many=True, read_only=True)


class CashFlowSerializer(serializers.Serializer):
    organisation = serializers.IntegerField(read_only=True)
    interval = serializers.ChoiceField(choices=["week", "month"], read_only=True)
    start = serializers.DateField(read_only=True, help_text="The first day of the first bucket.")
    end = serializers.DateField(read_only=True, help_text="The last day of the last bucket.")
    today = serializers.DateField(read_only=True, help_text="The day the figures are as of.")
    client = serializers.IntegerField(read_only=True, allow_null=True)
    project = serializers.IntegerField(read_only=True, allow_null=True)
    currencies = SeriesSerializer(
        many=True, read_only=True, help_text="One series per currency, never mixed."
    )


def _figures(bucket: Bucket) -> dict[str, str]:
    return {name: str(getattr(bucket, name)) for name in FIGURES}


def cash_flow_data(flow: CashFlow) -> dict[str, Any]:
    """``flow`` as the serializers read it."""
    return {
        "organisation": flow.organisation.pk,
        "interval": flow.interval,
        "start": flow.from_,
        "end": flow.to,
        "today": flow.today,
        "client": flow.client.pk if flow.client else None,
        "project": flow.project.pk if flow.project else None,
        "currencies": [
            {
                "currency": series.currency,
                "overdue": str(series.overdue),
                "totals": _figures(series.totals),
                "buckets": [
                    {"start": b.start, "end": b.end, **_figures(b)} for b in series.buckets
                ],
            }
            for series in flow.series
        ],
    }

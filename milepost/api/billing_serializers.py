"""JSON shapes for invoices, credit notes, payments, voids and card checkout."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from milepost.billing.models import Invoice, Payment, PaymentMethod, PaymentReversal
from milepost.billing.selectors import paid_in_full_on

from .common import MoneyField


class ReversalSerializer(serializers.ModelSerializer):
    reversed_by = serializers.EmailField(
        source="reversed_by.email", default=None, read_only=True, allow_null=True
    )

    class Meta:
        model = PaymentReversal
        fields = ["reason", "reversed_by", "created_at"]


class PaymentSerializer(serializers.ModelSerializer):
    amount = MoneyField(currency_from="invoice.currency")
    reversal = serializers.SerializerMethodField(
        help_text="Set when the payment was reversed: it no longer counts as paid."
    )

    class Meta:
        model = Payment
        fields = ["id", "amount", "date", "method", "reference", "created_at", "reversal"]

    @extend_schema_field(ReversalSerializer(allow_null=True))
    def get_reversal(self, payment) -> dict | None:
        return ReversalSerializer(payment.reversal).data if payment.is_reversed else None


class InvoiceSerializer(serializers.ModelSerializer):
    net = MoneyField()
    tax = MoneyField()
    gross = MoneyField()
    paid = MoneyField()
    outstanding = serializers.SerializerMethodField()
    overdue = serializers.BooleanField(source="is_overdue", read_only=True)
    credit_note_for = serializers.CharField(
        source="credit_note_for.number",
        default=None,
        read_only=True,
        allow_null=True,
        help_text="For a credit note: the number of the invoice it cancels.",
    )
    corrects = serializers.CharField(
        source="corrects.number",
        default=None,
        read_only=True,
        allow_null=True,
        help_text="For a credit note of a change order: the number of the invoice it corrects "
        "(that invoice stays, with less to pay).",
    )
    credited = MoneyField(help_text="What credit notes took off this invoice.")
    change_order = serializers.CharField(
        read_only=True, help_text='The change order it settles ("CO-2"); empty for the others.'
    )

    class Meta:
        model = Invoice
        fields = [
            "id",
            "number",
            "project",
            "milestone",
            "kind",
            "status",
            "overdue",
            "currency",
            "net",
            "tax_rate",
            "tax",
            "gross",
            "paid",
            "outstanding",
            "issue_date",
            "due_date",
            "reverse_charge",
            "tax_note",
            "credit_note_for",
            "corrects",
            "credited",
            "change_order",
            "updated_at",
        ]

    @extend_schema_field(OpenApiTypes.STR)
    def get_outstanding(self, invoice) -> str:
        return str(invoice.outstanding)


class InvoiceDetailSerializer(InvoiceSerializer):
    payments = PaymentSerializer(many=True, read_only=True)
    paid_in_full_on = serializers.SerializerMethodField(
        help_text="The day of the payment that settled it; null while anything is due, and for "
        "credit notes and void invoices."
    )

    class Meta(InvoiceSerializer.Meta):
        fields = [
            *InvoiceSerializer.Meta.fields,
            "seller",
            "buyer",
            "description",
            "payment_terms",
            "payments",
            "paid_in_full_on",
        ]

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_paid_in_full_on(self, invoice) -> str | None:
        day = paid_in_full_on(invoice)
        return day.isoformat() if day else None


class PaymentInputSerializer(serializers.Serializer):
    amount = serializers.CharField(help_text='A string such as "1500.00".')
    date = serializers.CharField(help_text="YYYY-MM-DD, not in the future.")
    method = serializers.ChoiceField(choices=PaymentMethod.choices)
    reference = serializers.CharField(required=False, allow_blank=True)


class VoidInputSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True)
    reissue = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Issue a corrected invoice for the same milestone right away.",
    )


class CheckoutSerializer(serializers.Serializer):
    url = serializers.URLField()


class ReverseInputSerializer(serializers.Serializer):
    reason = serializers.CharField(
        allow_blank=True,
        help_text="Why the payment is reversed (required, at most 500 characters).",
    )


class ConsequenceSerializer(serializers.Serializer):
    """What a binding action will do, as its confirmation says it (``reviews.consequences``)."""

    action = serializers.CharField()
    summary = serializers.CharField(help_text="The lines below as one text.")
    lines = serializers.ListField(child=serializers.CharField())
    facts = serializers.DictField(
        help_text="What the lines say, for programs: amounts as strings, milestones as "
        "{id, position, title}."
    )


class InvoiceLinkSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    url = serializers.URLField(help_text="The invoice in this API.")
    web_url = serializers.URLField(help_text="The invoice's page.")

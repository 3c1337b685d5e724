"""Invoices (and credit notes), their numbering, payments, and Stripe events seen."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models.functions import Round
from django.db.models.lookups import Exact
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from milepost.core import clock
from milepost.core.money import normalise
from milepost.core.stamped import Stamped, Touching
from milepost.plans.models import MONEY


class InvoiceKind(models.TextChoices):
    INVOICE = "invoice", _("Invoice")
    CREDIT_NOTE = "credit_note", _("Credit note")


#: ``Invoice.trigger`` of an invoice for an accepted change order's price on a milestone that was
#: already invoiced (beside the milestone's own ``on_approval`` / ``on_start``): one per CO.
CHANGE_ORDER = "change_order"


class InvoiceStatus(models.TextChoices):
    ISSUED = "issued", _("Issued")
    PARTIALLY_PAID = "partially_paid", _("Partially paid")
    PAID = "paid", _("Paid")
    VOID = "void", _("Void")


class PaymentMethod(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    CARD = "card", _("Card")
    CASH = "cash", _("Cash")
    OTHER = "other", _("Other")


class InvoiceSequence(models.Model):
    """The last number used per organisation and year: the row writers lock for gapless numbers."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year"], name="invoice_sequence_unique")
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id}/{self.year}: {self.last_number}"


class Invoice(Stamped):
    """One invoice per milestone and trigger (and one per change order), or a credit note that
    cancels an invoice (``credit_note_for``) or corrects part of one (``corrects``). Never edited
    but for its payment state: ``paid``, ``credited`` and ``status``."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="invoices"
    )
    project = models.ForeignKey("plans.Project", on_delete=models.PROTECT, related_name="invoices")
    milestone = models.ForeignKey(
        "plans.Milestone", on_delete=models.PROTECT, related_name="invoices"
    )
    kind = models.CharField(max_length=12, choices=InvoiceKind.choices, default=InvoiceKind.INVOICE)
    trigger = models.CharField(
        max_length=12,
        blank=True,
        help_text=_("on_approval, on_start or change_order; empty for credit notes."),
    )
    credit_note_for = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="credit_note"
    )
    #: A credit note for part of an invoice (a change order lowering an invoiced milestone's
    #: price): the invoice stays, with less to pay (``credited``).
    corrects = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections"
    )
    #: The change order ("CO-2") this invoice or credit note settles; empty for the others.
    change_order = models.CharField(max_length=20, blank=True)
    number = models.CharField(max_length=40)
    year = models.PositiveSmallIntegerField()
    sequence = models.PositiveIntegerField()
    status = models.CharField(
        max_length=16, choices=InvoiceStatus.choices, default=InvoiceStatus.ISSUED
    )
    currency = models.CharField(max_length=3)
    net = models.DecimalField(**MONEY)
    tax_rate = models.DecimalField(max_digits=5, decimal_places=2)
    tax = models.DecimalField(**MONEY)
    gross = models.DecimalField(**MONEY)
    paid = models.DecimalField(default=Decimal(0), **MONEY)
    #: The gross that credit notes correcting this invoice took off it.
    credited = models.DecimalField(default=Decimal(0), **MONEY)
    reverse_charge = models.BooleanField(default=False)
    tax_note = models.CharField(max_length=300, blank=True)
    issue_date = models.DateField()
    due_date = models.DateField()
    seller = models.JSONField(help_text=_("The seller's details as they were when issued."))
    buyer = models.JSONField(help_text=_("The buyer's details as they were when issued."))
    description = models.JSONField(help_text=_("Title, scope and deliverables."))
    payment_terms = models.CharField(max_length=300, blank=True)
    language = models.CharField(max_length=10, default="en")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-issue_date", "-id"]
        indexes = [
            models.Index(fields=["organisation", "status"]),
            models.Index(fields=["project", "kind"]),
            # The cash flow sums invoices by the day they were issued and fall due.
            models.Index(fields=["organisation", "issue_date"], name="invoice_issued_on"),
            models.Index(fields=["organisation", "status", "due_date"], name="invoice_due_on"),
            # updated_since, in the order a sync reads (docs/sync.md)
            models.Index(fields=["organisation", "updated_at"], name="invoice_updated"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "number"], name="invoice_number_unique"
            ),
            models.UniqueConstraint(
                fields=["organisation", "year", "sequence"], name="invoice_sequence_number_unique"
            ),
            models.UniqueConstraint(
                fields=["milestone", "trigger"],
                condition=models.Q(kind="invoice")
                & ~models.Q(status="void")
                & ~models.Q(trigger=CHANGE_ORDER),
                name="one_invoice_per_milestone_trigger",
            ),
            models.UniqueConstraint(
                fields=["milestone", "change_order"],
                condition=~models.Q(change_order="") & ~models.Q(status="void"),
                name="one_document_per_milestone_change_order",
            ),
            models.CheckConstraint(
                condition=models.Q(trigger=CHANGE_ORDER, kind="invoice")
                & ~models.Q(change_order="")
                | models.Q(kind="credit_note", corrects__isnull=False) & ~models.Q(change_order="")
                | models.Q(change_order="") & ~models.Q(trigger=CHANGE_ORDER),
                name="invoice_change_order_named",
            ),
            models.CheckConstraint(
                condition=models.Q(corrects__isnull=True)
                | models.Q(kind="credit_note", credit_note_for__isnull=True),
                name="invoice_corrects_only_credit_notes",
            ),
            models.CheckConstraint(condition=models.Q(net__gt=0), name="invoice_net_positive"),
            models.CheckConstraint(condition=models.Q(tax__gte=0), name="invoice_tax_positive"),
            # Compared in thousandths (the finest minor unit), not as raw numbers: SQLite keeps
            # decimals as binary floats, where 1000.08 + 190.02 != 1190.10.
            models.CheckConstraint(
                condition=Exact(
                    Round((models.F("gross") - models.F("net") - models.F("tax")) * 1000), 0
                ),
                name="invoice_gross_is_net_plus_tax",
            ),
            models.CheckConstraint(
                condition=models.Q(paid__gte=0, paid__lte=models.F("gross")),
                name="invoice_paid_within_gross",
            ),
            models.CheckConstraint(
                condition=models.Q(credited__gte=0, credited__lte=models.F("gross")),
                name="invoice_credited_within_gross",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def amount(self, field: str) -> Decimal:
        return normalise(getattr(self, field), self.currency)

    @property
    def outstanding(self) -> Decimal:
        if self.kind == InvoiceKind.CREDIT_NOTE or self.status == InvoiceStatus.VOID:
            return normalise(Decimal(0), self.currency)  # "0.00", like every other amount
        left = self.gross - self.paid - self.credited  # below 0: a credit to refund
        return normalise(max(left, Decimal(0)), self.currency)

    @property
    def is_overdue(self) -> bool:
        return (
            self.kind == InvoiceKind.INVOICE
            and self.status in (InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID)
            and self.due_date < clock.today()
        )


class Payment(Touching):
    """Money received against an invoice."""

    sync_parent = "invoice"  # the invoice's answer lists its payments

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    amount = models.DecimalField(**MONEY)
    date = models.DateField()
    method = models.CharField(max_length=16, choices=PaymentMethod.choices)
    reference = models.CharField(max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["date", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="payment_amount_positive")
        ]

    def __str__(self) -> str:
        return f"{self.amount} on {self.invoice}"

    @property
    def is_reversed(self) -> bool:
        """Whether a reversal took it back (load ``reversal`` with ``select_related``)."""
        try:
            return self.reversal is not None
        except Payment.reversal.RelatedObjectDoesNotExist:
            return False


class PaymentReversal(models.Model):
    """A payment recorded by mistake, taken back with a reason: the payment row stays."""

    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, related_name="reversal")
    reason = models.CharField(max_length=500)
    reversed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(reason=""), name="payment_reversal_has_reason"
            )
        ]

    def __str__(self) -> str:
        return f"Reversal of {self.payment}"


class StripeEvent(models.Model):
    """A Stripe webhook event id, recorded once in the transaction that handled it."""

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    #: The agency the event names (its owners see it when it was ignored), if it exists.
    organisation = models.ForeignKey(
        "accounts.Organisation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    invoice = models.ForeignKey(
        Invoice, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.CharField(max_length=100)
    #: Why an ignored event booked nothing ("amount does not match what is outstanding").
    reason = models.CharField(max_length=300, blank=True)
    received_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.event_id

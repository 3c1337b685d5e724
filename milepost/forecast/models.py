"""Stored forecasts: derived rows, recomputed from the plan and what happened by
``forecast.services.refresh`` (after every change that moves them, and daily), so the
organisation's reads (the dashboard's slippage, the cash flow) never compute a timeline.

Nothing here is typed in by anyone: a row can be deleted and refreshed at any time.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from milepost.plans.models import MONEY


class ProjectForecast(models.Model):
    """Where an active or on-hold project stands, as of ``computed_on``."""

    project = models.OneToOneField(
        "plans.Project", on_delete=models.CASCADE, primary_key=True, related_name="forecast"
    )
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    #: The day the forecast was computed for ("today" moves forecasts: refreshed daily).
    computed_on = models.DateField()
    forecast_end = models.DateField(null=True, blank=True)
    #: Working days the forecast end lies after the baseline (plan v1; None when the last
    #: milestone was added by a change order or there is no baseline) and the current plan.
    slip_baseline = models.IntegerField(null=True, blank=True)
    slip_plan = models.IntegerField(default=0)
    agency_days = models.PositiveIntegerField(default=0)
    client_days = models.PositiveIntegerField(default=0)
    #: Something moved it since ``computed_on`` (an event whose refresh has not run, or a
    #: payment that changed the client's average delay): the scheduler refreshes it.
    stale = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(fields=["organisation", "slip_baseline"], name="forecast_slip"),
            models.Index(fields=["computed_on"], name="forecast_computed_on"),
        ]

    def __str__(self) -> str:
        return f"Forecast of project {self.project_id} on {self.computed_on}"


class MilestoneForecast(models.Model):
    """One milestone's forecast span and, while it is not invoiced yet, the invoice it is
    expected to bring and when that is expected to be paid."""

    milestone = models.OneToOneField(
        "plans.Milestone", on_delete=models.CASCADE, primary_key=True, related_name="forecast"
    )
    project = models.ForeignKey(
        "plans.Project", on_delete=models.CASCADE, related_name="milestone_forecasts"
    )
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    start = models.DateField()
    end = models.DateField()
    #: The day its billing trigger is expected to fire: the forecast approval (``on_approval``)
    #: or start (``on_start``). Empty, as the three below, once it is invoiced.
    invoice_date = models.DateField(null=True, blank=True)
    #: Gross, as the invoice would be issued now (``billing.services.invoice_amounts``).
    amount = models.DecimalField(null=True, blank=True, **MONEY)
    currency = models.CharField(max_length=3, blank=True)
    #: ``invoice_date`` + the project's payment terms + the client's average payment delay.
    payment_date = models.DateField(null=True, blank=True)

    class Meta:
        # The cash flow sums amounts per currency and day: these indexes answer it alone.
        indexes = [
            models.Index(
                fields=["organisation", "invoice_date", "currency", "amount"],
                name="forecast_invoice_date",
            ),
            models.Index(
                fields=["organisation", "payment_date", "currency", "amount"],
                name="forecast_payment_date",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="forecast_span"),
            models.CheckConstraint(
                condition=Q(
                    invoice_date__isnull=True,
                    amount__isnull=True,
                    currency="",
                    payment_date__isnull=True,
                )
                | Q(
                    invoice_date__isnull=False,
                    amount__gt=0,
                    payment_date__gte=models.F("invoice_date"),
                )
                & ~Q(currency=""),
                name="forecast_expectation_whole",
            ),
        ]

    def __str__(self) -> str:
        return f"Forecast of milestone {self.milestone_id}: {self.start} to {self.end}"


class ClientForecast(models.Model):
    """How late a client pays on average: the days between due date and payment over its paid
    invoices, rounded; 0 when it has paid none, or pays on time or early on average."""

    client = models.OneToOneField(
        "accounts.Client", on_delete=models.CASCADE, primary_key=True, related_name="forecast"
    )
    payment_delay = models.PositiveIntegerField(default=0)
    paid_invoices = models.PositiveIntegerField(default=0)
    computed_on = models.DateField()

    def __str__(self) -> str:
        return f"Client {self.client_id} pays {self.payment_delay} days late on average"

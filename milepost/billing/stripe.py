"""Card payments through Stripe Checkout, and the webhook that records them.

Off until STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET are set. The official ``stripe`` library
creates sessions and verifies webhook signatures (HMAC-SHA256 over "{t}.{body}", 300 s
tolerance, any of several ``v1`` values).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal

import stripe
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from milepost.accounts.models import Organisation, User
from milepost.core import clock
from milepost.core.errors import ApplicationError, InvalidInput, NotFound, RuleViolation
from milepost.core.money import from_minor, to_minor
from milepost.plans.permissions import InvoiceAction, require

from .models import Invoice, InvoiceKind, InvoiceStatus, PaymentMethod, StripeEvent
from .services.payments import apply_payment

logger = logging.getLogger(__name__)


def payments_enabled() -> bool:
    return bool(settings.STRIPE_SECRET_KEY and settings.STRIPE_WEBHOOK_SECRET)


def checkout_create(*, invoice: Invoice, actor: User, success_url: str, cancel_url: str) -> str:
    """Open a Stripe Checkout Session for what is outstanding; return its URL."""
    require(actor, InvoiceAction.PAY, invoice)
    if not payments_enabled():
        raise RuleViolation(_("Card payments are not set up."), code="payments_not_configured")
    if invoice.kind != InvoiceKind.INVOICE or invoice.status not in (
        InvoiceStatus.ISSUED,
        InvoiceStatus.PARTIALLY_PAID,
    ):
        raise RuleViolation(_("This invoice has nothing left to pay."), code="invalid_transition")
    session = stripe.checkout.Session.create(
        api_key=settings.STRIPE_SECRET_KEY,
        mode="payment",
        client_reference_id=str(invoice.pk),
        metadata={"invoice": str(invoice.pk), "organisation": str(invoice.organisation_id)},
        line_items=[
            {
                "quantity": 1,
                "price_data": {
                    "currency": invoice.currency.lower(),
                    "unit_amount": to_minor(invoice.outstanding, invoice.currency),
                    "product_data": {
                        "name": f"{invoice.number} · {invoice.description['milestone']}"
                    },
                },
            }
        ],
        success_url=success_url,
        cancel_url=cancel_url,
    )
    return session.url


@dataclass(frozen=True)
class WebhookResult:
    status: int
    outcome: str
    reason: str = ""
    paid: Invoice | None = None  # the invoice a recorded payment went to, as it is now


def _refuse_future_timestamp(signature: str) -> None:
    """The tolerance holds both ways: Stripe's library only refuses timestamps too old, so a
    signature dated years ahead would stay valid until then."""
    latest = clock.now().timestamp() + settings.STRIPE_WEBHOOK_TOLERANCE
    for item in signature.split(","):
        key, _sep, value = item.strip().partition("=")
        if key == "t" and value.isdigit() and int(value) > latest:
            raise InvalidInput(_("The webhook signature is not valid."), code="invalid_signature")


def webhook_handle(*, payload: bytes, signature: str) -> WebhookResult:
    """Verify and process one webhook delivery. Each event id is processed once.

    Call it through ``reviews.services.stripe_webhook_handle_and_release``, which releases the
    milestone a paid prepayment invoice was waiting for in the same transaction.
    """
    if not payments_enabled():
        raise NotFound(_("Card payments are not set up."))
    _refuse_future_timestamp(signature)
    try:
        event = stripe.Webhook.construct_event(
            payload,
            signature,
            settings.STRIPE_WEBHOOK_SECRET,
            tolerance=settings.STRIPE_WEBHOOK_TOLERANCE,
        )
    except (ValueError, stripe.SignatureVerificationError):
        raise InvalidInput(
            _("The webhook signature is not valid."), code="invalid_signature"
        ) from None
    return _process(event)


@transaction.atomic
def _process(event) -> WebhookResult:
    event_id, kind = event["id"], event["type"]
    try:
        with transaction.atomic():
            record = StripeEvent.objects.create(
                event_id=event_id, type=kind, outcome="received", received_at=clock.now()
            )
    except IntegrityError:
        return WebhookResult(200, "duplicate")
    if kind != "checkout.session.completed":
        return _ignore(record, "Milepost does not handle this type of event.")
    session = event["data"]["object"]
    if hasattr(session, "to_dict"):  # a StripeObject is no dict (no .get) since stripe 15
        session = session.to_dict()
    metadata = session.get("metadata") or {}
    organisation_id = _int(metadata.get("organisation"))
    invoice = Invoice.objects.filter(
        pk=_int(metadata.get("invoice")), organisation_id=organisation_id
    ).first()
    if not Organisation.objects.filter(pk=organisation_id).exists():
        organisation_id = None
    problem = _mismatch(invoice, session)
    if problem:
        return _ignore(record, problem, organisation_id=organisation_id, invoice=invoice)
    amount = from_minor(int(session["amount_total"]), invoice.currency)
    try:
        with transaction.atomic():  # the invoice row is locked and checked again
            payment = apply_payment(
                invoice,
                amount=amount,
                date=clock.today(),
                method=PaymentMethod.CARD,
                reference=str(session.get("payment_intent") or session.get("id") or event_id),
                actor=None,
            )
    except ApplicationError as error:  # paid or voided since the check above
        return _ignore(record, error.message, organisation_id=organisation_id, invoice=invoice)
    StripeEvent.objects.filter(pk=record.pk).update(
        outcome="payment recorded", invoice=invoice, organisation_id=organisation_id
    )
    return WebhookResult(200, "payment recorded", paid=payment.invoice)


def _ignore(
    record: StripeEvent,
    reason: str,
    *,
    organisation_id: int | None = None,
    invoice: Invoice | None = None,
) -> WebhookResult:
    """Acknowledge an event that books nothing (so Stripe stops retrying it) and keep why; the
    organisation's owners see it in Settings."""
    logger.warning("Stripe event %s ignored: %s", record.event_id, reason)
    StripeEvent.objects.filter(pk=record.pk).update(
        outcome="ignored", reason=reason[:300], organisation_id=organisation_id, invoice=invoice
    )
    return WebhookResult(200, "ignored", reason)


def _mismatch(invoice: Invoice | None, session) -> str:
    if invoice is None:
        return "no such invoice for this organisation"
    if session.get("payment_status") != "paid":
        return "the session is not paid"
    if str(session.get("currency", "")).upper() != invoice.currency:
        return "currency does not match the invoice"
    try:
        amount = from_minor(int(session.get("amount_total")), invoice.currency)
    except (TypeError, ValueError):
        return "no amount"
    if amount <= Decimal(0) or amount != invoice.outstanding:
        return "amount does not match what is outstanding"
    return ""


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None

"""REST views for invoices, payments, voids and card checkout."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from milepost.billing import selectors, services
from milepost.billing.models import Invoice, InvoiceStatus
from milepost.billing.stripe import checkout_create
from milepost.core.errors import InvalidInput
from milepost.plans.permissions import InvoiceAction
from milepost.reviews import consequences
from milepost.reviews import services as reviews

from . import roles
from .base import GenericViewSet
from .billing_serializers import (
    CheckoutSerializer,
    ConsequenceSerializer,
    InvoiceDetailSerializer,
    InvoiceSerializer,
    PaymentInputSerializer,
    ReverseInputSerializer,
    VoidInputSerializer,
)
from .common import validated
from .errors import ErrorSerializer
from .filters import (
    SyncReads,
    id_filter,
    id_param,
    ordering_filter,
    ordering_param,
    search_filter,
    search_param,
)
from .renderers import PDFRenderer

ERRORS = {code: ErrorSerializer for code in (400, 401, 403, 404, 409)}
STATUS_FILTERS = [*InvoiceStatus.values, "unpaid", "overdue"]


class InvoiceViewSet(SyncReads, GenericViewSet):
    """Invoices and credit notes of the projects you can see."""

    serializer_class = InvoiceSerializer
    queryset = Invoice.objects.none()  # for the schema only: reads go through selectors
    http_method_names = ["get", "post", "head", "options"]

    @extend_schema(
        parameters=[
            id_filter("project", "Only this project's invoices."),
            OpenApiParameter("status", str, enum=STATUS_FILTERS),
            search_filter("A piece of the number, the project's name or the client's."),
            ordering_filter(selectors.INVOICE_ORDERINGS, "-issued"),
        ]
    )
    def list(self, request):
        params = request.query_params
        status_filter = params.get("status") or None
        if status_filter and status_filter not in STATUS_FILTERS:
            raise InvalidInput(_("Unknown status."), details={"status": [_("Unknown status.")]})
        invoices = selectors.invoices_visible_to(
            request.user,
            project_id=id_param(request, "project"),
            status=status_filter,
            search=search_param(request),
            ordering=ordering_param(request, selectors.INVOICE_ORDERINGS),
        )
        page = self.paginate_queryset(self.filter_queryset(invoices))
        return self.get_paginated_response(InvoiceSerializer(page, many=True).data)

    @extend_schema(responses={200: InvoiceDetailSerializer, **ERRORS})
    def retrieve(self, request, pk=None):
        return Response(InvoiceDetailSerializer(selectors.invoice_get(request.user, pk)).data)

    @extend_schema(
        responses={
            (200, "application/pdf"): OpenApiTypes.BINARY,
            **{(code, "application/json"): ErrorSerializer for code in (401, 404)},
        }
    )
    @action(detail=True, methods=["get"], renderer_classes=[JSONRenderer, PDFRenderer])
    def pdf(self, request, pk=None):
        """The invoice as a Factur-X (EN 16931) PDF/A-3 with its XML embedded."""
        from milepost.billing.pdf import invoice_pdf

        invoice = selectors.invoice_get(request.user, pk)
        response = HttpResponse(invoice_pdf(invoice), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{invoice.number}.pdf"'
        return response

    @extend_schema(
        request=PaymentInputSerializer, responses={201: InvoiceDetailSerializer, **ERRORS}
    )
    @action(detail=True, methods=["post"])
    def payments(self, request, pk=None):
        """Record a payment (owners and managers): at most what is outstanding."""
        invoice = selectors.invoice_get(request.user, pk)
        roles.require(request.user, InvoiceAction.MANAGE, invoice)
        data = validated(PaymentInputSerializer, request.data)
        reviews.payment_record_and_release(invoice=invoice, actor=request.user, **data)
        return Response(
            InvoiceDetailSerializer(selectors.invoice_get(request.user, pk)).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("amount", str, required=True, description='As typed: "1500.00".'),
            OpenApiParameter("date", str, description="YYYY-MM-DD (today when left out)."),
        ],
        responses={200: ConsequenceSerializer, **ERRORS},
    )
    @action(detail=True, methods=["get"], url_path="payment-preview", url_name="payment-preview")
    def payment_preview(self, request, pk=None):
        """What recording `amount` would do: the invoice's status after it and what it releases
        (a prepaid milestone begins; with pay before next, the next may start). 400 as the
        payment itself would answer."""
        invoice = selectors.invoice_get(request.user, pk)
        said = consequences.payment_preview(
            request.user,
            invoice,
            amount=request.query_params.get("amount", ""),
            date=request.query_params.get("date") or None,
        )
        return Response(said.as_dict())

    @extend_schema(request=None, responses={200: ConsequenceSerializer, **ERRORS})
    @action(
        detail=True,
        methods=["get"],
        url_path=r"payments/(?P<payment_id>[0-9]+)/reversal-preview",
        url_name="reversal-preview",
    )
    def reversal_preview(self, request, pk=None, payment_id=None):
        """What reversing the payment would do to the invoice and to what the payment released."""
        payment = selectors.payment_get(request.user, pk, payment_id)
        return Response(consequences.reversal_preview(request.user, payment).as_dict())

    @extend_schema(
        request=ReverseInputSerializer, responses={201: InvoiceDetailSerializer, **ERRORS}
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"payments/(?P<payment_id>[0-9]+)/reverse",
        url_name="reverse-payment",
    )
    def reverse_payment(self, request, pk=None, payment_id=None):
        """Reverse a payment recorded by mistake (owners and managers), with a `reason`.

        The payment stays, marked reversed; the invoice's paid amount and status follow. A
        prepaid milestone nothing was delivered for waits for its prepayment again. 409
        `already_reversed`. A card payment is reversed here only: refund it in Stripe."""
        payment = selectors.payment_get(request.user, pk, payment_id)
        roles.require(request.user, InvoiceAction.REVERSE_PAYMENT, payment.invoice)
        data = validated(ReverseInputSerializer, request.data)
        reviews.payment_reverse_and_hold(payment=payment, reason=data["reason"], actor=request.user)
        return Response(
            InvoiceDetailSerializer(selectors.invoice_get(request.user, pk)).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=VoidInputSerializer, responses={201: InvoiceSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def void(self, request, pk=None):
        """Void an unpaid invoice; answers with the credit note that cancels it."""
        invoice = selectors.invoice_get(request.user, pk)
        roles.require(request.user, InvoiceAction.MANAGE, invoice)
        data = validated(VoidInputSerializer, request.data)
        note = services.invoice_void(
            invoice=invoice,
            actor=request.user,
            reason=data.get("reason", ""),
            reissue=data["reissue"],
        )
        return Response(
            InvoiceSerializer(selectors.invoice_get(request.user, note.pk)).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=None, responses={200: CheckoutSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def checkout(self, request, pk=None):
        """A Stripe Checkout URL to pay by card; 409 `payments_not_configured` when off."""
        invoice = selectors.invoice_get(request.user, pk)
        page = request.build_absolute_uri(f"/invoices/{invoice.pk}/")
        url = checkout_create(
            invoice=invoice, actor=request.user, success_url=page + "?paid=1", cancel_url=page
        )
        return Response({"url": url})

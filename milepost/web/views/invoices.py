"""Invoices for both sides: the list with totals and CSV, one invoice with its payments."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from milepost.accounts import selectors as account_selectors
from milepost.billing import selectors, services
from milepost.billing.einvoice import invoice_problems
from milepost.billing.stripe import checkout_create, payments_enabled
from milepost.core import clock
from milepost.core.errors import InvalidInput, RuleViolation
from milepost.core.urls import cached_reverse
from milepost.plans import permissions
from milepost.plans.permissions import InvoiceAction
from milepost.reviews import consequences
from milepost.reviews import services as reviews

from ..billing_forms import InvoiceFilterForm, PaymentForm, ReverseForm, VoidForm
from ..confirm import asks, confirm_page
from ..forms import apply_errors
from ..listing import listing


def _filtered(request):
    organisation = request.organisation
    clients = (
        account_selectors.client_choices(request.user, organisation=organisation)
        if organisation
        else []
    )
    filters = InvoiceFilterForm(request.GET or None, clients=clients)
    data = filters.cleaned_data if filters.is_valid() else {}
    shown = listing(request, selectors.INVOICE_ORDERINGS, "-issued")
    invoices = selectors.invoices_visible_to(
        request.user,
        organisation_id=organisation.pk if organisation else None,
        status=data.get("status") or None,
        client_id=data.get("client"),
        search=shown.search,
        ordering=shown.sort,
    )
    return filters, shown, invoices


@login_required
def invoice_list(request):
    filters, shown, invoices = _filtered(request)
    if request.GET.get("format") == "csv":
        return _csv(invoices)
    page = Paginator(invoices, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "web/invoices.html",
        {
            "page": page,
            "filters": filters,
            **shown.context,
            "totals": selectors.totals(invoices),
        },
    )


class _Echo:
    def write(self, value):
        return value


def _csv(invoices):
    """Every invoice of the filtered list, streamed, for accounting."""
    writer = csv.writer(_Echo())
    header = [
        "number",
        "kind",
        "status",
        "project",
        "client",
        "milestone",
        "currency",
        "net",
        "tax_rate",
        "tax",
        "gross",
        "paid",
        "outstanding",
        "issue_date",
        "due_date",
    ]

    def rows():
        yield writer.writerow(header)
        for inv in invoices.iterator(chunk_size=500):
            yield writer.writerow(
                [
                    inv.number,
                    inv.kind,
                    "overdue" if inv.is_overdue else inv.status,
                    inv.project.name,
                    inv.project.client.name,
                    inv.description.get("milestone", ""),
                    inv.currency,
                    inv.amount("net"),
                    inv.tax_rate,
                    inv.amount("tax"),
                    inv.amount("gross"),
                    inv.amount("paid"),
                    inv.outstanding,
                    inv.issue_date.isoformat(),
                    inv.due_date.isoformat(),
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="invoices-{clock.today()}.csv"'
    return response


def warn_without_bank_details(request, organisation, currency: str) -> None:
    """After the agency's action issued an invoice: say when it cannot tell where to pay."""
    problems = selectors.organisation_bank_problems(organisation, currency)
    if problems:
        missing = [str(problem.missing) for problem in problems]
        messages.warning(
            request,
            _(
                "The invoice was issued without bank details (the organisation needs %(missing)s):"
                " it does not say where to transfer the money."
            )
            % {"missing": _(" and ").join(missing)},
        )


def _page(request, invoice, status=200, **forms):
    can_manage = permissions.can_manage_billing(request.user, invoice.project)
    can_reverse = permissions.can_reverse_payments(request.user, invoice.project)
    payments = list(invoice.payments.all())
    bound = forms.pop("reverse_form", None)
    said = (
        consequences.reversals(invoice, payments)
        if can_reverse and invoice.kind == "invoice" and invoice.status != "void"
        else {}
    )
    context = {
        "payments": [
            {
                "payment": p,
                "said": said.get(p.pk),
                "dialog": f"confirm-reverse-{p.pk}",
                "form": bound
                if bound is not None and bound.payment_id == p.pk
                else ReverseForm(payment_id=p.pk),
            }
            for p in payments
        ],
        "invoice": invoice,
        "change_order_id": selectors.invoice_change_order_id(invoice),
        "can_manage": can_manage,
        "einvoice_problems": invoice_problems(invoice) if can_manage else [],
        "can_pay": permissions.can_pay(request.user, invoice.project)
        and payments_enabled()
        and invoice.outstanding > 0,
        "payment_form": PaymentForm(initial={"date": clock.today(), "amount": invoice.outstanding}),
        "paid_now": request.GET.get("paid") == "1",
        "paid_on": selectors.paid_in_full_on(invoice),
        "voided_by": selectors.invoice_credited_by(invoice),
    }
    context.update(forms)
    return render(request, "web/invoice.html", context, status=status)


@login_required
def invoice_detail(request, pk: int):
    return _page(request, selectors.invoice_get(request.user, pk))


@login_required
def invoice_pdf(request, pk: int):
    from milepost.billing.pdf import invoice_pdf as render_pdf

    invoice = selectors.invoice_get(request.user, pk)
    response = HttpResponse(render_pdf(invoice), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{invoice.number}.pdf"'
    return response


@require_POST
@login_required
def payment_record(request, pk: int):
    invoice = selectors.invoice_get(request.user, pk)
    permissions.require(request.user, InvoiceAction.MANAGE, invoice)
    form = PaymentForm(request.POST)
    if form.is_valid():
        try:
            if asks(request):
                said = consequences.payment_preview(
                    request.user,
                    invoice,
                    amount=form.cleaned_data["amount"],
                    date=form.cleaned_data["date"],
                )
                return confirm_page(
                    request,
                    said,
                    title=_("Record this payment?"),
                    label=_("Record payment"),
                    back=cached_reverse("web:invoice_detail", invoice.pk),
                )
            reviews.payment_record_and_release(
                invoice=invoice, actor=request.user, **form.cleaned_data
            )
        except InvalidInput as error:
            apply_errors(form, error)
        except RuleViolation as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Payment recorded."))
            return redirect("web:invoice_detail", pk)
    return _page(request, selectors.invoice_get(request.user, pk), status=400, payment_form=form)


@login_required
def payment_preview(request, pk: int):
    """What recording the typed amount would do: the text of the payment's dialog."""
    invoice = selectors.invoice_get(request.user, pk)
    try:
        said = consequences.payment_preview(
            request.user,
            invoice,
            amount=request.GET.get("amount", ""),
            date=request.GET.get("date") or None,
        )
    except InvalidInput as error:
        return HttpResponse(error.message, status=400, content_type="text/plain; charset=utf-8")
    except RuleViolation as error:
        return HttpResponse(error.message, status=409, content_type="text/plain; charset=utf-8")
    return render(request, "web/_consequence.html", {"said": said})


@require_POST
@login_required
def payment_reverse(request, pk: int, payment_id: int):
    """Reverse a payment recorded by mistake, with a reason (asked first)."""
    payment = selectors.payment_get(request.user, pk, payment_id)
    permissions.require(request.user, InvoiceAction.REVERSE_PAYMENT, payment.invoice)
    form = ReverseForm(request.POST, payment_id=payment.pk)
    if form.is_valid():
        try:
            if asks(request):
                said = consequences.reversal_preview(request.user, payment)
                return confirm_page(
                    request,
                    said,
                    title=_("Reverse this payment?"),
                    label=_("Reverse payment"),
                    back=cached_reverse("web:invoice_detail", pk),
                    danger=True,
                )
            reviews.payment_reverse_and_hold(
                payment=payment, reason=form.cleaned_data["reason"], actor=request.user
            )
        except InvalidInput as error:
            apply_errors(form, error)
        except RuleViolation as error:
            form.add_error(None, error.message)
        else:
            invoice = selectors.invoice_get(request.user, pk)
            messages.success(
                request,
                _("Payment reversed. Invoice %(number)s is now %(status)s.")
                % {
                    "number": invoice.number,
                    "status": (
                        _("overdue") if invoice.is_overdue else invoice.get_status_display().lower()
                    ),
                },
            )
            return redirect("web:invoice_detail", pk)
    return _page(request, selectors.invoice_get(request.user, pk), status=400, reverse_form=form)


@login_required
def invoice_void(request, pk: int):
    """Ask first (with an optional reason); void on POST."""
    invoice = selectors.invoice_get(request.user, pk)
    if not permissions.can_manage_billing(request.user, invoice.project):
        return render(request, "web/403.html", status=403)
    form = VoidForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            note = services.invoice_void(
                invoice=invoice,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                reissue=form.cleaned_data["reissue"],
            )
        except RuleViolation as error:
            messages.error(request, error.message)
            return redirect("web:invoice_detail", pk)
        messages.success(
            request,
            _("Invoice %(number)s is void; credit note %(note)s issued.")
            % {"number": invoice.number, "note": note.number},
        )
        if form.cleaned_data["reissue"]:
            warn_without_bank_details(request, invoice.organisation, invoice.currency)
        return redirect("web:invoice_detail", note.pk)
    return render(request, "web/invoice_void.html", {"invoice": invoice, "form": form})


@require_POST
@login_required
def invoice_checkout(request, pk: int):
    invoice = selectors.invoice_get(request.user, pk)
    page = request.build_absolute_uri(f"/invoices/{invoice.pk}/")
    try:
        url = checkout_create(
            invoice=invoice, actor=request.user, success_url=page + "?paid=1", cancel_url=page
        )
    except RuleViolation as error:
        messages.error(request, error.message)
        return redirect("web:invoice_detail", pk)
    return redirect(url)

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
from milepost.plans import permissions
from milepost.plans.permissions import InvoiceAction
from milepost.reviews import services as reviews

from ..billing_forms import InvoiceFilterForm, PaymentForm, VoidForm
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


def _page(request, invoice, status=200, **forms):
    can_manage = permissions.can_manage_billing(request.user, invoice.project)
    context = {
        "invoice": invoice,
        "can_manage": can_manage,
        "einvoice_problems": invoice_problems(invoice) if can_manage else [],
        "can_pay": permissions.can_pay(request.user, invoice.project)
        and payments_enabled()
        and invoice.outstanding > 0,
        "payment_form": PaymentForm(initial={"date": clock.today(), "amount": invoice.outstanding}),
        "paid_now": request.GET.get("paid") == "1",
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

"""The organisation's cash-flow forecast: a chart and a table per currency, filters, CSV."""

from __future__ import annotations

import csv

from django.http import Http404, HttpResponse
from django.shortcuts import render

from milepost.accounts import selectors as account_selectors
from milepost.accounts.permissions import can_view_invoices_of
from milepost.core.errors import InvalidInput
from milepost.forecast import cashflow, cashflow_svg
from milepost.forecast.selectors import project_choices

from ..cashflow_forms import CashFlowFilterForm
from ..forms import apply_errors
from .base import agency_required

CSV_HEADER = ["currency", "start", "end", *cashflow.FIGURES]


@agency_required
def cash_flow(request):
    organisation = request.organisation
    if not can_view_invoices_of(request.user, organisation):
        raise Http404
    try:
        query = cashflow.cash_flow_query(organisation, request.GET)
        flow = cashflow.cash_flow(organisation, **query)
    except InvalidInput as error:
        form = _filters(request, request.GET)  # what was typed, with what is wrong with it
        form.full_clean()
        apply_errors(form, error)
        return render(request, "web/cash_flow.html", {"form": form, "flow": None}, status=400)
    shown = {"from": query["from_"], "to": query["to"], "interval": flow.interval}
    form = _filters(request, {**shown, **{k: v for k, v in request.GET.items() if v}})
    if request.GET.get("format") == "csv":
        return _csv(flow)
    charts = [(series, cashflow_svg.chart(series, flow.interval)) for series in flow.series]
    query = request.GET.copy()
    query.pop("format", None)
    return render(
        request,
        "web/cash_flow.html",
        {"form": form, "flow": flow, "charts": charts, "query": query.urlencode()},
    )


def _filters(request, data) -> CashFlowFilterForm:
    organisation = request.organisation
    client, project = (_id(request.GET.get(name)) for name in ("client", "project"))
    projects, complete = project_choices(organisation.pk, client_id=client, chosen=project)
    return CashFlowFilterForm(
        data,
        clients=account_selectors.client_choices(request.user, organisation=organisation),
        projects=projects,
        all_projects=complete or client is not None,
    )


def _id(raw) -> int | None:
    return int(raw) if raw and raw.isascii() and raw.isdigit() and int(raw) < 2**63 else None


def _csv(flow: cashflow.CashFlow) -> HttpResponse:
    """One row per currency and week or month, with a header row."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"cash-flow-{flow.from_.isoformat()}-{flow.to.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = csv.writer(response)
    writer.writerow(CSV_HEADER)
    for series in flow.series:
        for bucket in series.buckets:
            writer.writerow(
                [
                    series.currency,
                    bucket.start.isoformat(),
                    bucket.end.isoformat(),
                    *bucket.figures().values(),
                ]
            )
    return response

"""The organisation's cash-flow forecast: agency members only; client contacts never."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response

from milepost.forecast import cashflow

from .base import APIView
from .cashflow_serializers import CashFlowSerializer, cash_flow_data
from .errors import ErrorSerializer
from .filters import id_filter, id_param

ERRORS = {code: ErrorSerializer for code in (400, 401, 403, 404)}
DATE = {"type": "string", "format": "date"}


class CashFlowView(APIView):
    """Expected invoices and payments per week or month and currency, beside what was invoiced
    and paid, and what is overdue (see the cash-flow forecast in the README)."""

    @extend_schema(
        operation_id="cash_flow",
        parameters=[
            OpenApiParameter(
                "from",
                DATE,
                description="First day (its week or month is the first bucket); "
                "the start of this week or month by default.",
            ),
            OpenApiParameter(
                "to",
                DATE,
                description="Last day, at most 3 years after `from`; six months on by default.",
            ),
            OpenApiParameter(
                "interval",
                {"type": "string", "enum": list(cashflow.INTERVALS)},
                description="Buckets of a week (from Monday) or a month (default).",
            ),
            id_filter("client", "Only this client's projects (404 when not your client)."),
            id_filter("project", "Only this project (404 when not your project)."),
            id_filter("organisation", "Your organisation (needed when you belong to several)."),
        ],
        responses={200: CashFlowSerializer, **ERRORS},
    )
    def get(self, request):
        organisation = cashflow.cash_flow_organisation(
            request.user, id_param(request, "organisation")
        )
        query = cashflow.cash_flow_query(organisation, request.query_params)
        flow = cashflow.cash_flow(organisation, **query)
        return Response(CashFlowSerializer(cash_flow_data(flow)).data)

"""REST views for where a project stands: its timeline and the client's payment schedule."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from milepost.core import clock
from milepost.forecast import selectors
from milepost.forecast.rules import Hands
from milepost.forecast.schedule import payment_schedule
from milepost.plans.selectors import project_row

from . import forecast_serializers as s
from .base import APIView
from .errors import ErrorSerializer

ERRORS = {code: ErrorSerializer for code in (401, 404)}


class ProjectTimelineView(APIView):
    @extend_schema(responses={200: s.TimelineSerializer, **ERRORS})
    def get(self, request, pk: int):
        """Each milestone's baseline (plan v1), current plan, actual and forecast dates, its
        slippage against both in working days, the working days it spent in each side's hands
        and its events (deliveries, requests for changes); and the project's totals. Empty
        (`accepted` false) until the client accepts the plan."""
        project, timeline = selectors.timeline_get(request.user, pk)
        body = {
            "project": project.pk,
            "accepted": timeline is not None,
            "plan_version": project.plan_version,
            "today": timeline.today if timeline else clock.today(),
            "forecast_end": timeline.forecast_end if timeline else None,
            "done": bool(timeline and timeline.rows)
            and all(row.forecast.done for row in timeline.rows),
            "slip_baseline": timeline.slip_baseline if timeline else None,
            "slip_plan": timeline.slip_plan if timeline else None,
            "hands": timeline.hands if timeline else Hands(),
            "plan_wait": timeline.plan_wait if timeline else 0,
            "milestones": timeline.rows if timeline else [],
        }
        return Response(s.TimelineSerializer(body).data)


class PaymentScheduleView(APIView):
    @extend_schema(responses={200: s.PaymentScheduleSerializer, **ERRORS})
    def get(self, request, pk: int):
        """What the client will be asked to pay, for which milestone and when: the invoices and
        credit notes issued (with what is paid and outstanding), then each milestone's invoice
        the forecast expects (on its forecast end, or its start when billed on start), due
        after the payment terms. Gross amounts in the project's currency; the dates move with
        the forecast."""
        project = project_row(request.user, pk)
        schedule = payment_schedule(request.user, project)
        context = {"currency": schedule.currency}
        body = {
            "project": project.pk,
            "accepted": schedule.accepted,
            "currency": schedule.currency,
            "invoiced": str(schedule.invoiced),
            "paid": str(schedule.paid),
            "outstanding": str(schedule.outstanding),
            "expected": str(schedule.expected),
            "total": str(schedule.total),
            "overdue": schedule.overdue,
            "lines": schedule.lines,
        }
        return Response(s.PaymentScheduleSerializer(body, context=context).data)

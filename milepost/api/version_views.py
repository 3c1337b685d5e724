"""REST views for plan versions: one version as it stood, and what changed between two."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response

from milepost.core.errors import InvalidInput
from milepost.plans import selectors
from milepost.plans.versions import diff_json, plan_json

from . import version_serializers as s
from .base import APIView
from .common import datetime_json
from .errors import ErrorSerializer
from .filters import MAX_ID

ERRORS = {code: ErrorSerializer for code in (400, 401, 404)}
NUMBER = OpenApiParameter(
    "number",
    {"type": "integer", "minimum": 1, "maximum": MAX_ID},
    location=OpenApiParameter.PATH,
    description="The version's number: 1 is the baseline the client accepted.",
)


def version_param(request, name: str) -> int | None:
    """``?name=<version number>`` as an int, None when absent; 400 naming it otherwise."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    if not (raw.isascii() and raw.isdigit() and 1 <= int(raw) <= MAX_ID):
        message = _("Give a version number: a whole number from 1.")
        raise InvalidInput(message, details={name: [message]})
    return int(raw)


class PlanVersionView(APIView):
    @extend_schema(
        parameters=[NUMBER],
        responses={200: s.PlanVersionDetailSerializer, 401: ErrorSerializer, 404: ErrorSerializer},
    )
    def get(self, request, pk: int, number: int):
        """The whole plan as it stood in version `number`: who accepted it and when, the total,
        and each milestone with its budget, dates, revisions and deliverables."""
        version = selectors.plan_version_get(request.user, pk, number)
        return Response(
            {
                "version": version.version,
                "reason": version.reason,
                "accepted_by": version.accepted_by.email if version.accepted_by else None,
                "accepted_at": datetime_json(version.accepted_at),
                "change_order": version.change_order_id,
                **plan_json(version.snapshot),
            }
        )


class PlanVersionDiffView(APIView):
    @extend_schema(
        parameters=[
            NUMBER,
            OpenApiParameter(
                "against",
                {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                description="The version to compare with (default: the one before `number`; "
                "a later one gives the changes back, the same one nothing).",
            ),
        ],
        responses={200: s.PlanVersionDiffSerializer, **ERRORS},
    )
    def get(self, request, pk: int, number: int):
        """What changed from version `against` to version `number`: milestones added, removed
        and changed, field by field, and the total before and after. 404 names a version that
        does not exist (version 1 has none before it: give `against`)."""
        against = version_param(request, "against")
        compared = selectors.plan_version_diff(request.user, pk, number, against)
        return Response(
            {
                "version": compared.version.version,
                "against": compared.against.version,
                **diff_json(compared.diff),
            }
        )

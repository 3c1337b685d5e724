"""Every API error has one shape, `core.errors.error_body`: {"error": {code, message, details}}."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404
from rest_framework import exceptions, serializers, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from milepost.core.errors import FIELDS_INVALID, ApplicationError, error_body
from milepost.core.request_size import data_too_big_body

from .exceptions import PayloadTooLarge


def _flatten(detail) -> dict:
    """DRF validation details → {"field": ["message", ...]}."""
    if isinstance(detail, dict):
        return {
            str(k): [str(m) for m in (v if isinstance(v, list) else [v])]
            if not isinstance(v, dict)
            else _flatten(v)
            for k, v in detail.items()
        }
    if isinstance(detail, list):
        return {"non_field_errors": [str(m) for m in detail]}
    return {"non_field_errors": [str(detail)]}


def _answer_in_json(context) -> None:
    """Errors are JSON even where the client asked for another type (the invoice PDF)."""
    request = context.get("request")
    if request is not None and not isinstance(
        getattr(request, "accepted_renderer", None), JSONRenderer
    ):
        request.accepted_renderer, request.accepted_media_type = JSONRenderer(), "application/json"


def exception_handler(exc, context):
    """Turn service refusals and DRF/Django errors into the documented JSON."""
    _answer_in_json(context)
    if isinstance(exc, ApplicationError):
        return Response(exc.as_dict(), status=exc.status)
    if isinstance(exc, PayloadTooLarge):
        return Response(exc.body, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    if isinstance(exc, RequestDataTooBig):
        return Response(
            data_too_big_body(context.get("request")),
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    if isinstance(exc, Http404):
        return Response(error_body("not_found", "Not found."), status=404)
    if isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        body = error_body("invalid", str(FIELDS_INVALID), _flatten(exc.detail))
    elif isinstance(exc, exceptions.ParseError):
        body = error_body("malformed_request", str(exc.detail))
    elif isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        code = exc.get_codes() if isinstance(exc.get_codes(), str) else "not_authenticated"
        body = error_body(code, str(exc.detail))
        response.status_code = status.HTTP_401_UNAUTHORIZED
    elif isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        body = error_body(codes if isinstance(codes, str) else exc.default_code, str(exc.detail))
    else:  # pragma: no cover - DRF only handles APIException subclasses
        body = error_body("error", str(exc))
    response.data = body
    return response


# That shape in the OpenAPI document (the components Error and ErrorDetail).
class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    details = serializers.DictField()


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()

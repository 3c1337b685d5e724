"""The Stripe webhook endpoint (no session, no CSRF: the signature is the authentication)."""

from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from milepost.core.errors import ApplicationError, error_body
from milepost.core.request_size import data_too_big_body
from milepost.reviews.services import stripe_webhook_handle_and_release


@csrf_exempt
@require_POST
def stripe_webhook(request):
    try:
        payload = request.body
    except RequestDataTooBig:
        return JsonResponse(data_too_big_body(request), status=413)
    try:
        result = stripe_webhook_handle_and_release(
            payload=payload, signature=request.headers.get("Stripe-Signature", "")
        )
    except ApplicationError as error:
        return JsonResponse(
            error_body(error.code, error.message, error.details), status=error.status
        )
    body = {"received": True, "outcome": result.outcome}
    if result.reason:
        body["reason"] = result.reason
    return JsonResponse(body, status=result.status)

"""The Stripe webhook endpoint (no session, no CSRF: the signature is the authentication)."""

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from milepost.api.errors import error_body
from milepost.core.errors import ApplicationError

from .stripe import webhook_handle


@csrf_exempt
@require_POST
def stripe_webhook(request):
    try:
        result = webhook_handle(
            payload=request.body, signature=request.headers.get("Stripe-Signature", "")
        )
    except ApplicationError as error:
        return JsonResponse(
            error_body(error.code, error.message, error.details), status=error.status
        )
    return JsonResponse({"received": True, "outcome": result.outcome}, status=result.status)

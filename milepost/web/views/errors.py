"""The 404 and 500 pages; under /api/ the JSON error shape the API answers with."""

from django.http import JsonResponse
from django.shortcuts import render

from milepost.core.errors import error_body


def not_found(request, exception=None):
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("not_found", "Not found."), status=404)
    return render(request, "web/404.html", status=404)


def server_error(request):
    if request.path.startswith("/api/"):
        return JsonResponse(
            error_body("server_error", "Something went wrong on our side."), status=500
        )
    return render(request, "web/500.html", status=500)

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render

from milepost.core.errors import NotAllowed, NotFound
from milepost.core.request_size import too_large_body

from .views.errors import not_found


class DomainErrorMiddleware:
    """Render a selector's NotFound as the 404 page and NotAllowed as the 403 page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, NotFound):
            return not_found(request)
        if isinstance(exception, NotAllowed):
            return render(request, "web/403.html", {"message": exception.message}, status=403)
        return None


class RequestSizeLimitMiddleware:
    """Refuse a body that is too large from its ``Content-Length``, before a byte is read.

    Multipart bodies (uploads) may carry ``MAX_REQUEST_MB``; any other body
    ``DATA_UPLOAD_MAX_MEMORY_SIZE``. Runs before CSRF and the views, which would read the body.
    The API and webhooks answer JSON, pages a page.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # Django reads an unparsable length as none
        content_type = request.META.get("CONTENT_TYPE", "")
        if content_type.startswith("multipart/"):
            limit = settings.MAX_REQUEST_MB * 1024 * 1024
        else:
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and length > limit:
            return too_large(request, length, limit)
        return self.get_response(request)


def too_large(request, length: int, limit: int):
    upload = request.content_type.startswith("multipart/")
    body = too_large_body(limit=limit, sent=length, part="upload" if upload else "request")
    if request.path.startswith(("/api/", "/webhooks/")):
        return JsonResponse(body, status=413)
    return render(request, "web/413.html", {"message": body["error"]["message"]}, status=413)

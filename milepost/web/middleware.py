from django.shortcuts import render

from milepost.core.errors import NotAllowed, NotFound

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

"""Public endpoints of notifications: the calendar feed and one-click unsubscribe."""

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt

from milepost.core.errors import NotFound, RuleViolation

from . import services
from .calendar import feed
from .models import CalendarFeed


def calendar_feed(request, token: str):
    """The secret URL is the authentication; a replaced token answers 404."""
    entry = CalendarFeed.objects.select_related("user").filter(token=token).first()
    if entry is None or not entry.user.is_active:
        raise Http404
    response = HttpResponse(feed(entry.user), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="milepost.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response


@csrf_exempt  # RFC 8058 one-click: mail clients POST without a session; the link is signed
def unsubscribe(request, token: str):
    if request.method != "POST":
        try:
            services.unsubscribe_target(token)  # a forged link gets no confirm page
        except NotFound as error:
            return render(request, "notify/unsubscribe.html", {"error": error.message}, status=404)
        return render(request, "notify/unsubscribe.html", {"token": token, "done": False})
    try:
        user, category = services.unsubscribe(token)
    except NotFound as error:
        return render(request, "notify/unsubscribe.html", {"error": error.message}, status=404)
    except RuleViolation as error:
        return render(request, "notify/unsubscribe.html", {"error": error.message}, status=409)
    return render(
        request,
        "notify/unsubscribe.html",
        {"done": True, "category": category, "email": user.email},
    )

"""A project's timeline for both sides: the drawing, the same in a table, who held it up, and
the client's payment schedule."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from milepost.forecast import selectors
from milepost.forecast.schedule import payment_schedule
from milepost.forecast.svg import timeline_svg


@login_required
def project_timeline(request, pk: int):
    project, timeline = selectors.timeline_get(request.user, pk)
    context = {
        "project": project,
        "timeline": timeline,
        "svg": timeline_svg(timeline) if timeline else "",
        "schedule": payment_schedule(request.user, project, timeline),
    }
    return render(request, "web/project_timeline.html", context)

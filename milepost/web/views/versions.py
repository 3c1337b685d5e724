"""Plan versions for both sides: the history, and one version as it stood with what changed."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from milepost.core.errors import NotFound
from milepost.plans import selectors
from milepost.plans.versions import diff_json, plan_of_snapshot, snapshot_total

from ..version_forms import CompareForm


@login_required
def plan_version_list(request, pk: int):
    project, versions = selectors.plan_version_history(request.user, pk)
    return render(request, "web/plan_versions.html", {"project": project, "versions": versions})


@login_required
def plan_version_detail(request, pk: int, number: int):
    """Version ``number`` as it stood, with what changed since the one before (or ``?against=``:
    a number that is not a version is said beside the choice, and the page stays)."""
    form = CompareForm(request.GET or None)
    against = form.cleaned_data["against"] if form.is_valid() else None
    try:
        reading = selectors.plan_version_read(request.user, pk, number, against)
    except NotFound as error:
        if "against" not in error.details:
            raise
        form.add_error("against", error.details["against"])
        reading = selectors.plan_version_read(request.user, pk, number)
    version = reading.version
    compared = reading.compared
    form.offer(reading.numbers)
    if not form.is_bound and compared is not None:
        form.initial["against"] = compared.against.version
    context = {
        "project": version.project,
        "version": version,
        "plan": plan_of_snapshot(version.snapshot),
        "total": snapshot_total(version.snapshot),
        "compared": compared,
        "changes": diff_json(compared.diff) if compared else None,
        "form": form,
        "numbers": reading.numbers,
    }
    return render(request, "web/plan_version.html", context, status=400 if form.errors else 200)

"""Plan templates: the built-in ones to look at, the organisation's own to edit."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from milepost.accounts import permissions
from milepost.core.errors import InvalidInput
from milepost.plans import selectors, services

from ..forms import apply_errors
from ..listing import listing
from ..plan_forms import TemplateMilestoneFormSet, TemplateSaveForm
from .base import agency_required

#: Templates sort by kind (built in first) as they are read; a list sorts by name on request.
TEMPLATE_ORDERINGS = {"name": ("name",)}


@agency_required
def template_list(request):
    organisation = request.organisation
    shown = listing(request, TEMPLATE_ORDERINGS, "")
    templates = selectors.templates_for(request.user, organisation.pk, search=shown.search)
    if shown.sort:
        templates.sort(key=lambda t: str(t["name"]).casefold(), reverse=shown.sort == "-name")
    return render(
        request,
        "web/templates.html",
        {
            "page": Paginator(templates, 50).get_page(request.GET.get("page")),
            **shown.context,
            "can_manage": permissions.can_manage_templates(request.user, organisation),
        },
    )


@agency_required
def template_edit(request, pk: int):
    template = selectors.template_get(request.user, pk)
    if not permissions.can_manage_templates(request.user, template.organisation_id):
        return render(request, "web/403.html", status=403)
    form = TemplateSaveForm(
        request.POST or None, initial={"name": template.name, "description": template.description}
    )
    formset = TemplateMilestoneFormSet(
        request.POST or None,
        prefix="ms",
        initial=[
            {"title": m["title"], "share": m["share"], "duration_days": m["duration_days"]}
            for m in template.milestones
        ],
    )
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        milestones = [
            {
                **original,
                "title": f.cleaned_data["title"],
                "share": str(f.cleaned_data["share"]),
                "duration_days": f.cleaned_data["duration_days"],
            }
            for original, f in zip(template.milestones, formset.forms, strict=False)
        ]
        try:
            services.template_update(
                template=template, actor=request.user, milestones=milestones, **form.cleaned_data
            )
        except InvalidInput as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Template saved."))
            return redirect("web:templates")
    return render(
        request,
        "web/template_edit.html",
        {"template": template, "form": form, "formset": formset},
        status=400 if form.errors or formset.total_error_count() else 200,
    )


@agency_required
def template_delete(request, pk: int):
    """Ask first; delete on POST."""
    template = selectors.template_get(request.user, pk)
    if not permissions.can_manage_templates(request.user, template.organisation_id):
        return render(request, "web/403.html", status=403)
    if request.method == "POST":
        services.template_delete(template=template, actor=request.user)
        messages.success(request, _("Template “%(name)s” deleted.") % {"name": template.name})
        return redirect("web:templates")
    return render(request, "web/template_delete.html", {"template": template})

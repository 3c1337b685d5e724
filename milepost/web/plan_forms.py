"""Forms for projects, the plan editor and templates."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from milepost.plans.models import AccessRole, BillingTrigger, ProjectStatus


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class ProjectFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        # Cut, not refused, by web.listing.search_of: a long search never drops the filters.
        widget=forms.TextInput(
            attrs={"type": "search", "maxlength": 100, "placeholder": _("Project or client")}
        ),
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All statuses")), *ProjectStatus.choices]
    )
    client = forms.TypedChoiceField(label=_("Client"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, clients=(), **kwargs):
        """``clients``: (id, name) pairs."""
        super().__init__(*args, **kwargs)
        self.fields["client"].choices = [("", _("All clients")), *clients]


class ProjectCreateForm(forms.Form):
    client = forms.TypedChoiceField(label=_("Client"), coerce=int)
    name = forms.CharField(label=_("Project name"), max_length=200)
    currency = forms.CharField(
        label=_("Currency"), max_length=3, help_text=_("ISO 4217 code, such as EUR, USD or JPY.")
    )
    total_budget = forms.CharField(
        label=_("Total budget"), help_text=_("The fixed price of the whole project, e.g. 10000.00.")
    )
    start_date = forms.DateField(label=_("Start date"), widget=DateInput())
    template = forms.ChoiceField(label=_("Start from"), required=False)
    summary = forms.CharField(
        label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, clients=(), templates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].choices = [(c.pk, c.name) for c in clients]
        self.fields["template"].choices = [("", _("A blank plan"))] + [
            (t["slug"], t["name"]) for t in templates
        ]


class ProjectSettingsForm(forms.Form):
    name = forms.CharField(label=_("Project name"), max_length=200)
    summary = forms.CharField(
        label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    start_date = forms.DateField(label=_("Start date"), widget=DateInput())
    sequential_gating = forms.BooleanField(
        label=_("Sequential gating"),
        required=False,
        help_text=_("A milestone starts only when every earlier one is approved."),
    )
    pay_before_next = forms.BooleanField(
        label=_("Pay before next"),
        required=False,
        help_text=_("A milestone starts only when every earlier invoice is paid."),
    )
    auto_approve_days = forms.IntegerField(
        label=_("Auto-approve after (days)"),
        min_value=0,
        max_value=365,
        help_text=_("0 turns auto-approval off."),
    )
    extra_revision_price = forms.CharField(
        label=_("Price per extra revision"),
        required=False,
        help_text=_(
            "Offered to the client when a milestone's revisions run out; empty: not offered. "
            "Part of the plan they accept."
        ),
    )


class ProjectTotalForm(forms.Form):
    """The project's total budget, edited in the allocation box at the top of the editor."""

    total_budget = forms.CharField(
        label=_("Total budget"), widget=forms.TextInput(attrs={"inputmode": "decimal"})
    )


class MilestoneForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    scope = forms.CharField(
        label=_("Scope"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    budget = forms.CharField(
        label=_("Budget"), widget=forms.TextInput(attrs={"inputmode": "decimal", "data-budget": ""})
    )
    planned_start = forms.DateField(label=_("Start"), widget=DateInput())
    planned_due = forms.DateField(label=_("Due"), widget=DateInput())
    revision_quota = forms.IntegerField(label=_("Revisions"), min_value=0, max_value=100)
    support_window_days = forms.IntegerField(
        label=_("Support window (days)"), min_value=0, max_value=365
    )
    billing_trigger = forms.ChoiceField(label=_("Invoice"), choices=BillingTrigger.choices)


class DeliverableForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    title = forms.CharField(label=_("Deliverable"), max_length=200, required=False)
    acceptance_criteria = forms.CharField(
        label=_("Acceptance criteria"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    remove = forms.BooleanField(label=_("Remove"), required=False)


DeliverableFormSet = forms.formset_factory(DeliverableForm, extra=1)


def deliverables_from(formset) -> list[dict]:
    """The deliverables a formset describes: filled rows not marked for removal, in order."""
    items = []
    for form in formset.forms:
        data = form.cleaned_data if form.is_valid() else {}
        if not data or data.get("remove") or not (data.get("title") or "").strip():
            continue
        item = {"title": data["title"], "acceptance_criteria": data.get("acceptance_criteria", "")}
        if data.get("id"):
            item["id"] = data["id"]
        items.append(item)
    return items


class AccessForm(forms.Form):
    email = forms.EmailField(label=_("Email"))
    role = forms.ChoiceField(label=_("Role"), choices=AccessRole.choices)


class AccessRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=AccessRole.choices)


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("What should change?"), widget=forms.Textarea(attrs={"rows": 4})
    )


class HoldForm(forms.Form):
    reason = forms.CharField(
        label=_("Why (both sides read it)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is the project cancelled? (both sides read it)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class TemplateSaveForm(forms.Form):
    name = forms.CharField(label=_("Template name"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class TemplateMilestoneForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    share = forms.DecimalField(label=_("Share (%)"), min_value=0, max_digits=9, decimal_places=4)
    duration_days = forms.IntegerField(label=_("Working days"), min_value=1, max_value=999)


TemplateMilestoneFormSet = forms.formset_factory(TemplateMilestoneForm, extra=0)

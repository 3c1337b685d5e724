"""The cash-flow page's filters: a GET form that only shows what was asked for; the selector
(``forecast.cashflow.cash_flow_query``) reads and refuses it."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .plan_forms import DateInput


class CashFlowFilterForm(forms.Form):
    interval = forms.ChoiceField(
        label=_("Interval"),
        required=False,
        choices=[("month", _("By month")), ("week", _("By week"))],
    )
    client = forms.ChoiceField(label=_("Client"), required=False)
    project = forms.ChoiceField(label=_("Project"), required=False)

    def __init__(self, *args, clients=(), projects=(), all_projects=True, **kwargs):
        """``clients`` and ``projects``: (id, name) pairs; ``all_projects``: whether
        ``projects`` holds every project (else a client is chosen first)."""
        super().__init__(*args, **kwargs)
        # "from" is a Python keyword: the two dates are added by name.
        self.fields = {
            "from": forms.CharField(label=_("From"), required=False, widget=DateInput()),
            "to": forms.CharField(label=_("To"), required=False, widget=DateInput()),
            **self.fields,
        }
        self.fields["client"].choices = [("", _("All clients")), *clients]
        empty = (
            _("All projects") if all_projects else _("All projects (choose a client to pick one)")
        )
        self.fields["project"].choices = [("", empty), *projects]
        for field in self.fields.values():
            field.clean = field.to_python  # shown as typed: the selector decides

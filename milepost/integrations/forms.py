"""The settings pages' form: types and widgets only; the service cleans (``services``)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .public import EVENT_TYPES

ALL = "*"


class EndpointForm(forms.Form):
    url = forms.CharField(
        label=_("URL"),
        max_length=2000,
        help_text=_("https:// to a public address; Milepost POSTs each event there, signed."),
        widget=forms.URLInput(attrs={"placeholder": "https://hooks.example.com/milepost"}),
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    event_types = forms.MultipleChoiceField(
        label=_("Events"),
        choices=[(ALL, _("Every event"))] + [(t, t) for t in EVENT_TYPES],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose the events to send, or “Every event”.")},
        help_text=_("“Every event” includes the ones Milepost adds later."),
    )
    enabled = forms.BooleanField(label=_("Enabled"), required=False, initial=True)

    def clean_event_types(self) -> list[str]:
        chosen = self.cleaned_data["event_types"]
        if ALL in chosen and len(chosen) > 1:
            # Saved as every event, the choice of a few was silently lost.
            raise forms.ValidationError(
                _("Choose “Every event” or some events, not both: untick one.")
            )
        return chosen

    def data_for_service(self) -> dict:
        return dict(self.cleaned_data)

"""The form of a plan version's page: which version to compare it with."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class CompareForm(forms.Form):
    against = forms.IntegerField(
        label=_("Compare with"), min_value=1, required=False, widget=forms.Select
    )

    def offer(self, numbers: list[int]) -> None:
        """Offer every version of the project (the same one too: it shows nothing changed)."""
        self.fields["against"].widget.choices = [(n, f"v{n}") for n in numbers]

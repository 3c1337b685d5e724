from django import forms

from milepost.notify.models import Category


class PreferencesForm(forms.Form):
    """One checkbox per category: email me (checked) or in the app only."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for value, label in Category.choices:
            self.fields[value] = forms.BooleanField(label=label, required=False)

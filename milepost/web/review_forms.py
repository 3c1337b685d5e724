"""Forms of the milestone page."""

from django import forms
from django.utils.translation import gettext_lazy as _


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; the service checks each one."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [d for d in data if d]
        return [data] if data else []


class DeliverForm(forms.Form):
    notes = forms.CharField(
        label=_("What is delivered, and how to test it"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Markdown is supported."),
    )
    preview_url = forms.CharField(
        label=_("Preview URL"),
        required=False,
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
    )
    files = MultipleFileField(label=_("Files"), help_text=_("Up to 25 MB each."))


class VerdictForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Result"),
        choices=[("passed", _("Passed")), ("failed", _("Failed"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("Note: what you saw (optional)")}),
    )


class FeedbackForm(forms.Form):
    feedback = forms.CharField(
        label=_("What should change?"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Markdown is supported."),
    )
    files = MultipleFileField(label=_("Files"))


class ApproveForm(forms.Form):
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    accept_open_items = forms.BooleanField(
        label=_("Approve with open items: the deliverables not passed become support requests"),
        required=False,
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Why an extra revision?"), widget=forms.Textarea(attrs={"rows": 2})
    )


class SupportForm(forms.Form):
    description = forms.CharField(
        label=_("What needs fixing?"), widget=forms.Textarea(attrs={"rows": 3})
    )
    files = MultipleFileField(label=_("Files"))


class BuyRevisionForm(forms.Form):
    """Buying one more revision takes no input: the price is the project's."""


class AskChangeOrderForm(forms.Form):
    text = forms.CharField(
        label=_("What should change?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The agency prices it as a change order, which you then accept or decline."),
    )


class ResolveForm(forms.Form):
    resolution = forms.CharField(label=_("How it was fixed"), required=False)


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Comment"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Markdown is supported."),
    )
    files = MultipleFileField(label=_("Files"))

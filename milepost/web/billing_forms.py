from django import forms
from django.utils.translation import gettext_lazy as _

from milepost.billing.models import InvoiceStatus, PaymentMethod

from .plan_forms import DateInput


class InvoiceFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        # Cut, not refused, by web.listing.search_of: a long search never drops the filters.
        widget=forms.TextInput(
            attrs={"type": "search", "maxlength": 100, "placeholder": _("Number, project, client")}
        ),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", _("All statuses")),
            *InvoiceStatus.choices,
            ("unpaid", _("Unpaid")),
            ("overdue", _("Overdue")),
        ],
    )
    client = forms.TypedChoiceField(label=_("Client"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, clients=(), **kwargs):
        """``clients``: (id, name) pairs."""
        super().__init__(*args, **kwargs)
        self.fields["client"].choices = [("", _("All clients")), *clients]


class PaymentForm(forms.Form):
    amount = forms.CharField(label=_("Amount"))
    date = forms.DateField(label=_("Received on"), widget=DateInput())
    method = forms.ChoiceField(
        label=_("Method"), choices=PaymentMethod.choices, initial=PaymentMethod.BANK_TRANSFER
    )
    reference = forms.CharField(label=_("Reference"), required=False, max_length=200)


class VoidForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    reissue = forms.BooleanField(
        label=_("Issue a corrected invoice for the same milestone right away"), required=False
    )


class ReverseForm(forms.Form):
    """The reason for reversing one payment; ids per payment, as the page has one per payment."""

    reason = forms.CharField(
        label=_("Why is this payment reversed?"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, payment_id: int, **kwargs):
        kwargs.setdefault("auto_id", f"id_r{payment_id}_%s")
        super().__init__(*args, **kwargs)
        self.payment_id = payment_id

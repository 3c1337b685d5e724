"""Forms parse what people type; services decide whether it is allowed."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.utils.translation import gettext_lazy as _

from milepost.accounts import services
from milepost.accounts.models import Role, normalize_email
from milepost.core.errors import InvalidInput


def apply_errors(
    form: forms.Form, error: InvalidInput, rename: dict[str, str] | None = None
) -> None:
    """Show a service's field errors next to the fields; others at the top of the form."""
    placed = False
    for field, messages in error.details.items():
        field = (rename or {}).get(field, field)
        target = field if field in form.fields else None
        for message in messages if isinstance(messages, list) else [messages]:
            form.add_error(target, message)
            placed = True
    if not placed:
        form.add_error(None, error.message)


class AccountEmailField(forms.EmailField):
    """An email field that reads the address the way accounts store it (``normalize_email``)."""

    def to_python(self, value):
        return normalize_email(super().to_python(value))


class LoginForm(auth_forms.AuthenticationForm):
    username = AccountEmailField(
        label=_("Email"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )
    error_messages = {
        "invalid_login": _("That email and password do not match an account. Please try again."),
        "inactive": _("This account is inactive."),
    }


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's form; the email goes through the outbox, its link minted when it is sent."""

    email = AccountEmailField(
        label=_("Email"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )

    def save(self, **kwargs):
        services.password_reset_request(email=self.cleaned_data["email"])


class SetPasswordForm(auth_forms.SetPasswordForm):
    """Django's form, saving through the service so the change is audited."""

    def save(self, commit=True):
        return services.user_set_password(
            user=self.user, password=self.cleaned_data["new_password1"]
        )


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    def save(self, commit=True):
        return services.user_set_password(
            user=self.user, password=self.cleaned_data["new_password1"]
        )


class InvitationForm(forms.Form):
    password1 = forms.CharField(
        label=_("Choose a password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password", "autofocus": True}),
    )
    password2 = forms.CharField(
        label=_("Repeat the password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        return data


class ClientForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    legal_address = forms.CharField(
        label=_("Legal address"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    vat_id = forms.CharField(label=_("VAT id"), max_length=40, required=False)
    country = forms.CharField(
        label=_("Country"),
        max_length=2,
        required=False,
        help_text=_("Two letters, such as DE or FR."),
    )
    tax_rate = forms.DecimalField(
        label=_("Tax rate override (%)"),
        required=False,
        max_digits=5,
        decimal_places=2,
        min_value=0,
        max_value=100,
        help_text=_("Leave empty to use your organisation's rate."),
    )
    reverse_charge = forms.BooleanField(
        label=_("Reverse charge (EU business client: invoices without VAT)"), required=False
    )
    language = forms.ChoiceField(
        label=_("Invoice language"),
        required=False,
        choices=[("", _("Default")), *settings.LANGUAGES],
    )


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Email"))
    name = forms.CharField(label=_("Name"), max_length=150, required=False)


class MemberInviteForm(InviteForm):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.MEMBER)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class ProfileForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150, required=False)


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=100,
        help_text=_("Where you will use it, such as “accounting sync”."),
    )


class OrganisationForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    legal_name = forms.CharField(label=_("Legal name"), max_length=200, required=False)
    address = forms.CharField(
        label=_("Address"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    vat_id = forms.CharField(label=_("VAT id"), max_length=40, required=False)
    country = forms.CharField(label=_("Country"), max_length=2)
    default_currency = forms.CharField(label=_("Default currency"), max_length=3)
    tax_rate = forms.DecimalField(
        label=_("Tax rate (%)"), max_digits=5, decimal_places=2, min_value=0, max_value=100
    )
    payment_terms_days = forms.IntegerField(
        label=_("Payment terms (days)"), min_value=0, max_value=365
    )
    invoice_prefix = forms.CharField(label=_("Invoice prefix"), max_length=10)
    email = forms.EmailField(label=_("Billing email"), required=False)
    bank_account_holder = forms.CharField(label=_("Account holder"), max_length=200, required=False)
    iban = forms.CharField(label=_("IBAN"), max_length=42, required=False)
    bic = forms.CharField(label=_("BIC"), max_length=11, required=False)
    sequential_gating = forms.BooleanField(
        label=_("New projects: sequential gating"),
        required=False,
        help_text=_("A milestone starts only when every earlier one is approved."),
    )
    pay_before_next = forms.BooleanField(
        label=_("New projects: pay before next"),
        required=False,
        help_text=_("A milestone starts only when every earlier invoice is paid."),
    )
    auto_approve_days = forms.IntegerField(
        label=_("New projects: auto-approve after (days)"),
        min_value=0,
        max_value=365,
        help_text=_("0 turns auto-approval off."),
    )
    default_revision_quota = forms.IntegerField(
        label=_("New milestones: revisions"), min_value=0, max_value=100
    )
    default_support_window_days = forms.IntegerField(
        label=_("New milestones: support window (days)"), min_value=0, max_value=365
    )

"""Forms parse what people type; services decide whether it is allowed."""

from __future__ import annotations

from functools import lru_cache

from django import forms
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.forms.utils import flatatt
from django.utils import translation
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from milepost.accounts import inputs, services
from milepost.accounts.models import Role, normalize_email
from milepost.core.errors import ApplicationError, InvalidInput
from milepost.core.inputs import Input
from milepost.core.locale import country_choices


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


#: Rules refused because of one field: their message goes beside it, not at the top of the form.
REFUSAL_FIELDS = {
    "open_items_not_confirmed": "accept_open_items",
    "storage_quota_exceeded": "files",
}


def apply_refusal(form: forms.Form, error: ApplicationError) -> None:
    """Show a refusal beside the field it is about (its fields, or its rule's), else on top."""
    if isinstance(error, InvalidInput):
        apply_errors(form, error)
        return
    field = REFUSAL_FIELDS.get(error.code)
    form.add_error(field if field in form.fields else None, error.message)


class DeclaredForm(forms.Form):
    """A form that only reads types (text, numbers, choices, checkboxes) for a declared input.

    What is required, how long and in which format is declared once (``<app>/inputs.py``) and
    applied by the service; its refusals come back through :func:`apply_errors`. The form reads
    the declaration only to show it: the required marker, ``maxlength``, ``min`` and ``max``.
    """

    declared: Input

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if name not in self.declared:
                continue
            rule = self.declared[name]
            field.required = field.widget.is_required = rule.required
            for key, value in rule.attrs.items():
                if key == "maxlength" and isinstance(field.widget, forms.Select):
                    continue  # a choice of countries, not two characters to type
                field.widget.attrs.pop(key, None)  # DecimalField's own step="any"
                field.widget.attrs[key] = value
            field.clean = field.to_python  # the type only: the service checks the rest


class AccountEmailField(forms.EmailField):
    """An email field that reads the address the way accounts store it (``normalize_email``)."""

    def to_python(self, value):
        return normalize_email(super().to_python(value))


def _countries():
    """The countries named in the page's language, sorted by name, after a blank choice."""
    return [("", _("Choose a country")), *country_choices(get_language() or "en")]


@lru_cache(maxsize=16)
def _country_options(language: str) -> str:
    """The ``<option>`` list of every country in ``language``, rendered once per language (the
    widget template took about 11 ms per page for its 251 options)."""
    with translation.override(language):
        return format_html_join(
            "", '<option value="{}">{}</option>', [("", _("Choose a country"))]
        ) + format_html_join("", '<option value="{}">{}</option>', country_choices(language))


class CountrySelect(forms.Select):
    """A native select (type a name to jump to it); a stored code not in the list stays chosen."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = next(iter(self.format_value(value)), "")
        options = _country_options(get_language() or "en")
        if chosen:
            plain = format_html('<option value="{}">', chosen)
            if plain in options:  # built from escaped parts only
                options = mark_safe(options.replace(plain, plain[:-1] + " selected>", 1))
            else:
                options += format_html('<option value="{}" selected>{}</option>', chosen, chosen)
        final = self.build_attrs(self.attrs, attrs)
        return format_html('<select name="{}"{}>{}</select>', name, flatatt(final), options)

    def optgroups(self, name, value, attrs=None):
        groups = super().optgroups(name, value, attrs)
        known = {str(code) for code, _label in self.choices}
        for code in value:
            if code and code not in known:
                option = self.create_option(name, code, code, True, len(groups), attrs=attrs)
                groups.append((None, [option], len(groups)))
        return groups


class CountryField(forms.ChoiceField):
    """A two-letter ISO 3166 code chosen by its name; the service checks it (``inputs.country``)."""

    widget = CountrySelect

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Country"))
        super().__init__(choices=_countries, **kwargs)


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


class ClientForm(DeclaredForm):
    declared = inputs.CLIENT

    name = forms.CharField(label=_("Name"))
    street = forms.CharField(label=_("Street"), widget=forms.Textarea(attrs={"rows": 2}))
    postcode = forms.CharField(label=_("Postcode"))
    city = forms.CharField(label=_("City"))
    vat_id = forms.CharField(label=_("VAT id"))
    country = CountryField()
    tax_rate = forms.DecimalField(
        label=_("Tax rate override (%)"),
        help_text=_("Leave empty to use your organisation's rate."),
    )
    reverse_charge = forms.BooleanField(
        label=_("Reverse charge (EU business client: invoices without VAT)")
    )
    language = forms.ChoiceField(
        label=_("Invoice language"), choices=[("", _("Default")), *settings.LANGUAGES]
    )


class InviteForm(DeclaredForm):
    declared = inputs.INVITATION

    email = forms.CharField(label=_("Email"), widget=forms.EmailInput)
    name = forms.CharField(label=_("Name"))


class MemberInviteForm(InviteForm):
    declared = inputs.MEMBER_INVITATION

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


class OrganisationForm(DeclaredForm):
    declared = inputs.ORGANISATION

    name = forms.CharField(label=_("Name"))
    legal_name = forms.CharField(label=_("Legal name"))
    street = forms.CharField(label=_("Street"), widget=forms.Textarea(attrs={"rows": 2}))
    postcode = forms.CharField(label=_("Postcode"))
    city = forms.CharField(label=_("City"))
    vat_id = forms.CharField(label=_("VAT id"))
    country = CountryField()
    default_currency = forms.CharField(label=_("Default currency"))
    tax_rate = forms.DecimalField(label=_("Tax rate (%)"))
    payment_terms_days = forms.IntegerField(label=_("Payment terms (days)"))
    invoice_prefix = forms.CharField(label=_("Invoice prefix"))
    email = forms.CharField(label=_("Billing email"), widget=forms.EmailInput)
    bank_account_holder = forms.CharField(label=_("Account holder"))
    iban = forms.CharField(label=_("IBAN"))
    bic = forms.CharField(label=_("BIC"))
    sequential_gating = forms.BooleanField(
        label=_("New projects: sequential gating"),
        help_text=_("A milestone starts only when every earlier one is approved."),
    )
    pay_before_next = forms.BooleanField(
        label=_("New projects: pay before next"),
        help_text=_("A milestone starts only when every earlier invoice is paid."),
    )
    auto_approve_days = forms.IntegerField(
        label=_("New projects: auto-approve after (days)"),
        help_text=_("0 turns auto-approval off."),
    )
    default_revision_quota = forms.IntegerField(label=_("New milestones: revisions"))
    default_support_window_days = forms.IntegerField(
        label=_("New milestones: support window (days)")
    )

"""Users, organisations (agencies), memberships, clients, contacts, invitations, API tokens."""

from __future__ import annotations

import hashlib
import unicodedata
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from milepost.core import clock
from milepost.core.stamped import Stamped, Touching


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=normalize_email(email), **fields)
        user.set_password(password) if password else user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields) -> User:
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)

    def get_by_natural_key(self, username: str) -> User:
        return self.get(email=normalize_email(username))


def normalize_email(email: str) -> str:
    """An address as it is stored and looked up: NFKC (as Django's login form reads a username),
    stripped and lower-cased, so that look-alike spellings are one account, one counter."""
    return unicodedata.normalize("NFKC", email or "").strip().lower()


def hash_token(raw: str) -> str:
    """What is stored of a secret token (invitations, API tokens): its SHA-256."""
    return hashlib.sha256(raw.encode()).hexdigest()


class User(AbstractBaseUser, PermissionsMixin):
    """A person. Logs in by email; may be an agency member, a client contact, or both."""

    email = models.EmailField(_("email address"), unique=True)
    name = models.CharField(_("name"), max_length=150, blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("staff status"), default=False)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self) -> str:
        return self.email

    def clean(self) -> None:
        """Store the address as login reads it (the admin's forms call this)."""
        super().clean()
        self.email = normalize_email(self.email)

    def get_full_name(self) -> str:
        return self.name or self.email

    def get_short_name(self) -> str:
        return self.name.split(" ")[0] if self.name else self.email


#: Countries whose addresses put the postcode after the city ("Dublin 2 D02 X285").
POSTCODE_AFTER_CITY = frozenset({"AU", "CA", "GB", "IE", "IN", "NZ", "US"})


def compose_address(street: str, postcode: str, city: str, country: str = "") -> str:
    """The address as printed: the street lines, then postcode and city on one line."""
    lines = [line.strip() for line in (street or "").splitlines() if line.strip()]
    place = (city, postcode) if country in POSTCODE_AFTER_CITY else (postcode, city)
    last = " ".join(part.strip() for part in place if part and part.strip())
    return "\n".join([*lines, last] if last else lines)


class PostalAddress:
    """``street``, ``postcode`` and ``city`` as EN 16931 asks for them; the country is its own."""

    street: str
    postcode: str
    city: str
    country: str

    @property
    def address(self) -> str:
        """The postal address as printed on invoices and plans (read-only)."""
        return compose_address(self.street, self.postcode, self.city, self.country)


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    MANAGER = "manager", _("Manager")
    MEMBER = "member", _("Member")


class Organisation(PostalAddress, models.Model):
    """An agency or freelancer's business: the seller on every project and invoice."""

    name = models.CharField(_("name"), max_length=200)
    legal_name = models.CharField(_("legal name"), max_length=200, blank=True)
    street = models.TextField(_("street"), blank=True)
    postcode = models.CharField(_("postcode"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    vat_id = models.CharField(_("VAT id"), max_length=40, blank=True)
    country = models.CharField(_("country"), max_length=2, default="DE")
    default_currency = models.CharField(_("default currency"), max_length=3, default="EUR")
    tax_rate = models.DecimalField(
        _("tax rate (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("19.00"),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    payment_terms_days = models.PositiveSmallIntegerField(_("payment terms (days)"), default=14)
    invoice_prefix = models.CharField(_("invoice prefix"), max_length=10, default="INV")
    bank_account_holder = models.CharField(_("account holder"), max_length=200, blank=True)
    iban = models.CharField(_("IBAN"), max_length=34, blank=True)
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    email = models.EmailField(_("billing email"), blank=True)
    # Defaults for new projects (each project keeps its own copy).
    sequential_gating = models.BooleanField(_("sequential gating"), default=True)
    pay_before_next = models.BooleanField(_("pay before next"), default=False)
    auto_approve_days = models.PositiveSmallIntegerField(_("auto-approve after (days)"), default=14)
    default_revision_quota = models.PositiveSmallIntegerField(_("revision quota"), default=2)
    default_support_window_days = models.PositiveSmallIntegerField(
        _("support window (days)"), default=14
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(tax_rate__gte=0, tax_rate__lte=100),
                name="organisation_tax_rate_range",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A user's role in an organisation."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "user"], name="membership_unique"),
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="membership_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.organisation} ({self.role})"


class Client(PostalAddress, Stamped):
    """A company buying from one organisation."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="clients")
    name = models.CharField(_("name"), max_length=200)
    street = models.TextField(_("street"), blank=True)
    postcode = models.CharField(_("postcode"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    vat_id = models.CharField(_("VAT id"), max_length=40, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True)
    tax_rate = models.DecimalField(
        _("tax rate override (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Leave empty to use the organisation's rate."),
    )
    reverse_charge = models.BooleanField(
        _("reverse charge"),
        default=False,
        help_text=_("Invoice without VAT: the client accounts for it (EU B2B)."),
    )
    language = models.CharField(_("invoice language"), max_length=10, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name", "id"]
        # updated_since, in the order a sync reads (docs/sync.md)
        indexes = [models.Index(fields=["organisation", "updated_at"], name="client_updated")]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="client_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Contact(Touching):
    """A user who speaks for a client."""

    sync_parent = "client"  # the client's answer lists its contacts

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="contacts")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="contacts"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["client", "user"], name="contact_unique")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.client}"


class Invitation(models.Model):
    """A one-time link that lets an invited person set a password."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invitations"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="invitations"
    )
    client = models.ForeignKey(
        Client, null=True, blank=True, on_delete=models.CASCADE, related_name="invitations"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    #: Revoked by the agency: the link no longer works (until the invitation is sent again).
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Invitation for {self.user}"

    @property
    def state(self) -> str:
        """``accepted``, ``revoked``, ``expired`` or ``pending`` (the link still works)."""
        if self.used_at is not None:
            return "accepted"
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= clock.now():
            return "expired"
        return "pending"


class ApiToken(models.Model):
    """A personal API token; only its SHA-256 is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

"""JSON shapes for you (``me``), clients and their contacts. Rules are the services'."""

from django.utils.translation import gettext as _
from rest_framework import serializers

from milepost.accounts import inputs
from milepost.accounts.models import Client, Contact, Organisation, Role

from .common import DeclaredSerializer, datetime_json


class OrganisationRoleSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    role = serializers.ChoiceField(choices=Role.choices)


class ClientAccessSerializer(serializers.Serializer):
    client = serializers.IntegerField(source="client_id")
    client_name = serializers.CharField(source="client.name")
    organisation = serializers.CharField(source="client.organisation.name")


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    name = serializers.CharField()
    organisations = OrganisationRoleSerializer(many=True)
    client_contacts = ClientAccessSerializer(many=True)
    calendar_url = serializers.URLField(help_text="Your private iCalendar feed.")


class InvitationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField(source="user.email")
    client = serializers.IntegerField(source="client_id", allow_null=True)
    state = serializers.ChoiceField(
        choices=["pending", "expired", "revoked", "accepted"],
        help_text="`pending`: the link works; `expired` or `revoked`: send it again to invite.",
    )
    expires_at = serializers.DateTimeField()


class ContactSerializer(serializers.ModelSerializer):
    email = serializers.EmailField(source="user.email")
    name = serializers.CharField(source="user.name")
    invitation = InvitationSerializer(
        allow_null=True,
        read_only=True,
        help_text="Their invitation while they have not accepted it; null once they have.",
    )

    class Meta:
        model = Contact
        fields = ["id", "email", "name", "created_at", "invitation"]


class ClientSerializer(serializers.ModelSerializer):
    contact_count = serializers.IntegerField(read_only=True)
    legal_address = serializers.CharField(
        source="address",
        read_only=True,
        help_text="The address as printed, composed of street, postcode and city (read-only).",
    )

    class Meta:
        model = Client
        fields = [
            "id",
            "organisation",
            "name",
            "legal_address",
            "street",
            "postcode",
            "city",
            "vat_id",
            "country",
            "contact_count",
            "created_at",
            "updated_at",
        ]

    def to_representation(self, c: Client) -> dict:
        """``Meta.fields`` built by hand: a list page renders 25 of these (equal to DRF's
        rendering: ``tests/accounts/test_client_json.py``)."""
        return {
            "id": c.pk,
            "organisation": c.organisation_id,
            "name": c.name,
            "legal_address": c.address,
            "street": c.street,
            "postcode": c.postcode,
            "city": c.city,
            "vat_id": c.vat_id,
            "country": c.country,
            "contact_count": c.contact_count,
            "created_at": datetime_json(c.created_at),
            "updated_at": datetime_json(c.updated_at),
        }


class ClientDetailSerializer(ClientSerializer):
    contacts = ContactSerializer(many=True, read_only=True)
    contact_count = None

    def to_representation(self, c: Client) -> dict:
        return serializers.ModelSerializer.to_representation(self, c)

    class Meta(ClientSerializer.Meta):
        fields = [
            "id",
            "organisation",
            "name",
            "legal_address",
            "street",
            "postcode",
            "city",
            "vat_id",
            "country",
            "contacts",
            "created_at",
            "updated_at",
        ]


class OrganisationSerializer(serializers.ModelSerializer):
    """The agency as the next invoice takes it (seller and bank details) and its defaults."""

    legal_address = serializers.CharField(
        source="address",
        read_only=True,
        help_text="The address as printed, composed of street, postcode and city (read-only).",
    )
    iban = serializers.CharField(
        read_only=True, help_text="Stored compact: DE89370400440532013000; printed grouped."
    )
    bic = serializers.CharField(read_only=True, help_text="Stored compact: COBADEFFXXX.")
    email = serializers.CharField(
        read_only=True, help_text="The billing email printed on invoices; empty when not set."
    )

    class Meta:
        model = Organisation
        fields = [
            "id",
            "name",
            "legal_name",
            "legal_address",
            "street",
            "postcode",
            "city",
            "country",
            "vat_id",
            "email",
            "bank_account_holder",
            "iban",
            "bic",
            "default_currency",
            "tax_rate",
            "payment_terms_days",
            "invoice_prefix",
            "sequential_gating",
            "pay_before_next",
            "auto_approve_days",
            "default_revision_quota",
            "default_support_window_days",
            "created_at",
        ]
        read_only_fields = fields


def _refuse_legal_address(initial_data) -> None:
    """The address used to be one text: an integration still sending it must not lose it."""
    if "legal_address" in initial_data:
        raise serializers.ValidationError(
            {
                "legal_address": [
                    _("legal_address is read-only: send the address as street, postcode and city.")
                ]
            }
        )


class OrganisationPatchSerializer(DeclaredSerializer):
    """Change the organisation's details (owners): every field optional, checked by the service.

    IBAN and BIC may be typed with blanks (``DE89 3704 …``); they are checked digit by digit
    and stored compact. An empty string clears a field that is not required.
    """

    declared = inputs.ORGANISATION
    partial_input = True

    name = serializers.CharField(required=False, allow_blank=True)
    legal_name = serializers.CharField(required=False, allow_blank=True)
    street = serializers.CharField(required=False, allow_blank=True)
    postcode = serializers.CharField(required=False, allow_blank=True)
    city = serializers.CharField(required=False, allow_blank=True)
    country = serializers.CharField(required=False, allow_blank=True)
    vat_id = serializers.CharField(required=False, allow_blank=True)
    email = serializers.CharField(required=False, allow_blank=True)
    bank_account_holder = serializers.CharField(required=False, allow_blank=True)
    iban = serializers.CharField(required=False, allow_blank=True)
    bic = serializers.CharField(required=False, allow_blank=True)
    default_currency = serializers.CharField(required=False, allow_blank=True)
    tax_rate = serializers.CharField(required=False, help_text='A string such as "19.00".')
    payment_terms_days = serializers.IntegerField(required=False)
    invoice_prefix = serializers.CharField(required=False, allow_blank=True)
    sequential_gating = serializers.BooleanField(required=False)
    pay_before_next = serializers.BooleanField(required=False)
    auto_approve_days = serializers.IntegerField(required=False)
    default_revision_quota = serializers.IntegerField(required=False)
    default_support_window_days = serializers.IntegerField(required=False)

    def validate(self, attrs):
        _refuse_legal_address(self.initial_data)
        return attrs


class ClientWriteSerializer(DeclaredSerializer):
    declared = inputs.CLIENT

    organisation = serializers.IntegerField(
        required=False, help_text="Defaults to your organisation when you belong to exactly one."
    )
    name = serializers.CharField(required=False, allow_blank=True)
    street = serializers.CharField(required=False, allow_blank=True)
    postcode = serializers.CharField(required=False, allow_blank=True)
    city = serializers.CharField(required=False, allow_blank=True)
    vat_id = serializers.CharField(required=False, allow_blank=True)
    country = serializers.CharField(required=False, allow_blank=True)

    def validate(self, attrs):
        _refuse_legal_address(self.initial_data)
        return attrs


class ClientPatchSerializer(ClientWriteSerializer):
    partial_input = True
    organisation = None


class ContactInviteSerializer(DeclaredSerializer):
    declared = inputs.INVITATION

    email = serializers.CharField(required=False, allow_blank=True)
    name = serializers.CharField(required=False, allow_blank=True)

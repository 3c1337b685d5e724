"""Shapes of API requests and responses. Validation of rules happens in services."""

from rest_framework import serializers

from milepost.accounts.models import Client, Contact, Role


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


class ContactSerializer(serializers.ModelSerializer):
    email = serializers.EmailField(source="user.email")
    name = serializers.CharField(source="user.name")

    class Meta:
        model = Contact
        fields = ["id", "email", "name", "created_at"]


class ClientSerializer(serializers.ModelSerializer):
    contact_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Client
        fields = [
            "id",
            "organisation",
            "name",
            "legal_address",
            "vat_id",
            "country",
            "contact_count",
            "created_at",
        ]


class ClientDetailSerializer(ClientSerializer):
    contacts = ContactSerializer(many=True, read_only=True)
    contact_count = None

    class Meta(ClientSerializer.Meta):
        fields = [
            "id",
            "organisation",
            "name",
            "legal_address",
            "vat_id",
            "country",
            "contacts",
            "created_at",
        ]


class ClientWriteSerializer(serializers.Serializer):
    organisation = serializers.IntegerField(
        required=False, help_text="Defaults to your organisation when you belong to exactly one."
    )
    name = serializers.CharField(max_length=200)
    legal_address = serializers.CharField(required=False, allow_blank=True)
    vat_id = serializers.CharField(required=False, allow_blank=True, max_length=40)
    country = serializers.CharField(required=False, allow_blank=True, max_length=2)


class ClientPatchSerializer(ClientWriteSerializer):
    name = serializers.CharField(max_length=200, required=False)
    organisation = None


class ContactInviteSerializer(serializers.Serializer):
    email = serializers.CharField(max_length=254)
    name = serializers.CharField(max_length=150, required=False, allow_blank=True)


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    details = serializers.DictField()


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()

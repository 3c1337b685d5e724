"""What the API's parts share: the serializer of a declared input, money, and validation."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from milepost.core.inputs import Input
from milepost.core.money import normalise


class DeclaredSerializer(serializers.Serializer):
    """The types of a declared input's fields, and nothing more (``<app>/inputs.py``).

    Every field is optional and may be blank here: what is required, how long and in which format
    is checked by the service, which answers 400 with the fields in ``details``. The OpenAPI
    document shows the declaration (``api/schema.DeclaredInputExtension``).
    """

    declared: Input
    #: An update: nothing is required, a required field may only not be emptied.
    partial_input = False


@extend_schema_field(OpenApiTypes.STR)
class MoneyField(serializers.Field):
    """An amount as a string with the currency's decimals: ``"2500.00"``."""

    def __init__(self, currency_from: str = "currency", **kwargs):
        self.currency_from = currency_from
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def get_attribute(self, instance):
        value = super().get_attribute(instance)
        currency = instance
        for part in self.currency_from.split("."):
            currency = getattr(currency, part)
        return (value, currency)

    def to_representation(self, value):
        amount, currency = value
        return None if amount is None else str(normalise(amount, currency))


def validated(serializer_class, data, **kwargs) -> dict:
    """``data`` as ``serializer_class`` types it, or 400 with the fields in ``details``."""
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def datetime_json(value) -> str | None:
    """As DRF's DateTimeField renders it: ISO 8601 in the current time zone, UTC as ``Z``."""
    if value is None:
        return None
    text = timezone.localtime(value).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text

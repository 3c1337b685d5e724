"""The API's hand-built client JSON equals DRF's own field-by-field rendering, key order too."""

import pytest
from rest_framework import serializers

from milepost.accounts import selectors
from milepost.api.account_serializers import ClientSerializer

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("street", "postcode", "city", "country"),
    [
        ("Torstraße 19\nHinterhaus", "10119", "Berlin", "DE"),
        ("3 Grand Canal Square", "D02 X285", "Dublin 2", "IE"),
        ("", "", "", ""),
    ],
)
def test_client_json_matches_drf(world, street, postcode, city, country):
    client = world.client
    client.street, client.postcode, client.city, client.country = street, postcode, city, country
    client.vat_id = "IE6388047V"
    client.save()
    row = next(c for c in selectors.clients_visible_to(world.owner) if c.pk == client.pk)

    fast = list(ClientSerializer(row).data.items())
    drf = list(serializers.ModelSerializer.to_representation(ClientSerializer(), row).items())

    assert fast == drf
    assert dict(fast)["contact_count"] == 1

"""Addresses as fields: ``street``, ``postcode`` and ``city`` replace the free-text address.

The organisation's ``address`` and the client's ``legal_address`` are split once, with the rules
the e-invoice used to apply to them every time (copied here, as a migration must not import app
code that may change): a last line naming the country is dropped (the country is its own field);
the last line left is the city line, its first word the postcode when it holds a digit
(``10115 Berlin``; ``Dublin 2 D02 X285`` stays whole as the city); up to three lines before it
are the street, more are joined into the third; one line with commas is split on the commas.

A text that does not fit the fields' lengths is kept whole as the street, so nothing is lost.
``billing.0005_invoice_postal_address`` gives issued invoices' snapshots the same fields with
:func:`split_address`, so their e-invoices stay the same documents.
"""

from babel import Locale
from django.db import migrations, models

# Languages in which a trailing country line of an address is recognised.
COUNTRY_LOCALES = ("en", "de", "fr", "es", "it", "nl", "pl", "pt", "sv", "da")
# VAT ids start with the ISO 3166 country code, except Greece (EL) and Northern Ireland (XI).
VAT_PREFIX_COUNTRY = {"EL": "GR", "XI": "GB"}
POSTCODE_MAX, CITY_MAX = 20, 100


def party_country(country: str, vat_id: str) -> str:
    """The ISO 3166-1 alpha-2 country, or the one the VAT id starts with."""
    country = (country or "").strip().upper()
    if len(country) == 2 and country.isalpha():
        return country
    prefix = "".join(ch for ch in (vat_id or "") if not (ch.isspace() or ch in ".-")).upper()[:2]
    if len(prefix) == 2 and prefix.isalpha():
        return VAT_PREFIX_COUNTRY.get(prefix, prefix)
    return ""


def _is_country_line(line: str, country: str) -> bool:
    """``Germany``, ``Deutschland``, ``DE``: a last line that only repeats the country."""
    if not country:
        return False
    text = line.strip().casefold()
    if text == country.casefold():
        return True
    names = {
        (Locale.parse(code).territories.get(country) or "").casefold() for code in COUNTRY_LOCALES
    }
    return text in names


def split_address(address: str, country: str = "") -> dict[str, str]:
    """Split a free-text address into CII's postal fields (the e-invoice's rules until now)."""
    lines = [line.strip() for line in (address or "").splitlines() if line.strip()]
    if len(lines) == 1 and "," in lines[0]:
        lines = [part.strip() for part in lines[0].split(",") if part.strip()]
    if len(lines) > 1 and _is_country_line(lines[-1], country):
        lines.pop()
    result: dict[str, str] = {}
    if not lines:
        return result
    city_line = lines.pop() if len(lines) > 1 else ""
    if city_line:
        first, _sep, rest = city_line.partition(" ")
        if rest and any(ch.isdigit() for ch in first):
            result["postcode"] = first
            result["city"] = rest.strip()
        else:
            result["city"] = city_line
    street = lines[:2] + ([", ".join(lines[2:])] if len(lines) > 2 else [])
    for key, line in zip(("line_one", "line_two", "line_three"), street, strict=False):
        result[key] = line
    return result


def postal_fields(address: str, country: str, vat_id: str = "", limit: bool = True) -> dict[str, str]:
    """``street`` (one line per street line), ``postcode`` and ``city`` of a free-text address.

    With ``limit``, a text whose postcode or city would not fit the columns stays whole as the
    street.
    """
    parts = split_address(address, party_country(country, vat_id))
    fields = {
        "street": "\n".join(parts[k] for k in ("line_one", "line_two", "line_three") if k in parts),
        "postcode": parts.get("postcode", ""),
        "city": parts.get("city", ""),
    }
    if limit and (len(fields["postcode"]) > POSTCODE_MAX or len(fields["city"]) > CITY_MAX):
        return {"street": address.strip(), "postcode": "", "city": ""}
    return fields


def split_addresses(apps, schema_editor):
    for model, text_field in (("Organisation", "address"), ("Client", "legal_address")):
        Model = apps.get_model("accounts", model)
        for row in Model.objects.exclude(**{text_field: ""}).iterator():
            fields = postal_fields(getattr(row, text_field), row.country, row.vat_id)
            Model.objects.filter(pk=row.pk).update(**fields)


def join_addresses(apps, schema_editor):
    """Back to one text: the street lines, then postcode and city."""
    for model, text_field in (("Organisation", "address"), ("Client", "legal_address")):
        Model = apps.get_model("accounts", model)
        for row in Model.objects.iterator():
            last = " ".join(part for part in (row.postcode, row.city) if part)
            lines = [line for line in row.street.splitlines() if line.strip()]
            text = "\n".join([*lines, last] if last else lines)
            Model.objects.filter(pk=row.pk).update(**{text_field: text})


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0003_client_language_client_reverse_charge_and_more"),
    ]

    operations = [
        migrations.AddField(
            model_name="client",
            name="street",
            field=models.TextField(blank=True, verbose_name="street"),
        ),
        migrations.AddField(
            model_name="client",
            name="postcode",
            field=models.CharField(blank=True, max_length=20, verbose_name="postcode"),
        ),
        migrations.AddField(
            model_name="client",
            name="city",
            field=models.CharField(blank=True, max_length=100, verbose_name="city"),
        ),
        migrations.AddField(
            model_name="organisation",
            name="street",
            field=models.TextField(blank=True, verbose_name="street"),
        ),
        migrations.AddField(
            model_name="organisation",
            name="postcode",
            field=models.CharField(blank=True, max_length=20, verbose_name="postcode"),
        ),
        migrations.AddField(
            model_name="organisation",
            name="city",
            field=models.CharField(blank=True, max_length=100, verbose_name="city"),
        ),
        migrations.RunPython(split_addresses, join_addresses),
        migrations.RemoveField(model_name="client", name="legal_address"),
        migrations.RemoveField(model_name="organisation", name="address"),
    ]

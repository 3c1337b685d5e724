"""Create an organisation and its first owner from the command line (first install).

It lives in billing, above accounts, because it also says what the invoices still need.
"""

import getpass

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from milepost.accounts import services
from milepost.accounts.models import User, normalize_email
from milepost.accounts.services.common import clean_email, clean_password
from milepost.billing.selectors import organisation_bank_problems, organisation_einvoice_problems
from milepost.core.errors import ApplicationError

#: The option that sets each field, to name it in a refusal.
OPTIONS = {
    "name": "name",
    "country": "--country",
    "default_currency": "--currency",
    "legal_name": "--legal-name",
    "street": "--street",
    "postcode": "--postcode",
    "city": "--city",
    "vat_id": "--vat-id",
    "bank_account_holder": "--account-holder",
    "iban": "--iban",
    "bic": "--bic",
}


class Command(BaseCommand):
    help = "Create an organisation with OWNER_EMAIL as its owner (the user is created if needed)."

    def add_arguments(self, parser):
        parser.add_argument("name", help="The organisation's name, e.g. 'Northwind Studio'.")
        parser.add_argument("owner_email")
        parser.add_argument("--country", default="DE", help="ISO 3166 code (default DE).")
        parser.add_argument("--currency", default="EUR", help="ISO 4217 code (default EUR).")
        parser.add_argument(
            "--legal-name", default="", help="The name on invoices, e.g. 'Northwind Studio GmbH'."
        )
        parser.add_argument(
            "--street", default="", help="Street and number for invoices, e.g. 'Torstraße 19'."
        )
        parser.add_argument("--postcode", default="", help="Postcode, e.g. 10119.")
        parser.add_argument("--city", default="", help="City, e.g. Berlin.")
        parser.add_argument("--vat-id", default="", help="VAT id, e.g. DE123456788.")
        parser.add_argument(
            "--account-holder", default="", help="The bank account's holder (default: the name)."
        )
        parser.add_argument(
            "--iban",
            default="",
            help="Where clients transfer to, e.g. 'DE89 3704 0044 0532 0130 00'.",
        )
        parser.add_argument("--bic", default="", help="The bank's BIC, e.g. COBADEFFXXX.")

    def handle(self, *args, name, owner_email, country, currency, **options):
        email = normalize_email(owner_email)
        owner = User.objects.filter(email=email).first()
        password = None
        if owner is None:
            password = getpass.getpass(f"Password for {email}: ")
            try:
                clean_password(User(email=email), password)
            except ApplicationError as error:
                raise CommandError(
                    " ".join(error.details.get("password", [error.message]))
                ) from None
        try:
            # The owner and the organisation together or neither: a refused organisation leaves
            # no account behind that a second run would silently reuse.
            with transaction.atomic():
                clean_email(email)
                if owner is None:
                    owner = User.objects.create_user(email=email, password=password)
                org = services.organisation_create(
                    name=name,
                    owner=owner,
                    country=country,
                    default_currency=currency,
                    legal_name=options["legal_name"],
                    street=options["street"],
                    postcode=options["postcode"],
                    city=options["city"],
                    vat_id=options["vat_id"],
                    bank_account_holder=options["account_holder"],
                    iban=options["iban"],
                    bic=options["bic"],
                )
        except ApplicationError as error:
            raise CommandError(_explained(error)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Organisation {org.name} (id {org.pk}) created; {email} is its owner."
            )
        )
        missing = [problem.missing for problem in organisation_einvoice_problems(org)]
        if missing:
            self.stdout.write(
                self.style.WARNING(
                    "Its invoices will not be valid EN 16931 e-invoices until it has "
                    f"{_and(missing)}: add them with --street, --postcode, --city and --vat-id "
                    "when creating it, or in Settings → Organisation. Invoices are issued all "
                    "the same."
                )
            )
        else:
            self.stdout.write("It has what a valid EN 16931 e-invoice needs.")
        unpaid = [problem.missing for problem in organisation_bank_problems(org)]
        if unpaid:
            self.stdout.write(
                self.style.WARNING(
                    f"Its invoices will not say where to pay until it has {_and(unpaid)}: add "
                    "them with --iban and --bic when creating it, or in Settings → Organisation."
                )
            )


def _explained(error: ApplicationError) -> str:
    """The refusal with each field's problem: ``--vat-id: This VAT id is not valid …``."""
    problems = [
        f"{OPTIONS.get(field, field)}: {' '.join(messages)}"
        for field, messages in error.details.items()
    ]
    return " ".join(problems) or error.message


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"

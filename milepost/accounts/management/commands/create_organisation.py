"""Create an organisation and its first owner from the command line (first install)."""

import getpass

from django.core.management.base import BaseCommand, CommandError

from milepost.accounts import services
from milepost.accounts.models import User, normalize_email
from milepost.core.errors import ApplicationError


class Command(BaseCommand):
    help = "Create an organisation with OWNER_EMAIL as its owner (the user is created if needed)."

    def add_arguments(self, parser):
        parser.add_argument("name", help="The organisation's name, e.g. 'Northwind Studio'.")
        parser.add_argument("owner_email")
        parser.add_argument("--country", default="DE", help="ISO 3166 code (default DE).")
        parser.add_argument("--currency", default="EUR", help="ISO 4217 code (default EUR).")

    def handle(self, *args, name, owner_email, country, currency, **options):
        email = normalize_email(owner_email)
        owner = User.objects.filter(email=email).first()
        if owner is None:
            password = getpass.getpass(f"Password for {email}: ")
            owner = User(email=email)
            try:
                services._clean_password(owner, password)
            except ApplicationError as error:
                raise CommandError(
                    " ".join(error.details.get("password", [error.message]))
                ) from None
            owner = User.objects.create_user(email=email, password=password)
        try:
            services.clean_email(email)
            org = services.organisation_create(
                name=name, owner=owner, country=country.upper(), default_currency=currency.upper()
            )
        except ApplicationError as error:
            raise CommandError(error.message) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Organisation {org.name} (id {org.pk}) created; {email} is its owner."
            )
        )

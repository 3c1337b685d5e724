"""Create a personal API token for a user and print it (shown once, only its hash is stored)."""

from django.core.management.base import BaseCommand, CommandError

from milepost.accounts import services
from milepost.accounts.models import User, normalize_email
from milepost.core.errors import ApplicationError


class Command(BaseCommand):
    help = "Create an API token for EMAIL and print the raw token (it is shown only this once)."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--name", default="CLI token", help="Label (default 'CLI token').")

    def handle(self, *args, email, name, **options):
        user = User.objects.filter(email=normalize_email(email), is_active=True).first()
        if user is None:
            raise CommandError(f"No active user with the email {normalize_email(email)}.")
        try:
            _token, raw = services.api_token_create(user=user, name=name, actor=user)
        except ApplicationError as error:
            raise CommandError(error.message) from None
        self.stdout.write(raw)

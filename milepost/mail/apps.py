from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "milepost.mail"
    label = "mail"
    verbose_name = "Email outbox"

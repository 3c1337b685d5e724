from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "milepost.billing"
    label = "billing"
    verbose_name = "Billing"

    def ready(self) -> None:
        from . import handlers

        handlers.connect()

from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "milepost.billing"
    label = "billing"
    verbose_name = "Billing"

from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "milepost.plans"
    label = "plans"
    verbose_name = "Plans"

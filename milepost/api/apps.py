from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "milepost.api"
    label = "api"
    verbose_name = "REST API"

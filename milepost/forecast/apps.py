from django.apps import AppConfig


class ForecastConfig(AppConfig):
    name = "milepost.forecast"
    label = "forecast"
    verbose_name = "Forecast"

    def ready(self) -> None:
        from . import handlers

        handlers.connect()

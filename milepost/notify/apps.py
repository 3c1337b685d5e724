from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "milepost.notify"
    label = "notify"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from . import handlers

        handlers.connect()

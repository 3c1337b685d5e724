from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "milepost.integrations"
    label = "integrations"
    verbose_name = "Integrations"

    def ready(self) -> None:
        from milepost.notify.scheduler import step_register

        from . import outbox, scheduling

        outbox.connect()
        step_register(scheduling.tick_step)

from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "milepost.notify"
    label = "notify"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from milepost.mail.services import sender_set

        from . import handlers, tasks

        handlers.connect()
        sender_set(tasks.deliver_email.enqueue)  # the outbox hands each committed email here

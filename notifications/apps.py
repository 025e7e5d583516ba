from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "消息通知"

    def ready(self) -> None:
        from audit import hooks

        from . import checks, tasks  # noqa: F401  (checks registers the channel configuration check)

        hooks.on_append(tasks.event_committed)

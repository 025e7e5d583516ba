from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "审计留痕"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (failed logins are recorded from auth's signal)

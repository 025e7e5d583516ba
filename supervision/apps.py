from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "supervision"
    verbose_name = "监督与考核"

    def ready(self) -> None:
        from exports.registry import register

        from .exports import DOSSIER

        register(DOSSIER)  # the dossier is rendered by the background worker

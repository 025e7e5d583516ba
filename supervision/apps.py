from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "supervision"
    verbose_name = "监督与考核"

    def ready(self) -> None:
        from exports.registry import register

        from .exports import DOSSIER
        from .sentences import register_sentences

        # How this app's events read in the trail (audit.sentences): the trail knows no app.
        register_sentences()
        register(DOSSIER)  # the dossier is rendered by the background worker

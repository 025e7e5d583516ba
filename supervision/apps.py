from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "supervision"
    verbose_name = "监督与考核"

    def ready(self) -> None:
        # How this app's events read in the trail (audit.sentences): the trail knows no app.
        from .sentences import register_sentences

        register_sentences()

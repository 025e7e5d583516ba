from django.apps import AppConfig


class PublicityConfig(AppConfig):
    name = "publicity"
    verbose_name = "公示与民意"

    def ready(self) -> None:
        # How this app's events read in the trail (audit.sentences): the trail knows no app.
        from .sentences import register_sentences

        register_sentences()

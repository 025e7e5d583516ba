from django.apps import AppConfig


class PublicityConfig(AppConfig):
    name = "publicity"
    verbose_name = "公示与民意"

    def ready(self) -> None:
        from fundadmin.calendar_hooks import register_recompute

        from .deadlines import notice_deadlines_recompute
        from .sentences import register_sentences

        # How this app's events read in the trail (audit.sentences): the trail knows no app.
        register_sentences()
        # Notices store their end dates; the core recounts them through this when the calendar changes.
        register_recompute(notice_deadlines_recompute)

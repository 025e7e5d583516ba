from django.apps import AppConfig


class PublicityConfig(AppConfig):
    name = "publicity"
    verbose_name = "公示与民意"

    def ready(self):
        from fundadmin.calendar_hooks import register_recompute

        from .deadlines import notice_deadlines_recompute

        # Notices store their end dates; the core recounts them through this when the calendar changes.
        register_recompute(notice_deadlines_recompute)

from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = "服务项目"

    def ready(self) -> None:
        # How this app's events read in the trail (audit.sentences): the trail knows no app.
        from .sentences import register_sentences

        register_sentences()

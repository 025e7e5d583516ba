from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = "服务项目"

    def ready(self) -> None:
        # How this app's events read in the trail (audit.sentences): the trail knows no app.
        from ledger.verification import register_check

        from .ledger_checks import project_books_verify
        from .sentences import register_sentences

        register_sentences()
        # check_ledger also checks what the process says of the books; the ledger knows no process.
        register_check(project_books_verify)

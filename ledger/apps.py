from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "ledger"
    verbose_name = "专项经费台账"

    def ready(self) -> None:
        # How this app's events read in the trail (audit.sentences): the trail knows no app.
        from fundadmin.services import allocation_guard

        from .sentences import register_sentences
        from .services import allocation_covers_the_books

        allocation_guard(allocation_covers_the_books)
        register_sentences()

from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "ledger"
    verbose_name = "专项经费台账"

    def ready(self) -> None:
        from exports.registry import register
        from fundadmin.services import allocation_guard

        from .sentences import register_sentences
        from .services import allocation_covers_the_books
        from .views import BOOK_PDF

        # How this app's events read in the trail (audit.sentences): the trail knows no app.
        register_sentences()
        allocation_guard(allocation_covers_the_books)
        register(BOOK_PDF)  # the account-book PDF is rendered by the background worker

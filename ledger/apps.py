from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "ledger"
    verbose_name = "专项经费台账"

    def ready(self) -> None:
        from exports.registry import register

        from .views import BOOK_PDF

        register(BOOK_PDF)  # the account-book PDF is rendered by the background worker

from django.core.management.base import BaseCommand, CommandError

from audit.services import chain_verify_and_store


class Command(BaseCommand):
    help = "重新计算审计链的全部哈希，指出第一个断点（Art. 19）。"

    def handle(self, *args, **options):
        run = chain_verify_and_store()
        if not run.ok:
            raise CommandError(run.message)
        self.stdout.write(run.message)

from django.core.management.base import CommandError

from audit.services import chain_verify_and_store
from fundadmin.jobs import ScheduledCommand


class Command(ScheduledCommand):
    help = "重新计算审计链的全部哈希，指出第一个断点（Art. 19）。"

    def handle(self, *args, **options):
        run = chain_verify_and_store()
        if not run.ok:
            raise CommandError(run.message)
        self.stdout.write(run.message)

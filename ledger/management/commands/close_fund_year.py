from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from fundadmin.models import FundYear
from ledger.services import fund_year_close


class Command(BaseCommand):
    help = "年度结转（第十三条）：结转某年度各社区（或指定社区）的专项经费，结余转入下一年度。"

    def add_arguments(self, parser):
        parser.add_argument("year", type=int)
        parser.add_argument("--community", help="社区代码；不填则结转全部社区")

    def handle(self, *args, year: int, community: str | None = None, **options):
        fund_years = FundYear.objects.filter(year=year).select_related("community").order_by("community__code")
        if community:
            fund_years = fund_years.filter(community__code=community)
        if not fund_years:
            raise CommandError(f"没有找到{year}年度的经费年度" + (f"（社区 {community}）" if community else ""))
        failed = []
        for fund_year in fund_years:
            try:
                result = fund_year_close(fund_year=fund_year, by=None)
            except ValidationError as error:
                failed.append(fund_year)
                self.stderr.write(f"{fund_year}：未结转：{'；'.join(error.messages)}")
            else:
                self.stdout.write(result.message)
        if failed:
            raise CommandError(f"{len(failed)} 个社区未能结转")

from fundadmin.jobs import ScheduledCommand
from fundadmin.models import User
from fundadmin.services import permissions_sync


class Command(ScheduledCommand):
    help = "按当天有效的角色任命重算所有用户的对象权限（每日由 cron 运行，使到期和生效的任命及时起作用）。"

    def handle(self, *args, **options):
        count = 0
        for user in User.objects.filter(role_assignments__isnull=False).distinct().iterator():
            permissions_sync(user=user)
            count += 1
        self.stdout.write(f"已同步 {count} 个用户的权限。")

from django.core.management.base import BaseCommand

from debts.services import mediation_check_all


class Command(BaseCommand):
    help = ("检查调解案件的分期履行情况：逾期未履行的标为违约（余额全部到期），履行完毕的标为已履行。"
            "每日由定时任务运行。")

    def handle(self, *args, **options):
        counts = mediation_check_all()
        self.stdout.write(
            f"检查 {counts['checked']} 件，新违约 {counts['defaulted']} 件，履行完毕 {counts['fulfilled']} 件。")

"""Preview (and with --commit, import) an Excel ledger from the command line, with administrator rights."""
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from core.models import Role, User
from ledgers import importer
from ledgers.kinds import KINDS
from ledgers.reading import BadFile, check_file


class Command(BaseCommand):
    help = ("预览 Excel 台账（.xlsx）；加 --commit 时导入（全部成功或全部不写入）。"
            "以系统管理员权限运行，不受管理范围限制。")

    def add_arguments(self, parser):
        parser.add_argument("file", help="台账文件（.xlsx）")
        parser.add_argument("--kind", required=True, choices=sorted(KINDS), help="台账类型")
        parser.add_argument("--commit", action="store_true", help="没有错误时导入；不加则只预览")
        parser.add_argument("--user", help="记入审计日志的导入人账号（默认：第一个系统管理员）")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"找不到文件：{path}")
        user = self._user(options.get("user"))
        rights = importer.Rights.administrator(user)
        try:
            check_file(path)
            sheet = importer.parse(path, options["kind"])
        except BadFile as error:
            raise CommandError(str(error)) from None
        if options["commit"]:
            try:
                outcome = importer.commit(sheet, options["kind"], rights)
            except importer.ImportRefused as refused:
                self._print(refused.outcome)
                raise CommandError(f"有 {refused.outcome.error_count} 处错误，未导入任何数据。") from None
            self._print(outcome)
            self.stdout.write(self.style.SUCCESS("已导入。"))
            return
        outcome = importer.preview(sheet, options["kind"], rights)
        self._print(outcome)
        if not outcome.ok:
            raise CommandError(f"有 {outcome.error_count} 处错误；改正后再导入。")
        self.stdout.write("预览无错误；加 --commit 导入。")

    def _user(self, username):
        if username:
            try:
                return User.objects.get(username=username, is_active=True)
            except User.DoesNotExist:
                raise CommandError(f"没有账号“{username}”。") from None
        user = (User.objects.filter(is_active=True).filter(Q(is_superuser=True) | Q(role=Role.ADMIN))
                .order_by("pk").first())
        if user is None:
            raise CommandError("没有系统管理员账号；请先 createsuperuser，或用 --user 指定导入人。")
        return user

    def _print(self, outcome):
        write = self.stdout.write
        write(f"工作表：{outcome.sheet}，表头在第 {outcome.header_row} 行")
        write(f"读取 {outcome.rows} 行：新建 {outcome.create}，修改 {outcome.update}，不变 {outcome.unchanged}，"
              f"错误 {outcome.error_count}，提示 {outcome.warning_count}")
        for what, actions in sorted(outcome.records.items()):
            write(f"  {what}：" + "，".join(f"{action} {n}" for action, n in actions.items()))
        if outcome.unknown:
            write(f"未识别的列（已跳过）：{'、'.join(outcome.unknown)}")
        for issue in outcome.errors:
            write(str(issue))
        if outcome.error_count > len(outcome.errors):
            write(f"……另有 {outcome.error_count - len(outcome.errors)} 处错误未列出")
        for issue in outcome.warnings:
            write(f"提示：{issue}")

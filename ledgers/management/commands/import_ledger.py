"""Preview (and with --commit, import) a ledger file from the command line, with administrator rights: the file
as a township keeps it (.xlsx, .xls, .et or .csv; every sheet), mapped as the upload page maps it."""
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from core.models import Role, User
from ledgers import confirm, formats, importer
from ledgers.kinds import KINDS
from ledgers.mapping import header_key, remember, saved_mapping, saved_values, targets
from ledgers.reading import BadFile
from ledgers.survey import read_sheets, survey
from places.models import Village


class Command(BaseCommand):
    help = ("预览台账文件（.xlsx、.xls、.et 或 .csv，读取每个工作表）；加 --commit 时导入（全部成功或全部不写入）。"
            "列与栏目的对应按本县已确认的对照和系统推荐；用 --map 修改。以系统管理员权限运行，不受管理范围限制。")

    def add_arguments(self, parser):
        parser.add_argument("file", help="台账文件")
        parser.add_argument("--kind", required=True, choices=sorted(KINDS), help="台账类型")
        parser.add_argument("--map", action="append", default=[], metavar="列=栏目",
                            help="指定某列对应的栏目，列可写表头或列号"
                                 "（如 “承包费=年承包费(元)”、“H=不导入”）；可多次使用")
        parser.add_argument("--code", action="append", default=[], metavar="栏目:值=选项",
                            help="指定代码的对应（如 “合同类型:资产类=资产租赁”）；可多次使用")
        parser.add_argument("--village", help="没有“村”一栏的工作表所属的村（“峪口村”或“峪口镇/峪口村”）")
        parser.add_argument("--commit", action="store_true", help="没有错误时导入；不加则只预览")
        parser.add_argument("--user", help="记入审计日志的导入人账号（默认：第一个系统管理员）")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"找不到文件：{path}")
        kind = options["kind"]
        user = self._user(options.get("user"))
        village = self._village(options.get("village"))
        county = village.township.county if village else (user.county or _only_county())
        try:
            fmt = formats.detect(path, path.name)
            found = survey(path, kind, fmt=fmt, original_name=path.name,
                           saved=saved_mapping(county, kind) if county else {})
        except BadFile as error:
            raise CommandError(str(error)) from None
        surveyed = found.as_json()
        mapping = confirm.proposed(surveyed, user)
        settled = self._override(surveyed, mapping, kind, options["map"])
        mapping["values"] = self._codes(options["code"])
        if village is not None:
            for sheet in mapping["sheets"]:
                sheet["village"] = village.pk
        known = saved_values(county, kind) if county else {}
        self._print_mapping(surveyed, mapping)
        doubts = confirm.doubts(surveyed, mapping, kind, known, settled)
        if doubts:
            for doubt in doubts:
                self.stdout.write(f"待确认：{doubt}")
            raise CommandError(f"有 {len(doubts)} 处栏目对照待确认；请用 --map、--code 或 --village 指明后再运行。")
        villages = {v.pk: v for v in Village.objects.select_related("township")}
        try:
            confirm.checked(surveyed, path, mapping, kind, villages)
            chosen = [(s["name"], {int(i): f for i, f in s["columns"].items() if f},
                       villages.get(int(s["village"])) if s.get("village") else None)
                      for s in mapping["sheets"] if not s.get("skip")]
            sheet = read_sheets(found, chosen, words=confirm.words(mapping, known))
        except ValidationError as error:
            raise CommandError("；".join(error.messages)) from None
        except BadFile as error:
            raise CommandError(str(error)) from None
        rights = importer.Rights.administrator(user)
        if options["commit"]:
            try:
                outcome = importer.commit(sheet, kind, rights)
            except importer.ImportRefused as refused:
                self._print(refused.outcome)
                raise CommandError(f"有 {refused.outcome.error_count} 处错误，未导入任何数据。") from None
            if county is not None and importer.Rights.of(user).may_import(kind):
                remember(county=county, kind=kind, user=user, mapping=confirm.remembered(surveyed, mapping),
                         values=mapping["values"] or None)
            self._print(outcome)
            self.stdout.write(self.style.SUCCESS("已导入。"))
            return
        outcome = importer.preview(sheet, kind, rights)
        self._print(outcome)
        if not outcome.ok:
            raise CommandError(f"有 {outcome.error_count} 处错误；改正后再导入。")
        self.stdout.write("预览无错误；加 --commit 导入。")

    def _override(self, surveyed: dict, mapping: dict, kind: str, maps: list[str]) -> set:
        """Apply each --map to every sheet with that column: the (sheet, index) said."""
        names = set(targets(kind))
        settled = set()
        for item in maps:
            column, sep, field = item.partition("=")
            column, field = column.strip(), field.strip()
            if not sep or not column:
                raise CommandError(f"--map “{item}”应写成“列=栏目”。")
            if field == "不导入":
                field = ""
            if field and field not in names:
                raise CommandError(f"{KINDS[kind].label}台账没有“{field}”一栏（可选：{'、'.join(targets(kind))}）。")
            hit = False
            for sheet, chosen in zip(surveyed["sheets"], mapping["sheets"], strict=True):
                for c in sheet["columns"]:
                    if column.upper() == c["letter"] or column == c["header"] or header_key(column) == c["key"]:
                        chosen["columns"][str(c["index"])] = field
                        settled.add((sheet["name"], c["index"]))
                        hit = True
            if not hit:
                raise CommandError(f"文件中没有“{column}”这一列。")
        return settled

    def _codes(self, codes: list[str]) -> dict:
        values: dict[str, dict[str, str]] = {}
        for item in codes:
            head, sep, name = item.partition("=")
            field, colon, value = head.replace("：", ":").partition(":")
            if not sep or not colon or not field.strip() or not value.strip() or not name.strip():
                raise CommandError(f"--code “{item}”应写成“栏目:值=选项”。")
            values.setdefault(field.strip(), {})[value.strip()] = name.strip()
        return values

    def _village(self, name: str | None):
        if not name:
            return None
        township, _, village = name.rpartition("/")
        found = Village.objects.filter(name=village.strip()).select_related("township__county")
        if township:
            found = found.filter(township__name=township.strip())
        found = list(found[:2])
        if len(found) != 1:
            raise CommandError(f"没有村“{name}”。" if not found else f"“{name}”对应多个村，请写成“乡镇/村”。")
        return found[0]

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

    def _print_mapping(self, surveyed: dict, mapping: dict) -> None:
        write = self.stdout.write
        for sheet, chosen in zip(surveyed["sheets"], mapping["sheets"], strict=True):
            write(f"工作表“{sheet['name']}”：{sheet['rows']:,} 行数据，表头在第 {sheet['header_rows'][0]}"
                  + (f"–{sheet['header_rows'][1]}" if sheet["header_rows"][1] != sheet["header_rows"][0] else "")
                  + " 行")
            for note in sheet.get("notes", []):
                write(f"  {note}")
            for c in sheet["columns"]:
                field = chosen["columns"].get(str(c["index"]), "")
                suggestion = c.get("suggestion") or {}
                sure = f"（{round(100 * suggestion.get('confidence', 0))}%，{suggestion.get('reason', '')}）" \
                    if suggestion.get("column") == field and field else ""
                unit = f" [单位：{c['unit']}，{c['unit_from']}]" if c.get("unit") else ""
                write(f"  {c['letter']} 「{c['header'] or '（无表头）'}」→ {field or '不导入'}{sure}{unit}")
        for name in surveyed.get("hidden_sheets", []):
            write(f"隐藏的工作表“{name}”未读取")
        for name, why in surveyed.get("passed_over", []):
            write(f"工作表“{name}”{why}，未读取")

    def _print(self, outcome):
        write = self.stdout.write
        write(f"读取 {outcome.rows} 行：新建 {outcome.create}，修改 {outcome.update}，不变 {outcome.unchanged}，"
              f"错误 {outcome.error_count}，提示 {outcome.warning_count}")
        for what, actions in sorted(outcome.records.items()):
            write(f"  {what}：" + "，".join(f"{action} {n}" for action, n in actions.items()))
        if outcome.unknown:
            write(f"未导入的列：{'、'.join(outcome.unknown)}")
        for issue in outcome.errors:
            write(str(issue))
        if outcome.error_count > len(outcome.errors):
            write(f"……另有 {outcome.error_count - len(outcome.errors)} 处错误未列出")
        for issue in outcome.warnings:
            write(f"提示：{issue}")


def _only_county():
    from places.models import County

    counties = list(County.objects.all()[:2])
    return counties[0] if len(counties) == 1 else None

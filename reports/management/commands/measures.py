"""Print the measures of DOMAIN.md §11 for a county, a township or a village, as a table or as JSON.

    python manage.py measures --county [方山县] [--from 2026-01-01] [--to 2026-06-30] [--json]
    python manage.py measures --township 峪口镇 --json
    python manage.py measures --village 峪口村            # or 峪口镇/峪口村 where two townships share the name

`--county` without a name means the only county there is. In JSON, amounts (元, and 亩 for
land_recovered_mu and new_resource_mu) are strings with two decimals, rates are numbers between 0 and 1 with four
decimals, and a rate with nothing to divide by is null. cleared_undated and debt_resolved_undated (清查前已收回 /
已化解, amounts a ledger gave without their day) are inside cleared and debt_resolved only without --from.
"""
import json
from datetime import date
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from places.models import County, Province, Township, Village
from reports.measures import COUNT_KEYS, MEASURE_KEYS, RATE_KEYS, Period, Place, measures_for

LABELS = {
    "expected_contracts": "应有合同数", "contracts": "已查找合同", "found_rate": "合同查找率",
    "area_checked_rate": "面积核对率", "investigated_rate": "调查完成率", "problem_contracts": "问题合同",
    "standardised_contracts": "已规范问题合同", "standardised_rate": "清理规范率", "claims_principal": "债权总额(元)",
    "sealed_principal": "打包封存(元)", "claims_in_scope": "应清收(元)", "cleared": "已清收(元)",
    "cash_collected": "现金清收(元)", "cleared_undated": "清查前已收回（日期不详）(元)", "clearing_rate": "清收率",
    "debt_principal": "债务本金(元)", "debt_resolved": "已化解(元)",
    "debt_resolved_undated": "清查前已化解（日期不详）(元)", "debt_resolved_rate": "化解率",
    "land_recovered_mu": "收回土地(亩)", "new_resource_mu": "新增资源(亩)", "letters_issued": "发出函件",
    "letters_served": "已送达函件",
    "letters_confirmed": "已确认函件", "collected_after_letter": "发函后清收(元)", "new_income": "新增收入(元)",
}


def json_text(measures: dict) -> str:
    """The measures as a JSON object, with rates written with exactly four decimals."""
    lines = []
    for key in MEASURE_KEYS:
        value = measures[key]
        if value is None:
            text = "null"
        elif key in RATE_KEYS:
            text = f"{value:.4f}"
        elif key in COUNT_KEYS:
            text = str(int(value))
        else:
            text = json.dumps(f"{Decimal(value):.2f}")
        lines.append(f"  {json.dumps(key)}: {text}")
    return "{\n" + ",\n".join(lines) + "\n}"


def _date(text: str | None, option: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{option} 的日期“{text}”无法识别，请写成 2026-03-01 的形式。") from None


class Command(BaseCommand):
    help = "输出一个省、县、乡镇或村的清化收各项指标（可指定统计期间，可输出 JSON）。"

    def add_arguments(self, parser):
        where = parser.add_mutually_exclusive_group(required=True)
        where.add_argument("--province", nargs="?", const="", metavar="省名", help="省（只有一个省时可省略省名）")
        where.add_argument("--county", nargs="?", const="", metavar="县名", help="县（只有一个县时可省略县名）")
        where.add_argument("--township", metavar="乡镇名", help="乡镇")
        where.add_argument("--village", metavar="村名", help="村；重名时写作“乡镇/村”")
        parser.add_argument("--from", dest="start", metavar="YYYY-MM-DD", help="统计期间起始日期")
        parser.add_argument("--to", dest="end", metavar="YYYY-MM-DD", help="统计期间截至日期")
        parser.add_argument("--json", action="store_true", help="以 JSON 输出")

    def handle(self, *args, **options):
        start, end = _date(options["start"], "--from"), _date(options["end"], "--to")
        if start and end and start > end:
            raise CommandError("--from 不能晚于 --to。")
        if end and end > timezone.localdate():
            raise CommandError("--to 不能晚于今天。")
        place = self.place(options)
        measures = measures_for(place, Period(start, end)).as_dict()
        if options["json"]:
            self.stdout.write(json_text(measures))
            return
        self.stdout.write(f"{place.name}（{Period(start, end).label}）")
        for key in MEASURE_KEYS:
            value = measures[key]
            if value is None:
                shown = "—（无分母）"
            elif key in RATE_KEYS:
                shown = f"{value * 100:.2f}%"
            elif key in COUNT_KEYS:
                shown = f"{value:,}"
            else:
                shown = f"{value:,.2f}"
            self.stdout.write(f"  {LABELS[key]}：{shown}")

    def place(self, options) -> Place:
        if options["province"] is not None:
            name = options["province"].strip()
            provinces = Province.objects.filter(name=name) if name else Province.objects.all()
            return Place.of(self._one(provinces, f"省“{name}”" if name else "省",
                                      "系统中有多个省，请写明省名（--province 省名）。"))
        if options["county"] is not None:
            name = options["county"].strip()
            counties = County.objects.filter(name=name) if name else County.objects.all()
            return Place.of(self._one(counties, f"县“{name}”" if name else "县",
                                      "系统中有多个县，请写明县名（--county 县名）。"))
        if options["township"] is not None:
            name = options["township"].strip()
            townships = Township.objects.filter(name=name).select_related("county")
            return Place.of(self._one(townships, f"乡镇“{name}”",
                                      f"有多个县都有“{name}”：" + "、".join(f"{t.county.name}{t.name}"
                                                                     for t in townships) + "。请改用 --county。"))
        text = options["village"].strip()
        township_name, _, village_name = text.rpartition("/")
        villages = Village.objects.filter(name=village_name).select_related("township__county").order_by("township__id")
        if township_name:
            villages = villages.filter(township__name=township_name)
        return Place.of(self._one(villages, f"村“{text}”",
                                  f"有多个乡镇都有“{village_name}”：" + "、".join(f"{v.township.name}/{v.name}"
                                                                         for v in villages)
                                  + "。请写作“乡镇/村”。"))

    def _one(self, queryset, what: str, ambiguous: str):
        found = list(queryset[:10])
        if not found:
            raise CommandError(f"找不到{what}。")
        if len(found) > 1:
            raise CommandError(ambiguous)
        return found[0]

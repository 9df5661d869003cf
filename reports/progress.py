"""The progress report (清化收工作进展情况) of a county or a township, as a PDF and an Excel workbook,
built by a background job.

`report_context` reads everything the report shows — the measures, the table of townships (or
villages), the ranking, the charts as tables, the key cases and the key villages — in a fixed number
of queries; `render_report_pdf` and `render_report_xlsx` are pure renderers of that context.
"""
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.utils import timezone

from contracts.models import Disposition, DispositionKind
from core.jobs import JobError, job_add_file, job_create, job_runner
from core.models import Job
from core.money import format_area, format_yuan
from core.pdf import document_date, render_pdf
from core.permissions import CLAIM_MANAGE
from core.xlsx import Column, Sheet, build_workbook
from debts.models import Claim
from debts.selectors import open_claims, with_balances

from .measures import Measures, Period, Place, measures_by, monthly_progress
from .models import Level, RiskClass
from .ranking import rank
from .risk import county_of, report_settings_for, village_risks
from .selectors import counties_for, townships_for

JOB_KIND = "progress_report"
TEMPLATE = "reports/pdf/progress.html"
KEY_CLAIMS = 10
MONTHS_SHOWN = 12

# (key, label, kind) — kind: "count", "rate", "money", "area"
MEASURE_ROWS = [
    ("expected_contracts", "应有合同数（份）", "count"),
    ("contracts", "已查找合同（份）", "count"),
    ("found_rate", "合同查找率", "rate"),
    ("area_checked_rate", "面积核对率", "rate"),
    ("investigated_rate", "调查完成率", "rate"),
    ("problem_contracts", "问题合同（份）", "count"),
    ("standardised_contracts", "已规范问题合同（份）", "count"),
    ("standardised_rate", "清理规范率", "rate"),
    ("claims_principal", "债权总额（元）", "money"),
    ("sealed_principal", "打包封存（元）", "money"),
    ("claims_in_scope", "应清收（元）", "money"),
    ("cleared", "已清收（元）", "money"),
    ("cash_collected", "其中现金清收（元）", "money"),
    ("cleared_undated", "清查前已收回（日期不详）（元）", "money"),
    ("clearing_rate", "清收率", "rate"),
    ("debt_principal", "债务本金（元）", "money"),
    ("debt_resolved", "已化解债务（元）", "money"),
    ("debt_resolved_undated", "清查前已化解（日期不详）（元）", "money"),
    ("debt_resolved_rate", "化解率", "rate"),
    ("land_recovered_mu", "收回土地（亩）", "area"),
    ("new_resource_mu", "新增资源（亩）", "area"),
    ("letters_issued", "发出函件（份）", "count"),
    ("letters_served", "已送达函件（份）", "count"),
    ("letters_confirmed", "已确认函件（份）", "count"),
    ("collected_after_letter", "发函后清收（元）", "money"),
    ("new_income", "新增收入（元）", "money"),
]
TABLE_COLUMNS = ["contracts", "found_rate", "investigated_rate", "problem_contracts", "standardised_rate",
                 "claims_in_scope", "cleared", "cleared_undated", "clearing_rate", "debt_resolved_rate",
                 "land_recovered_mu", "new_income"]
LABELS = {key: label for key, label, _ in MEASURE_ROWS}
RATE_KEYS_ORDER = ("found_rate", "area_checked_rate", "investigated_rate", "standardised_rate", "clearing_rate",
                   "debt_resolved_rate")
KINDS = {key: kind for key, _, kind in MEASURE_ROWS}


def shown(value, kind: str) -> str:
    if kind == "rate":
        return "—" if value is None else f"{value * 100:.2f}%"
    if kind == "money":
        return format_yuan(value)
    if kind == "area":
        return format_area(value)
    return f"{value:,}"


# --- Which places a user may report on, and the job ---------------------------------------------------


def scope_choices(user) -> list[tuple[str, str]]:
    choices = [(f"county:{c.pk}", f"{c.name}（全县）") for c in counties_for(user).order_by("name")]
    choices += [(f"township:{t.pk}", f"{t.county.name}{t.name}" if user.scope_level in ("all", "province")
                 else t.name)
                for t in townships_for(user).order_by("county__name", "sort_key", "name")]
    return choices


def place_of(user, scope: str) -> Place:
    level, _, pk = scope.partition(":")
    if level == "county" and pk.isdigit():
        county = counties_for(user).filter(pk=int(pk)).first()
        if county:
            return Place.of(county)
    if level == "township" and pk.isdigit():
        township = townships_for(user).filter(pk=int(pk)).first()
        if township:
            return Place.of(township)
    raise PermissionDenied("报告范围不在您的管理范围内。")


def progress_job_create(*, user, scope: str, start: date | None, end: date | None, enqueue: bool = True) -> Job:
    place = place_of(user, scope)
    if start and end and start > end:
        raise ValidationError("起始日期不能晚于截至日期。")
    period = Period(start, end)
    return job_create(user=user, kind=JOB_KIND, title=f"{place.name}清化收工作进展报告（{period.label}）",
                      params={"scope": scope, "start": start.isoformat() if start else "",
                              "end": end.isoformat() if end else ""}, enqueue=enqueue)


@job_runner(JOB_KIND, restart_permission=CLAIM_MANAGE)
def run_progress_job(job: Job, report) -> dict:
    """The runner: compute, then render the PDF and the workbook, each stored on the job."""
    params = job.params
    try:
        place = place_of(job.created_by, params["scope"])
    except PermissionDenied:
        raise JobError("报告范围已不在发起人的管理范围内。") from None
    period = Period(date.fromisoformat(params["start"]) if params.get("start") else None,
                    date.fromisoformat(params["end"]) if params.get("end") else None)
    report(0, 3, "统计各项指标")
    context = report_context(place, period)
    report(1, 3, "生成 PDF 报告")
    stem = f"{place.name}清化收工作进展报告"
    job_add_file(job, f"{stem}.pdf", render_report_pdf(context))
    report(2, 3, "生成 Excel 报表")
    job_add_file(job, f"{stem}.xlsx", render_report_xlsx(context))
    report(3, 3, "完成")
    return {"children": len(context["children"]), "key_cases": len(context["cases"])}


# --- What the report shows ---------------------------------------------------------------------------


def _bar(value, largest) -> int:
    """A bar's width in percent of the widest."""
    if not largest or not value or value <= 0:
        return 0
    return max(1, int(Decimal(value) * 100 / Decimal(largest)))


def report_context(place: Place, period: Period) -> dict:
    breakdown = measures_by(place, period, charts=True)
    total: Measures = breakdown.total
    series = breakdown.charts
    settings = report_settings_for(county_of(place))
    ranking = rank(breakdown.children, settings) if place.level == "county" else []

    problems = series["problems"]
    most = max((p["count"] for p in problems), default=0)
    steps = series["steps"]
    biggest = max((s["amount"] for s in steps), default=0)
    progress = monthly_progress(place, period)[-MONTHS_SHOWN:]
    dispositions = series["dispositions"]

    cases = list(Disposition.objects.filter(place.villages("contract__village"),
                                            kind__in=[DispositionKind.COURT, DispositionKind.ESCALATE])
                 .select_related("contract__village__township", "contract__counterparty")
                 .order_by("contract__village__township__sort_key", "contract__village__sort_key", "contract__number"))
    claims = list(open_claims(with_balances(Claim.objects.filter(place.villages())
                                            .select_related("village__township", "debtor")))
                  .order_by(F("balance").desc(), "pk")[:KEY_CLAIMS])
    risks = [r for r in village_risks(place, settings) if r.on_list]
    return {
        "title": f"{place.name}清化收工作进展情况",
        "place": place,
        "period": period,
        "generated": document_date(timezone.localdate()),
        "child_label": {"township": "乡镇", "village": "村", "county": "县"}[place.child_level],
        "measures": [{"label": label, "value": shown(getattr(total, key), kind)} for key, label, kind in MEASURE_ROWS],
        # Three figures a line, the last line filled out with empty cells.
        "measure_lines": [([{"label": label, "value": shown(getattr(total, key), kind)}
                            for key, label, kind in MEASURE_ROWS[i:i + 3]] + [None, None])[:3]
                          for i in range(0, len(MEASURE_ROWS), 3)],
        "columns": [LABELS[key] for key in TABLE_COLUMNS],
        "children": [{"name": c.name, "cells": [shown(getattr(c.measures, key), KINDS[key]) for key in TABLE_COLUMNS],
                      "measures": c.measures} for c in breakdown.children],
        "total_cells": [shown(getattr(total, key), KINDS[key]) for key in TABLE_COLUMNS],
        "total": total,
        "ranking": ranking,
        "problems": [{**p, "bar": _bar(p["count"], most)} for p in problems],
        "dispositions": dispositions,
        "steps": [{**s, "shown": format_yuan(s["amount"]), "bar": _bar(s["amount"], biggest)} for s in steps],
        "progress": progress,
        "cases": cases,
        "claims": claims,
        "risks": risks,
        "levels": Level,
    }


def render_report_pdf(context: dict) -> bytes:
    return render_pdf(TEMPLATE, context)


def render_report_xlsx(context: dict) -> bytes:
    place, period = context["place"], context["period"]
    subtitle = f"{place.name} · {period.label} · 生成于 {context['generated']}"
    sheets = [Sheet(f"{context['title']} · 指标汇总", [Column("指标", 26), Column("数值", 20)],
                    [[label, getattr(context["total"], key)] for key, label, _ in MEASURE_ROWS],
                    subtitle=subtitle, total_label=None, name="指标汇总")]
    child = context["child_label"]
    columns = [Column(child, 14)] + [Column(LABELS[key], 14, money=KINDS[key] in ("money", "area"),
                                            percent=KINDS[key] == "rate") for key in TABLE_COLUMNS]
    rows = [[c["name"]] + [getattr(c["measures"], key) for key in TABLE_COLUMNS] for c in context["children"]]
    sheets.append(Sheet(f"分{child}指标", columns, rows, subtitle=subtitle, name=f"分{child}指标"))
    if context["ranking"]:
        sheets.append(Sheet("乡镇红黑榜", [Column("名次", 8), Column("乡镇", 14), Column("得分", 10),
                                      Column("榜单", 10)]
                            + [Column(LABELS[key], 12, percent=True) for key in RATE_KEYS_ORDER],
                            [[r.rank, r.name, r.score, r.mark] + [getattr(r.measures, key) for key in RATE_KEYS_ORDER]
                             for r in context["ranking"]], subtitle=subtitle, total_label=None, name="红黑榜"))
    sheets.append(Sheet("问题合同分布", [Column("问题", 28), Column("份数", 10)],
                        [[p["label"], p["count"]] for p in context["problems"]], subtitle=subtitle,
                        total_label=None, name="问题分布"))
    sheets.append(Sheet("处置情况", [Column("处置方式", 14), Column("已确定", 10), Column("已办结", 10)],
                        [[d["kind"], d["chosen"], d["completed"]] for d in context["dispositions"]],
                        subtitle=subtitle, total_label=None, name="处置情况"))
    sheets.append(Sheet("清收环节", [Column("清收方式", 16), Column("金额(元)", 16, money=True)],
                        [[s["kind"], s["amount"]] for s in context["steps"]], subtitle=subtitle, name="清收环节"))
    sheets.append(Sheet("月度进展（累计）", [Column("月份", 10), Column("已查找", 10), Column("已认定", 10),
                                        Column("已规范", 10), Column("已清收(元)", 16, money=True),
                                        Column("其中现金(元)", 16, money=True), Column("当月清收(元)", 16, money=True),
                                        Column("清查前已收回（日期不详）(元)", 20, money=True)],
                        [[p["month"], p["found"], p["determined"], p["standardised"], p["cleared"], p["cash"],
                          p["cleared_in_month"], p["undated"]] for p in context["progress"]],
                        subtitle=subtitle, total_label=None, name="月度进展"))
    sheets.append(Sheet("重点案件", [Column("乡镇", 10), Column("村", 10), Column("合同编号", 18),
                                   Column("处置方式", 10),
                                   Column("县级审批", 10), Column("办理情况", 30)],
                        [[d.contract.village.township.name, d.contract.village.name, d.contract.number, d.kind,
                          d.approval, "已办结" if d.completed_at else "办理中"] for d in context["cases"]],
                        subtitle=subtitle, total_label=None, name="重点案件"))
    sheets.append(Sheet("未清收大额债权", [Column("乡镇", 10), Column("村", 10), Column("债权编号", 18),
                                      Column("债务人", 14), Column("形成原因", 12), Column("余额(元)", 16, money=True)],
                        [[c.village.township.name, c.village.name, c.number, c.debtor.name, c.origin, c.balance]
                         for c in context["claims"]], subtitle=subtitle, name="大额债权"))
    sheets.append(Sheet("重点村", [Column("乡镇", 10), Column("村", 10)]
                        + [Column(label, 16) for _, label in RiskClass.choices],
                        [[r.village.township.name, r.village.name] + [f"{c.level} {c.figures}" for c in r.classes]
                         for r in context["risks"]], subtitle=subtitle, total_label=None, name="重点村"))
    return build_workbook(sheets)



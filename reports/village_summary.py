"""The village summary (一村一表): one village's campaign on one printed A4 page, for meetings and files.

Its contracts by stage and the problems found and fixed, its claims and debts (原欠, 已收回, 余额) with this
year's collection, its letters, and its risk classes — each figure the one its dashboard shows, read through
the same selectors and measures (reports.selectors, reports.measures, reports.risk); nothing is counted
again here. `village_summary_context` reads (a fixed number of queries); `render_village_summary` is a pure
renderer of the context.
"""
from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone

from contracts.models import ProblemCode
from core.money import ZERO, format_area, format_yuan
from core.pdf import render_pdf
from places.models import Village

from . import selectors
from .measures import Period, Place, measures_for, problem_counts
from .progress import shown
from .risk import village_risks

TEMPLATE = "reports/pdf/village_summary.html"


def _money(value) -> str:
    return format_yuan(value or ZERO)


def village_summary_context(user, village: Village, *, now: datetime | None = None) -> dict:
    """What the summary prints of `village` (fetched through the user's scope), as at `now`."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    place = Place.of(village)
    this_year = Period(date(today.year, 1, 1), today)
    total = measures_for(place)
    year = measures_for(place, this_year)
    risk = village_risks(place)[0]

    states = selectors.contract_states(village)
    labels = dict(ProblemCode.choices)
    problems = [{"label": labels[code], "count": n} for code, n in problem_counts(place, Period()).items() if n]

    claim_rows = selectors.claims_by_origin(village)
    claims = [{"origin": row["origin"], "sealed": row["sealed"], "n": row["n"],
               "principal": _money(row["principal_sum"]), "cleared": _money(row["cleared_sum"]),
               "balance": _money(row["balance_sum"])} for row in claim_rows]
    claim_total = {key: sum((row[f"{key}_sum"] or ZERO for row in claim_rows), Decimal(0))
                   for key in ("principal", "cleared", "balance")}
    debt_rows = selectors.debts_by_origin(user, village)
    debts = [{"origin": row["origin"], "n": row["n"], "principal": _money(row["principal_sum"]),
              "interest": _money(row["interest_sum"]), "resolved": _money(row["resolved_sum"]),
              "balance": _money(row["balance_sum"])} for row in debt_rows]
    debt_total = {key: sum((row[f"{key}_sum"] or ZERO for row in debt_rows), Decimal(0))
                  for key in ("principal", "interest", "resolved", "balance")}

    local = timezone.localtime(now)
    return {
        "title": f"{village.full_name}清化收工作一村一表",
        "village": village,
        "printed_at": f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}",
        "printed_by": str(user),
        "year": today.year,
        "facts": [
            ("集体经济组织", village.signing_org),
            ("户数", f"{village.households:,}" if village.households is not None else "—"),
            ("人口", f"{village.population:,}" if village.population is not None else "—"),
            ("耕地（亩）", format_area(village.arable_area_mu) or "—"),
            ("林地（亩）", format_area(village.forest_area_mu) or "—"),
            ("应有合同数", f"{village.expected_contracts:,}"),
        ],
        "states": states,
        "contracts": sum(n for _, n in states),
        "rates": [("合同查找率", shown(total.found_rate, "rate")),
                  ("面积核对率", shown(total.area_checked_rate, "rate")),
                  ("调查完成率", shown(total.investigated_rate, "rate")),
                  ("清理规范率", shown(total.standardised_rate, "rate"))],
        "problem_contracts": total.problem_contracts,
        "standardised_contracts": total.standardised_contracts,
        "problems": problems,
        "claims": claims,
        "claim_total": {key: _money(value) for key, value in claim_total.items()},
        "claim_count": sum(row["n"] for row in claim_rows),
        "sealed": _money(total.sealed_principal),
        "claims_in_scope": _money(total.claims_in_scope),
        "clearing_rate": shown(total.clearing_rate, "rate"),
        "cleared_this_year": _money(year.cleared),
        "cash_this_year": _money(year.cash_collected),
        "debts": debts,
        "debt_total": {key: _money(value) for key, value in debt_total.items()},
        "debt_count": sum(row["n"] for row in debt_rows),
        "debt_resolved_rate": shown(total.debt_resolved_rate, "rate"),
        "debt_resolved_this_year": _money(year.debt_resolved),
        "letters": [("发出", total.letters_issued, year.letters_issued),
                    ("已送达", total.letters_served, year.letters_served),
                    ("已确认", total.letters_confirmed, year.letters_confirmed)],
        "collected_after_letter": _money(total.collected_after_letter),
        "land_recovered": format_area(total.land_recovered_mu),
        "new_resource": format_area(total.new_resource_mu),
        "new_income_this_year": _money(year.new_income),
        "risk": risk,
        "seal_org": village.signing_org,
    }


def render_village_summary(context: dict) -> bytes:
    return render_pdf(TEMPLATE, context)


def village_summary_filename(context: dict, now: datetime | None = None) -> str:
    local = timezone.localtime(now or timezone.now())
    return f"{context['village'].full_name}一村一表-{local:%Y%m%d}.pdf"

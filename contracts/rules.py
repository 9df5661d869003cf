"""The problem rules P01–P11 (DOMAIN.md §6).

Each rule reads a contract's data and, when it fires, says why in words a
cadre can check ("年承包费每亩 45.00 元，低于机动地下限 300 元"). Rules only
propose; people confirm or dismiss. They are pure: the caller loads the
contract with its parcels, schedule, attachments, resolution and party.
"""
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal

# add_years and add_months are imported from here by debts and the fixtures; they live in core.bounds, which
# clamps instead of overflowing on dates stored before the bounds.
from core.bounds import add_days, add_months, add_years  # noqa: F401
from core.money import format_area, format_yuan

from .models import Attachment, ContractForm, RuleSettings, Signer


@dataclass(frozen=True)
class Proposal:
    code: str
    reason: str


def _term_end(contract) -> date | None:
    """The day after the last day of the term: a contract "2020-01-01至2034-12-31" includes its end day, so
    its term is fifteen whole years (民法典 §201–§203: the end day is the last day of the period)."""
    return add_days(contract.end_date, 1) if contract.end_date else None


def _term_longer_than(contract, years: int) -> bool:
    start, end = contract.start_date, _term_end(contract)
    return bool(start and end and end > add_years(start, years))


def _term_at_least(contract, years: int) -> bool:
    start, end = contract.start_date, _term_end(contract)
    return bool(start and end and end >= add_years(start, years))


def _parcel_kinds(contract) -> set[str]:
    return {parcel.kind for parcel in contract.parcels.all()}


def p01_not_written(contract, rules: RuleSettings, today: date):
    if contract.form in (ContractForm.ORAL, ContractForm.RECEIPT, ContractForm.NONE):
        return f"签订形式为“{contract.form}”，没有书面合同"
    long_lease = (contract.start_date is None or contract.end_date is None
                  or _term_end(contract) > add_months(contract.start_date, rules.written_required_months))
    has_text = any(a.kind == Attachment.Kind.TEXT for a in contract.attachments.all())
    if long_lease and not has_text:
        return f"租期超过 {rules.written_required_months} 个月，未留存合同文本"
    return None


def p02_no_procedure(contract, rules, today):
    if contract.resolution is None:
        return "未关联民主决策记录"
    if contract.resolution.details_pending:
        return "台账记载已履行民主程序，决议详情（日期、到会和表决人数）尚待补录核实"
    if not contract.resolution.passed:
        return f"关联的决议（{contract.resolution.date_label}）未获通过"
    if missing := contract.resolution.missing_steps:
        return f"关联的决议（{contract.resolution.date_label}）缺少{'、'.join(missing)}，“四议”程序不全"
    return None


def p03_price_too_low(contract, rules, today):
    if contract.annual_fee is None:
        return None
    floors = {"机动地": rules.reserve_land_floor, "四荒地": rules.wasteland_floor}
    parcels = list(contract.parcels.all())
    kinds = {parcel.kind for parcel in parcels}
    if len(kinds) > 1 and kinds & floors.keys():
        # Land of several kinds under one fee: the fee must cover each kind's floor on that kind's area; one
        # per-亩 figure blended across kinds would flag a fair price (机动地 at 400 with 四荒地 at 110).
        parts = [(kind, sum((p.ledger_area_mu for p in parcels if p.kind == kind), Decimal("0")))
                 for kind in sorted(kinds & floors.keys())]
        least = sum((area * floors[kind] for kind, area in parts), Decimal("0"))
        if contract.annual_fee < least:
            shown = "、".join(f"{kind} {format_area(area)} 亩 × {format_yuan(floors[kind])} 元" for kind, area in parts)
            return (f"年承包费 {format_yuan(contract.annual_fee)} 元，低于按地类下限计算的 "
                    f"{format_yuan(least.quantize(Decimal('0.01')))} 元（{shown}）")
        return None
    if not contract.area_mu:
        return None
    # Compared unrounded: 2,999.99 元 for 10 亩 is below a 300 元 floor, though it rounds to 300.00.
    per_mu = contract.annual_fee / contract.area_mu
    for kind in sorted(kinds & floors.keys()):
        if per_mu < floors[kind]:
            shown = per_mu.quantize(Decimal("0.01"), rounding=ROUND_DOWN)
            return f"年承包费每亩 {format_yuan(shown)} 元，低于{kind}下限 {format_yuan(floors[kind])} 元"
    return None


def p04_term_too_long(contract, rules, today):
    kinds = _parcel_kinds(contract)
    if kinds and kinds <= {"林地"}:
        limit, what = rules.forest_max_term_years, "林地"
    elif kinds and kinds <= {"四荒地", "林地"}:
        limit, what = rules.wasteland_max_term_years, "四荒地"
    else:
        limit, what = rules.max_term_years, "一般"
    if _term_longer_than(contract, limit):
        return (f"承包期 {contract.start_date:%Y-%m-%d} 至 {contract.end_date:%Y-%m-%d}，"
                f"超过{what}承包期上限 {limit} 年")
    return None


def _unpaid(instalment) -> Decimal:
    # Arrears handed over to a claim stay arrears of the contract until the claim clears them.
    cleared = instalment.cleared_on_claim if instalment.claimed_on else Decimal("0")
    return instalment.amount - instalment.paid_amount - cleared


def p05_arrears(contract, rules, today):
    overdue = [i for i in contract.instalments.all() if i.due_date < today and _unpaid(i) > 0]
    if not overdue:
        return None
    total = sum((_unpaid(i) for i in overdue), Decimal("0"))
    return f"{len(overdue)} 期应付款逾期未付，合计 {format_yuan(total)} 元（最早 {overdue[0].due_date:%Y-%m-%d} 到期）"


def p06_no_price_review(contract, rules, today):
    if _term_at_least(contract, rules.price_review_term_years) and not contract.has_price_review:
        return f"承包期达 {rules.price_review_term_years} 年以上，合同无调价条款"
    return None


def p07_expired_but_occupied(contract, rules, today):
    if not contract.is_expired(today):
        return None
    occupied = [p.code for p in contract.parcels.all() if p.state == "被占用"]
    if contract.occupied_after_expiry or occupied:
        where = f"（地块 {'、'.join(occupied)} 被占用）" if occupied else ""
        return f"合同已于 {contract.end_date:%Y-%m-%d} 到期，标的仍被使用{where}"
    return None


def p08_area_mismatch(contract, rules, today):
    parcels = list(contract.parcels.all())
    if not contract.area_mu or not parcels or any(p.measured_area_mu is None for p in parcels):
        return None
    measured = sum((p.measured_area_mu for p in parcels), Decimal("0"))
    share = (measured - contract.area_mu) / contract.area_mu
    if abs(share) > rules.area_tolerance:
        return (f"合同面积 {format_area(contract.area_mu)} 亩，实测 {format_area(measured)} 亩，"
                f"相差 {abs(share) * 100:.1f}%（允许 {rules.area_tolerance * 100:.1f}%）")
    return None


def p09_wrong_signer(contract, rules, today):
    if contract.signer in (Signer.COMMITTEE, Signer.BRANCH, Signer.PERSON) and not contract.signer_authorised:
        return f"由{contract.get_signer_display()}签订，未经集体经济组织授权或追认"
    return None


def p10_missing_terms(contract, rules, today):
    missing = []
    if contract.annual_fee is None and contract.total_amount is None:
        missing.append("承包费")
    if contract.start_date is None or contract.end_date is None:
        missing.append("起止日期")
    if not contract.parcels.all() and not contract.assets.all() and not contract.subject_note:
        missing.append("标的")
    return f"合同缺少{'、'.join(missing)}" if missing else None


def p11_outsider(contract, rules, today):
    if contract.counterparty.is_member:
        return None
    voted = contract.resolution is not None and contract.resolution.passed and contract.resolution.two_thirds_in_favour
    if voted and contract.outsider_township_approved:
        return None
    checks = (("全体成员（代表）2/3 以上同意", voted), ("乡镇批准", contract.outsider_township_approved))
    lacking = [what for what, ok in checks if not ok]
    return f"承包方不是本集体经济组织成员，缺少{'和'.join(lacking)}"


RULES = {
    "P01": p01_not_written, "P02": p02_no_procedure, "P03": p03_price_too_low, "P04": p04_term_too_long,
    "P05": p05_arrears, "P06": p06_no_price_review, "P07": p07_expired_but_occupied, "P08": p08_area_mismatch,
    "P09": p09_wrong_signer, "P10": p10_missing_terms, "P11": p11_outsider,
}


# --- Rules that cannot run ------------------------------------------------------------
# A rule that lacks the fact it compares stays silent, and silence reads as "no problem": these say which
# rules could not run on the contract as it is, and what it lacks, so that nobody takes the silence for a
# check (a contract with no area was never checked for its price per 亩).

NO_AREA = "合同未填面积"
NO_FEE = "合同未填年承包费"


def p03_needs(contract, rules: RuleSettings) -> str | None:
    floors = {"机动地", "四荒地"}
    kinds = _parcel_kinds(contract)
    if not kinds & floors:
        return None
    if contract.annual_fee is None:
        return NO_FEE
    # Land of several kinds is held to each kind's floor on the parcels' own areas: no contract area needed.
    if len(kinds) == 1 and not contract.area_mu:
        return NO_AREA
    return None


def p08_needs(contract, rules: RuleSettings) -> str | None:
    return NO_AREA if contract.parcels.all() and not contract.area_mu else None


def term_needs(contract, rules: RuleSettings) -> str | None:
    missing = [what for what, value in (("起始", contract.start_date), ("终止", contract.end_date)) if value is None]
    if not missing:
        return None
    return "合同未填起止日期" if len(missing) == 2 else f"合同未填{missing[0]}日期"


NEEDS = {"P03": p03_needs, "P04": term_needs, "P06": term_needs, "P08": p08_needs}


def not_run(contract, rules: RuleSettings) -> list[str]:
    """One line per missing fact, naming the rules it kept from running: `P03、P08 未检查：合同未填面积`."""
    lacking: dict[str, list[str]] = {}
    for code, needs in NEEDS.items():
        if reason := needs(contract, rules):
            lacking.setdefault(reason, []).append(code)
    return [f"{'、'.join(codes)} 未检查：{reason}" for reason, codes in lacking.items()]


def evaluate(contract, rules: RuleSettings, today: date) -> list[Proposal]:
    proposals = []
    for code, rule in RULES.items():
        reason = rule(contract, rules, today)
        if reason:
            proposals.append(Proposal(code, reason))
    return proposals

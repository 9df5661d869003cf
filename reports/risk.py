"""Village risk classes (重点村分类管理, DOMAIN.md §12): each village green, yellow or red in each class,
with the figures behind it, against the thresholds the county sets.

- 集体经济风险村: debt balance ÷ the collective's annual income, the debts of the tax era (arisen before
  the county's cut-off, 2006-01-01 by default) apart from the others, and the arrears share (what is still
  to collect ÷ 应清收);
- 空壳村: annual income below the thresholds (50,000 元 by default for red);
- 矛盾纠纷突出村: disputed letters not yet settled, mediation cases not yet fulfilled;
- 廉政风险村: write-offs, waivers and offsets, and 账务调整 / 资产抵债 above the county's limit, without a
  valid resolution (none, not passed, passed only after the entry, or not naming their claim or debt),
  and problem contracts whose counterparty is flagged as a cadre's relative.

The annual income of a village is the annual fees of its contracts in force today plus the income
recorded by hand in the last twelve months. A level is reached at its threshold (≥; for income, below
it). A class's level is the worst of its indicators.

A township's own body (镇本级) is not a village collective: it is measured like one but not classed.

A fixed number of queries for any number of villages.
"""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils import timezone

from contracts.models import Contract, ContractState, DispositionKind, ResolutionSubject
from core.domain import adjustment_limit
from core.money import ZERO, format_yuan, money_sum
from debts.models import (
    NEEDS_RESOLUTION,
    NEEDS_RESOLUTION_ABOVE_LIMIT,
    Debt,
    DebtEntryKind,
    DisputeTask,
    Entry,
    MediationCase,
    ResolutionCover,
)
from places.models import County, Village

from .measures import DETERMINED_OR_LATER, Period, Place, _grouped, measures_by, rate
from .models import IncomeRecord, Level, ReportSettings, RiskCase, RiskClass

ORDER = {Level.GREEN: 0, Level.YELLOW: 1, Level.RED: 2}


def report_settings_for(county: County | None) -> ReportSettings:
    """The county's settings, or the defaults (unsaved) until the county office saves its own."""
    if county is None:
        return ReportSettings()
    return ReportSettings.objects.filter(county=county).first() or ReportSettings(county=county)


def level_of(value, yellow, red, higher_is_worse: bool = True) -> str:
    if value is None:
        return Level.GREEN
    if higher_is_worse:
        return Level.RED if value >= red else Level.YELLOW if value >= yellow else Level.GREEN
    return Level.RED if value < red else Level.YELLOW if value < yellow else Level.GREEN


def worst(levels) -> str:
    return max(levels, key=ORDER.__getitem__, default=Level.GREEN)


@dataclass
class Indicator:
    label: str
    shown: str          # the figure as printed
    level: str
    rule: str           # the thresholds, as printed


@dataclass
class ClassLevel:
    risk_class: str
    label: str
    level: str
    indicators: list[Indicator]

    @property
    def figures(self) -> str:
        return "；".join(f"{i.label} {i.shown}" for i in self.indicators)


@dataclass
class VillageRisk:
    village: Village
    classes: list[ClassLevel]
    open_cases: dict = field(default_factory=dict)     # risk class → RiskCase id

    @property
    def level(self) -> str:
        return worst(c.level for c in self.classes)

    @property
    def on_list(self) -> bool:
        """Flagged now, or under a plan not yet closed by a review."""
        return self.level != Level.GREEN or bool(self.open_cases)

    def of(self, risk_class: str) -> ClassLevel:
        return next(c for c in self.classes if c.risk_class == risk_class)


def _share(value: Decimal | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _ratio(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def village_risks(place: Place, settings: ReportSettings | None = None, *,
                  today: date | None = None) -> list[VillageRisk]:
    """Every village of `place` (not the townships' own bodies), with its level in each class and the figures
    behind it, as at `today`."""
    today = today or timezone.localdate()
    settings = settings or report_settings_for(county_of(place))
    villages = list(Village.objects.filter(place.villages(""), is_township_body=False).select_related("township")
                    .order_by(*Village._meta.ordering))
    measures = {c.key: c.measures for c in measures_by(place, Period(), level="village").children}
    income = defaultdict(Decimal)
    in_force = (Q(start_date__lte=today) | Q(start_date__isnull=True)) & (Q(end_date__gte=today)
                                                                          | Q(end_date__isnull=True))
    contracts = (Contract.objects.filter(place.villages(), in_force, annual_fee__isnull=False)
                 .exclude(state=ContractState.STANDARDISED, disposition__kind=DispositionKind.TERMINATE))
    key, rows = _grouped(contracts, "village", "village", fees=money_sum("annual_fee"))
    for row in rows:
        income[row[key]] += row["fees"]
    key, rows = _grouped(IncomeRecord.objects.filter(place.villages(), received_on__gt=today - timedelta(days=365),
                                                     received_on__lte=today), "village", "village",
                         total=money_sum("amount"))
    for row in rows:
        income[row[key]] += row["total"]
    legacy = _legacy_debts(place, settings.legacy_debt_before, today)
    disputes = _counts(DisputeTask.objects.filter(place.villages(), closed_on__isnull=True))
    mediation = _counts(MediationCase.objects.filter(place.villages(), state__in=[
        MediationCase.State.ACTIVE, MediationCase.State.DEFAULTED]))
    writeoffs = _unbacked_writeoffs(place)
    relatives = _counts(Contract.objects.filter(place.villages(), state__in=DETERMINED_OR_LATER, is_compliant=False,
                                                counterparty__cadre_relative__isnull=False))
    cases = defaultdict(dict)
    for row in (RiskCase.objects.filter(place.villages(), closed_on__isnull=True)
                .values("village_id", "risk_class", "pk")):
        cases[row["village_id"]][row["risk_class"]] = row["pk"]

    result = []
    for village in villages:
        m = measures.get(village.pk)
        debt = m.debt_balance if m else ZERO
        in_scope, outstanding = (m.claims_in_scope, m.outstanding) if m else (ZERO, ZERO)
        result.append(VillageRisk(village, classify(
            settings, debt=debt - legacy[village.pk], legacy_debt=legacy[village.pk], income=income[village.pk],
            claims_in_scope=in_scope, outstanding=outstanding, disputes=disputes[village.pk],
            mediation=mediation[village.pk], writeoffs=writeoffs[village.pk], relatives=relatives[village.pk]),
            dict(cases[village.pk])))
    return result


def _debt_ratio(label: str, debt: Decimal, income: Decimal, yellow: Decimal, red: Decimal, rule: str) -> Indicator:
    # Levels are decided on the exact quotients; only what is printed is rounded.
    if income > 0:
        ratio = debt / income
        level = level_of(ratio, yellow, red)
        shown = _ratio(ratio.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
    else:
        # Debts and no income at all: nothing to repay them from.
        level = Level.RED if debt > 0 else Level.GREEN
        shown = f"无收入，{label.removesuffix('收入比')} {format_yuan(debt)} 元" if debt > 0 else "无债务"
    return Indicator(label, shown, level, f"{rule}黄 ≥ {yellow}，红 ≥ {red}")


def classify(settings: ReportSettings, *, debt: Decimal, legacy_debt: Decimal, income: Decimal,
             claims_in_scope: Decimal, outstanding: Decimal, disputes: int, mediation: int, writeoffs: int,
             relatives: int) -> list[ClassLevel]:
    """The four classes from a village's figures; a pure function, so each threshold is tested on its own.

    `debt` is the balance of the debts of today, `legacy_debt` that of the debts of the tax era."""
    s = settings
    arrears = outstanding / claims_in_scope if claims_in_scope else None
    economy = [
        _debt_ratio("债务收入比", debt, income, s.debt_ratio_yellow, s.debt_ratio_red, "不含历史债务；"),
    ]
    if legacy_debt > 0:
        cut_off = f"{s.legacy_debt_before.year}年{s.legacy_debt_before.month}月{s.legacy_debt_before.day}日"
        economy.append(_debt_ratio("历史债务收入比", legacy_debt, income, s.legacy_debt_ratio_yellow,
                                   s.legacy_debt_ratio_red, f"{cut_off}前形成；"))
    economy += [
        Indicator("欠款占比", _share(rate(outstanding, claims_in_scope)),
                  level_of(arrears, s.arrears_yellow, s.arrears_red),
                  f"黄 ≥ {_share(s.arrears_yellow)}，红 ≥ {_share(s.arrears_red)}"),
    ]
    shell = [Indicator("村集体年收入", f"{format_yuan(income)} 元",
                       level_of(income, s.income_yellow, s.income_red, higher_is_worse=False),
                       f"黄 < {format_yuan(s.income_yellow)} 元，红 < {format_yuan(s.income_red)} 元")]
    conflicts = [
        Indicator("未办结函件异议", f"{disputes} 件", level_of(disputes, s.disputes_yellow, s.disputes_red),
                  f"黄 ≥ {s.disputes_yellow}，红 ≥ {s.disputes_red}"),
        Indicator("未结调解案件", f"{mediation} 件", level_of(mediation, s.mediation_yellow, s.mediation_red),
                  f"黄 ≥ {s.mediation_yellow}，红 ≥ {s.mediation_red}"),
    ]
    integrity = [
        Indicator("无有效决议的核销抵顶、大额调整", f"{writeoffs} 笔",
                  level_of(writeoffs, s.writeoffs_yellow, s.writeoffs_red),
                  f"黄 ≥ {s.writeoffs_yellow}，红 ≥ {s.writeoffs_red}"),
        Indicator("干部亲属问题合同", f"{relatives} 份", level_of(relatives, s.relatives_yellow, s.relatives_red),
                  f"黄 ≥ {s.relatives_yellow}，红 ≥ {s.relatives_red}"),
    ]
    return [ClassLevel(value, label, worst(i.level for i in indicators), indicators)
            for (value, label), indicators in zip(RiskClass.choices, (economy, shell, conflicts, integrity),
                                                  strict=True)]


def _legacy_debts(place: Place, before: date, today: date) -> dict:
    """The balance of each village's debts that arose before `before` (the tax era), as `measures` reckons
    a balance: principal and interest less the entries dated up to today."""
    balances = defaultdict(Decimal)
    for row in (Debt.objects.filter(place.villages(), occurred_on__lt=before).order_by().values("village_id")
                .annotate(owed=money_sum("principal") + money_sum("interest"))):
        balances[row["village_id"]] += row["owed"]
    for row in (Entry.objects.filter(place.villages("debt__village"), debt__occurred_on__lt=before,
                                     entered_on__lte=today).order_by().values("debt__village_id")
                .annotate(resolved=money_sum("amount"))):
        balances[row["debt__village_id"]] -= row["resolved"]
    return balances


def _counts(queryset) -> dict:
    return defaultdict(int, {row["village_id"]: row["n"] for row in
                             queryset.order_by().values("village_id").annotate(n=Count("pk"))})


def _unbacked_writeoffs(place: Place) -> dict:
    """Write-offs, waivers and offsets, and 账务调整 / 资产抵债 above the county's limit, without a passed
    money resolution that names their claim or debt and was voted on or before them (DOMAIN.md §7, §12).
    An offset counts once (its claim side)."""
    named = ResolutionCover.objects.filter(resolution=OuterRef("resolution")).filter(
        Q(claim=OuterRef("claim"), claim__isnull=False) | Q(debt=OuterRef("debt"), debt__isnull=False))
    improper = (Q(resolution__isnull=True) | Q(resolution__passed=False)
                | Q(resolution__resolved_on__gt=F("entered_on"))
                | Q(resolution__subject=ResolutionSubject.CONTRACT) | ~Exists(named))
    weighty = Q(kind__in=NEEDS_RESOLUTION) | Q(kind__in=NEEDS_RESOLUTION_ABOVE_LIMIT, amount__gt=adjustment_limit())
    entries = Entry.objects.filter(weighty, improper, reverses__isnull=True)
    on_claims = _counts_by(entries.filter(place.villages("claim__village"), claim__isnull=False), "claim__village_id")
    on_debts = _counts_by(entries.filter(place.villages("debt__village"), debt__isnull=False)
                          .exclude(kind=DebtEntryKind.CLAIM_OFFSET), "debt__village_id")
    return defaultdict(int, {k: on_claims.get(k, 0) + on_debts.get(k, 0) for k in {*on_claims, *on_debts}})


def _counts_by(queryset, key: str) -> dict:
    return {row[key]: row["n"] for row in queryset.order_by().values(key).annotate(n=Count("pk"))}


def county_of(place: Place) -> County | None:
    if place.level == "county":
        return place.obj
    if place.level == "township":
        return place.obj.county
    if place.level == "village":
        return place.obj.township.county
    return None

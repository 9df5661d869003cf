"""The measures of DOMAIN.md §11, computed by the database for any place and period.

One selector, `measures_by`, serves every screen, export, report and the `measures` command, so that
the same figure is the same everywhere. It returns the measures of each child of a place (the
townships of a county, the villages of a township) from a fixed number of GROUP BY queries, whatever
the size of the data; the place's own figures are the sum of its children's (`Measures.__add__`),
and every rate is recomputed from the summed numerators and denominators, never averaged.

The period:
- flows (cleared, cash collected, debt resolved, land recovered, new resources, letters, new income) are
  the movements dated within [start, end] by their own date (an entry's 业务日期, a parcel's 收回日期, a
  letter's date), whenever they were typed in: most campaign records are entered after the fact;
- stocks stand as at `end`: claims and debts that had arisen by then (by their 发生日期, else their due
  date, else the day they were registered), contracts registered by then, at the workflow stage they
  had reached by then (the determination's and the completed disposition's timestamps). With no end,
  or an end of today, they are today's states. Parcel measurements carry no reliable date and count as
  they stand; a parcel recorded 已收回 without a day counts only in the open period (截至今日).
- an amount a ledger file gave without its day (清查前已收回, an entry flagged `date_unknown`, dated the day
  of the import) was cleared at some time before the import: it is in no dated period. A figure with a
  start (本年, 本月, from … to …) leaves it out of 已清收, 现金清收, 已化解 and their rates; a figure up to a
  day (no start: 截至今日, 截至 …) is a stock, and counts it once imported by that day, so that 已清收 still
  equals 应清收 − the balance. Either way it is shown beside them (`cleared_undated`,
  `debt_resolved_undated`: known by the end, whether or not the figure counts it), and it is never a
  collection after a letter, nor a month's progress.

Shared expressions: a claim's 已清收 is the sum of its ledger entries, reversals included (they carry
the negative amount), as in debts.selectors; sealed claims leave 应清收 and their entries leave 已清收.
"""
from collections import defaultdict
from dataclasses import dataclass, field, fields
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import (
    CharField,
    Count,
    Exists,
    Func,
    OuterRef,
    Q,
    Sum,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from contracts.models import (
    Contract,
    ContractProblem,
    ContractState,
    Determination,
    Disposition,
    DispositionKind,
    ProblemCode,
)
from core.money import ZERO, money_sum
from debts.models import (
    CASH_KINDS,
    DATED_ENTRY,
    UNDATED_ENTRY,
    Claim,
    ClaimEntryKind,
    Debt,
    Entry,
    Letter,
    LetterItem,
)
from places.models import County, Province, Township, Village
from places.sorting import name_sort_key
from villages.models import Parcel

from .models import IncomeRecord

RATE_PLACES = Decimal("0.0001")
DETERMINED_OR_LATER = (ContractState.DETERMINED, ContractState.STANDARDISING, ContractState.STANDARDISED)

# The child level of each level, and where each level's key sits, seen from a village.
CHILD = {"all": "county", "province": "county", "county": "township", "township": "village", "village": "village"}
KEY_FROM_VILLAGE = {"province": "township__county__province_id", "county": "township__county_id",
                    "township": "township_id", "village": "id"}
NAME_FROM_VILLAGE = {"province": "township__county__province__name", "county": "township__county__name",
                     "township": "township__name", "village": "name"}


# --- Periods and places --------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """[start, end], both inclusive; None is open (from the beginning, up to today)."""

    start: date | None = None
    end: date | None = None

    @property
    def last_day(self) -> date:
        return self.end or timezone.localdate()

    @property
    def as_at_past(self) -> bool:
        """Stocks are taken at a past day, from the workflow's timestamps."""
        return self.end is not None and self.end < timezone.localdate()

    @property
    def end_moment(self) -> datetime:
        """The first instant after the end day, in the site's time zone."""
        return timezone.make_aware(datetime.combine(self.last_day + timedelta(days=1), time.min))

    def dates(self, field_name: str) -> Q:
        """Rows whose date field lies in the period."""
        condition = Q(**{f"{field_name}__lte": self.last_day})
        if self.start:
            condition &= Q(**{f"{field_name}__gte": self.start})
        return condition

    def registered(self, field_name: str = "created_at") -> Q:
        return Q(**{f"{field_name}__lt": self.end_moment}) if self.as_at_past else Q()

    def arisen(self, prefix: str = "") -> Q:
        """Claims or debts (through `prefix`, e.g. "claim__") that had arisen by the end: by their own date
        (发生日期, else 到期日期), and only for those with neither, by the day they were registered."""
        if not self.as_at_past:
            return Q()
        p, last = prefix, self.last_day
        return (Q(**{f"{p}occurred_on__lte": last})
                | Q(**{f"{p}occurred_on__isnull": True, f"{p}due_date__lte": last})
                | Q(**{f"{p}occurred_on__isnull": True, f"{p}due_date__isnull": True,
                       f"{p}created_at__lt": self.end_moment}))

    @property
    def label(self) -> str:
        if not self.start and not self.end:
            return "截至今日"
        if not self.start:
            return f"截至 {self.end:%Y-%m-%d}"
        return f"{self.start:%Y-%m-%d} 至 {self.last_day:%Y-%m-%d}"


@dataclass(frozen=True)
class Place:
    """A province, a county, a township, a village, or everything (an administrator's view)."""

    level: str                      # "all", "province", "county", "township" or "village"
    obj: Province | County | Township | Village | None = None

    @classmethod
    def of(cls, obj) -> "Place":
        if obj is None:
            return cls("all")
        level = {Province: "province", County: "county", Township: "township", Village: "village"}[type(obj)]
        return cls(level, obj)

    @property
    def name(self) -> str:
        if self.obj is None:
            return "全部县"
        if self.level == "village":
            return self.obj.full_name
        return self.obj.name

    @property
    def child_level(self) -> str:
        return CHILD[self.level]

    def villages(self, path: str = "village") -> Q:
        """Rows whose village (reached through `path`; "" for Village itself) lies in this place."""
        if self.level == "all":
            return Q()
        prefix = f"{path}__" if path else ""
        target = KEY_FROM_VILLAGE[self.level]
        if self.level == "village" and path:
            return Q(**{f"{path}_id": self.obj.pk})
        return Q(**{f"{prefix}{target}": self.obj.pk})


def key_path(path: str, level: str) -> str:
    """The column holding the key of `level` for rows whose village is reached through `path`."""
    if level == "village":
        return f"{path}_id" if path else "id"
    return f"{path}__{KEY_FROM_VILLAGE[level]}" if path else KEY_FROM_VILLAGE[level]


# --- Database functions ----------------------------------------------------------------------------


class DateMonth(Func):
    """'YYYY-MM' of a date column, without a per-row Python function on SQLite."""

    output_field = CharField()

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, function="substr", template="substr(%(expressions)s, 1, 7)",
                           **extra)

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="to_char(%(expressions)s, 'YYYY-MM')", **extra)


class LocalMonth(Func):
    """'YYYY-MM' of a timestamp in the site's time zone."""

    output_field = CharField()

    def as_sqlite(self, compiler, connection, **extra):
        # SQLite keeps timestamps as UTC text; the zone (Asia/Shanghai) has no daylight saving time.
        offset = ZoneInfo(settings.TIME_ZONE).utcoffset(datetime.now())
        minutes = int(offset.total_seconds() // 60)
        return self.as_sql(compiler, connection,
                           template=f"substr(datetime(%(expressions)s, '{minutes:+d} minutes'), 1, 7)",
                           **extra)

    def as_postgresql(self, compiler, connection, **extra):
        zone = settings.TIME_ZONE.replace("'", "")
        return self.as_sql(compiler, connection, template=f"to_char(%(expressions)s AT TIME ZONE '{zone}', "
                                                          "'YYYY-MM')", **extra)


# --- The figures -------------------------------------------------------------------------------------


def rate(numerator, denominator) -> Decimal | None:
    """A share between 0 and 1 with four decimals; None where there is nothing to divide by."""
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


@dataclass
class Measures:
    """The raw counts and sums of one place; the rates are computed from them."""

    expected_contracts: int = 0
    contracts: int = 0
    contracts_with_parcels: int = 0
    area_checked: int = 0
    investigated: int = 0
    problem_contracts: int = 0
    standardised_contracts: int = 0
    claims_principal: Decimal = ZERO
    sealed_principal: Decimal = ZERO
    cleared: Decimal = ZERO
    cash_collected: Decimal = ZERO
    # 清查前已收回（日期不详）: in `cleared` only when the period has no start (see the module's docstring).
    cleared_undated: Decimal = ZERO
    debt_principal: Decimal = ZERO
    debt_interest: Decimal = ZERO
    debt_resolved: Decimal = ZERO
    debt_resolved_undated: Decimal = ZERO
    land_recovered_mu: Decimal = ZERO
    new_resource_mu: Decimal = ZERO
    letters_issued: int = 0
    letters_served: int = 0
    letters_confirmed: int = 0
    collected_after_letter: Decimal = ZERO
    new_income: Decimal = ZERO

    def __add__(self, other: "Measures") -> "Measures":
        return Measures(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})

    @property
    def found_rate(self):
        return rate(self.contracts, self.expected_contracts)

    @property
    def area_checked_rate(self):
        return rate(self.area_checked, self.contracts_with_parcels)

    @property
    def investigated_rate(self):
        return rate(self.investigated, self.contracts)

    @property
    def standardised_rate(self):
        return rate(self.standardised_contracts, self.problem_contracts)

    @property
    def claims_in_scope(self) -> Decimal:
        return self.claims_principal - self.sealed_principal

    @property
    def outstanding(self) -> Decimal:
        """What is still to collect on the claims in scope (for the whole history, not a period)."""
        return self.claims_in_scope - self.cleared

    @property
    def clearing_rate(self):
        return rate(self.cleared, self.claims_in_scope)

    @property
    def debt_resolved_rate(self):
        # Over what the village owes in all, interest included: a debt repaid in full is 100%, never more.
        return rate(self.debt_resolved, self.debt_principal + self.debt_interest)

    @property
    def debt_balance(self) -> Decimal:
        return self.debt_principal + self.debt_interest - self.debt_resolved

    def as_dict(self) -> dict:
        """The measures of DOMAIN.md §11 under the keys of the `measures` command."""
        return {
            "expected_contracts": self.expected_contracts,
            "contracts": self.contracts,
            "found_rate": self.found_rate,
            "area_checked_rate": self.area_checked_rate,
            "investigated_rate": self.investigated_rate,
            "problem_contracts": self.problem_contracts,
            "standardised_contracts": self.standardised_contracts,
            "standardised_rate": self.standardised_rate,
            "claims_principal": self.claims_principal,
            "sealed_principal": self.sealed_principal,
            "claims_in_scope": self.claims_in_scope,
            "cleared": self.cleared,
            "cash_collected": self.cash_collected,
            "cleared_undated": self.cleared_undated,
            "clearing_rate": self.clearing_rate,
            "debt_principal": self.debt_principal,
            "debt_resolved": self.debt_resolved,
            "debt_resolved_undated": self.debt_resolved_undated,
            "debt_resolved_rate": self.debt_resolved_rate,
            "land_recovered_mu": self.land_recovered_mu,
            "new_resource_mu": self.new_resource_mu,
            "letters_issued": self.letters_issued,
            "letters_served": self.letters_served,
            "letters_confirmed": self.letters_confirmed,
            "collected_after_letter": self.collected_after_letter,
            "new_income": self.new_income,
        }


RATE_KEYS = ("found_rate", "area_checked_rate", "investigated_rate", "standardised_rate", "clearing_rate",
             "debt_resolved_rate")
COUNT_KEYS = ("expected_contracts", "contracts", "problem_contracts", "standardised_contracts", "letters_issued",
              "letters_served", "letters_confirmed")
MEASURE_KEYS = tuple(Measures().as_dict())


@dataclass
class Child:
    key: int
    name: str
    measures: Measures


@dataclass
class Breakdown:
    """The measures of a place's children and their sum, with what the charts of one moment draw:
    confirmed problems by code, dispositions by kind, and 已清收 by clearing step (entry kind)."""

    place: Place
    period: Period
    children: list[Child]
    total: Measures
    problems: dict[str, int] = field(default_factory=dict)
    dispositions: dict[str, dict] = field(default_factory=dict)
    steps: dict[str, Decimal] = field(default_factory=dict)

    @property
    def charts(self) -> dict:
        labels = dict(ProblemCode.choices)
        return {
            "problems": [{"code": code, "label": labels[code], "count": n} for code, n in self.problems.items() if n],
            "dispositions": [{"kind": kind, **counts} for kind, counts in self.dispositions.items()
                             if counts["chosen"]],
            "steps": [{"kind": kind, "amount": amount} for kind, amount in self.steps.items() if amount],
        }


# --- The queries --------------------------------------------------------------------------------------
#
# Each query groups by the child's key only, with one conditional aggregate per kind or code rather
# than a GROUP BY on it: rows then arrive in the order of the village index and are summed as they
# stream, with no sort of the whole table.


def _grouped(queryset, path: str, level: str, **aggregates):
    key = key_path(path, level)
    rows = queryset.order_by().values(key).annotate(**aggregates)
    return key, rows


def _claim_entries(place: Place, period: Period):
    """Entries on the claims in scope (sealed claims left out), dated up to the period's end, on claims
    that had arisen by then."""
    return Entry.objects.filter(place.villages("claim__village"), period.arisen("claim__"), claim__isnull=False,
                                claim__sealed=False, entered_on__lte=period.last_day)


def _in_period(period: Period) -> Q:
    """Of the entries dated up to the period's end, those its flows count: with a start, the entries dated
    from it on, and never an amount whose day is unknown; without one, all of them (a stock as at the end)."""
    return Q(entered_on__gte=period.start) & DATED_ENTRY if period.start else Q()


def measures_by(place: Place, period: Period = Period(), *, level: str | None = None,
                charts: bool = False) -> Breakdown:
    """The measures of each child of `place` (or of each unit of `level` inside it) and their sum.

    Eight queries, each one pass over one table; with `charts`, a ninth counts the confirmed
    problems by code.
    """
    level = level or place.child_level
    by_key: dict[int, Measures] = defaultdict(Measures)
    names: dict[int, str] = {}
    steps: dict[str, Decimal] = {kind: ZERO for kind in ClaimEntryKind.values}
    dispositions = {kind: {"chosen": 0, "completed": 0} for kind in DispositionKind.values}

    # Villages: expected contracts, and the names of the children.
    name = NAME_FROM_VILLAGE[level]
    key = key_path("", level)
    for row in (Village.objects.filter(place.villages("")).order_by().values(key, name)
                .annotate(expected=Coalesce(Sum("expected_contracts"), 0))):
        names[row[key]] = row[name]
        by_key[row[key]].expected_contracts += row["expected"]

    # Contracts at each stage, and the fees of new resources let in the period (new income, §9).
    registered = period.registered()
    determined = registered & Q(state__in=DETERMINED_OR_LATER)
    standardised = registered & Q(state=ContractState.STANDARDISED, is_compliant=False)
    if period.as_at_past:
        determined &= Q(determination__determined_at__lt=period.end_moment)
        standardised &= Q(disposition__completed_at__lt=period.end_moment)
    key, rows = _grouped(
        Contract.objects.filter(place.villages()), "village", level,
        registered_n=Count("pk", filter=registered),
        investigated=Count("pk", filter=determined),
        problems=Count("pk", filter=determined & Q(is_compliant=False)),
        standardised=Count("pk", filter=standardised),
        new_income=money_sum("annual_fee", filter=Q(is_new_resource=True) & period.dates("start_date")),
    )
    for row in rows:
        m = by_key[row[key]]
        m.contracts += row["registered_n"]
        m.investigated += row["investigated"]
        m.problem_contracts += row["problems"]
        m.standardised_contracts += row["standardised"]
        m.new_income += row["new_income"]

    # Contracts on parcels, and those with a parcel not yet measured: one pass over the contract–parcel links
    # (a correlated EXISTS per contract costs PostgreSQL three index probes for each of them).
    links = Contract.parcels.through.objects.filter(place.villages("contract__village"))
    if period.as_at_past:
        links = links.filter(contract__created_at__lt=period.end_moment)
    key, rows = _grouped(links, "contract__village", level, with_parcels=Count("contract_id", distinct=True),
                         unchecked=Count("contract_id", distinct=True, filter=Q(parcel__measured_area_mu__isnull=True)))
    for row in rows:
        by_key[row[key]].contracts_with_parcels += row["with_parcels"]
        by_key[row[key]].area_checked += row["with_parcels"] - row["unchecked"]

    # Claims: principal, and what is sealed away from 应清收.
    key, rows = _grouped(Claim.objects.filter(place.villages(), period.arisen()), "village", level,
                         principal_sum=money_sum("principal"), sealed_sum=money_sum("principal", filter=Q(sealed=True)))
    for row in rows:
        by_key[row[key]].claims_principal += row["principal_sum"]
        by_key[row[key]].sealed_principal += row["sealed_sum"]

    # Entries on the claims in scope, one sum per clearing step (kind); reversals carry their kind and net out.
    in_period = _in_period(period)
    kinds = {f"step_{n}": kind for n, kind in enumerate(ClaimEntryKind.values)}
    key, rows = _grouped(_claim_entries(place, period), "claim__village", level,
                         undated=money_sum("amount", filter=UNDATED_ENTRY),
                         # The kind first: most rows fail on it, before the period's conditions are looked at.
                         **{name: money_sum("amount", filter=Q(kind=kind) & in_period) for name, kind in kinds.items()})
    for row in rows:
        m = by_key[row[key]]
        m.cleared_undated += row["undated"]
        for name, kind in kinds.items():
            m.cleared += row[name]
            steps[kind] += row[name]
            if kind in CASH_KINDS:
                m.cash_collected += row[name]

    # Debts and what their entries resolved.
    key, rows = _grouped(Debt.objects.filter(place.villages(), period.arisen()), "village", level,
                         principal_sum=money_sum("principal"), interest_sum=money_sum("interest"))
    for row in rows:
        by_key[row[key]].debt_principal += row["principal_sum"]
        by_key[row[key]].debt_interest += row["interest_sum"]
    debt_entries = Entry.objects.filter(place.villages("debt__village"), period.arisen("debt__"), debt__isnull=False,
                                        entered_on__lte=period.last_day)
    key, rows = _grouped(debt_entries, "debt__village", level, resolved=money_sum("amount", filter=in_period),
                         undated=money_sum("amount", filter=UNDATED_ENTRY))
    for row in rows:
        by_key[row[key]].debt_resolved += row["resolved"]
        by_key[row[key]].debt_resolved_undated += row["undated"]

    # Dispositions by kind; land recovered by a termination in the period whose contract names no parcel
    # (the area its disposition records; parcels, where known, are counted below instead).
    completed = Q(completed_at__isnull=False) & period.registered("completed_at")
    named_parcels = Contract.parcels.through.objects.filter(contract_id=OuterRef("contract_id"))
    recovered = (completed & Q(kind=DispositionKind.TERMINATE) & period.dates("termination_date")
                 & ~Q(Exists(named_parcels)))
    kinds = {n: kind for n, kind in enumerate(DispositionKind.values)}
    counts = {}
    for n, kind in kinds.items():
        counts[f"chosen_{n}"] = Count("pk", filter=Q(kind=kind))
        counts[f"completed_{n}"] = Count("pk", filter=completed & Q(kind=kind))
    key, rows = _grouped(
        Disposition.objects.filter(place.villages("contract__village"), period.registered("chosen_at")),
        "contract__village", level,
        land=money_sum("land_recovered_mu", filter=recovered), **counts)
    for row in rows:
        by_key[row[key]].land_recovered_mu += row["land"]
        for n, kind in kinds.items():
            dispositions[kind]["chosen"] += row[f"chosen_{n}"]
            dispositions[kind]["completed"] += row[f"completed_{n}"]

    # Land recovered: each parcel once, by the day it was taken back (by termination, by taking back
    # occupied land, or as a ledger file records it); new resources: each parcel once, let in the period
    # by a contract for new or recovered resources (新增资源, §9).
    area = Coalesce("measured_area_mu", "ledger_area_mu")
    taken_back = period.dates("recovered_on")
    if not period.start and not period.as_at_past:
        taken_back |= Q(recovered_on__isnull=True, state=Parcel.State.RECOVERED)
    newly_let = Contract.parcels.through.objects.filter(
        parcel_id=OuterRef("pk"), contract__is_new_resource=True, contract__start_date__isnull=False,
        **{f"contract__start_date__{op}": day for op, day in (("lte", period.last_day), ("gte", period.start))
           if day})
    key, rows = _grouped(Parcel.objects.filter(place.villages()), "village", level,
                         recovered=money_sum(area, filter=taken_back),
                         new_resource=money_sum(area, filter=Q(Exists(newly_let))))
    for row in rows:
        by_key[row[key]].land_recovered_mu += row["recovered"]
        by_key[row[key]].new_resource_mu += row["new_resource"]

    # Letters issued (by their date), served (by the day of delivery) and confirmed (by the day of the
    # receipt); and collections on claims in scope, in the period, after a letter that named the claim (an
    # amount whose day is unknown may have come before the letter: never counted).
    key, rows = _grouped(
        Letter.objects.filter(place.villages()), "village", level,
        issued=Count("pk", filter=period.dates("as_of")),
        served=Count("pk", filter=period.dates("delivered_on") & ~Q(state=Letter.State.RETURNED)),
        confirmed=Count("pk", filter=period.dates("answered_on") & Q(state=Letter.State.CONFIRMED)))
    for row in rows:
        by_key[row[key]].letters_issued += row["issued"]
        by_key[row[key]].letters_served += row["served"]
        by_key[row[key]].letters_confirmed += row["confirmed"]
    items = LetterItem.objects.exclude(letter__state=Letter.State.RETURNED)
    lettered = items.filter(claim_id=OuterRef("claim_id"), letter__as_of__lte=OuterRef("entered_on"))
    # The claims ever named by a letter, read once, narrow the entries before each is checked against its dates.
    dated = in_period if period.start else DATED_ENTRY
    key, rows = _grouped(_claim_entries(place, period).filter(dated, claim_id__in=items.values("claim_id"))
                         .filter(Exists(lettered)), "claim__village", level, after=money_sum("amount"))
    for row in rows:
        by_key[row[key]].collected_after_letter += row["after"]

    # Income entered by hand.
    key, rows = _grouped(IncomeRecord.objects.filter(place.villages(), period.dates("received_on")), "village",
                         level, total=money_sum("amount"))
    for row in rows:
        by_key[row[key]].new_income += row["total"]

    problems = problem_counts(place, period) if charts else {}
    # Townships and villages in the order people read their names (places.sorting), not by character code.
    children = [Child(k, names.get(k, ""), by_key[k])
                for k in sorted(by_key, key=lambda k: (name_sort_key(names.get(k, "")), names.get(k, ""), k))]
    total = sum((c.measures for c in children), Measures())
    return Breakdown(place, period, children, total, problems, dispositions, steps)


def problem_counts(place: Place, period: Period) -> dict[str, int]:
    """Confirmed problems by code, one conditional count per code."""
    problems = ContractProblem.objects.filter(place.villages("contract__village"),
                                              status=ContractProblem.Status.CONFIRMED)
    if period.as_at_past:
        problems = problems.filter(decided_at__lt=period.end_moment)
    return problems.aggregate(**{code: Count("pk", filter=Q(code=code)) for code in ProblemCode.values})


def monthly_progress(place: Place, period: Period = Period()) -> list[dict]:
    """Month by month up to the period's end, the running totals of contracts found, determined and
    standardised, and of 已清收 and 现金清收: four queries grouped by month.

    The money is the campaign's progress: entries by the month of their own day, never an amount whose day is
    unknown, which runs apart (`undated`, 清查前已收回, from the month it was imported), so that a month's
    `cleared` + `undated` is `measures_by`'s 已清收 up to that month's end."""
    months = defaultdict(lambda: defaultdict(Decimal))

    def add(rows, name, value="n"):
        for row in rows:
            if row["month"]:
                months[row["month"]][name] += row[value]

    end = period.end_moment
    add(Contract.objects.filter(place.villages(), created_at__lt=end).annotate(month=LocalMonth("created_at"))
        .order_by().values("month").annotate(n=Count("pk")), "found")
    add(Determination.objects.filter(place.villages("contract__village"), determined_at__lt=end)
        .annotate(month=LocalMonth("determined_at")).order_by().values("month").annotate(n=Count("pk")),
        "determined")
    add(Disposition.objects.filter(place.villages("contract__village"), completed_at__lt=end)
        .annotate(month=LocalMonth("completed_at")).order_by().values("month").annotate(n=Count("pk")),
        "standardised")
    entries = (_claim_entries(place, period).annotate(month=DateMonth("entered_on")).order_by().values("month")
               .annotate(n=money_sum("amount", filter=DATED_ENTRY),
                         cash=money_sum("amount", filter=DATED_ENTRY & Q(kind__in=CASH_KINDS)),
                         undated=money_sum("amount", filter=UNDATED_ENTRY)))
    for row in entries:
        months[row["month"]]["cleared"] += row["n"]
        months[row["month"]]["cash"] += row["cash"]
        months[row["month"]]["undated"] += row["undated"]
    running = defaultdict(Decimal)
    progress = []
    for month in sorted(months):
        for name, value in months[month].items():
            running[name] += value
        progress.append({"month": month, "found": int(running["found"]), "determined": int(running["determined"]),
                         "standardised": int(running["standardised"]), "cleared": running["cleared"],
                         "cash": running["cash"], "cleared_in_month": months[month]["cleared"],
                         "undated": running["undated"]})
    return progress


def measures_for(place: Place, period: Period = Period()) -> Measures:
    """The measures of one place."""
    return measures_by(place, period, level=place.level if place.level != "all" else "county").total

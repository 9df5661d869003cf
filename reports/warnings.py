"""Warnings for a place in the user's scope: what needs doing before it is too late.

Each warning is a scoped queryset built from the selectors of the app that owns the records, so a
warning's count is the length of the list it links to, and the claim warning is the claim list's own
"180 days" filter.
"""
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from contracts.models import Contract, ContractState, DispositionKind, Instalment
from contracts.selectors import contract_list
from core.scoping import scoped
from debts.limitation import ClockState, state_filter
from debts.models import MediationCase
from debts.selectors import claim_list, dispute_list, mediation_list

from .measures import Place

EXPIRY_WINDOWS = (30, 60, 90)
UNDISPOSED_DAYS = 30


@dataclass(frozen=True)
class Alert:
    key: str
    title: str
    help: str

    @property
    def url_name(self) -> str:
        return f"reports:warning-{self.key}"


WARNINGS = {
    "expiring": Alert("expiring", "合同即将到期",
                      "终止日期在今后 90 天内（分 30、60、90 天）的合同，须提前筹划续签或收回。"),
    "lapsing": Alert("lapsing", "债权诉讼时效将届满", "未清收、未封存的债权，诉讼时效即将届满；"
                                                     "催收通知送达、债务人书面确认或还款，时效自该日重新计算。"),
    "lapsed": Alert("lapsed", "债权已过诉讼时效", "未清收、未封存的债权，诉讼时效已届满或已超过二十年最长保护期；"
                                                 "须向债务人发对账函请其书面确认，确认后债务人不得再以时效抗辩。"),
    "overdue": Alert("overdue", "应付款逾期未付", "合同约定的应付款已过期且未付清，尚未转为债权。"),
    "undisposed": Alert("undisposed", "问题合同久未处置", f"认定存在问题已满 {UNDISPOSED_DAYS} 天，仍未确定处置方式。"),
    "mediation": Alert("mediation", "调解分期违约", "调解协议分期未按期履行，余额已全部到期，尚未清收完毕。"),
    "disputes": Alert("disputes", "函件异议待核实", "债务人对对账函或清缴通知书提出异议，尚未核实办结。"),
}


def _not_terminated() -> Q:
    return ~Q(state=ContractState.STANDARDISED, disposition__kind=DispositionKind.TERMINATE)


def expiring(user, place: Place, days: int = 90) -> QuerySet[Contract]:
    today = timezone.localdate()
    return (contract_list(user).filter(place.villages(), _not_terminated(), end_date__gte=today,
                                       end_date__lte=today + timedelta(days=days))
            .order_by("end_date", "village__sort_key", "number"))


def lapsing(user, place: Place):
    return (claim_list(user).filter(place.villages(), state_filter(ClockState.SOON, timezone.localdate()),
                                    sealed=False, balance__gt=0)
            .order_by("lapse_on", "village__sort_key", "number"))


def lapsed(user, place: Place):
    today = timezone.localdate()
    return (claim_list(user).filter(place.villages(), state_filter(ClockState.LAPSED, today)
                                    | state_filter(ClockState.BEYOND, today), sealed=False, balance__gt=0)
            .order_by("lapse_on", "village__sort_key", "number"))


def overdue(user, place: Place) -> QuerySet[Instalment]:
    return (scoped(Instalment.objects.select_related("contract__village__township", "contract__counterparty"),
                   user, "contract__village")
            .filter(place.villages("contract__village"), due_date__lt=timezone.localdate(),
                    paid_amount__lt=F("amount"), claim__isnull=True)
            .annotate(unpaid=F("amount") - F("paid_amount"))
            .order_by("due_date", "contract__village__sort_key", "contract__number"))


def undisposed(user, place: Place) -> QuerySet[Contract]:
    since = timezone.now() - timedelta(days=UNDISPOSED_DAYS)
    return (contract_list(user).select_related("determination")
            .filter(place.villages(), state=ContractState.DETERMINED, is_compliant=False,
                    determination__determined_at__lt=since)
            .order_by("determination__determined_at", "village__sort_key", "number"))


def mediation(user, place: Place):
    return (mediation_list(user).filter(place.villages(), state=MediationCase.State.DEFAULTED,
                                        paid__lt=F("planned"))
            .order_by("defaulted_on", "-id"))


def disputes(user, place: Place):
    return dispute_list(user).filter(place.villages(), closed_on__isnull=True).order_by("opened_on", "pk")


LISTS = {"expiring": expiring, "lapsing": lapsing, "lapsed": lapsed, "overdue": overdue, "undisposed": undisposed,
         "mediation": mediation, "disputes": disputes}


def warning_counts(user, place: Place) -> list[dict]:
    """Each warning with its count (the expiring contracts in three windows): seven queries."""
    today = timezone.localdate()
    windows = expiring(user, place, max(EXPIRY_WINDOWS)).order_by().aggregate(
        **{f"d{days}": Count("pk", filter=Q(end_date__lte=today + timedelta(days=days))) for days in EXPIRY_WINDOWS})
    rows = [{"warning": WARNINGS["expiring"], "count": windows[f"d{max(EXPIRY_WINDOWS)}"],
             "windows": [(days, windows[f"d{days}"]) for days in EXPIRY_WINDOWS]}]
    for key in ("lapsing", "lapsed", "overdue", "undisposed", "mediation", "disputes"):
        rows.append({"warning": WARNINGS[key], "count": LISTS[key](user, place).order_by().count()})
    return rows

"""待办: what waits for the signed-in user, for their role and within their scope, each kind with its count and
a link to the list where it is done, filtered to exactly the records counted.

The kinds of work are registered with core.worklist: those of contracts, letters and claims here (reports
stands above those apps), the ledger imports by the ledgers app. A user is asked only for the kinds their
role does; a read-only user (the inspector) does nothing and is shown, to watch, the kinds marked so. The
counts are a handful of COUNT queries, made once per request: the navigation's badge and the page share them.
"""
from dataclasses import dataclass
from datetime import date
from itertools import groupby

from django.utils import timezone
from django.utils.http import urlencode

from contracts.selectors import WORK_STEPS, work_counts
from core import permissions as perms
from core.worklist import WorkKind, register_work, work_sources
from debts.models import Letter
from debts.selectors import claim_list, dispute_list, lapsing_soon, letter_list, mediation_due, mediation_list

# Mediation instalments falling due within so many days, claims lapsing within so many: what a collector
# can still act on this week, this month.
INSTALMENT_DAYS = 7
LAPSE_DAYS = 30

SECTIONS = ("合同清理", "函件与异议", "清收与时效", "台账导入")

_CONTRACT_HELP = {
    "investigate": "已查找登记、尚未开始调查的合同：实地核查标的和面积，写出调查报告。",
    "report": "调查中、还没有调查报告的合同。",
    "determine": "调查报告已完成，等待乡镇专班确认事实和问题清单（认定）。",
    "dispose": "认定存在问题、尚未确定处置方式的合同，以及处置被县级驳回、须重新选择的合同。",
    "approve": "合同金额达到县级审批标准或拟提起诉讼的处置，等待县农经中心审批。",
    "complete": "处置方式已确定（无需审批或县已批准），尚待上传证明材料、完成处置的合同。",
}

CONTRACT_WORK = tuple(
    WorkKind(key=f"contract-{step}", section="合同清理", title=title, help=_CONTRACT_HELP[step], perm=perm,
             url_name="contracts:contract-list", query=urlencode({"step": step}), order=10 + n,
             watch=step == "approve")
    for n, (step, (title, perm, _condition)) in enumerate(WORK_STEPS.items()))


def _contract_counts(user, kinds, today: date) -> dict[str, int]:
    counts = work_counts(user, [kind.key.removeprefix("contract-") for kind in kinds])
    return {f"contract-{step}": n for step, n in counts.items()}


DEBT_WORK = (
    WorkKind(key="letters-to-serve", section="函件与异议", title="函件待送达",
             help="已生成、尚未登记送达的对账函和清缴通知书；送达之日起诉讼时效重新计算。",
             perm=perms.CLAIM_FOLLOW_UP, url_name="letters:letter-list",
             query=urlencode({"state": Letter.State.ISSUED}), order=30),
    WorkKind(key="disputes", section="函件与异议", title="函件异议待核实",
             help="债务人对对账函或清缴通知书提出异议，尚未核实办结。",
             perm=perms.CLAIM_MANAGE, url_name="letters:dispute-list", query=urlencode({"open": "open"}),
             order=31, watch=True),
    WorkKind(key="mediation-due", section="清收与时效", title=f"调解分期 {INSTALMENT_DAYS} 日内到期或已逾期",
             help=f"履行中的调解协议，有一期在 {INSTALMENT_DAYS} 日内到期或已过期、还款尚不足额；"
                  "宽限期满仍未付清即为违约，余额全部到期。",
             perm=perms.LEDGER_CASH, url_name="debts:mediation-list",
             query=urlencode({"due_within": INSTALMENT_DAYS}), order=40, watch=True),
    WorkKind(key="claims-lapsing", section="清收与时效", title=f"债权诉讼时效 {LAPSE_DAYS} 日内届满",
             help=f"未清收、未封存的债权，诉讼时效将在 {LAPSE_DAYS} 日内届满：送达催收通知或取得债务人书面确认，"
                  "时效自该日重新计算。",
             perm=perms.CLAIM_FOLLOW_UP, url_name="debts:claim-list",
             query=urlencode({"lapse_within": LAPSE_DAYS}), order=41, watch=True),
)

_DEBT_COUNTS = {
    "letters-to-serve": lambda user, today: letter_list(user).filter(state=Letter.State.ISSUED),
    "disputes": lambda user, today: dispute_list(user).filter(closed_on__isnull=True),
    "mediation-due": lambda user, today: mediation_due(mediation_list(user), INSTALMENT_DAYS, today),
    "claims-lapsing": lambda user, today: lapsing_soon(claim_list(user), LAPSE_DAYS, today),
}


def _debt_counts(user, kinds, today: date) -> dict[str, int]:
    # The lists' own selectors and filters, so that a count is the length of the list it links to.
    return {kind.key: _DEBT_COUNTS[kind.key](user, today).order_by().count() for kind in kinds}


register_work(CONTRACT_WORK, _contract_counts)
register_work(DEBT_WORK, _debt_counts)


@dataclass(frozen=True)
class Item:
    kind: WorkKind
    count: int

    @property
    def url(self) -> str:
        return self.kind.url


@dataclass(frozen=True)
class Todo:
    items: tuple[Item, ...] = ()     # what the user's role does
    watched: tuple[Item, ...] = ()   # what a read-only user watches

    @property
    def total(self) -> int:
        return sum(item.count for item in self.items)

    @property
    def sections(self) -> list[tuple[str, list[Item]]]:
        return _by_section(self.items)

    @property
    def watched_sections(self) -> list[tuple[str, list[Item]]]:
        return _by_section(self.watched)


def _by_section(items) -> list[tuple[str, list[Item]]]:
    def place(item: Item):
        return SECTIONS.index(item.kind.section) if item.kind.section in SECTIONS else len(SECTIONS)

    ordered = sorted(items, key=lambda item: (place(item), item.kind.order))
    return [(section, list(group)) for section, group in groupby(ordered, key=lambda item: item.kind.section)]


def todo_of(user, today: date | None = None) -> Todo:
    """The work waiting for `user`: only the kinds their role does (and, for a read-only user, those to watch)
    are counted, each source in one or a few queries."""
    if not getattr(user, "is_authenticated", False):
        return Todo()
    today = today or timezone.localdate()
    rights = perms.permissions_of(user)
    read_only = user.role in perms.READ_ONLY_ROLES
    items, watched = [], []
    for source in work_sources():
        doing = [kind for kind in source.kinds if kind.perm in rights]
        watching = [kind for kind in source.kinds if read_only and kind.watch and kind.perm not in rights]
        if not doing and not watching:
            continue
        counts = source.counts(user, doing + watching, today)
        items += [Item(kind, counts.get(kind.key, 0)) for kind in doing]
        watched += [Item(kind, counts.get(kind.key, 0)) for kind in watching]
    return Todo(tuple(sorted(items, key=lambda i: i.kind.order)), tuple(sorted(watched, key=lambda i: i.kind.order)))


def todo_for(request) -> Todo:
    """The signed-in user's work, counted once per request however often the page and the navigation ask."""
    todo = getattr(request, "_todo", None)
    if todo is None:
        todo = todo_of(getattr(request, "user", None))
        request._todo = todo
    return todo

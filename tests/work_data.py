"""Work waiting in a village, one of each kind the to-do page counts, with records beside it that must not be
counted (tests/test_todo.py and the browser test of the to-do page)."""
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from contracts.factories import ContractFactory
from contracts.models import ContractProblem, Determination, Disposition, Investigation
from debts import services as debt_services
from debts.factories import ClaimFactory
from debts.letters import services as letter_services
from debts.models import MediationCase
from ledgers.models import LedgerImport
from villages.factories import PartyFactory

D = Decimal

# What one village's unit of work adds to each count: the township completes its dispositions except an
# escalation, which the county settles (so it counts there alone).
UNIT = {"contract-investigate": 2, "contract-report": 1, "contract-determine": 1, "contract-dispose": 2,
        "contract-approve": 1, "contract-complete": 1, "letters-to-serve": 1, "disputes": 1, "mediation-due": 2,
        "claims-lapsing": 1}
ESCALATIONS = 1


def _contract(village, state, **kwargs):
    return ContractFactory(village=village, state=state, **kwargs)


def _investigated(contract, user):
    Investigation.objects.create(contract=contract, investigated_on=timezone.localdate(), investigators="薛文斌",
                                 parcel_check="实地踏勘", findings="属实", updated_by=user)


def _determined(contract, user, *, problem=True):
    _investigated(contract, user)
    Determination.objects.create(contract=contract, facts="经查属实", determined_by=user, determined_at=timezone.now())
    if problem:
        ContractProblem.objects.create(contract=contract, code="P02", reason="无决议", status="已确认")


def _disposed(contract, user, kind="完善修订", approval="无需审批", completed=False):
    _determined(contract, user)
    Disposition.objects.create(contract=contract, kind=kind, plan="签订补充协议", chosen_by=user,
                               chosen_at=timezone.now(), approval=approval,
                               completed_at=timezone.now() if completed else None)


def make_work(village, user, prefix: str) -> None:
    """One unit of work (UNIT) in `village`, recorded as `user` (a township cadre of it) does."""
    today = timezone.localdate()
    # 合同清理: two found; one investigating without its report, one with it; a problem contract without a
    # disposition and one whose disposition the county turned down; one waiting for the county; one to
    # complete and one escalation to complete (by the county). Not waiting: compliant, standardised.
    for n in range(2):
        _contract(village, "已查找", number=f"{prefix}-F{n}")
    _contract(village, "调查中", number=f"{prefix}-I0")
    _investigated(_contract(village, "调查中", number=f"{prefix}-I1"), user)
    _determined(_contract(village, "已认定", number=f"{prefix}-D0", is_compliant=False), user)
    _determined(_contract(village, "已认定", number=f"{prefix}-D1", is_compliant=True), user, problem=False)
    _disposed(_contract(village, "规范中", number=f"{prefix}-S0"), user, approval="县已驳回")
    _disposed(_contract(village, "规范中", number=f"{prefix}-S1"), user, kind="司法诉讼", approval="待县审批")
    _disposed(_contract(village, "规范中", number=f"{prefix}-S2"), user)
    _disposed(_contract(village, "规范中", number=f"{prefix}-S3"), user, kind="提级处置")
    _disposed(_contract(village, "已规范", number=f"{prefix}-S4"), user, completed=True)

    # 函件: one issued and not served; one served; one disputed (a task for the township).
    def claim(number, **kwargs):
        kwargs.setdefault("due_date", today - timedelta(days=100))
        kwargs.setdefault("occurred_on", today - timedelta(days=200))
        return ClaimFactory(village=village, number=f"{prefix}-{number}", debtor=PartyFactory(village=village),
                            clock_from=kwargs["due_date"], **kwargs)

    letter_services.letter_issue_for_claim(user=user, claim=claim("L0"), kind="对账函")
    served = letter_services.letter_issue_for_claim(user=user, claim=claim("L1"), kind="清缴通知书")
    letter_services.letter_deliver(user=user, letter=served, delivered_on=today, delivery="本人签收")
    disputed = letter_services.letter_issue_for_claim(user=user, claim=claim("L2"), kind="对账函")
    letter_services.letter_answer(user=user, letter=disputed, result="有异议", answered_on=today,
                                  disputed_amount=D("100.00"), reason="金额不符")

    # 调解: an instalment due in three days and one overdue (still within its grace), unpaid; not waiting: one
    # due in twenty days, one paid on time, one already defaulted.
    def case(number, plan, *, agreed_days_ago=10, grace_days=0):
        return debt_services.mediation_create(
            user=user, village=village, number=f"{prefix}-{number}", claims=[claim(number)], mediator="司法所",
            agreement_date=today - timedelta(days=agreed_days_ago), grace_days=grace_days,
            plan=[(today + timedelta(days=days), D(amount)) for days, amount in plan])

    case("M0", [(3, "1000.00")])
    case("M1", [(-5, "500.00")], grace_days=30)
    case("M2", [(20, "1000.00")])
    paid = case("M3", [(-2, "500.00"), (30, "500.00")], agreed_days_ago=20)
    debt_services.entry_record(user=user, claim=paid.claims.get(), kind="现金收回", amount=D("500.00"),
                               entered_on=today - timedelta(days=5))
    defaulted = case("M4", [(1, "500.00")])
    MediationCase.objects.filter(pk=defaulted.pk).update(state=MediationCase.State.DEFAULTED, defaulted_on=today)

    # 诉讼时效: one lapsing in ten days; not: in forty days, sealed, cleared, suspended, already lapsed.
    lapse = today + timedelta(days=10)
    claim("T0", lapse_on=lapse)
    claim("T1", lapse_on=today + timedelta(days=40))
    claim("T2", lapse_on=lapse, sealed=True, seal_reason="税费尾欠")
    cleared = claim("T3", lapse_on=lapse, principal=D("300.00"))
    debt_services.entry_record(user=user, claim=cleared, kind="现金收回", amount=D("300.00"), entered_on=today)
    cleared.__class__.objects.filter(pk=cleared.pk).update(lapse_on=lapse)
    claim("T4", lapse_on=lapse, clock_suspended=True)
    claim("T5", lapse_on=today - timedelta(days=1))


def make_imports(user, *, waiting: int = 2) -> None:
    """`waiting` uploads of `user` that wait for a decision, and one of theirs already imported."""
    states = [LedgerImport.State.MAPPING, LedgerImport.State.READY] * waiting
    for n, state in enumerate([*states[:waiting], LedgerImport.State.DONE]):
        LedgerImport.objects.create(kind="contracts", original_name=f"台账{n}.xlsx", path=f"ledgers/{n}.xlsx", size=1,
                                    sha256="0" * 64, state=state, created_by=user, county_id=user.county_id,
                                    township_id=user.township_id, village_id=user.village_id)

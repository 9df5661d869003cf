"""Letters to debtors (对账函, 清缴通知书): numbering them without gaps, starting the batch job that
issues and prints them, one letter from a claim's page, and tracking each letter until its receipt comes back.

A debtor with several open claims in a village gets one letter listing them
all. Sealed and fully cleared claims never appear. Numbers are handed out per
village and year under a row lock, in one transaction for the whole batch and
before any letter is printed, so two jobs running at once never share or skip a
number, and printing (spread over workers, retried when one dies) never touches
them; a restarted job issues only the letters it has not issued yet.
"""
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from core import permissions as perms
from core.audit import acting_as
from core.bulk import FastInsert, audited, bulk_insert
from core.domain import letter_reply_days
from core.jobs import job_create
from core.money import format_yuan
from core.scoping import villages_for
from debts.limitation import store_clocks
from debts.models import Claim, ClaimEvent, DisputeTask, Letter, LetterItem, LetterKind, LetterSequence
from debts.services import claim_record_event

from .selectors import DebtorGroup, select_groups

KIND_CODES = {"reconciliation": LetterKind.RECONCILIATION, "payment-notice": LetterKind.PAYMENT_NOTICE}


def letter_number(village, year: int, seq: int) -> str:
    """`积翠-峪口村-2026-0001`: township (without 镇/乡), village, year, sequence."""
    township = village.township.name
    for suffix in ("镇", "乡", "街道"):
        township = township.removesuffix(suffix)
    return f"{township}-{village.name}-{year}-{seq:04d}"


def _reserve_numbers(year: int, counts: dict[int, int]) -> dict[int, int]:
    """Reserve `counts[village]` numbers in each village for `year`; {village: its first new number}.

    The villages' sequence rows are locked in one statement, always in the same order, so that two jobs at
    once wait for each other rather than deadlock; they are moved on in one UPDATE.
    """
    LetterSequence.objects.bulk_create([LetterSequence(village_id=pk, year=year) for pk in counts],
                                       ignore_conflicts=True)
    sequences = list(LetterSequence.objects.select_for_update().filter(village_id__in=counts, year=year)
                     .order_by("village_id"))
    first = {}
    for sequence in sequences:
        first[sequence.village_id] = sequence.last + 1
        sequence.last += counts[sequence.village_id]
    LetterSequence.objects.bulk_update(sequences, ["last"])
    return first


@transaction.atomic
def issue_letters(*, user, groups: list[DebtorGroup], kind: str, as_of: date, job=None, report=None) -> int:
    """Create the letters of a batch in one transaction: numbers reserved per village, letters and their
    items inserted in bulk, each letter audited as if saved alone.

    A debtor who already has a letter of this job is skipped, so a restarted job
    resumes without issuing anything twice.
    """
    if oversized := [g for g in groups if g.too_large]:
        raise ValidationError([g.too_large_message() for g in oversized])
    already = set(Letter.objects.filter(job=job).values_list("village_id", "debtor_id")) if job is not None else set()
    todo = [g for g in groups if (g.village.pk, g.debtor.pk) not in already]
    if todo:
        counts: dict[int, int] = {}
        for group in todo:
            counts[group.village.pk] = counts.get(group.village.pk, 0) + 1
        next_seq = _reserve_numbers(as_of.year, counts)
        reply_by = as_of + timedelta(days=letter_reply_days())
        letters = []
        for group in todo:
            village = group.village
            seq = next_seq[village.pk]
            next_seq[village.pk] = seq + 1
            letters.append(Letter(village=village, number=letter_number(village, as_of.year, seq), year=as_of.year,
                                  seq=seq, kind=kind, debtor=group.debtor, job=job, total=group.total,
                                  as_of=as_of, reply_by=reply_by, created_by=user))
        with acting_as(user):
            audited(user, None, lambda writer: bulk_insert(Letter, letters, writer))
        FastInsert(LetterItem, ["letter", "claim", "amount"]).insert(
            [letter.pk, claim.pk, balance] for letter, group in zip(letters, todo, strict=True)
            for claim, balance in group.claims)
    if report:
        report(len(groups), len(groups), f"已编号 {len(groups)} / {len(groups)} 份")
    return len(todo)


# --- The batch job --------------------------------------------------------------------------


def letters_job_create(*, user, villages, kind: str, min_balance: Decimal | None = None, origins=(), age: str = "",
                       as_of: date | None = None, include_recent: bool = False, enqueue: bool = True):
    """Start a batch of letters as a background job. Debtors who had a letter of the same kind lately are
    left out unless `include_recent`."""
    if not perms.has_perm(user, perms.CLAIM_MANAGE):
        raise PermissionDenied("只有乡镇专班或县农经中心可以批量出具函件。")
    villages = list(villages)
    allowed = set(villages_for(user).values_list("pk", flat=True))
    if not villages or any(v.pk not in allowed for v in villages):
        raise ValidationError({"villages": "请选择管理范围内的村。"})
    if kind not in LetterKind.values:
        raise ValidationError({"kind": "请选择函件类型。"})
    as_of = as_of or timezone.localdate()
    names = "、".join(v.name for v in villages[:3]) + (f"等 {len(villages)} 个村" if len(villages) > 3 else "")
    return job_create(user=user, kind="letters", title=f"{kind}（{names}，截至 {as_of:%Y-%m-%d}）", enqueue=enqueue,
                      params={
        "villages": [v.pk for v in villages], "kind": kind, "as_of": as_of.isoformat(),
        "min_balance": str(min_balance) if min_balance is not None else None, "origins": list(origins), "age": age,
        "include_recent": bool(include_recent)})


# --- One letter from a claim's page ----------------------------------------------------------


@transaction.atomic
def letter_issue_for_claim(*, user, claim: Claim, kind: str, as_of: date | None = None) -> Letter:
    """One letter to a claim's debtor covering all their open claims in that village."""
    if not perms.has_perm(user, perms.CLAIM_FOLLOW_UP):
        raise PermissionDenied("您的角色不能出具函件。")
    if claim.sealed:
        raise ValidationError("已封存的债权不能出具函件。")
    run_out = []
    groups = [g for g in select_groups(user=user, villages=[claim.village], today=as_of, kind=kind, left_out=run_out)
              if g.debtor.pk == claim.debtor_id]
    if not groups and any(c.debtor_id == claim.debtor_id for c in run_out):
        raise ValidationError("该债务人在本村未清收的债权均已过诉讼时效，不能出具清缴通知书（通知书会写明时效中断）；"
                              "请出具对账函，请债务人书面确认。")
    if not groups:
        raise ValidationError("该债务人在本村没有未清收的债权。")
    if groups[0].too_large:
        raise ValidationError(groups[0].too_large_message())
    issue_letters(user=user, groups=groups, kind=kind, as_of=as_of or timezone.localdate())
    return Letter.objects.filter(village=claim.village, debtor=claim.debtor).order_by("-pk").first()


# --- Voiding -----------------------------------------------------------------------------------


def _void(user, locked: Letter, reason: str, on: date) -> None:
    locked.state, locked.voided_on, locked.void_reason, locked.voided_by = Letter.State.VOID, on, reason, user
    with acting_as(user):
        locked.save(update_fields=["state", "voided_on", "void_reason", "voided_by"])


def _void_reason(reason: str) -> str:
    reason = " ".join((reason or "").split())[:300]
    if not reason:
        raise ValidationError({"reason": "请写明作废原因（如：重复出具、金额有误）。"})
    return reason


@transaction.atomic
def letter_void(*, user, letter: Letter, reason: str) -> Letter:
    """作废: a letter not yet served, issued in error. It keeps its number, marked void with the reason, so the
    register has no gap and explains itself. A served letter has had its effect (the limitation restarted) and
    is not voided."""
    if not perms.has_perm(user, perms.CLAIM_MANAGE):
        raise PermissionDenied("只有乡镇专班或县农经中心可以作废函件。")
    reason = _void_reason(reason)
    locked = _lock_letter(user, letter)
    if locked.state != Letter.State.ISSUED:
        raise ValidationError(f"函件当前为“{locked.state}”：只有尚未送达的函件可以作废；已送达的函件已产生效力，"
                              "如有错误请另行出具函件说明。")
    _void(user, locked, reason, timezone.localdate())
    return locked


@transaction.atomic
def letters_void_batch(*, user, job, reason: str) -> int:
    """作废 every letter of a batch (`job`) in the user's villages not yet served; served ones stay. The count."""
    if not perms.has_perm(user, perms.CLAIM_MANAGE):
        raise PermissionDenied("只有乡镇专班或县农经中心可以作废函件。")
    reason = _void_reason(reason)
    today = timezone.localdate()
    letters = (Letter.objects.select_for_update().filter(job=job, state=Letter.State.ISSUED,
                                                         village__in=villages_for(user)).order_by("pk"))
    count = 0
    for letter in letters:
        _void(user, letter, reason, today)
        count += 1
    if not count:
        raise ValidationError("这批函件中没有尚未送达的函件，无可作废。")
    return count


# --- Delivery and receipts --------------------------------------------------------------------


def _lock_letter(user, letter: Letter) -> Letter:
    locked = Letter.objects.select_for_update().select_related("village").get(pk=letter.pk)
    if not villages_for(user).filter(pk=locked.village_id).exists():
        raise PermissionDenied("该函件不在您的管理范围内。")
    if not perms.has_perm(user, perms.CLAIM_FOLLOW_UP):
        raise PermissionDenied("您的角色不能登记送达和回执。")
    return locked


def _claims_of(letter: Letter):
    return Claim.objects.filter(letter_items__letter=letter)


def _events(letter: Letter, user, kind: str, on: date, note: str) -> None:
    for claim in _claims_of(letter):
        claim_record_event(user=user, claim=claim, kind=kind, happened_on=on, note=note, letter=letter)


@transaction.atomic
def letter_deliver(*, user, letter: Letter, delivered_on: date, delivery: str, delivered_by: str = "",
                   photo=None) -> Letter:
    """已生成 → 已送达. A served 清缴通知书 is a demand: the claims' limitation runs anew from that day."""
    locked = _lock_letter(user, letter)
    if locked.state != Letter.State.ISSUED:
        raise ValidationError(f"函件当前为“{locked.state}”，不能再登记送达。")
    if delivery not in Letter.Delivery.values:
        raise ValidationError({"delivery": "请选择送达方式。"})
    if delivered_on > timezone.localdate() or delivered_on < locked.as_of:
        raise ValidationError({"delivered_on": "送达日期须在出具日期之后，且不晚于今天。"})
    locked.state, locked.delivered_on, locked.delivery = Letter.State.DELIVERED, delivered_on, delivery
    locked.delivered_by = delivered_by.strip() or str(user)
    if photo is not None:
        from core.files import check_upload

        checked = check_upload(photo)
        locked.delivery_photo.save(f"{locked.pk}-{checked.sha256[:12]}{checked.extension}", photo, save=False)
    with acting_as(user):
        locked.save()
    is_demand = locked.kind == LetterKind.PAYMENT_NOTICE
    _events(locked, user, ClaimEvent.Kind.DEMAND if is_demand else ClaimEvent.Kind.LETTER_SENT, delivered_on,
            f"{locked.kind} {locked.number}（{locked.get_delivery_display()}）")
    return locked


@transaction.atomic
def letter_answer(*, user, letter: Letter, result: str, answered_on: date, disputed_amount: Decimal | None = None,
                  reason: str = "") -> Letter:
    """The receipt came back: 已确认, 有异议 (opens a task for the township), or 退回 (could not be delivered)."""
    locked = _lock_letter(user, letter)
    if result == Letter.State.RETURNED:
        if locked.state not in (Letter.State.ISSUED, Letter.State.DELIVERED):
            raise ValidationError(f"函件当前为“{locked.state}”，不能登记退回。")
    elif locked.state not in (Letter.State.DELIVERED, Letter.State.ISSUED):
        raise ValidationError(f"函件当前为“{locked.state}”，回执已登记过。")
    if answered_on > timezone.localdate() or answered_on < locked.as_of:
        raise ValidationError({"answered_on": "回执日期须在出具日期之后，且不晚于今天。"})
    if result == Letter.State.CONFIRMED:
        locked.state = Letter.State.CONFIRMED
    elif result == Letter.State.DISPUTED:
        if disputed_amount is None or disputed_amount <= 0 or disputed_amount > locked.total:
            raise ValidationError({"disputed_amount": f"请填写有异议的金额（不超过 {format_yuan(locked.total)} 元）。"})
        if not reason.strip():
            raise ValidationError({"reason": "请写明异议理由。"})
        locked.state, locked.disputed_amount, locked.dispute_reason = (Letter.State.DISPUTED, disputed_amount,
                                                                       reason.strip())
    elif result == Letter.State.RETURNED:
        locked.state = Letter.State.RETURNED
        locked.note = reason.strip()[:300]
    else:
        raise ValidationError({"result": "请选择回执结果。"})
    locked.answered_on, locked.answered_at, locked.answered_by = answered_on, timezone.now(), user
    with acting_as(user):
        locked.save()
        if result == Letter.State.DISPUTED:
            DisputeTask.objects.create(village=locked.village, letter=locked, opened_on=answered_on)
    if result == Letter.State.CONFIRMED:
        _events(locked, user, ClaimEvent.Kind.LETTER_CONFIRMED, answered_on, f"对账确认 {locked.number}")
    elif result == Letter.State.RETURNED:
        # Not served after all: a restart its delivery gave the claims is taken back.
        _events(locked, user, ClaimEvent.Kind.LETTER_RETURNED, answered_on,
                f"{locked.kind} {locked.number} 退回：{reason.strip()[:200]}".rstrip("："))
    return locked


ANSWER_EVENTS = (ClaimEvent.Kind.LETTER_CONFIRMED, ClaimEvent.Kind.LETTER_RETURNED)


@transaction.atomic
def letter_answer_undo(*, user, letter: Letter) -> Letter:
    """撤销 a receipt registered today by mistake: the letter stands as before (已送达, or 已生成 if it never
    was), the claims' timeline loses the step and their limitation is counted again; a dispute not yet
    looked into is withdrawn. Audited like every change."""
    locked = _lock_letter(user, letter)
    if not locked.answer_undoable:
        raise ValidationError("只能撤销当天登记的回执；以前登记的回执如有错误，请联系乡镇专班核实更正。")
    dispute = DisputeTask.objects.select_for_update().filter(letter=locked).first()
    if dispute is not None and dispute.closed_on:
        raise ValidationError("该异议已经乡镇核实办结，回执不能再撤销。")
    was = locked.state
    with acting_as(user):
        if dispute is not None:
            dispute.delete()
        for event in ClaimEvent.objects.filter(letter=locked, kind__in=ANSWER_EVENTS):
            event.delete()
        locked.state = Letter.State.DELIVERED if locked.delivered_on else Letter.State.ISSUED
        locked.answered_on = locked.answered_at = locked.answered_by = None
        locked.disputed_amount, locked.dispute_reason = None, ""
        if was == Letter.State.RETURNED:
            locked.note = ""
        locked.save()
    store_clocks(list(_claims_of(locked)))
    return locked


@transaction.atomic
def dispute_close(*, user, task: DisputeTask, outcome: str, closed_on: date | None = None) -> DisputeTask:
    if not perms.has_perm(user, perms.CLAIM_MANAGE):
        raise PermissionDenied("异议由乡镇专班核实办结。")
    locked = DisputeTask.objects.select_for_update().get(pk=task.pk)
    if not villages_for(user).filter(pk=locked.village_id).exists():
        raise PermissionDenied("该异议不在您的管理范围内。")
    if locked.closed_on:
        raise ValidationError("该异议已经办结。")
    if not outcome.strip():
        raise ValidationError({"outcome": "请写明核实结果。"})
    locked.outcome, locked.closed_on, locked.closed_by = outcome.strip(), closed_on or timezone.localdate(), user
    with acting_as(user):
        locked.save()
    return locked


def kind_from_code(code: str) -> str:
    try:
        return KIND_CODES[code]
    except KeyError:
        raise ValidationError(f"函件类型“{code}”无法识别，应为 reconciliation 或 payment-notice。") from None


"""Issuing a receipt: its number is handed out the first time it is printed.

Numbers run per village and year without gaps. The next number is taken under a row lock on the village's
sequence (as letters are numbered, debts/letters/services.py), in the transaction that records the receipt:
a refusal or a failure rolls the number back with it. The claim is locked first, as every movement of its
money locks it, so a receipt and a reversal of the same payment are taken one after the other.
"""
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core import permissions as perms
from core.audit import acting_as
from core.services import lock_for_write, require_perm

from ..models import Claim, ClaimEntryKind, Entry, Receipt, ReceiptSequence

ISSUE_REFUSED = "只有登记收款的人员可以开具收据；已开具的收据可以查看、补打。"


def receipt_number(village, year: int, seq: int) -> str:
    """`峪口-峪口村-2026-收0001`: township (without 镇/乡), village, year, 收 and the sequence."""
    township = village.township.name
    for suffix in ("镇", "乡", "街道"):
        township = township.removesuffix(suffix)
    return f"{township}-{village.name}-{year}-收{seq:04d}"


def receipt_refusal(entry: Entry, *, reversed_: bool) -> str | None:
    """Why no receipt may be issued for this entry, or None when one may."""
    if entry.claim_id is None:
        return "只有债权的现金收款开具收据。"
    if entry.reverses_id:
        return "冲正分录不开具收据。"
    if entry.kind != ClaimEntryKind.CASH:
        return f"“{entry.kind}”不是现金收款，不开具收据。"
    if entry.date_unknown:
        return "台账导入、收款日期不详的款项不开具收据。"
    if reversed_:
        return "该笔收款已冲正，不能开具收据。"
    return None


def _next_seq(village, year: int) -> int:
    ReceiptSequence.objects.get_or_create(village=village, year=year)
    sequence = ReceiptSequence.objects.select_for_update().get(village=village, year=year)
    sequence.last += 1
    sequence.save(update_fields=["last"])
    return sequence.last


@transaction.atomic
def receipt_issue(*, user, entry: Entry, on: date | None = None) -> tuple[Receipt, bool]:
    """The receipt of a cash entry, with the next number of the year of `on` (today) if it has none yet.

    Returns the receipt and whether it was issued now: a receipt issued before is returned as it is, with
    its number, and is printed as a reprint (补打).
    """
    require_perm(user, perms.LEDGER_CASH, message=ISSUE_REFUSED)
    if entry.claim_id is None:
        raise ValidationError(receipt_refusal(entry, reversed_=False))
    claim = lock_for_write(Claim, entry.claim_id, user=user, out_of_scope="该笔收款不在您的管理范围内。")
    locked = Entry.objects.get(pk=entry.pk)
    if (existing := Receipt.objects.filter(entry=locked).first()) is not None:
        return existing, False
    if refusal := receipt_refusal(locked, reversed_=Entry.objects.filter(reverses=locked).exists()):
        raise ValidationError(refusal)
    on = on or timezone.localdate()
    village = claim.village
    seq = _next_seq(village, on.year)
    receipt = Receipt(village=village, entry=locked, number=receipt_number(village, on.year, seq), year=on.year,
                      seq=seq, issued_on=on, created_by=user)
    with acting_as(user):
        receipt.save()
    return receipt, True

"""A receipt as printed: two copies on one A4 page, the stub (存根) the village keeps and the receipt (收据)
the payer takes, cut apart along the dashed line.

`receipt_context` loads what the receipt shows in one query and returns ready-to-print strings;
`receipt_pdf` hands them to `core.pdf.render_pdf` (STYLE rule 8). A reprint is marked 补打 with the day
the receipt was first issued; a receipt whose payment was reversed since is marked 已冲正 and void.
"""
from datetime import date

from django.core.exceptions import ObjectDoesNotExist

from core.money import capital_yuan, format_yuan
from core.pdf import document_date, render_pdf

from ..models import Receipt

TEMPLATE = "debts/pdf/receipt.html"
COPIES = [
    {"part": "第一联", "name": "存根", "keeper": "村集体留存"},
    {"part": "第二联", "name": "收据", "keeper": "交款人收执"},
]


def _person(user) -> str:
    return (user.real_name or user.username) if user is not None else ""


def _reversal(entry):
    try:
        return entry.reversed_by
    except ObjectDoesNotExist:
        return None


def receipt_context(receipt: Receipt, *, reprint: bool, printed_on: date) -> dict:
    receipt = (Receipt.objects
               .select_related("village__township", "created_by", "entry__created_by", "entry__reversed_by",
                               "entry__claim__debtor", "entry__claim__contract")
               .get(pk=receipt.pk))
    entry, village = receipt.entry, receipt.village
    claim = entry.claim
    reversal = _reversal(entry)
    origin = claim.get_origin_display()
    contract = claim.contract
    return {
        "title": "收款收据",
        "issuer": village.signing_org,
        "number": receipt.number,
        "payee": village.signing_org,
        "payer": claim.debtor.name,
        "purpose": f"{origin}（{claim.origin_note}）" if claim.origin_note else origin,
        "claim_number": claim.number,
        "contract": f"{contract.number}《{contract.title}》" if contract else "",
        "amount": format_yuan(entry.amount),
        "amount_capital": capital_yuan(entry.amount),
        "paid_on": document_date(entry.entered_on),
        "voucher_no": entry.voucher_no or "—",
        "received_by": _person(entry.created_by),
        "issued_by": _person(receipt.created_by),
        "issued_on": document_date(receipt.issued_on),
        "reprint": reprint,
        "printed_on": document_date(printed_on),
        "reversed": {"on": document_date(reversal.entered_on), "note": reversal.note} if reversal else None,
        "copies": COPIES,
    }


def receipt_pdf(receipt: Receipt, *, reprint: bool, printed_on: date) -> bytes:
    return render_pdf(TEMPLATE, receipt_context(receipt, reprint=reprint, printed_on=printed_on))

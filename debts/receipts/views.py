"""Receipts: printed from a cash entry on the claim's page (the first print issues the number), and
viewed or reprinted (补打) afterwards. Thin: scope (404), one service, the PDF."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from core.pdf import pdf_response

from . import selectors, services
from .pdf import receipt_pdf


def _response(receipt, *, reprint: bool):
    content = receipt_pdf(receipt, reprint=reprint, printed_on=timezone.localdate())
    return pdf_response(content, f"收款收据-{receipt.number}{'-补打' if reprint else ''}.pdf")


@require_POST
@login_required
def entry_receipt(request, pk):
    """打印收据: the receipt of a cash entry, its number issued now if it has none (then printed without 补打:
    the original is this one print), else the receipt it has, marked 补打."""
    entry = get_object_or_404(selectors.claim_entries_for_receipt(request.user), pk=pk)
    try:
        receipt, issued = services.receipt_issue(user=request.user, entry=entry)
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
        return redirect(f"{entry.claim.get_absolute_url()}#entry-{entry.pk}")
    return _response(receipt, reprint=not issued)


@require_GET
@login_required
def receipt_view(request, pk):
    """An issued receipt, for anyone who may read its claim (an inspector too): always a reprint, 补打."""
    receipt = get_object_or_404(selectors.receipt_list(request.user), pk=pk)
    return _response(receipt, reprint=True)

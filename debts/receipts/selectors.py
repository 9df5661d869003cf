"""Every read of receipts and of the entries they are printed from, scoped to the user."""
from django.db.models import QuerySet

from core.scoping import scoped

from ..models import Entry, Receipt


def claim_entries_for_receipt(user) -> QuerySet[Entry]:
    """The entries on claims in the user's scope (a receipt is printed from one of them)."""
    return scoped(Entry.objects.filter(claim__isnull=False).select_related("claim"), user, "claim__village")


def receipt_list(user) -> QuerySet[Receipt]:
    return scoped(Receipt.objects.select_related("entry__claim"), user)

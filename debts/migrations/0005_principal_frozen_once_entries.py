"""The database refuses to change a claim's principal, or a debt's principal or interest, once entries rest on
it: the balance is principal − entries, and money moves only by entries (DOMAIN.md §8)."""
from django.db import migrations

from core.db import frozen_once_referenced


class Migration(migrations.Migration):
    dependencies = [("debts", "0004_measure_indexes")]

    operations = [
        frozen_once_referenced("debts_claim", ("principal",), "debts_entry", "claim_id",
                               "债权已有分录，本金不能修改；请登记账务调整分录"),
        frozen_once_referenced("debts_debt", ("principal", "interest"), "debts_entry", "debt_id",
                               "债务已有分录，本金和利息不能修改；请登记相应的化解分录"),
    ]

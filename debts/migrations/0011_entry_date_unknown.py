from django.db import migrations, models

from core.db import frozen_once_referenced

FREEZES = (
    ("debts_claim", ("principal",), "债权已有分录，本金不能修改；请登记账务调整分录"),
    ("debts_debt", ("principal", "interest"), "债务已有分录，本金和利息不能修改；请登记相应的化解分录"),
)


def _sqlite_freezes(create: bool):
    """SQLite rebuilds debts_entry to add a column, and a trigger naming a table that is briefly gone
    breaks the rebuild: the freezes of 0005 are taken off around it and put back after."""
    operation = [frozen_once_referenced(table, columns, "debts_entry", f"{table.split('_')[1]}_id", message,
                                        vendors=("sqlite",)) for table, columns, message in FREEZES]
    if create:
        return operation
    return [migrations.RunPython(op.reverse_code, op.code) for op in operation]


class Migration(migrations.Migration):

    dependencies = [
        ('debts', '0010_claim_penalties'),
    ]

    operations = [
        *_sqlite_freezes(create=False),
        migrations.AddField(
            model_name='entry',
            name='date_unknown',
            field=models.BooleanField(db_default=False, default=False, verbose_name='业务日期不详'),
        ),
        *_sqlite_freezes(create=True),
    ]

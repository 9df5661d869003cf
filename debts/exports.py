"""The exports of the letters and mediation lists, registered as list exporters (core.exports).

The claims and debts lists export in the import layout, beside the importer (ledgers.exports).
"""
from core.exports import Exporter, exporter
from core.idnumbers import mask_id_number
from core.xlsx import Column

from . import selectors
from .filters import MediationFilter
from .letters.forms import LetterFilter


@exporter
class LettersExport(Exporter):
    key, name, list_view = "letters", "函件", "letters:letter-list"
    filterset_class = LetterFilter

    def get_queryset(self):
        return selectors.letter_list(self.user)

    def columns(self):
        return [Column("编号", 24), Column("类型", 10), Column("乡镇", 10), Column("村", 10), Column("债务人", 14),
                Column("证件号码", 21), Column("金额(元)", 14, money=True), Column("截至日期", 12),
                Column("回复期限", 12), Column("状态", 8), Column("送达日期", 12), Column("送达方式", 10),
                Column("送达人", 10), Column("回执日期", 12), Column("有异议金额(元)", 14, money=True)]

    def rows(self, records):
        mask = self.masked()
        for letter in records:
            debtor = letter.debtor
            yield [letter.number, letter.kind, letter.village.township.name, letter.village.name, debtor.name,
                   mask_id_number(debtor.id_number) if mask else debtor.id_number, letter.total, letter.as_of,
                   letter.reply_by, letter.state, letter.delivered_on, letter.delivery, letter.delivered_by,
                   letter.answered_on, letter.disputed_amount]


@exporter
class MediationExport(Exporter):
    key, name, list_view = "mediation", "诉前调解案件", "debts:mediation-list"
    filterset_class = MediationFilter

    def get_queryset(self):
        return selectors.mediation_list(self.user)

    def columns(self):
        return [Column("案号", 16), Column("乡镇", 10), Column("村", 10), Column("当事人", 20), Column("涉及债权", 24),
                Column("调解人/调解组织", 18), Column("调解协议日期", 12), Column("计划(元)", 14, money=True),
                Column("已履行(元)", 14, money=True), Column("状态", 10), Column("违约日期", 12)]

    def rows(self, records):
        for case in records:
            yield [case.number, case.village.township.name, case.village.name,
                   "、".join(p.name for p in case.parties.all()), "、".join(c.number for c in case.claims.all()),
                   case.mediator, case.agreement_date, case.planned, case.paid, case.state, case.defaulted_on]

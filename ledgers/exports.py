"""What each list page exports to Excel: its columns and rows, mixed into the list views.

The five importable kinds export with exactly their import headers, so an export re-imports without
changes. ID numbers are masked unless the user's role may read them.
"""
from collections import defaultdict

from django.db.models import Prefetch

from contracts.models import Contract, ContractProblem
from core.idnumbers import mask_id_number
from core.permissions import ID_NUMBER_VIEW, has_perm
from core.xlsx import Column
from debts.models import Entry

from . import kinds as K


def _columns(kind: K.Kind) -> list[Column]:
    return [Column(c.name, max(c.width, len(c.name) * 2 + 2), money=c.money) for c in kind.columns]


def _chunks(iterable, size: int):
    chunk = []
    for item in iterable:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class _Export:
    def masked(self) -> bool:
        return not has_perm(self.request.user, ID_NUMBER_VIEW)


class PlacesExport(_Export):
    export_name = "村组台账"

    def export_columns(self):
        return _columns(K.PLACES)

    def export_queryset(self, queryset):
        return queryset.select_related("township__county").prefetch_related("groups")

    def export_rows(self, records):
        for village in records:
            yield from K.place_rows([village])


class ParcelsExport(_Export):
    export_name = "地块台账"

    def export_columns(self):
        return _columns(K.PARCELS)

    def export_rows(self, records):
        return (K.parcel_row(parcel) for parcel in records)


class ContractsExport(_Export):
    export_name = "合同台账"

    def export_columns(self):
        return _columns(K.CONTRACTS)

    def export_queryset(self, queryset):
        # Parcels, assets and problems are loaded a chunk at a time below, with one query each.
        return queryset.select_related("disposition").prefetch_related(None)

    def export_rows(self, records):
        mask = self.masked()
        for chunk in _chunks(records, 2000):
            ids = [c.pk for c in chunk]
            parcels, assets, problems = defaultdict(list), defaultdict(list), defaultdict(list)
            for link in Contract.parcels.through.objects.filter(contract_id__in=ids).select_related("parcel"):
                parcels[link.contract_id].append(link.parcel)
            for link in Contract.assets.through.objects.filter(contract_id__in=ids).select_related("asset"):
                assets[link.contract_id].append(link.asset)
            for problem in (ContractProblem.objects.filter(contract_id__in=ids)
                            .exclude(status=ContractProblem.Status.DISMISSED).order_by("code", "id")):
                problems[problem.contract_id].append(problem)
            for contract in chunk:
                yield K.contract_row(contract, mask, parcels=parcels[contract.pk], assets=assets[contract.pk],
                                     problems=problems[contract.pk])


class ClaimsExport(_Export):
    export_name = "债权台账"

    def export_columns(self):
        return _columns(K.CLAIMS)

    def export_queryset(self, queryset):
        return queryset.prefetch_related(Prefetch("entries", queryset=Entry.objects.order_by("entered_on", "id")))

    def export_rows(self, records):
        mask = self.masked()
        return (K.claim_row(claim, mask) for claim in records)


class DebtsExport(_Export):
    export_name = "债务台账"

    def export_columns(self):
        return _columns(K.DEBTS)

    def export_queryset(self, queryset):
        return queryset.prefetch_related(Prefetch("entries", queryset=Entry.objects.order_by("entered_on", "id")))

    def export_rows(self, records):
        mask = self.masked()
        return (K.debt_row(debt, mask) for debt in records)


class PartiesExport(_Export):
    export_name = "当事人"

    def export_columns(self):
        return [Column("乡镇", 10), Column("登记村", 10), Column("姓名/名称", 16), Column("类型", 8),
                Column("证件号码", 21), Column("联系电话", 13), Column("村民小组", 10), Column("本集体成员", 10),
                Column("住址", 24), Column("备注", 20)]

    def export_rows(self, records):
        mask = self.masked()
        for party in records:
            yield [party.village.township.name, party.village.name, party.name, party.get_kind_display(),
                   mask_id_number(party.id_number) if mask else party.id_number, party.phone,
                   party.group.name if party.group_id else "", "是" if party.is_member else "否", party.address,
                   party.note]


class AssetsExport(_Export):
    export_name = "资产台账"

    def export_columns(self):
        return [Column("乡镇", 10), Column("村", 10), Column("资产编号", 14), Column("资产名称", 18),
                Column("资产类别", 10), Column("坐落位置", 20), Column("建筑面积(㎡)", 12), Column("数量", 8),
                Column("账面价值(元)", 14, money=True), Column("取得日期", 12), Column("状态", 10),
                Column("备注", 20)]

    def export_rows(self, records):
        for asset in records:
            yield [asset.village.township.name, asset.village.name, asset.code, asset.name, asset.kind,
                   asset.location, asset.floor_area_m2, asset.quantity, asset.book_value, asset.acquired_on,
                   asset.state, asset.note]


class ResolutionsExport(_Export):
    export_name = "民主决策记录"

    def export_columns(self):
        return [Column("乡镇", 10), Column("村", 10), Column("决议事项", 30), Column("事项类别", 14),
                Column("村民(代表)会议决议", 14), Column("会议类型", 14), Column("应到人数", 9), Column("实到人数", 9),
                Column("赞成", 7), Column("反对", 7), Column("弃权", 7), Column("结果", 12), Column("关联合同数", 10)]

    def export_rows(self, records):
        for r in records:
            outcome = "详情待补录" if r.details_pending else ("通过" if r.passed else "未通过")
            yield [r.village.township.name, r.village.name, r.title, r.get_subject_display(), r.resolved_on,
                   r.get_meeting_display(), r.members_expected, r.members_present, r.votes_for, r.votes_against,
                   r.votes_abstain, outcome, getattr(r, "contract_count", None)]


class LettersExport(_Export):
    export_name = "函件"

    def export_columns(self):
        return [Column("编号", 24), Column("类型", 10), Column("乡镇", 10), Column("村", 10), Column("债务人", 14),
                Column("证件号码", 21), Column("金额(元)", 14, money=True), Column("截止日期", 12),
                Column("回复期限", 12), Column("状态", 8), Column("送达日期", 12), Column("送达方式", 10),
                Column("送达人", 10), Column("回执日期", 12), Column("有异议金额(元)", 14, money=True)]

    def export_rows(self, records):
        mask = self.masked()
        for letter in records:
            debtor = letter.debtor
            yield [letter.number, letter.kind, letter.village.township.name, letter.village.name, debtor.name,
                   mask_id_number(debtor.id_number) if mask else debtor.id_number, letter.total, letter.as_of,
                   letter.reply_by, letter.state, letter.delivered_on, letter.delivery, letter.delivered_by,
                   letter.answered_on, letter.disputed_amount]


class MediationExport(_Export):
    export_name = "诉前调解案件"

    def export_columns(self):
        return [Column("案号", 16), Column("乡镇", 10), Column("村", 10), Column("当事人", 20), Column("涉及债权", 24),
                Column("调解人/调解组织", 18), Column("调解协议日期", 12), Column("计划(元)", 14, money=True),
                Column("已履行(元)", 14, money=True), Column("状态", 10), Column("违约日期", 12)]

    def export_rows(self, records):
        for case in records:
            yield [case.number, case.village.township.name, case.village.name,
                   "、".join(p.name for p in case.parties.all()), "、".join(c.number for c in case.claims.all()),
                   case.mediator, case.agreement_date, case.planned, case.paid, case.state, case.defaulted_on]

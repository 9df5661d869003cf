"""The exports of the party and asset lists, registered as list exporters (core.exports)."""
from core.exports import Exporter, exporter
from core.idnumbers import mask_id_number
from core.xlsx import Column

from . import selectors
from .filters import AssetFilter, PartyFilter


@exporter
class PartiesExport(Exporter):
    key, name, list_view = "parties", "当事人", "villages:party-list"
    filterset_class = PartyFilter

    def get_queryset(self):
        return selectors.party_list(self.user)

    def columns(self):
        return [Column("乡镇", 10), Column("登记村", 10), Column("姓名/名称", 16), Column("类型", 8),
                Column("证件号码", 21), Column("联系电话", 13), Column("村民小组", 10), Column("本集体成员", 10),
                Column("住址", 24), Column("状态", 16), Column("状态日期", 12), Column("继承人", 24),
                Column("备注", 20)]

    def rows(self, records):
        mask = self.masked()
        for party in records:
            yield [party.village.township.name, party.village.name, party.name, party.get_kind_display(),
                   mask_id_number(party.id_number) if mask else party.id_number, party.phone,
                   party.group.name if party.group_id else "", "是" if party.is_member else "否", party.address,
                   party.status, party.status_since, party.heirs, party.note]


@exporter
class AssetsExport(Exporter):
    key, name, list_view = "assets", "资产台账", "villages:asset-list"
    filterset_class = AssetFilter

    def get_queryset(self):
        return selectors.asset_list(self.user)

    def columns(self):
        return [Column("乡镇", 10), Column("村", 10), Column("资产编号", 14), Column("资产名称", 18),
                Column("资产类别", 10), Column("坐落位置", 20), Column("建筑面积(㎡)", 12), Column("数量", 8),
                Column("账面价值(元)", 14, money=True), Column("取得日期", 12), Column("状态", 10),
                Column("备注", 20)]

    def rows(self, records):
        for asset in records:
            yield [asset.village.township.name, asset.village.name, asset.code, asset.name, asset.kind,
                   asset.location, asset.floor_area_m2, asset.quantity, asset.book_value, asset.acquired_on,
                   asset.state, asset.note]

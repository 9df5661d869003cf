"""The export of the resolutions list, registered as a list exporter (core.exports).

The contracts list exports in the import layout, beside the importer (ledgers.exports).
"""
from core.exports import Exporter, exporter
from core.xlsx import Column

from . import selectors
from .filters import ResolutionFilter


@exporter
class ResolutionsExport(Exporter):
    key, name, list_view = "resolutions", "民主决策记录", "contracts:resolution-list"
    filterset_class = ResolutionFilter

    def get_queryset(self):
        return selectors.resolution_list(self.user)

    def columns(self):
        return [Column("乡镇", 10), Column("村", 10), Column("决议事项", 30), Column("事项类别", 14),
                Column("村民(代表)会议决议", 14), Column("会议类型", 14), Column("应到人数", 9), Column("实到人数", 9),
                Column("赞成", 7), Column("反对", 7), Column("弃权", 7), Column("结果", 12), Column("关联合同数", 10)]

    def rows(self, records):
        for r in records:
            outcome = "详情待补录" if r.details_pending else ("通过" if r.passed else "未通过")
            yield [r.village.township.name, r.village.name, r.title, r.get_subject_display(), r.resolved_on,
                   r.get_meeting_display(), r.members_expected, r.members_present, r.votes_for, r.votes_against,
                   r.votes_abstain, outcome, getattr(r, "contract_count", None)]

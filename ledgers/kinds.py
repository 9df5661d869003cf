"""The five kinds of ledger file: their headers (the same for templates, imports and exports),
which columns are required, the coded columns' names and synonyms (DOMAIN.md §14), and how a
record is written back as a row of its ledger."""
from dataclasses import dataclass, field

from contracts.models import ContractForm, ContractKind, ContractState, DispositionKind, ProblemCode
from core.idnumbers import mask_id_number
from debts.models import ClaimEntryKind, ClaimOrigin, DebtEntryKind, DebtOrigin
from villages.models import AssetKind, Parcel, ParcelKind

from .reading import _LIST_SEPARATORS, Vocabulary


@dataclass(frozen=True)
class Col:
    name: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    choices: tuple[str, ...] = ()     # drop-down list in the template
    width: int = 12
    money: bool = False               # a figure in 元: number format, summed in the total row
    note: str = ""                    # what the template's notes sheet says of the column


# --- Coded columns ----------------------------------------------------------------------------

# Land the lists have no kind for, read as 其他 (the planner keeps the ledger's word where it has a note).
LAND_OTHER = ("河滩地", "其它")
OTHER = frozenset({"其他", "其它"})
# 清收方式 / 化解方式 that record nothing: the amount was put on account (挂账), not collected.
NOT_COLLECTED = frozenset({"挂账", "挂帐"})
PARCEL_KINDS = Vocabulary({
    "耕地": (), "机动地": (), "四荒地": ("荒山", "荒沟", "荒丘", "荒滩", "四荒"), "林地": (),
    "坑塘水面": ("坑塘", "水面", "鱼塘"), "建设用地": (), "其他": LAND_OTHER,
})
ASSET_KINDS = Vocabulary({"房屋": ("房产", "建筑物", "门面房"), "设施": (), "设备": (), "股权": ()})
SUBJECT_KINDS = Vocabulary({
    "耕地": (), "机动地": (), "四荒地": ("荒山", "荒沟", "荒丘", "荒滩", "四荒"), "林地": (),
    "坑塘水面": ("坑塘", "水面", "鱼塘"), "建设用地": (),
    "房屋": ("房产", "建筑物", "门面房"), "设施": (), "设备": (), "股权": (), "其他": LAND_OTHER,
})
PARCEL_STATES = Vocabulary({s: () for s in Parcel.State.values})
CONTRACT_KINDS = Vocabulary({"资源发包": ("资源", "发包"), "资产租赁": ("资产", "租赁"), "经营性": ("经营",),
                             "工程": ("工程合同",), "投资入股": ("入股", "投资"), "其他": ()})
CONTRACT_FORMS = Vocabulary({"书面合同": ("书面",), "仅收据": ("收据",), "口头协议": ("口头",), "无": ("没有",)})
CONTRACT_STATES = Vocabulary({s: () for s in ContractState.values})
DISPOSITIONS = Vocabulary({
    "完善修订": ("修订", "补充协议", "完善"), "终止撤销": ("解除", "终止", "撤销", "解除撤销"),
    "司法诉讼": ("诉讼", "司法处置"), "提级处置": ("提级办理", "提级"), "重新发包": ("重新招标",),
})
PROBLEMS = Vocabulary({
    "P01": ("未签书面合同", "无书面合同", "未签合同", "口头协议"),
    "P02": ("未履行民主程序", "无民主程序", "未经民主程序", "未经民主决策"),
    "P03": ("价格明显偏低", "价格偏低", "承包费偏低", "租金偏低"),
    "P04": ("承包期过长", "期限过长", "租期过长"),
    "P05": ("拖欠承包费", "拖欠", "欠费", "欠缴承包费"),
    "P06": ("无调价机制", "无调价条款"),
    "P07": ("到期未收回", "超期占用", "到期未交还"),
    "P08": ("面积不符", "面积不实"),
    "P09": ("签约主体不适格", "签约主体不合规", "主体不适格"),
    "P10": ("主要条款缺失", "条款缺失", "条款不全"),
    "P11": ("外来承包未经批准", "外来承包未批准"),
    "P12": ("其他问题", "其他"),
})
# What ledgers add to an origin's name: `三提五统尾欠` and `农业税尾欠款` are 税费尾欠.
ORIGIN_SUFFIXES = ("尾欠款", "尾欠", "欠款", "款")
CLAIM_ORIGINS = Vocabulary({
    "承包费拖欠": ("承包费", "租金拖欠", "拖欠承包费"), "借款": ("个人借款",), "垫付": ("垫付款",), "工程款": (),
    "分红款": (), "税费尾欠": ("三提五统", "农业税尾欠", "农业税"), "违约金": ("合同违约金",),
    "滞纳金": ("逾期滞纳金",), "其他": (),
}, suffixes=ORIGIN_SUFFIXES)
DEBT_ORIGINS = Vocabulary({
    "工程欠款": ("工程款",), "借款": ("信用社贷款", "银行贷款", "村民借款", "贷款"), "应付劳务费": ("劳务费",),
    "应付工资": ("工资",), "其他": (),
}, suffixes=ORIGIN_SUFFIXES)
CLAIM_ENTRY_KINDS = Vocabulary({
    "现金收回": ("现金", "收回", "现金清收"), "分红抵扣": (), "债权债务冲转": ("冲转", "三角债抵消"),
    "以资抵债": ("实物抵债",), "账务调整": ("调账",), "核销": ("冲销",), "减免": (),
})
DEBT_ENTRY_KINDS = Vocabulary({
    "偿还": ("还款", "现金偿还"), "债权抵顶": ("抵顶", "冲转"), "资产抵债": ("以资抵债",), "减息": (), "核销": (),
})
BOOK_FLAGS = Vocabulary({"账内": ("是",), "账外": ("否",)})
YES_NO = ("是", "否")

assert set(CLAIM_ENTRY_KINDS.names) == set(ClaimEntryKind.values)
assert set(DEBT_ENTRY_KINDS.names) == set(DebtEntryKind.values)
assert {n for n in CLAIM_ORIGINS.names} == set(ClaimOrigin.values)
assert {n for n in DEBT_ORIGINS.names} == set(DebtOrigin.values)
assert set(CONTRACT_KINDS.names) == set(ContractKind.values) and set(CONTRACT_FORMS.names) == set(ContractForm.values)
assert set(DISPOSITIONS.names) == set(DispositionKind.values) and set(PROBLEMS.names) == set(ProblemCode.values)
assert set(PARCEL_KINDS.names) == set(ParcelKind.values) and set(ASSET_KINDS.names) == set(AssetKind.values)

PLACE = (Col("乡镇", required=True, width=10), Col("村", required=True, width=10))
ID_NUMBER = Col("证件号码", aliases=("身份证号", "身份证号码", "统一社会信用代码", "证件号"), width=21,
                note="身份证号或统一社会信用代码；按校验位核验；同一证件号视为同一当事人")


# The file's own row number. Not a column of the templates or the exports (the template's first column is its
# 序号, core.xlsx), but read from a file: a record the system numbers keeps it (`台账序号 12` in its note).
SERIAL = Col("序号", aliases=("序",), width=6)
NUMBER_NOTE = "不填时由系统生成编号（村名-年份-顺序号），并在备注中记下台账序号"


@dataclass(frozen=True)
class Kind:
    key: str
    label: str
    columns: tuple[Col, ...]
    example: dict = field(default_factory=dict)
    read_also: tuple[Col, ...] = ()     # read from a file beside `columns` (SERIAL)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def read_columns(self) -> tuple[Col, ...]:
        """The columns a file is read by: the kind's, and those only read (the file's 序号)."""
        return self.columns + self.read_also

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def column(self, name: str) -> Col:
        return next(c for c in self.read_columns if c.name == name)


PLACES = Kind("places", "村组", (
    Col("县", required=True, width=10), *PLACE,
    Col("组", width=8, note="填写时此行为村民小组，户数、人口为该组的；不填时此行为村"),
    Col("户数", width=8), Col("人口", width=8), Col("耕地面积(亩)"), Col("林地面积(亩)"),
    Col("集体经济组织", aliases=("集体经济组织名称",), width=24, note="在函件上署名盖章的组织"),
    Col("应有合同数", width=10, note="合同查找率的分母"),
), example={"县": "方山县", "乡镇": "峪口镇", "村": "峪口村", "户数": 312, "人口": 1046, "耕地面积(亩)": "2,310.50",
            "林地面积(亩)": "5,820", "集体经济组织": "峪口村股份经济合作社", "应有合同数": 46})

PARCELS = Kind("parcels", "地块", (
    *PLACE, Col("地块编号", required=True, width=14), Col("地名", required=True),
    Col("资源类型", required=True, choices=tuple(PARCEL_KINDS.names)),
    Col("台账面积(亩)", required=True, aliases=("面积(亩)",)), Col("实测面积(亩)"),
    Col("四至", width=30), Col("状态", choices=tuple(PARCEL_STATES.names), note="不填为闲置"),
    Col("收回日期", aliases=("收回时间",), note="状态为已收回时填写，计入收回土地面积"), Col("备注", width=20),
), example={"乡镇": "峪口镇", "村": "峪口村", "地块编号": "YK-JD-001", "地名": "前坪", "资源类型": "机动地",
            "台账面积(亩)": "12.50", "实测面积(亩)": "12.80", "四至": "东至路，南至渠，西至王家地，北至山根",
            "状态": "已发包"})

CONTRACTS = Kind("contracts", "合同", (
    *PLACE, Col("合同编号", width=14, note=NUMBER_NOTE), Col("合同名称", width=20, note="不填时按标的生成"),
    Col("合同类型", choices=tuple(CONTRACT_KINDS.names)),
    Col("承包方", required=True, aliases=("承包人", "承包方姓名", "承包方名称", "相对方"), width=12),
    ID_NUMBER, Col("联系电话", aliases=("电话", "手机号"), width=13),
    Col("标的类型", choices=tuple(SUBJECT_KINDS.names)), Col("标的名称", width=14),
    Col("地块编号", width=14, note="多个地块用顿号分隔；台账中没有的地块按本行的标的和面积新建"),
    Col("面积(亩)", aliases=("合同面积(亩)", "承包面积(亩)")), Col("实测面积(亩)"),
    Col("起始日期", aliases=("开始日期", "起始时间", "承包起始日期")),
    Col("终止日期", aliases=("结束日期", "终止时间", "承包终止日期"), note="“至今”或不填为未约定"),
    Col("年承包费(元)", aliases=("年租金(元)", "年承包金(元)"), money=True),
    Col("合同总额(元)", aliases=("合同金额(元)", "合同总金额(元)"), money=True),
    Col("签订形式", choices=tuple(CONTRACT_FORMS.names)), Col("民主程序", choices=YES_NO, width=8),
    Col("清理状态", choices=tuple(CONTRACT_STATES.names), note="不填为已查找"),
    Col("存在问题", width=24, note="问题名称或代码（P01–P12），用顿号、逗号、分号或换行分隔"),
    Col("处置方式", choices=tuple(DISPOSITIONS.names), note="清理状态为规范中、已规范时填写"),
    Col("备注", width=20),
), example={"乡镇": "峪口镇", "村": "峪口村", "合同编号": "YK-2015-001", "合同名称": "前坪机动地承包合同",
            "合同类型": "资源发包", "承包方": "张三", "证件号码": "", "联系电话": "13800000000", "标的类型": "机动地",
            "标的名称": "前坪", "地块编号": "YK-JD-001", "面积(亩)": "12.50", "实测面积(亩)": "12.80",
            "起始日期": "2015-03-01", "终止日期": "2035-02-28", "年承包费(元)": "3,750.00",
            "合同总额(元)": "75,000.00", "签订形式": "书面合同", "民主程序": "是", "清理状态": "已查找",
            "存在问题": "", "处置方式": "", SERIAL.name: "示例"}, read_also=(SERIAL,))

CLAIMS = Kind("claims", "债权", (
    *PLACE, Col("债权编号", width=14, note=NUMBER_NOTE), Col("债务人", required=True, width=12), ID_NUMBER,
    Col("形成原因", required=True, choices=tuple(CLAIM_ORIGINS.names),
        note="不在列表中的原因记为“其他”并保留原文"),
    Col("关联合同编号", width=14), Col("发生日期"), Col("到期日期"),
    Col("金额(元)", required=True, aliases=("应收金额(元)", "债权金额(元)"), money=True),
    Col("账内账外", choices=tuple(BOOK_FLAGS.names), note="不填为账内"),
    Col("已清收金额(元)", aliases=("已收回金额(元)",), money=True),
    Col("清收方式", choices=("现金收回", "以资抵债", "账务调整"),
        note="核销、减免、冲转须经民主决策，请在债权页面办理"),
    Col("清收日期"), Col("是否封存", choices=YES_NO, width=8), Col("备注", width=20),
), example={"乡镇": "峪口镇", "村": "峪口村", "债权编号": "ZQ-2016-001", "债务人": "李四", "形成原因": "承包费拖欠",
            "发生日期": "2016-03-01", "到期日期": "2016-12-31", "金额(元)": "12,000.00", "账内账外": "账内",
            "已清收金额(元)": "2,000.00", "清收方式": "现金收回", "清收日期": "2025-06-30", "是否封存": "否",
            SERIAL.name: "示例"}, read_also=(SERIAL,))

DEBTS = Kind("debts", "债务", (
    *PLACE, Col("债务编号", width=14, note=NUMBER_NOTE), Col("债权人", required=True, width=14), ID_NUMBER,
    Col("形成原因", required=True, choices=tuple(DEBT_ORIGINS.names),
        note="不在列表中的原因记为“其他”并保留原文"),
    Col("发生日期"), Col("金额(元)", required=True, aliases=("债务金额(元)", "本金(元)"), money=True),
    Col("已化解金额(元)", money=True),
    Col("化解方式", choices=("偿还", "资产抵债", "减息"), note="核销、抵顶须经民主决策，请在债务页面办理"),
    Col("化解日期"), Col("备注", width=20),
), example={"乡镇": "峪口镇", "村": "峪口村", "债务编号": "ZW-2018-001", "债权人": "方山县第二建筑公司",
            "形成原因": "工程欠款", "发生日期": "2018-06-01", "金额(元)": "50,000.00", "已化解金额(元)": "10,000.00",
            "化解方式": "偿还", "化解日期": "2025-01-15", SERIAL.name: "示例"}, read_also=(SERIAL,))

KINDS = {k.key: k for k in (PLACES, PARCELS, CONTRACTS, CLAIMS, DEBTS)}


# --- Records as rows (exports that re-import cleanly) ------------------------------------------------


def _yes(flag: bool) -> str:
    return "是" if flag else "否"


def _id(party, mask: bool) -> str:
    return mask_id_number(party.id_number) if mask else party.id_number


def place_rows(villages) -> list[list]:
    """A village's row, then one row per group (with the group's households and population)."""
    rows = []
    for village in villages:
        township = village.township
        rows.append([township.county.name, township.name, village.name, "", village.households, village.population,
                     village.arable_area_mu, village.forest_area_mu, village.collective_org,
                     village.expected_contracts])
        for group in village.groups.all():
            rows.append([township.county.name, township.name, village.name, group.name, group.households,
                         group.population, None, None, None, None])
    return rows


def parcel_row(parcel) -> list:
    return [parcel.village.township.name, parcel.village.name, parcel.code, parcel.name, parcel.kind,
            parcel.ledger_area_mu, parcel.measured_area_mu, parcel.boundaries, parcel.state, parcel.recovered_on,
            parcel.note]


def split_subject_note(note: str) -> tuple[str, str]:
    """A contract's subject without a parcel or asset is kept as `类型：名称` (or just a name)."""
    head, sep, tail = note.partition("：")
    if sep and SUBJECT_KINDS.find(head):
        return SUBJECT_KINDS.find(head), tail
    if SUBJECT_KINDS.find(note):
        return SUBJECT_KINDS.find(note), ""
    return "", note


def contract_row(contract, mask: bool, *, parcels=None, assets=None, problems=None) -> list:
    """The contract as a row of the contracts ledger; its parcels, assets and problems may be passed in
    when the caller loaded them in bulk."""
    parcels = list(contract.parcels.all()) if parcels is None else parcels
    assets = list(contract.assets.all()) if assets is None else assets
    problems = list(contract.problems.all()) if problems is None else problems
    if parcels:
        kinds = list(dict.fromkeys(p.kind for p in parcels))
        subject_kind, subject_name = "、".join(kinds), "、".join(p.name for p in parcels)
        measured = ([p.measured_area_mu for p in parcels] if all(p.measured_area_mu is not None for p in parcels)
                    else None)
        measured = sum(measured) if measured else None
    elif assets:
        subject_kind = "、".join(dict.fromkeys(a.kind for a in assets))
        subject_name, measured = "、".join(a.name for a in assets), None
    else:
        subject_kind, subject_name = split_subject_note(contract.subject_note)
        measured = None
    problems = [p.code if p.code != "P12" else "其他：" + _LIST_SEPARATORS.sub(" ", p.reason)
                for p in problems if p.status != "已排除"]
    disposition = getattr(contract, "disposition", None)
    party = contract.counterparty
    return [contract.village.township.name, contract.village.name, contract.number, contract.title, contract.kind,
            party.name, _id(party, mask), party.phone, subject_kind, subject_name,
            "、".join(p.code for p in parcels), contract.area_mu, measured, contract.start_date, contract.end_date,
            contract.annual_fee, contract.total_amount, contract.form, _yes(contract.resolution_id is not None),
            contract.state, "、".join(problems), disposition.kind if disposition else "", contract.note]


def _latest_kind(entries, default: str) -> tuple[str, object]:
    live = [e for e in entries if e.amount > 0]
    if not live:
        return "", None
    # A dated entry before an undated one (imported with no day: its entered_on is the import's day); an
    # undated latest leaves the day blank, so that the file imported again does not date it (nor restart
    # the limitation clock).
    latest = max(live, key=lambda e: (not e.date_unknown, e.entered_on, e.pk))
    return latest.kind or default, None if latest.date_unknown else latest.entered_on


def claim_row(claim, mask: bool) -> list:
    entries = list(claim.entries.all())
    cleared = sum((e.amount for e in entries), 0)
    kind, on = _latest_kind(entries, "现金收回")
    origin = f"{claim.origin}（{claim.origin_note}）" if claim.origin_note else claim.origin
    return [claim.village.township.name, claim.village.name, claim.number, claim.debtor.name,
            _id(claim.debtor, mask), origin, claim.contract.number if claim.contract_id else "", claim.occurred_on,
            claim.due_date, claim.principal, "账内" if claim.in_book else "账外", cleared or None,
            kind if cleared else "", on if cleared else None, _yes(claim.sealed), claim.note]


def debt_row(debt, mask: bool) -> list:
    entries = list(debt.entries.all())
    resolved = sum((e.amount for e in entries), 0)
    kind, on = _latest_kind(entries, "偿还")
    origin = f"{debt.origin}（{debt.origin_note}）" if debt.origin_note else debt.origin
    return [debt.village.township.name, debt.village.name, debt.number, debt.creditor.name,
            _id(debt.creditor, mask), origin, debt.occurred_on, debt.principal, resolved or None,
            kind if resolved else "", on if resolved else None, debt.note]

"""The mapping step's engine (ledgers/mapping.py): which column of a kind each header of a township's own
ledger means, the coded values its vocabulary does not know, and the mappings a county confirmed."""
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from core.models import AuditEntry
from ledgers import mapping as M
from ledgers.kinds import KINDS
from ledgers.mapping import Proposal, Suggestion, header_key, header_unit, suggest, suggest_all, unknown_codes
from ledgers.models import ColumnMapping
from ledgers.reading import CellError
from places.factories import CountyFactory

EAST_SIDE = "东至"


# --- Headers ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("header, key", [
    ("承包费（元/年）", "承包费"),
    ("合同总金额（万元）", "合同总金额"),
    ("面积(亩)", "面积"),
    ("金额（单位：万元）", "金额"),
    (" 承包方\n（乙方） ", "承包方(乙方)"),
    ("签订日期：", "签订日期"),
    ("ＡＢＣ", "ABC"),
    ("承包期限/起", "承包期限/起"),
    ("四至/东至", "四至/东至"),
    ("承包费/（元/年）", "承包费"),
    ("序号/序号", "序号"),
    ("形成原因（三提五统）", "形成原因(三提五统)"),
])
def test_header_key_drops_units_spaces_and_colons_but_keeps_composed_parts(header, key):
    assert header_key(header) == key


@pytest.mark.parametrize("header, unit", [
    ("承包费（元/年）", "元"),
    ("单价（元/亩）", "元"),
    ("合同总金额（万元）", "万元"),
    ("年租金(万元/年)", "万元"),
    ("面积（亩）", "亩"),
    ("房屋面积（平方米）", "平方米"),
    ("建筑面积（㎡）", "平方米"),
    ("金额（单位：万元）", "万元"),
    ("单位：万元", "万元"),
    ("租金（元/月）", None),
    ("承包费", None),
    ("形成原因（三提五统）", None),
])
def test_header_unit_reads_the_unit_in_brackets(header, unit):
    assert header_unit(header) == unit


# --- One header ------------------------------------------------------------------------------------------

SAME = "栏目名称一致"


@pytest.mark.parametrize("kind, header, expected", [
    # The field's words (DOMAIN.md §13).
    ("contracts", "承包方", Suggestion("承包方", 1.0, SAME)),
    ("contracts", "承包人", Suggestion("承包方", 1.0, SAME)),
    ("contracts", "乙方", Suggestion("承包方", 0.95, "同义词“乙方”")),
    ("contracts", "承租方", Suggestion("承包方", 0.95, "同义词“承租方”")),
    ("contracts", "承包方（乙方）", Suggestion("承包方", 1.0, SAME)),
    ("contracts", "乙方身份证号", Suggestion("证件号码", 0.95, "同义词“乙方身份证号”")),
    ("contracts", "身份证号码", Suggestion("证件号码", 1.0, SAME)),
    ("contracts", "证件号", Suggestion("证件号码", 1.0, SAME)),
    ("contracts", "承包期限", Suggestion("承包期限", 1.0, SAME)),
    ("contracts", "起止时间", Suggestion("承包期限", 0.95, "同义词“起止时间”")),
    ("contracts", "承包费（元/年）", Suggestion("年承包费(元)", 0.95, "同义词“承包费”")),
    ("contracts", "年租金", Suggestion("年承包费(元)", 1.0, SAME)),
    ("contracts", "租金", Suggestion("年承包费(元)", 0.95, "同义词“租金”")),
    ("contracts", "合同总金额（万元）", Suggestion("合同总额(元)", 1.0, SAME)),
    ("contracts", "合同金额", Suggestion("合同总额(元)", 1.0, SAME)),
    ("contracts", "合同总价", Suggestion("合同总额(元)", 0.95, "同义词“合同总价”")),
    ("contracts", "总金额", Suggestion("合同总额(元)", 0.95, "同义词“总金额”")),
    ("contracts", "开始日期", Suggestion("起始日期", 1.0, SAME)),
    ("contracts", "到期日期", Suggestion("终止日期", 0.95, "同义词“到期日期”")),
    ("contracts", "终止时间", Suggestion("终止日期", 1.0, SAME)),
    ("contracts", "是否经村民代表会议", Suggestion("民主程序", 0.95, "同义词“是否经村民代表会议”")),
    ("contracts", "是否履行民主程序", Suggestion("民主程序", 0.95, "同义词“是否履行民主程序”")),
    ("contracts", "民主程序", Suggestion("民主程序", 1.0, SAME)),
    ("contracts", "资源编号", Suggestion("地块编号", 0.95, "同义词“资源编号”")),
    ("contracts", "资源名称", Suggestion("标的名称", 0.95, "同义词“资源名称”")),
    ("contracts", "资源类别", Suggestion("标的类型", 0.95, "同义词“资源类别”")),
    ("contracts", "经营方式", Suggestion("合同类型", 0.95, "同义词“经营方式”")),
    ("contracts", "面积（亩）", Suggestion("面积(亩)", 1.0, SAME)),
    ("contracts", "发包方", Suggestion(None, 0.95, "不导入：发包方即本村集体：村取自“村”一栏、工作表名或标题")),
    ("contracts", "甲方", Suggestion(None, 0.95, "不导入：发包方即本村集体：村取自“村”一栏、工作表名或标题")),
    ("contracts", "签订日期", Suggestion(None, 0.95, "不导入：合同台账没有签订日期一栏")),
    ("contracts", "序号", Suggestion("序号", 1.0, "栏目名称一致")),
    ("parcels", "序号", Suggestion(None, 0.95, "不导入：序号和签字不是台账的数据")),
    ("claims", "原欠金额", Suggestion("金额(元)", 0.95, "同义词“原欠金额”")),
    ("claims", "欠款金额", Suggestion("金额(元)", 0.95, "同义词“欠款金额”")),
    ("claims", "已收回", Suggestion("已清收金额(元)", 0.95, "同义词“已收回”")),
    ("claims", "已收回金额", Suggestion("已清收金额(元)", 1.0, SAME)),
    ("claims", "已清收", Suggestion("已清收金额(元)", 0.95, "同义词“已清收”")),
    ("debts", "原欠金额", Suggestion("金额(元)", 0.95, "同义词“原欠金额”")),
    ("parcels", "资源编号", Suggestion("地块编号", 0.95, "同义词“资源编号”")),
    ("parcels", "资源名称", Suggestion("地名", 0.95, "同义词“资源名称”")),
    ("parcels", "资源类别", Suggestion("资源类型", 0.95, "同义词“资源类别”")),
    ("parcels", "地类", Suggestion("资源类型", 0.95, "同义词“地类”")),
    ("parcels", "面积（亩）", Suggestion("台账面积(亩)", 1.0, SAME)),
    ("parcels", "东至", Suggestion("东至", 1.0, SAME)),
    ("parcels", "西至", Suggestion("西至", 1.0, SAME)),
    ("places", "总户数", Suggestion("户数", 0.95, "同义词“总户数”")),
    # Close to a word, not one of them: a lower confidence, saying what it is close to.
    ("contracts", "承包户名", Suggestion("承包方", 0.8, "与“承包户姓名”相近（89%）")),
    ("contracts", "租赁起始日期", Suggestion("起始日期", 0.81, "与“起始日期”相近（90%）")),
    ("contracts", "土地坐落", Suggestion("标的名称", 0.81, "与“坐落”相近（90%）")),
    ("debts", "已还款金额", Suggestion("已化解金额(元)", 0.81, "与“已还款”相近（90%）")),
    ("contracts", "合同签订日期",
     Suggestion(None, 0.81, "与“签订日期”相近（90%）；不导入：合同台账没有签订日期一栏")),
])
def test_field_words_land_on_their_column(kind, header, expected):
    assert suggest(kind, header) == expected


@pytest.mark.parametrize("kind, header, expected", [
    ("contracts", "承包期限/起", Suggestion("起始日期", 0.95, "同义词“承包期限/起”")),
    ("contracts", "承包期限/止", Suggestion("终止日期", 0.95, "同义词“承包期限/止”")),
    ("contracts", "承包期限\n/起", Suggestion("起始日期", 0.95, "同义词“承包期限/起”")),
    ("parcels", "四至/东至", Suggestion(EAST_SIDE, 1.0, SAME)),
    ("parcels", "四至/东", Suggestion(EAST_SIDE, 0.95, "同义词“四至/东”")),
    ("parcels", "四至/北", Suggestion("北至", 0.95, "同义词“四至/北”")),
    ("contracts", "承包费/（元/年）", Suggestion("年承包费(元)", 0.95, "同义词“承包费”")),
])
def test_composed_headers_are_read_by_their_last_part(kind, header, expected):
    assert suggest(kind, header) == expected


def test_a_period_and_a_side_say_which_columns_they_fill():
    period, = M.DERIVED["contracts"]
    assert (period.name, period.fills, period.how) == ("承包期限", ("起始日期", "终止日期"), "period")
    assert [(d.name, d.fills, d.how) for d in M.DERIVED["parcels"]] == [
        ("东至", ("四至",), "side"), ("南至", ("四至",), "side"), ("西至", ("四至",), "side"),
        ("北至", ("四至",), "side")]


@pytest.mark.parametrize("header", ["备用列", "名称", "村民小组", "", "   "])
def test_unrelated_header_is_not_imported(header):
    assert suggest("contracts", header) == Suggestion(None, 0.0, "没有相近的栏目")


def test_a_signature_column_is_not_imported():
    assert suggest("contracts", "联系人签字") == Suggestion(
        None, 0.81, "与“签字”相近（90%）；不导入：序号和签字不是台账的数据")


def test_every_word_of_the_dictionary_names_a_column_once_and_repeats_no_name():
    for kind in KINDS:
        words = M._words(kind)
        names = set(M.targets(kind))
        listed = {**{c: w for c, w in M.COMMON.items() if c in names}, **M.SYNONYMS.get(kind, {})}
        seen = {}
        for column, synonyms in listed.items():
            assert column in names
            for word in synonyms:
                key = header_key(word)
                assert key not in words.exact, (kind, word)
                assert seen.setdefault(key, column) == column, (kind, word)
        kept = {header_key(c.name) for c in KINDS[kind].read_also} | {header_key(a) for c in KINDS[kind].read_also
                                                                       for a in c.aliases}
        for where in ("*", kind):
            for synonyms in M.IGNORED.get(where, {}).values():
                assert not any(header_key(w) not in kept and (header_key(w) in words.exact or header_key(w) in seen)
                               for w in synonyms)


# --- Values ----------------------------------------------------------------------------------------------

IDS = ["142301198001011234", "14230119800101123X", 1.42301198001011e17]
DATES = [date(2015, 3, 1), "2016.3.1", "2017年3月1日"]


@pytest.mark.parametrize("value, kind", [
    ("14230119800101123X", "id"), (1.42301198001011e17, "id"), ("91141100MA0GRT7Q5X", "id"),
    ("13800000000", "phone"), (13800000000, "phone"), ("0358-1234567", "phone"),
    (date(2015, 3, 1), "date"), ("2015.3.1", "date"), ("2015年3月1日", "date"), ("2015.03", "date"),
    ("2010.1.1-2030.12.31", "period"), ("2015.3.1至今", "period"), ("20年", "period"),
    ("12,345.00", "number"), ("1.2万", "number"), ("7425元/年", "number"), (2015, "number"),
    ("张三", "text"), ("", None), (None, None), ("-", None),
])
def test_value_type(value, kind):
    assert M.value_type(value) == kind


def test_ids_in_an_unnamed_column_make_it_the_id_number():
    assert suggest("contracts", "", IDS) == Suggestion("证件号码", 0.6, "内容为证件号码")
    assert suggest("claims", "备用列", IDS) == Suggestion("证件号码", 0.6, "内容为证件号码")
    # A kind without an ID column, and a column of names, stay unmapped.
    assert suggest("parcels", "", IDS) == Suggestion(None, 0.0, "没有相近的栏目")
    assert suggest("contracts", "", ["张三", "李四"]) == Suggestion(None, 0.0, "没有相近的栏目")


def test_periods_and_phone_numbers_in_an_unnamed_column_name_it_too():
    assert suggest("contracts", "", ["2010.1.1-2030.12.31", "2012.3.1至今"]) == Suggestion(
        "承包期限", 0.6, "内容为起止期限")
    assert suggest("contracts", "备用列", ["13800000000", "13912345678"]) == Suggestion(
        "联系电话", 0.6, "内容为电话号码")


def test_dates_raise_a_date_column_and_names_lower_it():
    assert suggest("contracts", "承包开始日") == Suggestion(None, 0.0, "没有相近的栏目")
    assert suggest("contracts", "承包开始日", DATES) == Suggestion(
        "起始日期", 0.74, "与“承包起始日期”相近（83%），内容为日期")
    assert suggest("contracts", "开始日", DATES) == Suggestion("起始日期", 0.86, "与“开始日期”相近（96%），内容为日期")
    assert suggest("contracts", "开始日") == Suggestion("起始日期", 0.77, "与“开始日期”相近（86%）")
    assert suggest("contracts", "开始日", ["张三", "李四"]) == Suggestion(None, 0.0, "没有相近的栏目")


def test_amounts_raise_a_money_column_and_names_lower_it():
    assert suggest("contracts", "年承包金额") == Suggestion("年承包费(元)", 0.8, "与“年承包金(元)”相近（89%）")
    assert suggest("contracts", "年承包金额", ["1,200", "1.2万", 3600]) == Suggestion(
        "年承包费(元)", 0.89, "与“年承包金(元)”相近（99%），内容为数字")
    assert suggest("contracts", "年承包金额", ["张三", "李四"]) == Suggestion(None, 0.0, "没有相近的栏目")


def test_values_do_not_overrule_a_name_or_a_synonym():
    assert suggest("contracts", "承包方", IDS) == Suggestion("承包方", 1.0, SAME)
    assert suggest("contracts", "乙方", DATES) == Suggestion("承包方", 0.95, "同义词“乙方”")


# --- A sheet ---------------------------------------------------------------------------------------------


def test_two_headers_never_get_one_column():
    proposal = suggest_all("contracts", [("乙方", ()), ("承包方", ()), ("承租人", ())])
    assert proposal.suggestions == [
        Suggestion(None, 0.0, "“承包方”已对应“承包方”"),
        Suggestion("承包方", 1.0, SAME),
        Suggestion(None, 0.0, "“承包方”已对应“承包方”"),
    ]


def test_the_loser_gets_its_next_suggestion():
    # 承包费总额 is the contract total by its synonym, and close to the yearly fee; the total is taken by the
    # header that names it.
    assert suggest_all("contracts", [("承包费总额", ()), ("合同金额", ())]).suggestions == [
        Suggestion("年承包费(元)", 0.81, "与“承包费”相近（90%）"),
        Suggestion("合同总额(元)", 1.0, SAME),
    ]


def test_equally_sure_headers_the_one_further_left_wins():
    assert suggest_all("contracts", [("年租金", ()), ("年承包费", ())]).suggestions == [
        Suggestion("年承包费(元)", 1.0, SAME),
        Suggestion(None, 0.0, "“年承包费(元)”已对应“年租金”"),
    ]


def test_a_period_does_not_stand_beside_its_start_and_end():
    proposal = suggest_all("contracts", [("承包期限/起", ()), ("承包期限/止", ()), ("起止时间", ())])
    assert [s.column for s in proposal.suggestions] == ["起始日期", "终止日期", None]


def test_required_columns_no_header_got_are_reported():
    headers = [("序号", ()), ("发包方", ()), ("乙方", ()), ("乙方身份证号", IDS[:2]), ("承包期限", ()),
               ("承包费（元/年）", ()), ("合同总金额（万元）", ()), ("签订日期", ()), ("是否经村民代表会议", ()),
               ("备用列", ())]
    proposal = suggest_all("contracts", headers)
    assert [s.column for s in proposal.suggestions] == [
        "序号", None, "承包方", "证件号码", "承包期限", "年承包费(元)", "合同总额(元)", None, "民主程序", None]
    # 合同编号 is not required: a row without one is numbered by the system (tests/test_ledger_numbers.py).
    assert proposal.missing == ["乡镇", "村"]


def test_a_parcels_sheet_with_its_four_sides():
    proposal = suggest_all("parcels", [
        ("村", ()), ("资源编号", ()), ("资源名称", ()), ("资源类别", ()), ("面积（亩）", ()),
        ("四至/东至", ()), ("四至/南至", ()), ("四至/西至", ()), ("四至/北至", ())])
    assert proposal == Proposal([
        Suggestion("村", 1.0, SAME), Suggestion("地块编号", 0.95, "同义词“资源编号”"),
        Suggestion("地名", 0.95, "同义词“资源名称”"), Suggestion("资源类型", 0.95, "同义词“资源类别”"),
        Suggestion("台账面积(亩)", 1.0, SAME), Suggestion("东至", 1.0, SAME), Suggestion("南至", 1.0, SAME),
        Suggestion("西至", 1.0, SAME), Suggestion("北至", 1.0, SAME)], ["乡镇"])


# --- Coded values ----------------------------------------------------------------------------------------


def test_unknown_codes_are_counted_once_most_frequent_first():
    values = ["资源类"] * 9 + ["资源发包", "经营性", "自营", "承包 ", "自营", "承包", "", None, "发包"]
    assert unknown_codes("contracts", "合同类型", values) == [("资源类", 9), ("自营", 2), ("承包", 2)]


def test_unknown_codes_of_every_kind_of_coded_column():
    assert unknown_codes("parcels", "资源类型", ["荒山", "水浇地", "耕地", "水浇地", "旱地"]) == [
        ("水浇地", 2), ("旱地", 1)]
    assert unknown_codes("contracts", "民主程序", ["是", "y", "√", "已开会", "否"]) == [("已开会", 1)]
    assert unknown_codes("claims", "形成原因", ["税费尾欠（三提五统）", "水费", "水费", "承包费"]) == [("水费", 2)]
    assert unknown_codes("contracts", "存在问题", ["P01、拖欠", "价低、拖欠承包费", "其他：没盖章", "价低"]) == [
        ("价低", 2)]


def test_a_column_that_is_not_coded_has_no_unknown_codes():
    assert unknown_codes("contracts", "承包方", ["张三"]) == []


def test_every_column_with_choices_has_a_vocabulary():
    coded = {(kind.key, col.name) for kind in KINDS.values() for col in kind.columns if col.choices}
    assert coded <= set(M.CODED)


def test_the_countys_own_words_are_known():
    known = {"资源类": "资源发包", "自营": "经营性"}
    assert unknown_codes("contracts", "合同类型", ["资源类", "自营", "承包"], known) == [("承包", 1)]
    vocabulary = M.vocabulary("contracts", "合同类型", known)
    assert (vocabulary.read("资源类"), vocabulary.read(" 自营 "), vocabulary.read("资源")) == (
        "资源发包", "经营性", "资源发包")
    with pytest.raises(CellError):
        vocabulary.read("承包")


# --- Saved mappings --------------------------------------------------------------------------------------


def test_a_confirmed_mapping_maps_next_months_file_of_the_county(personas):
    changed = M.remember(county=personas.county, kind="contracts", user=personas.cadre, mapping={
        "户主": "承包方", "合同类别（旧）": "合同类型", "村集体名称": None, "备用列": ""},
        values={"合同类型": {"资源类": "资源发包", " 自营 ": "经营性"}})
    assert len(changed) == 4
    saved = M.saved_mapping(personas.county, "contracts")
    assert saved == {"户主": "承包方", "合同类别(旧)": "合同类型", "村集体名称": "", "备用列": ""}
    assert M.saved_values(personas.county, "contracts") == {"合同类型": {"资源类": "资源发包", "自营": "经营性"}}

    assert suggest("contracts", "户主", saved=saved) == Suggestion("承包方", 1.0, "本县已确认")
    assert suggest("contracts", "户 主", saved=saved) == Suggestion("承包方", 1.0, "本县已确认")
    assert suggest("contracts", "村集体名称", saved=saved) == Suggestion(None, 1.0, "本县已确认")
    assert suggest("contracts", "户主") == Suggestion(None, 0.0, "没有相近的栏目")
    known = M.saved_values(personas.county, "contracts")["合同类型"]
    assert unknown_codes("contracts", "合同类型", ["资源类"] * 9 + ["承包"], known) == [("承包", 1)]


def test_another_county_does_not_see_the_mapping(personas):
    M.remember(county=personas.county, kind="contracts", user=personas.cadre, mapping={"户主": "承包方"})
    other = CountyFactory(name="临县")
    assert M.saved_mapping(other, "contracts") == {}
    assert M.saved_mapping(personas.county, "claims") == {}
    assert suggest("contracts", "户主", saved=M.saved_mapping(other, "contracts")).column is None


def test_a_saved_mapping_wins_over_the_dictionary(personas):
    M.remember(county=personas.county, kind="contracts", user=personas.cadre, mapping={"甲方": "村"})
    saved = M.saved_mapping(personas.county, "contracts")
    assert suggest_all("contracts", [("村", ()), ("甲方", ())], saved=saved).suggestions == [
        Suggestion("村", 1.0, SAME), Suggestion(None, 0.0, "“村”已对应“村”")]
    assert suggest_all("contracts", [("甲方", ())], saved=saved).suggestions == [Suggestion("村", 1.0, "本县已确认")]


def test_remembering_again_updates_changed_headers_only_and_keeps_value_words(personas):
    M.remember(county=personas.county, kind="contracts", user=personas.cadre,
               mapping={"户主": "承包方", "类别": "合同类型"}, values={"合同类型": {"资源类": "资源发包"}})
    changed = M.remember(county=personas.county, kind="contracts", user=personas.county_office,
                         mapping={"户主": "承包方", "类别": "合同类型"}, values={"合同类型": {"自营": "经营性"}})
    assert [row.header_key for row in changed] == ["类别"]
    row = ColumnMapping.objects.get(header_key="类别")
    assert (row.values, row.updated_by) == ({"资源类": "资源发包", "自营": "经营性"}, personas.county_office)
    M.remember(county=personas.county, kind="contracts", user=personas.cadre, mapping={"类别": "标的类型"})
    row.refresh_from_db()
    assert (row.column, row.values) == ("标的类型", {})
    assert ColumnMapping.objects.count() == 2


def test_a_mapping_is_audited_in_the_county(personas):
    M.remember(county=personas.county, kind="contracts", user=personas.cadre, mapping={"户主": "承包方"})
    M.remember(county=personas.county, kind="contracts", user=personas.county_office, mapping={"户主": ""})
    row = ColumnMapping.objects.get()
    created, changed = AuditEntry.objects.filter(content_type__model="columnmapping", object_id=row.pk).order_by("pk")
    assert (created.action, created.actor, created.county_id) == (
        AuditEntry.Action.CREATE, personas.cadre, personas.county.pk)
    assert (changed.action, changed.actor) == (AuditEntry.Action.UPDATE, personas.county_office)
    assert changed.changes_dict == {"column": ["承包方", ""], "updated_by": ["高志强", "马立新"]}


@pytest.mark.parametrize("mapping, values, message", [
    ({"户主": "户主"}, {}, "合同台账没有“户主”一栏。"),
    ({"户主": "承包方", "户 主": "村"}, {}, "表头“户主”对应了两个栏目。"),
    ({"类别": "合同类型"}, {"合同类型": {"资源类": "资源"}}, "“合同类型”一栏没有“资源”"),
    ({"户主": "承包方"}, {"承包方": {"张三": "李四"}}, "“承包方”一栏没有代码。"),
])
def test_a_wrong_mapping_is_refused_and_nothing_is_saved(personas, mapping, values, message):
    with pytest.raises(ValidationError) as refused:
        M.remember(county=personas.county, kind="contracts", user=personas.cadre, mapping=mapping, values=values)
    assert message in refused.value.messages[0]
    assert not ColumnMapping.objects.exists()


def test_only_who_may_import_saves_and_only_for_the_own_county(personas):
    with pytest.raises(PermissionDenied):
        M.remember(county=personas.county, kind="contracts", user=personas.inspector, mapping={"户主": "承包方"})
    with pytest.raises(PermissionDenied):
        M.remember(county=CountyFactory(name="临县"), kind="contracts", user=personas.cadre, mapping={"户主": "承包方"})
    assert not ColumnMapping.objects.exists()

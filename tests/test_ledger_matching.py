"""Matching a ledger's rows with what is registered: names with a remark in brackets, 四至 that would lose
sides, and records the file lists under another number (or none), which the user confirms in the preview."""
from datetime import date
from decimal import Decimal

import pytest

from contracts.factories import ContractFactory
from contracts.models import Contract
from debts.factories import ClaimFactory
from debts.models import Claim
from ledgers import importer
from ledgers.importer import ImportRefused, Rights
from ledgers.planning import split_annotation
from ledgers.testing import workbook
from villages.factories import ParcelFactory, PartyFactory
from villages.models import Parcel, Party

TODAY = date(2026, 5, 20)
CLAIM_HEADER = ["乡镇", "村", "债权编号", "债务人", "形成原因", "发生日期", "金额(元)", "备注"]
CONTRACT_HEADER = ["乡镇", "村", "合同编号", "承包方", "标的类型", "标的名称", "面积(亩)", "起始日期",
                   "年承包费(元)"]
PARCEL_HEADER = ["乡镇", "村", "地块编号", "地名", "资源类型", "台账面积(亩)", "四至"]


def sheet_of(tmp_path, header, rows, kind):
    path = tmp_path / f"{kind}.xlsx"
    workbook(header, rows, title_rows=1, path=path)
    return importer.parse(path, kind)


def run(sheet, kind, user, commit=False, decisions=None):
    act = importer.commit if commit else importer.preview
    return act(sheet, kind, Rights.of(user), today=TODAY, decisions=decisions)


def issues(found) -> list[str]:
    return [str(issue) for issue in found]


# --- Names with a remark ----------------------------------------------------------------------------


@pytest.mark.parametrize(("written", "name", "status", "heirs"), [
    ("王福堂（已故，其子王二虎代还）", "王福堂", "已故（有继承人）", "其子王二虎代还"),
    ("李四(已死亡)", "李四", "", ""),
    ("张三（外出，联系人：张小三 13800000009）", "张三", "", ""),
    ("赵五（迁出）", "赵五", "迁出（下落已知）", ""),
    ("钱六（下落不明）", "钱六", "下落不明", ""),
    ("孙七（已故）（继承人：孙小七）", "孙七", "已故（有继承人）", "继承人：孙小七"),
    ("方山县农机修造有限公司（已吊销）", "方山县农机修造有限公司", "已吊销（组织）", ""),
    ("周八（继承其父周九的承包地）", "周八", "", ""),
    ("吴九（其子代还）", "吴九", "", ""),
])
def test_a_remark_with_a_known_word_is_split_from_the_name(written, name, status, heirs):
    found, annotation = split_annotation(written)
    assert (found, annotation.status, annotation.heirs) == (name, status, heirs)


@pytest.mark.parametrize("written", ["方山县峪口建材有限公司（原峪口砖厂）", "王五", "李（小）四", "（已故）"])
def test_brackets_without_a_known_word_are_part_of_the_name(written):
    assert split_annotation(written) == (written, None)


def test_a_remark_after_a_debtors_name_goes_to_the_new_partys_note_status_and_heirs(personas, tmp_path):
    rows = [["峪口镇", "峪口村", "ZQ-1", "王福堂（已故，其子王二虎代还）", "借款", "2016-03-01", "5,000", ""],
            ["峪口镇", "峪口村", "ZQ-2", "李四(已死亡)", "借款", "2016-03-01", "3,000", ""],
            ["峪口镇", "峪口村", "ZQ-3", "张三（外出，联系人：张小三 13800000009）", "借款", "2016-03-01", "2,000", ""],
            ["峪口镇", "峪口村", "ZQ-4", "王福堂", "借款", "2017-03-01", "1,000", ""],
            ["峪口镇", "峪口村", "ZQ-5", "方山县峪口建材有限公司（原峪口砖厂）", "借款", "2016-03-01", "9,000", ""]]
    outcome = run(sheet_of(tmp_path, CLAIM_HEADER, rows, "claims"), "claims", personas.cadre, commit=True)
    assert issues(outcome.warnings) == [
        "第 3 行 「债务人」: “王福堂（已故，其子王二虎代还）”读作 王福堂，注记已存入备注，状态记为“已故（有继承人）”，"
        "继承人：其子王二虎代还",
        "第 4 行 「债务人」: “李四(已死亡)”读作 李四，注记已存入备注；台账注明已故但未写继承人，状态未改，"
        "请核实后在当事人页面登记“已故（有/无继承人）”",
        "第 5 行 「债务人」: “张三（外出，联系人：张小三 13800000009）”读作 张三，注记已存入备注"]
    wang = Party.objects.get(name="王福堂")
    assert (wang.status, wang.heirs, wang.note, wang.status_note) == (
        "已故（有继承人）", "其子王二虎代还", "台账注记：已故，其子王二虎代还", "台账注记：已故，其子王二虎代还")
    assert set(Claim.objects.filter(debtor=wang).values_list("number", flat=True)) == {"ZQ-1", "ZQ-4"}
    li = Party.objects.get(name="李四")
    # Dead with nobody named is not 无继承人 (the ground for a write-off) on the file's word alone.
    assert (li.status, li.heirs, li.note) == ("正常", "", "台账注记：已死亡")
    zhang = Party.objects.get(name="张三")
    assert (zhang.status, zhang.note) == ("正常", "台账注记：外出，联系人：张小三 13800000009")
    company = Party.objects.get(name="方山县峪口建材有限公司（原峪口砖厂）")
    assert (company.kind, company.note) == (Party.Kind.ORG, "")
    assert not Party.objects.filter(name__contains="已故").exists()


def test_a_registered_party_is_matched_by_its_name_and_keeps_its_status(personas, tmp_path):
    wang = PartyFactory(village=personas.yukou, name="王福堂", id_number="", note="老户")
    rows = [["峪口镇", "峪口村", "ZQ-1", "王福堂（已故，其子王二虎代还）", "借款", "2016-03-01", "5,000", ""]]
    outcome = run(sheet_of(tmp_path, CLAIM_HEADER, rows, "claims"), "claims", personas.cadre, commit=True)
    assert issues(outcome.warnings) == [
        "第 3 行 「债务人」: “王福堂（已故，其子王二虎代还）”读作 王福堂，注记已存入备注；"
        "台账所注为“已故（有继承人）”，系统中为“正常”，当事人状态请在当事人页面修改"]
    wang.refresh_from_db()
    assert (wang.status, wang.heirs, wang.note) == ("正常", "", "老户；台账注记：已故，其子王二虎代还")
    assert Claim.objects.get().debtor == wang and Party.objects.count() == 1
    # Imported again, the note is not repeated.
    again = run(sheet_of(tmp_path, CLAIM_HEADER, rows, "claims"), "claims", personas.cadre, commit=True)
    wang.refresh_from_db()
    assert again.unchanged == 1 and wang.note == "老户；台账注记：已故，其子王二虎代还"


def test_a_contractors_remark_is_kept_and_an_organisations_status_set(personas, tmp_path):
    rows = [["峪口镇", "峪口村", "HT-1", "方山县农机修造有限公司（已吊销）", "机动地", "前坪", "10", "2015.3.1",
             "3,000"]]
    run(sheet_of(tmp_path, CONTRACT_HEADER, rows, "contracts"), "contracts", personas.cadre, commit=True)
    party = Contract.objects.get().counterparty
    assert (party.name, party.kind, party.status, party.note) == (
        "方山县农机修造有限公司", Party.Kind.ORG, "已吊销（组织）", "台账注记：已吊销")


# --- 四至 -----------------------------------------------------------------------------------------------

FOUR_SIDES = "东至路，南至渠，西至李家，北至山"


def test_a_boundary_naming_fewer_sides_does_not_replace_the_registered_one(personas, tmp_path):
    ParcelFactory(village=personas.yukou, code="YK-1", name="前坪", boundaries=FOUR_SIDES)
    ParcelFactory(village=personas.yukou, code="YK-2", name="后沟", boundaries=FOUR_SIDES)
    ParcelFactory(village=personas.yukou, code="YK-3", name="河滩", boundaries="东至路")
    rows = [["峪口镇", "峪口村", "YK-1", "前坪", "机动地", "12.5", "东至路"],
            ["峪口镇", "峪口村", "YK-2", "后沟", "机动地", "12.5", ""],
            ["峪口镇", "峪口村", "YK-3", "河滩", "机动地", "12.5", "东至公路，南：河，西邻王家，北接山根"]]
    outcome = run(sheet_of(tmp_path, PARCEL_HEADER, rows, "parcels"), "parcels", personas.cadre, commit=True)
    assert issues(outcome.warnings) == [
        f"第 3 行 「四至」: 台账为“东至路”（1 面），少于系统中的“{FOUR_SIDES}”（4 面），保留系统中的四至；"
        "如需修改，请在地块页面办理"]
    boundaries = dict(Parcel.objects.values_list("code", "boundaries"))
    assert boundaries == {"YK-1": FOUR_SIDES, "YK-2": FOUR_SIDES, "YK-3": "东至公路，南：河，西邻王家，北接山根"}


def test_a_boundary_naming_as_many_sides_replaces_the_registered_one(personas, tmp_path):
    ParcelFactory(village=personas.yukou, code="YK-1", name="前坪", boundaries=FOUR_SIDES)
    rows = [["峪口镇", "峪口村", "YK-1", "前坪", "机动地", "12.5", "东至新路，南至渠，西至李家，北至山"]]
    outcome = run(sheet_of(tmp_path, PARCEL_HEADER, rows, "parcels"), "parcels", personas.cadre, commit=True)
    assert outcome.update == 1 and outcome.warnings == []
    assert Parcel.objects.get().boundaries == "东至新路，南至渠，西至李家，北至山"


# --- The same contract under another number ---------------------------------------------------------


@pytest.fixture
def registered(personas):
    wang = PartyFactory(village=personas.yukou, name="王五", id_number="")
    return ContractFactory(village=personas.yukou, number="峪口村-2026-047", counterparty=wang, parcels=[],
                           subject_note="机动地：前坪", area_mu=Decimal("12.14"), start_date=date(2015, 3, 1),
                           end_date=None, annual_fee=Decimal("3000.00"))


def same_contract_rows(number="YK-099"):
    return [["峪口镇", "峪口村", number, "王五", "机动地", "前坪", "12.14", "2015.3.1", "3,600"]]


def test_a_row_that_may_be_a_registered_contract_asks_and_blocks_the_commit(personas, registered, tmp_path):
    sheet = sheet_of(tmp_path, CONTRACT_HEADER, same_contract_rows(), "contracts")
    outcome = run(sheet, "contracts", personas.cadre)
    assert issues(outcome.errors) == [
        "第 3 行 「合同编号」: 可能与已登记的合同 峪口村-2026-047（王五，2015-03-01 起，12.14 亩）是同一份："
        "请在预览中选择“是同一份”或“另建新合同”"]
    candidate = {"pk": registered.pk, "number": "峪口村-2026-047", "description": "王五，2015-03-01 起，12.14 亩"}
    assert outcome.matches == [{"row": 3, "where": "第 3 行", "description": "王五，2015-03-01 起，12.14 亩",
                                "pk": registered.pk, "number": "峪口村-2026-047", "candidates": [candidate]}]
    with pytest.raises(ImportRefused):
        run(sheet, "contracts", personas.cadre, commit=True)
    assert Contract.objects.count() == 1


def test_decided_same_updates_the_registered_contract_under_its_own_number(personas, registered, tmp_path):
    sheet = sheet_of(tmp_path, CONTRACT_HEADER, same_contract_rows(), "contracts")
    decisions = {3: registered.pk}
    preview = run(sheet, "contracts", personas.cadre, decisions=decisions)
    assert preview.errors == [] and preview.matches == [] and (preview.create, preview.update) == (0, 1)
    assert issues(preview.warnings) == ["第 3 行 「合同编号」: 台账编号 YK-099，按已登记的合同 峪口村-2026-047 更新"]
    run(sheet, "contracts", personas.cadre, commit=True, decisions=decisions)
    registered.refresh_from_db()
    assert Contract.objects.count() == 1
    assert (registered.number, registered.annual_fee) == ("峪口村-2026-047", Decimal("3600.00"))


def test_decided_new_creates_a_contract_beside_the_registered_one(personas, registered, tmp_path):
    sheet = sheet_of(tmp_path, CONTRACT_HEADER, same_contract_rows(), "contracts")
    outcome = run(sheet, "contracts", personas.cadre, commit=True, decisions={3: 0})
    assert outcome.create == 1
    new = Contract.objects.get(number="YK-099")
    assert (new.counterparty_id, new.annual_fee) == (registered.counterparty_id, Decimal("3600.00"))


def test_another_subject_area_or_start_is_not_the_same_contract(personas, registered, tmp_path):
    rows = [["峪口镇", "峪口村", "YK-1", "王五", "机动地", "后沟", "12.14", "2015.3.1", "3,600"],
            ["峪口镇", "峪口村", "YK-2", "王五", "机动地", "前坪", "20", "2015.3.1", "3,600"],
            ["峪口镇", "峪口村", "YK-3", "王五", "机动地", "前坪", "12.14", "2016.3.1", "3,600"],
            ["峪口镇", "峪口村", "YK-4", "王六", "机动地", "前坪", "12.14", "2015.3.1", "3,600"]]
    outcome = run(sheet_of(tmp_path, CONTRACT_HEADER, rows, "contracts"), "contracts", personas.cadre)
    assert outcome.errors == [] and outcome.matches == [] and outcome.create == 4


def test_a_contract_listed_under_its_own_number_is_no_other_rows_match(personas, registered, tmp_path):
    rows = same_contract_rows("YK-099") + same_contract_rows("峪口村-2026-047")
    outcome = run(sheet_of(tmp_path, CONTRACT_HEADER, rows, "contracts"), "contracts", personas.cadre)
    assert outcome.errors == [] and (outcome.create, outcome.update) == (1, 1)


def test_a_row_without_a_number_equal_in_every_fact_is_the_registered_contract(personas, registered, tmp_path):
    rows = same_contract_rows("")
    rows[0][-1] = "3,000"
    outcome = run(sheet_of(tmp_path, CONTRACT_HEADER, rows, "contracts"), "contracts", personas.cadre, commit=True)
    assert (outcome.create, outcome.update, outcome.unchanged) == (0, 0, 1) and outcome.warnings == []
    assert list(Contract.objects.values_list("number", flat=True)) == ["峪口村-2026-047"]


def test_a_row_without_a_number_that_differs_in_its_fee_asks(personas, registered, tmp_path):
    outcome = run(sheet_of(tmp_path, CONTRACT_HEADER, same_contract_rows(""), "contracts"), "contracts",
                  personas.cadre)
    assert [m["pk"] for m in outcome.matches] == [registered.pk] and outcome.error_count == 1


def test_two_rows_cannot_both_be_the_same_registered_contract(personas, registered, tmp_path):
    rows = same_contract_rows("YK-098") + same_contract_rows("YK-099")
    outcome = run(sheet_of(tmp_path, CONTRACT_HEADER, rows, "contracts"), "contracts", personas.cadre,
                  decisions={3: registered.pk, 4: registered.pk})
    assert issues(outcome.errors) == [
        "第 4 行 「合同编号」: 所选的已登记合同已由第 3 行对应，不能两行对应同一份"]


# --- The same claim under another number --------------------------------------------------------------


@pytest.fixture
def claim(personas):
    debtor = PartyFactory(village=personas.yukou, name="李四", id_number="")
    return ClaimFactory(village=personas.yukou, number="ZQ-2016-001", debtor=debtor, origin="借款",
                        principal=Decimal("5000.00"), occurred_on=date(2016, 3, 1), due_date=None, clock_from=None,
                        lapse_on=None)


def test_a_claim_under_another_number_asks_then_updates_the_registered_one(personas, claim, tmp_path):
    rows = [["峪口镇", "峪口村", "QT-7", "李四", "借款", "2016-03-01", "5,000", "村委会借款"]]
    sheet = sheet_of(tmp_path, CLAIM_HEADER, rows, "claims")
    outcome = run(sheet, "claims", personas.cadre)
    assert issues(outcome.errors) == [
        "第 3 行 「债权编号」: 可能与已登记的债权 ZQ-2016-001（李四，5,000.00 元，2016-03-01 发生）是同一份："
        "请在预览中选择“是同一份”或“另建新债权”"]
    assert outcome.matches[0]["pk"] == claim.pk and outcome.matches[0]["number"] == "ZQ-2016-001"
    done = run(sheet, "claims", personas.cadre, commit=True, decisions={3: claim.pk})
    claim.refresh_from_db()
    assert done.update == 1 and Claim.objects.count() == 1
    assert (claim.number, claim.note) == ("ZQ-2016-001", "村委会借款")


def test_a_claim_without_a_number_equal_in_every_fact_is_the_registered_one(personas, claim, tmp_path):
    rows = [["峪口镇", "峪口村", "", "李四", "借款", "2016-03-01", "5,000", ""],
            ["峪口镇", "峪口村", "", "李四", "借款", "2016-03-01", "6,000", ""]]
    outcome = run(sheet_of(tmp_path, CLAIM_HEADER, rows, "claims"), "claims", personas.cadre, commit=True)
    assert (outcome.create, outcome.unchanged) == (1, 1)
    assert sorted(Claim.objects.values_list("number", "principal")) == [
        ("ZQ-2016-001", Decimal("5000.00")), ("峪口-ZQ-2016-001", Decimal("6000.00"))]

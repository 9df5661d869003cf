"""Ledgers without record numbers (only 序号): numbers the system makes, re-imports that find the records
made the first time, and figures too small or too large to be in the unit they were read in."""
from datetime import date
from decimal import Decimal

from contracts.factories import ContractFactory
from contracts.models import Contract
from debts.models import Claim, Debt
from ledgers import importer
from ledgers import kinds as K
from ledgers.importer import Rights
from ledgers.testing import workbook

TODAY = date(2026, 5, 20)
# As the field keeps them: a 序号, no 合同编号.
CONTRACT_HEADER = ["序号", "乡镇", "村", "承包方", "标的类型", "标的名称", "面积(亩)", "起始日期", "年承包费(元)",
                   "备注"]
CLAIM_HEADER = ["序号", "乡镇", "村", "债务人", "形成原因", "发生日期", "金额(元)"]
DEBT_HEADER = ["序号", "乡镇", "村", "债权人", "形成原因", "发生日期", "金额(元)"]


def sheet_of(tmp_path, header, rows, kind, name="台账"):
    path = tmp_path / f"{kind}-{name}.xlsx"
    workbook(header, rows, title_rows=1, path=path)
    return importer.parse(path, kind)


def run(sheet, kind, user, commit=False):
    return (importer.commit if commit else importer.preview)(sheet, kind, Rights.of(user), today=TODAY)


def issues(found) -> list[str]:
    return [str(issue) for issue in found]


def contract_rows():
    return [[1, "峪口镇", "峪口村", "张三", "机动地", "前坪", "12.5", "2015.3.1", "3,750", "口头协议"],
            [2, "峪口镇", "峪口村", "李四", "荒山", "后沟", "100", "2015年5月1日", "2,000", ""],
            [3, "峪口镇", "峪口村", "王五", "房屋", "临街门面房", None, None, "24,000", ""]]


def test_contracts_without_numbers_are_numbered_by_village_and_year(personas, tmp_path):
    sheet = sheet_of(tmp_path, CONTRACT_HEADER, contract_rows(), "contracts")
    assert K.CONTRACTS.required == ["乡镇", "村", "承包方"] and "序号" in sheet.columns
    preview = run(sheet, "contracts", personas.cadre)
    assert preview.errors == [] and preview.create == 3
    assert issues(preview.warnings) == ["第 3 行 「合同编号」: 编号由系统生成：峪口-2015-001",
                                        "第 4 行 「合同编号」: 编号由系统生成：峪口-2015-002",
                                        "第 5 行 「合同编号」: 编号由系统生成：峪口-2026-001"]
    run(sheet, "contracts", personas.cadre, commit=True)
    stored = {c.number: (c.counterparty.name, c.note) for c in Contract.objects.select_related("counterparty")}
    assert stored == {"峪口-2015-001": ("张三", "口头协议；台账序号 1"), "峪口-2015-002": ("李四", "台账序号 2"),
                      "峪口-2026-001": ("王五", "台账序号 3")}


def test_reimporting_a_file_without_numbers_creates_nothing_twice(personas, tmp_path):
    sheet = sheet_of(tmp_path, CONTRACT_HEADER, contract_rows(), "contracts")
    run(sheet, "contracts", personas.cadre, commit=True)
    again = run(sheet_of(tmp_path, CONTRACT_HEADER, contract_rows(), "contracts"), "contracts", personas.cadre,
                commit=True)
    assert (again.create, again.update, again.unchanged) == (0, 0, 3) and again.errors == []
    assert Contract.objects.count() == 3


def test_a_reordered_file_without_numbers_moves_the_serial_not_the_record(personas, tmp_path):
    run(sheet_of(tmp_path, CONTRACT_HEADER, contract_rows(), "contracts"), "contracts", personas.cadre, commit=True)
    rows = contract_rows()[::-1]
    for serial, row in enumerate(rows, start=1):
        row[0] = serial
    again = run(sheet_of(tmp_path, CONTRACT_HEADER, rows, "contracts", "reordered"), "contracts", personas.cadre,
                commit=True)
    assert (again.create, again.update) == (0, 2) and Contract.objects.count() == 3
    assert Contract.objects.get(number="峪口-2026-001").note == "台账序号 1"
    assert Contract.objects.get(number="峪口-2015-001").note == "口头协议；台账序号 3"


def test_made_numbers_continue_after_the_villages_highest_and_skip_the_files_own(personas, tmp_path):
    ContractFactory(village=personas.yukou, number="峪口-2015-007")
    ContractFactory(village=personas.tuwu, number="土屋-2015-001")
    header = ["乡镇", "村", "合同编号", "承包方", "起始日期"]
    rows = [["峪口镇", "峪口村", "", "张三", "2015.3.1"],
            ["峪口镇", "峪口村", "峪口-2015-008", "李四", "2015.3.1"],
            ["峪口镇", "峪口村", "—", "王五", "2015.6.1"],
            ["峪口镇", "土屋村", None, "赵六", "2015.6.1"]]
    run(sheet_of(tmp_path, header, rows, "contracts"), "contracts", personas.cadre, commit=True)
    numbers = dict(Contract.objects.filter(counterparty__name__in=["张三", "李四", "王五", "赵六"])
                   .values_list("counterparty__name", "number"))
    assert numbers == {"张三": "峪口-2015-009", "李四": "峪口-2015-008", "王五": "峪口-2015-010",
                       "赵六": "土屋-2015-002"}


def test_claims_and_debts_without_numbers_are_numbered_and_found_again(personas, tmp_path):
    claims = [[1, "峪口镇", "峪口村", "张三", "承包费", "2016-03-01", "1,200"],
              [2, "峪口镇", "峪口村", "李四", "借款", "", "800"]]
    debts = [[1, "峪口镇", "峪口村", "方山县第二建筑公司", "工程款", "2018-06-01", "50,000"]]
    for _ in range(2):
        run(sheet_of(tmp_path, CLAIM_HEADER, claims, "claims"), "claims", personas.cadre, commit=True)
        run(sheet_of(tmp_path, DEBT_HEADER, debts, "debts"), "debts", personas.cadre, commit=True)
    assert sorted(Claim.objects.values_list("number", "debtor__name", "note")) == [
        ("峪口-ZQ-2016-001", "张三", "台账序号 1"), ("峪口-ZQ-2026-001", "李四", "台账序号 2")]
    assert list(Debt.objects.values_list("number", "principal")) == [("峪口-ZW-2018-001", Decimal("50000.00"))]


# --- Figures in the wrong unit -------------------------------------------------------------------------


def test_a_road_building_debt_of_64_yuan_may_be_in_wan_yuan(personas, tmp_path):
    rows = [[1, "峪口镇", "峪口村", "方山县第二建筑公司", "工程款", "2018-06-01", "64"],
            [2, "峪口镇", "峪口村", "方山县信用社", "贷款", "2018-06-01", "800,000,000"],
            [3, "峪口镇", "峪口村", "王五", "劳务费", "2018-06-01", "640"]]
    outcome = run(sheet_of(tmp_path, DEBT_HEADER, rows, "debts"), "debts", personas.cadre)
    assert [str(w) for w in outcome.warnings if "金额" in str(w)] == [
        "第 3 行 「金额(元)」: 金额 64.00 元偏小，请核对单位是否为万元",
        "第 4 行 「金额(元)」: 金额 800,000,000.00 元偏大，请核对金额和单位"]
    assert outcome.errors == []


def test_a_claim_in_a_wan_yuan_column_is_told_it_was_converted(personas, tmp_path):
    header = ["序号", "乡镇", "村", "债权编号", "债务人", "形成原因", "金额（万元）"]
    rows = [[1, "峪口镇", "峪口村", "ZQ-1", "张三", "工程款", "0.05"]]
    outcome = run(sheet_of(tmp_path, header, rows, "claims"), "claims", personas.cadre)
    said = "第 3 行 「金额(元)」: 金额 500.00 元偏小，请核对金额和单位（该列已按万元换算为元）"
    assert said in issues(outcome.warnings)


def test_a_contract_fee_out_of_all_proportion_to_its_area_is_named(personas, tmp_path):
    header = ["乡镇", "村", "合同编号", "承包方", "面积(亩)", "年承包费(元)", "合同总额(元)"]
    rows = [["峪口镇", "峪口村", "HT-1", "张三", "12.5", "3.75", None],
            ["峪口镇", "峪口村", "HT-2", "李四", "2", "300,000", None],
            ["峪口镇", "峪口村", "HT-3", "王五", None, "5", None],
            ["峪口镇", "峪口村", "HT-4", "赵六", "10", "3,500", "7"],
            ["峪口镇", "峪口村", "HT-5", "钱七", "10", "3,500", "1,000"],
            ["峪口镇", "峪口村", "HT-6", "孙八", "10", "3,500", "70,000"]]
    outcome = run(sheet_of(tmp_path, header, rows, "contracts"), "contracts", personas.cadre)
    assert issues(outcome.warnings) == [
        "第 3 行 「年承包费(元)」: 年承包费 3.75 元（每亩 0.30 元）偏小，请核对单位是否为万元",
        "第 4 行 「年承包费(元)」: 年承包费 300,000.00 元（每亩 150,000.00 元）偏大，请核对金额和单位",
        "第 5 行 「年承包费(元)」: 年承包费 5.00 元偏小，请核对单位是否为万元",
        "第 6 行 「合同总额(元)」: 合同总额 7.00 元偏小，请核对单位是否为万元",
        "第 7 行 「合同总额(元)」: 合同总额 1,000.00 元小于年承包费 3,500.00 元，请核对单位是否为万元"]
    assert outcome.errors == [] and outcome.create == 6

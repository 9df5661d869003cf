"""Importing the five ledgers: what is created and matched, re-imports that change nothing, corrected files
that update with an audit trail, all-or-nothing commits, and the scope and rights of the importer."""
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from contracts.factories import ContractFactory, ResolutionFactory
from contracts.models import Contract, ContractProblem, Disposition, Resolution
from core.models import AuditEntry
from debts import services as debt_services
from debts.models import Claim, Debt, Entry
from ledgers import importer
from ledgers.importer import ImportRefused, Rights
from ledgers.models import LedgerImport
from ledgers.testing import workbook
from places.factories import GroupFactory
from places.models import County, Group, Township, Village
from villages.factories import ParcelFactory, PartyFactory, make_resident_id
from villages.models import Parcel, Party

ID_ZHANG = make_resident_id(11)
ID_LI = make_resident_id(12)
CONTRACT_HEADER = ["序号", "乡镇", "村", "合同编号", "合同名称", "合同类型", "承包方", "证件号码", "联系电话",
                   "标的类型",
                   "标的名称", "地块编号", "面积（亩）", "实测面积\n(亩)", "起始日期", "终止日期", "年承包费（元）",
                   "合同总额(元)", "签订形式", "民主程序", "清理状态", "存在问题", "处置方式", "备注", "经办人"]


def contract_rows():
    return [
        [1, "峪口镇", "峪口村", "YK-001", "前坪机动地承包合同", "资源发包", "张三", ID_ZHANG, "13800000001", "机动地",
         "前坪", "YK-JD-001", "12.5", 12.8, "2015.3.1", "至今", "1.2万", None, "书面", "是", "已查找",
         "P03、未签书面合同", "", "老合同", "王会计"],
        [2, "峪口镇", "峪口村", "YK-002", None, None, "李四", "", "", "荒山", "后沟", "YK-HS-001", 100,
         None, "2015年3月1日", "2045/2/28", "12,345.00", "¥370,350元", "口头", "否", "已查找", "", "", "", ""],
        [None] * 25,
        [3, "峪口镇", "峪口村", "YK-003", "门面房租赁", "资产租赁", "张三", ID_ZHANG, "", "房屋", "临街门面房", "",
         None, None, 42064, "20200228", 24000, None, "书面合同", "否", "已查找", "", "", "", ""],
        ["合计", None, None, None, None, None, None, None, None, None, None, None, 112.5, None, None, None, None],
    ]


def sheet_of(tmp_path, header, rows, kind, title_rows=2):
    path = tmp_path / f"{kind}.xlsx"
    workbook(header, rows, title_rows=title_rows, path=path)
    return importer.parse(path, kind)


def run(sheet, kind, user, commit=False, administrator=False):
    rights = Rights.administrator(user) if administrator else Rights.of(user)
    return (importer.commit if commit else importer.preview)(sheet, kind, rights)


def messages(outcome) -> list[str]:
    return [str(e) for e in outcome.errors]


@pytest.fixture
def contracts_sheet(tmp_path):
    return sheet_of(tmp_path, CONTRACT_HEADER, contract_rows(), "contracts")


# --- Contracts -----------------------------------------------------------------------------------


def test_a_messy_contracts_ledger_previews_without_writing(personas, contracts_sheet):
    outcome = run(contracts_sheet, "contracts", personas.cadre)
    assert messages(outcome) == []
    assert (outcome.rows, outcome.create, outcome.update, outcome.unchanged) == (3, 3, 0, 0)
    assert outcome.header_row == 3 and outcome.unknown == ["经办人"]
    assert Contract.objects.count() == 0 and Party.objects.count() == 0


def test_committing_creates_contracts_parties_parcels_and_placeholders(personas, contracts_sheet):
    before = AuditEntry.objects.count()
    outcome = run(contracts_sheet, "contracts", personas.cadre, commit=True)
    assert outcome.committed and outcome.create == 3
    first = Contract.objects.get(number="YK-001")
    assert first.village == personas.yukou and first.annual_fee == Decimal("12000.00")
    assert first.start_date == date(2015, 3, 1) and first.end_date is None and first.form == "书面合同"
    assert first.area_mu == Decimal("12.50") and first.note == "老合同"
    parcel = first.parcels.get()
    assert (parcel.code, parcel.kind, parcel.ledger_area_mu, parcel.measured_area_mu) == (
        "YK-JD-001", "机动地", Decimal("12.50"), Decimal("12.80"))
    zhang = Party.objects.get(id_number=ID_ZHANG)
    assert zhang.name == "张三" and zhang.phone == "13800000001" and zhang.contracts.count() == 2
    second = Contract.objects.get(number="YK-002")
    assert second.title == "后沟承包合同" and second.form == "口头协议" and second.total_amount == Decimal("370350.00")
    assert second.parcels.get().kind == "四荒地" and second.resolution is None
    third = Contract.objects.get(number="YK-003")
    assert third.start_date == date(2015, 3, 1) and third.end_date == date(2020, 2, 28)
    assert third.subject_note == "房屋：临街门面房" and third.kind == "资产租赁"
    # The ledger's problems are proposed beside the rules' own proposals, to be confirmed in the investigation.
    problems = {p.code: p for p in first.problems.all()}
    assert problems["P03"].reason == "台账登记：P03" and not problems["P03"].from_rule
    assert problems["P01"].status == ContractProblem.Status.PROPOSED
    assert problems["P02"].from_rule and "详情" in problems["P02"].reason
    # Every new record has its own "新建" entry in the audit trail, by the importer.
    created = AuditEntry.objects.exclude(content_type__model="rulesettings").count() - before
    assert created == 3 + 2 + 2 + 1   # contracts, parties, parcels, the placeholder resolution
    entry = AuditEntry.objects.get(object_id=first.pk, content_type__model="contract")
    assert entry.actor == personas.cadre and entry.action == AuditEntry.Action.CREATE
    assert entry.village_id == personas.yukou.pk and entry.changes["annual_fee"] == ["None", "12000.00"]
    assert entry.changes["parcels"]["objects"] == ["YK-JD-001 前坪"]


def test_a_procedure_placeholder_never_counts_as_passed(personas, contracts_sheet):
    run(contracts_sheet, "contracts", personas.cadre, commit=True)
    placeholder = Contract.objects.get(number="YK-001").resolution
    placeholder.refresh_from_db()
    assert placeholder.details_pending and not placeholder.passed and placeholder.resolved_on is None
    claim = Claim.objects.create(village=personas.yukou, number="ZQ-1", debtor=Party.objects.first(),
                                 origin="借款", principal=Decimal("100.00"))
    with pytest.raises(ValidationError, match="详情待补录"):
        debt_services.entry_record(user=personas.cadre, claim=claim, kind="核销", amount=Decimal("100.00"),
                                   entered_on=date(2026, 1, 5), resolution=placeholder)


def test_reimporting_the_same_file_changes_nothing(personas, contracts_sheet):
    run(contracts_sheet, "contracts", personas.cadre, commit=True)
    before = (AuditEntry.objects.count(), Contract.objects.count(), Party.objects.count(), Parcel.objects.count(),
              Resolution.objects.count(), ContractProblem.objects.count())
    outcome = run(contracts_sheet, "contracts", personas.cadre, commit=True)
    assert (outcome.create, outcome.update, outcome.unchanged) == (0, 0, 3)
    assert before == (AuditEntry.objects.count(), Contract.objects.count(), Party.objects.count(),
                      Parcel.objects.count(), Resolution.objects.count(), ContractProblem.objects.count())


def test_a_corrected_file_updates_the_matched_rows_with_audit_entries(personas, contracts_sheet, tmp_path):
    run(contracts_sheet, "contracts", personas.cadre, commit=True)
    rows = contract_rows()
    rows[0][16] = "13,000.00"       # the fee was mistyped
    rows[0][13] = "12.9"            # and the measured area
    rows[1][6] = "李四"
    corrected = sheet_of(tmp_path, CONTRACT_HEADER, rows, "contracts")
    preview = run(corrected, "contracts", personas.cadre)
    assert (preview.create, preview.update, preview.unchanged) == (0, 1, 2)
    run(corrected, "contracts", personas.cadre, commit=True)
    contract = Contract.objects.get(number="YK-001")
    assert contract.annual_fee == Decimal("13000.00") and contract.version == 2
    change = AuditEntry.objects.filter(object_id=contract.pk, content_type__model="contract",
                                       action=AuditEntry.Action.UPDATE).get()
    assert change.changes["annual_fee"] == ["12000.00", "13000.00"] and change.actor == personas.cadre
    parcel = contract.parcels.get()
    assert parcel.measured_area_mu == Decimal("12.90")
    assert AuditEntry.objects.filter(object_id=parcel.pk, content_type__model="parcel",
                                     action=AuditEntry.Action.UPDATE).exists()


def test_one_bad_row_among_thousands_commits_nothing_and_names_the_row(personas, tmp_path):
    header = ["乡镇", "村", "合同编号", "承包方", "年承包费(元)", "起始日期"]
    rows = [["峪口镇", "峪口村", f"HT-{n:05d}", f"村民{n % 300}", f"{1000 + n}.00", "2016-01-01"]
            for n in range(3000)]
    rows[1836][4] = "一千二"
    sheet = sheet_of(tmp_path, header, rows, "contracts", title_rows=0)
    preview = run(sheet, "contracts", personas.cadre)
    assert messages(preview) == ['第 1838 行 「年承包费(元)」: 无法识别的金额 "一千二"']
    with pytest.raises(ImportRefused) as refused:
        run(sheet, "contracts", personas.cadre, commit=True)
    assert refused.value.outcome.error_count == 1
    assert Contract.objects.count() == 0 and Party.objects.count() == 0 and Parcel.objects.count() == 0


def test_rows_are_refused_with_row_column_and_reason(personas, tmp_path):
    rows = contract_rows()[:2]
    rows[0][7] = "141128196503120011"           # wrong check digit
    rows[1][14], rows[1][15] = "2020-01-01", "2019-01-01"
    rows[1][20] = "已完成"
    sheet = sheet_of(tmp_path, CONTRACT_HEADER, rows + [rows[0][:3] + ["YK-001"] + rows[0][4:]], "contracts")
    assert messages(run(sheet, "contracts", personas.cadre)) == [
        '第 4 行 「证件号码」: 身份证号校验位不正确，请核对。 "141128196503120011"',
        "第 5 行 「终止日期」: 终止日期须晚于起始日期",
        '第 5 行 「清理状态」: 无法识别的值 "已完成"（可填：已查找、调查中、已认定、规范中、已规范）',
        "第 6 行 「合同编号」: 与第 4 行重复",
    ]


def test_a_duplicate_number_in_the_file_is_an_error(personas, tmp_path):
    rows = contract_rows()[:1] * 2
    sheet = sheet_of(tmp_path, CONTRACT_HEADER, rows, "contracts")
    assert messages(run(sheet, "contracts", personas.cadre)) == ["第 5 行 「合同编号」: 与第 4 行重复"]


def test_parties_are_matched_by_id_number_else_by_name_in_the_village(personas, tmp_path):
    known = PartyFactory(village=personas.tuwu, name="张三", id_number=ID_ZHANG)   # registered in another village
    li = PartyFactory(village=personas.yukou, name="李四", id_number="")
    run(sheet_of(tmp_path, CONTRACT_HEADER, contract_rows(), "contracts"), "contracts", personas.cadre, commit=True)
    assert Contract.objects.get(number="YK-001").counterparty == known
    assert Contract.objects.get(number="YK-002").counterparty == li
    assert Party.objects.count() == 2


def test_a_masked_id_number_matches_the_party_it_masks(personas, tmp_path):
    zhang = PartyFactory(village=personas.yukou, name="张三", id_number=ID_ZHANG)
    rows = contract_rows()[:1]
    rows[0][7] = ID_ZHANG[:6] + "********" + ID_ZHANG[-4:]
    run(sheet_of(tmp_path, CONTRACT_HEADER, rows, "contracts"), "contracts", personas.cadre, commit=True)
    assert Contract.objects.get().counterparty == zhang
    rows[0][6] = "王五"
    outcome = run(sheet_of(tmp_path, CONTRACT_HEADER, rows, "contracts"), "contracts", personas.cadre)
    assert "证件号码已打码" in messages(outcome)[0]


def test_determined_and_standardising_contracts_carry_confirmed_problems_and_dispositions(personas, tmp_path):
    rows = contract_rows()[:2]
    rows[0][20], rows[0][21], rows[0][22] = "规范中", "价格偏低", "补充协议"
    rows[1][20], rows[1][21] = "已认定", ""
    run(sheet_of(tmp_path, CONTRACT_HEADER, rows, "contracts"), "contracts", personas.cadre, commit=True)
    standardising = Contract.objects.get(number="YK-001")
    assert standardising.state == "规范中" and not standardising.is_compliant
    problem = standardising.problems.get()
    assert (problem.code, problem.status, problem.decided_by) == ("P03", "已确认", personas.cadre)
    disposition = standardising.disposition
    assert disposition.kind == "完善修订" and disposition.approval == Disposition.Approval.NOT_NEEDED
    determined = Contract.objects.get(number="YK-002")
    assert determined.state == "已认定" and determined.is_compliant and not determined.problems.exists()


def test_a_village_accountant_cannot_import_determined_contracts(personas, tmp_path):
    rows = contract_rows()[:1]
    rows[0][20] = "已认定"
    outcome = run(sheet_of(tmp_path, CONTRACT_HEADER, rows, "contracts"), "contracts", personas.accountant)
    assert messages(outcome) == ["第 4 行 「清理状态」: “已认定”的合同须由乡镇专班或县农经中心导入（认定属乡镇的职责）"]


def test_a_standardising_contract_needs_its_disposition_and_problems(personas, tmp_path):
    rows = contract_rows()[:1]
    rows[0][20], rows[0][21] = "已规范", ""
    outcome = run(sheet_of(tmp_path, CONTRACT_HEADER, rows, "contracts"), "contracts", personas.cadre)
    assert messages(outcome) == ["第 4 行 「处置方式」: 清理状态为“已规范”时须填写处置方式",
                                 "第 4 行 「存在问题」: 清理状态为“已规范”时须列出存在问题（合规合同无需处置）"]


def test_the_ledger_does_not_move_a_registered_contracts_workflow(personas, tmp_path):
    contract = ContractFactory(village=personas.yukou, number="YK-001", state="已认定")
    rows = contract_rows()[:1]
    outcome = run(sheet_of(tmp_path, CONTRACT_HEADER, rows, "contracts"), "contracts", personas.cadre)
    assert "系统中为“已认定”，台账为“已查找”" in messages(outcome)[0]
    assert Contract.objects.get(pk=contract.pk).state == "已认定"


# --- Scope -----------------------------------------------------------------------------------------


def test_a_village_outside_the_scope_is_an_error_not_a_creation(personas, tmp_path):
    rows = contract_rows()[:2]
    rows[1][1], rows[1][2] = "峪口镇", "土屋村"
    outcome = run(sheet_of(tmp_path, CONTRACT_HEADER, rows, "contracts"), "contracts", personas.accountant)
    assert messages(outcome) == ["第 5 行 「村」: “峪口镇土屋村”不在您的管理范围内"]
    rows[1][1], rows[1][2] = "峪口镇", "新庄村"
    outcome = run(sheet_of(tmp_path, CONTRACT_HEADER, rows, "contracts"), "contracts", personas.cadre)
    assert messages(outcome) == ["第 5 行 「村」: 系统中没有“峪口镇新庄村”（请先导入村组台账或登记该村）"]
    assert Village.objects.filter(name="新庄村").count() == 0


def test_another_townships_cadre_cannot_import_into_this_township(personas, contracts_sheet):
    outcome = run(contracts_sheet, "contracts", personas.outsider)
    assert {str(e).split("」: ")[1] for e in outcome.errors} == {"“峪口镇峪口村”不在您的管理范围内"}


def test_place_names_without_their_suffix_are_found(personas, tmp_path):
    rows = contract_rows()[:1]
    rows[0][1], rows[0][2] = "峪口", "峪口"
    assert run(sheet_of(tmp_path, CONTRACT_HEADER, rows, "contracts"), "contracts", personas.cadre).ok


def test_only_the_county_office_and_administrators_import_places(personas):
    assert Rights.of(personas.county_office).may_import("places")
    assert Rights.of(personas.admin).may_import("places")
    for who in ("cadre", "accountant", "inspector", "collector", "outsider"):
        assert not Rights.of(getattr(personas, who)).may_import("places"), who
    assert not Rights.of(personas.inspector).may_import("contracts")
    assert not Rights.of(personas.collector).may_import("claims")


# --- Places and parcels ----------------------------------------------------------------------------

PLACE_HEADER = ["县", "乡镇", "村", "组", "户数", "人口", "耕地面积(亩)", "林地面积(亩)", "集体经济组织", "应有合同数"]


def test_the_county_office_imports_townships_villages_and_groups(personas, tmp_path):
    GroupFactory(village=personas.yukou, name="一组")
    rows = [["方山县", "峪口镇", "峪口村", None, 312, 1046, "2,310.50", "5820", "峪口村股份经济合作社", 46],
            ["方山县", "峪口镇", "峪口村", "一组", 60, 201, None, None, None, None],
            ["方山县", "北武当镇", "新庄村", None, 120, 380, None, None, None, 12],
            ["方山县", "北武当镇", "新庄村", "二组", 40, 130, None, None, None, None]]
    sheet = sheet_of(tmp_path, PLACE_HEADER, rows, "places", title_rows=1)
    preview = run(sheet, "places", personas.county_office)
    assert messages(preview) == [] and (preview.create, preview.update) == (2, 2)
    run(sheet, "places", personas.county_office, commit=True)
    yukou = Village.objects.get(pk=personas.yukou.pk)
    assert (yukou.households, yukou.arable_area_mu, yukou.expected_contracts) == (312, Decimal("2310.50"), 46)
    assert Group.objects.get(village=yukou, name="一组").population == 201
    new = Village.objects.get(name="新庄村")
    assert new.township.name == "北武当镇" and new.township.county == personas.county
    assert new.groups.get().name == "二组"
    again = run(sheet, "places", personas.county_office)
    assert (again.create, again.update, again.unchanged) == (0, 0, 4)


def test_another_county_is_out_of_the_county_offices_scope(personas, tmp_path):
    sheet = sheet_of(tmp_path, PLACE_HEADER, [["临县", "城关镇", "东关村", None, 1, 1, None, None, None, 0]], "places")
    assert messages(run(sheet, "places", personas.county_office)) == ["第 4 行 「县」: “临县”不在您的管理范围内"]
    run(sheet, "places", personas.admin, commit=True)
    assert Village.objects.get(name="东关村").township.county == County.objects.get(name="临县")
    assert Township.objects.filter(name="城关镇").count() == 1


PARCEL_HEADER = ["乡镇", "村", "地块编号", "地名", "资源类型", "台账面积(亩)", "实测面积(亩)", "四至", "状态", "备注"]


def test_parcels_are_created_then_updated_by_code(personas, tmp_path):
    ParcelFactory(village=personas.yukou, code="YK-JD-001", name="前坪", ledger_area_mu=Decimal("10.00"))
    rows = [["峪口镇", "峪口村", "YK-JD-001", "前坪", "机动地", "12.5", None, "东至路", "已发包", ""],
            ["峪口镇", "峪口村", "YK-HS-001", "后沟", "荒沟", "1,325.88", "1330", "", "", "集体林"]]
    sheet = sheet_of(tmp_path, PARCEL_HEADER, rows, "parcels")
    preview = run(sheet, "parcels", personas.accountant)
    assert messages(preview) == [] and (preview.create, preview.update) == (1, 1)
    run(sheet, "parcels", personas.accountant, commit=True)
    assert Parcel.objects.get(code="YK-JD-001").ledger_area_mu == Decimal("12.50")
    new = Parcel.objects.get(code="YK-HS-001")
    assert (new.kind, new.state, new.measured_area_mu) == ("四荒地", "闲置", Decimal("1330.00"))
    assert run(sheet, "parcels", personas.accountant).unchanged == 2


def test_a_parcel_needs_a_positive_area_and_a_known_kind(personas, tmp_path):
    rows = [["峪口镇", "峪口村", "A1", "前坪", "菜地", "0", None, "", "", ""]]
    outcome = run(sheet_of(tmp_path, PARCEL_HEADER, rows, "parcels"), "parcels", personas.accountant)
    assert messages(outcome) == [
        '第 4 行 「资源类型」: 无法识别的值 "菜地"（可填：耕地、机动地、四荒地、林地、坑塘水面、建设用地、其他）',
        "第 4 行 「台账面积(亩)」: 必须大于0"]


# --- Claims and debts -----------------------------------------------------------------------------

CLAIM_HEADER = ["乡镇", "村", "债权编号", "债务人", "证件号码", "形成原因", "关联合同编号", "发生日期", "到期日期",
                "金额(元)", "账内账外", "已清收金额(元)", "清收方式", "清收日期", "是否封存", "备注"]


def claim_rows():
    return [
        ["峪口镇", "峪口村", "ZQ-001", "张三", ID_ZHANG, "承包费", "HT-9", "2016-03-01", "2016-12-31", "12,000",
         "账内", "2,000", "现金", "2025.6.30", "否", ""],
        ["峪口镇", "峪口村", "ZQ-002", "李四", ID_LI, "三提五统", "", "1998", None, "1.5万", "账外", None, None,
         None, "是", "税费改革前"],
        ["峪口镇", "峪口村", "ZQ-003", "王五", "", "修路集资摊派", "", "", "", 800, "", "", "", "", "", ""],
    ]


@pytest.fixture
def claims_sheet(personas, tmp_path):
    ContractFactory(village=personas.yukou, number="HT-9")
    rows = claim_rows()
    rows[1][7] = "1998.1"
    return sheet_of(tmp_path, CLAIM_HEADER, rows, "claims")


def test_claims_with_collected_amounts_become_ledger_entries(personas, claims_sheet):
    outcome = run(claims_sheet, "claims", personas.cadre, commit=True)
    assert [str(w) for w in outcome.warnings] == [
        "第 6 行 「形成原因」: “修路集资摊派”不在形成原因列表中，记为“其他”并保留原文"]
    first = Claim.objects.get(number="ZQ-001")
    assert first.contract.number == "HT-9" and first.origin == "承包费拖欠"
    # Due 2016-12-31, lapsed at the end of 2019; paying 2,000 元 in 2025 waives the lapse and starts a new period.
    assert (first.clock_from, first.lapse_on, first.lapse_confirmed) == (date(2025, 6, 30), date(2028, 6, 30), True)
    entry = first.entries.get()
    assert (entry.kind, entry.amount, entry.entered_on, entry.created_by) == (
        "现金收回", Decimal("2000.00"), date(2025, 6, 30), personas.cadre)
    assert debt_services.claim_balance(first) == Decimal("10000.00")
    sealed = Claim.objects.get(number="ZQ-002")
    assert sealed.sealed and sealed.origin == "税费尾欠" and sealed.origin_note == "三提五统" and not sealed.in_book
    assert sealed.events.get().kind == "封存"
    other = Claim.objects.get(number="ZQ-003")
    assert (other.origin, other.origin_note) == ("其他", "修路集资摊派")
    again = run(claims_sheet, "claims", personas.cadre, commit=True)
    assert (again.create, again.update, again.unchanged) == (0, 0, 3) and Entry.objects.count() == 1


def test_more_collected_in_a_corrected_file_adds_an_entry_for_the_difference(personas, claims_sheet, tmp_path):
    run(claims_sheet, "claims", personas.cadre, commit=True)
    rows = claim_rows()
    rows[0][11], rows[0][13] = "3,500.00", "2026-01-10"
    outcome = run(sheet_of(tmp_path, CLAIM_HEADER, rows, "claims"), "claims", personas.cadre, commit=True)
    assert outcome.update == 1
    entries = list(Claim.objects.get(number="ZQ-001").entries.order_by("id").values_list("amount", "entered_on"))
    assert entries == [(Decimal("2000.00"), date(2025, 6, 30)), (Decimal("1500.00"), date(2026, 1, 10))]


def test_a_file_cannot_lower_what_was_collected_nor_change_the_amount(personas, claims_sheet, tmp_path):
    run(claims_sheet, "claims", personas.cadre, commit=True)
    rows = claim_rows()
    rows[0][11] = "1,000"
    rows[2][9] = 900
    outcome = run(sheet_of(tmp_path, CLAIM_HEADER, rows, "claims"), "claims", personas.cadre)
    assert messages(outcome) == [
        "第 4 行 「已清收金额(元)」: 系统中已登记 2,000.00 元，台账金额更少；冲正请在债权页面办理",
        "第 6 行 「金额(元)」: 系统中为 800.00 元；金额不能由台账修改，请在债权页面登记“账务调整”"]


def test_write_offs_and_seals_are_not_for_everyone(personas, tmp_path):
    rows = claim_rows()[:2]
    rows[0][6] = ""
    rows[0][12] = "核销"
    outcome = run(sheet_of(tmp_path, CLAIM_HEADER, rows, "claims"), "claims", personas.accountant)
    assert messages(outcome) == [
        "第 4 行 「清收方式」: “核销”须经民主决策，不能由台账导入，请导入后在债权页面办理",
        "第 5 行 「是否封存」: 封存须由乡镇专班或县农经中心办理"]


def test_debts_with_resolved_amounts(personas, tmp_path):
    header = ["乡镇", "村", "债务编号", "债权人", "证件号码", "形成原因", "发生日期", "金额(元)", "已化解金额(元)",
              "化解方式",
              "化解日期", "备注"]
    rows = [["峪口镇", "峪口村", "ZW-001", "方山县第二建筑公司", "", "工程款", "2018-06-01", "50,000", "10,000",
             "还款", "2025-01-15", ""]]
    run(sheet_of(tmp_path, header, rows, "debts"), "debts", personas.cadre, commit=True)
    debt = Debt.objects.get()
    assert debt.origin == "工程欠款" and debt.creditor.kind == Party.Kind.ORG
    assert list(debt.entries.values_list("kind", "amount")) == [("偿还", Decimal("10000.00"))]
    assert debt_services.debt_balance(debt) == Decimal("40000.00")


# --- The command's administrator rights ----------------------------------------------------------------


def test_administrator_rights_cover_every_village_and_every_right(personas, contracts_sheet):
    rows_for_jicui = run(contracts_sheet, "contracts", personas.admin, administrator=True)
    assert rows_for_jicui.ok
    with pytest.raises(PermissionDenied):
        from ledgers.services import ledger_upload

        ledger_upload(user=personas.inspector, kind="contracts", upload=None)


def test_a_passed_resolution_linked_by_the_system_is_kept_when_the_file_says_no(personas, tmp_path):
    contract = ContractFactory(village=personas.yukou, number="YK-002",
                               resolution=ResolutionFactory(village=personas.yukou))
    rows = contract_rows()[1:2]
    outcome = run(sheet_of(tmp_path, CONTRACT_HEADER, rows, "contracts"), "contracts", personas.cadre)
    assert "系统中已关联民主决策记录" in " ".join(messages(outcome))
    assert Contract.objects.get(pk=contract.pk).resolution_id


def test_a_placeholder_shows_as_pending_and_becomes_a_record_once_its_details_are_entered(personas, contracts_sheet,
                                                                                          client_for):
    from django.urls import reverse

    from contracts import services as contract_services

    run(contracts_sheet, "contracts", personas.cadre, commit=True)
    contract = Contract.objects.get(number="YK-001")
    placeholder = contract.resolution
    client = client_for(personas.cadre)
    assert "详情待补录" in client.get(contract.get_absolute_url()).content.decode()
    page = client.get(placeholder.get_absolute_url()).content.decode()
    assert "补录之前不算通过" in page and "打印公示单" not in page
    assert "详情待补录" in client.get(reverse("contracts:resolution-list")).content.decode()
    response = client.get(reverse("contracts:resolution-notice", args=[placeholder.pk]))
    assert response.status_code == 302 and response["Location"] == placeholder.get_absolute_url()
    assert client_for(personas.outsider).get(placeholder.get_absolute_url()).status_code == 404
    contract_services.resolution_update(user=personas.cadre, resolution=placeholder, data=dict(
        proposed_on=date(2015, 1, 5), discussed_on=date(2015, 1, 10), reviewed_on=date(2015, 1, 20),
        resolved_on=date(2015, 2, 1), members_expected=45, members_present=30, votes_for=16))
    placeholder.refresh_from_db()
    assert not placeholder.details_pending and placeholder.passed
    assert not contract.problems.filter(code="P02").exists()


# --- Files as programs and careless hands leave them, uploaded, previewed and committed ----------------------

SIMPLE_HEADER = ["乡镇", "村", "合同编号", "承包方", "年承包费(元)", "起始日期"]


@pytest.fixture
def uploaded(personas, monkeypatch):
    """`uploaded(content)`: the cadre's upload, previewed by its job (run here, whatever the broker)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from core import jobs
    from ledgers.services import ledger_upload

    monkeypatch.setattr(jobs, "_enqueue", lambda job: jobs.run(job.pk))

    def upload(content: bytes):
        return ledger_upload(user=personas.cadre, kind="contracts", upload=SimpleUploadedFile("台账.xlsx", content))

    return upload


def commit(personas, ledger_import):
    from ledgers.services import ledger_commit

    return ledger_commit(user=personas.cadre, ledger_import=ledger_import)


def test_a_sheet_declaring_a_stale_size_is_stored_whole(personas, uploaded):
    from ledgers.testing import with_dimension

    rows = [["峪口镇", "峪口村", f"HT-{n}", f"村民{n}", f"{n},000.00", f"2015.{n}.1"] for n in range(1, 6)]
    ledger_import = uploaded(with_dimension(workbook(SIMPLE_HEADER, rows), "A1:Q2"))
    assert ledger_import.state == "待导入" and ledger_import.counts["rows"] == 5
    assert commit(personas, ledger_import).state == "已导入"
    assert sorted(Contract.objects.values_list("number", "counterparty__name", "annual_fee", "start_date")) == [
        (f"HT-{n}", f"村民{n}", Decimal(f"{n}000.00"), date(2015, n, 1)) for n in range(1, 6)]


def test_a_formula_without_its_result_is_an_error_on_its_row_and_column(personas, uploaded):
    rows = [["峪口镇", "峪口村", "HT-1", "张三", "=1000*2", "2015.3.1"],
            ["峪口镇", "峪口村", "HT-2", '="李"&"四"', "1,000", "2015.3.1"]]
    ledger_import = uploaded(workbook(SIMPLE_HEADER, rows))
    assert ledger_import.state == "有错误"
    # The formula's cell has its own error and no other (not "请填写" for the blank it reads as).
    assert ledger_import.errors == ["第 2 行 「年承包费(元)」: 公式未计算，请在 Excel 中重新计算并保存",
                                    "第 3 行 「承包方」: 公式未计算，请在 Excel 中重新计算并保存"]


def test_hidden_rows_and_columns_are_named_in_the_preview_and_the_visible_column_wins(personas, uploaded):
    header = SIMPLE_HEADER + ["年承包费（元）"]
    rows = [["峪口镇", "峪口村", "HT-1", "张三", "800", "2015.3.1", "1,200"],
            ["峪口镇", "峪口村", "HT-2", "李四", "900", "2015.3.1", "1,300"]]
    ledger_import = uploaded(workbook(header, rows, hidden_rows=(3,), hidden_columns=("E",)))
    assert ledger_import.state == "待导入" and ledger_import.warning_count == 2
    assert ledger_import.warnings == [
        "文件: 工作表“台账”的 E 列「年承包费(元)」是隐藏的列，与可见的同名列重复，以可见的列为准，未读取。",
        "文件: 工作表“台账”的第 3 行是隐藏的行，已照常读取；如不应导入，请在 Excel 中删除这些行。"]
    commit(personas, ledger_import)
    assert sorted(Contract.objects.values_list("number", "annual_fee")) == [("HT-1", Decimal("1200.00")),
                                                                             ("HT-2", Decimal("1300.00"))]


def test_numbers_too_large_and_dates_out_of_range_are_row_errors_not_a_crash(personas, uploaded):
    rows = [["峪口镇", "峪口村", "HT-1", "张三", 1e30, "2015.3.1"],
            ["峪口镇", "峪口村", "HT-2", "李四", "123456789012345678901234567", "2015.3.1"],
            ["峪口镇", "峪口村", "HT-3", "王五", 1000, "1899.12.31"],
            ["峪口镇", "峪口村", "HT-4", "赵六", 1000, datetime(2150, 1, 1)]]
    ledger_import = uploaded(workbook(SIMPLE_HEADER, rows))
    assert ledger_import.state == "有错误"
    assert ledger_import.errors == [
        '第 2 行 「年承包费(元)」: 金额过大，不能超过 999,999,999,999.99 元 "1000000000000000019884624838656"',
        '第 3 行 「年承包费(元)」: 金额过大，不能超过 999,999,999,999.99 元 "123456789012345678901234567"',
        '第 4 行 「起始日期」: 日期超出合理范围（须在 1900-01-01 至 2100-12-31 之间） "1899.12.31"',
        '第 5 行 「起始日期」: 日期超出合理范围（须在 1900-01-01 至 2100-12-31 之间） "2150-01-01"']
    LedgerImport.objects.filter(pk=ledger_import.pk).update(state="待导入")
    ledger_import.refresh_from_db()
    assert commit(personas, ledger_import).state == "有错误" and Contract.objects.count() == 0

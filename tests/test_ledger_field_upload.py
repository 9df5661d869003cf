"""A township's own workbook through the upload pages: surveyed, mapped (asked only where in doubt), read sheet by
sheet, previewed with its conversions and its errors named by sheet, committed, and mapped by itself next time.
The files are laid out as DOMAIN.md §13 describes the field's: one sheet per village, title and unit rows,
two-row headers, the row of column numbers, totals and signatures, codes of the township's own."""
import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from contracts.models import Contract
from core.submissions import new_key
from ledgers.models import ColumnMapping, LedgerImport
from villages.factories import make_resident_id

pytestmark = pytest.mark.usefixtures("jobs_run_here")

ID_ZHANG, ID_LI, ID_WANG = make_resident_id(31), make_resident_id(32), make_resident_id(33)


def village_sheet(book: Workbook, village: str, rows: list, *, first: bool = False):
    """One village's sheet as a township keeps it: a title naming the village, 单位：万元 at the right of the
    填报 row, 承包期限 over 起 and 止, the row of column numbers, a 合计 row and the signatures."""
    sheet = book.active if first else book.create_sheet()
    sheet.title = village
    sheet.append([f"峪口镇{village}农村集体经济合同清理台账"])
    sheet.merge_cells("A1:I1")
    sheet.append(["填报单位：峪口镇经管站", None, None, None, None, None, None, "单位：万元"])
    sheet.append(["序号", "合同编号", "承包方", "身份证号码", "承包期限", None, "合同金额", "承包费（元/年）",
                  "合同类型"])
    sheet.append([None, None, None, None, "起", "止"])
    for letter in "ABCDGHI":
        sheet.merge_cells(f"{letter}3:{letter}4")
    sheet.merge_cells("E3:F3")
    sheet.append(list(range(1, 10)))
    for row in rows:
        sheet.append(row)
    sheet.append([None, "合计", None, None, None, None, sum(r[6] or 0 for r in rows)])
    sheet.append(["制表人：王会计　审核人：高志强"])
    return sheet


def two_village_book() -> bytes:
    book = Workbook()
    village_sheet(book, "峪口村", [
        [1, "YK-001", "张三", ID_ZHANG, "2015.3.1", "2035.2.28", 7.5, "3,750.00", "资源发包"],
        [2, "YK-002", "李四", ID_LI, "2016年1月1日", "2025.12", 1.2, 600, "资产类"],
    ], first=True)
    village_sheet(book, "土屋村", [
        [1, "TW-001", "王五", ID_WANG, date(2018, 5, 1), "2028.4.30", 0.36, "1,200", "资产类"],
    ])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(client, content: bytes, name: str = "峪口镇合同台账.xlsx", kind: str = "contracts"):
    return client.post(reverse("ledgers:import"), {"kind": kind, "file": SimpleUploadedFile(name, content)})


def as_posted(context, *, override: dict | None = None, codes: dict | None = None) -> dict:
    """The mapping page's form as a user sends it: every choice as shown, `override` {(sheet, letter): field}
    changed, `codes` {(field, value): name} answered."""
    data = {}
    for sheet in context["sheets"]:
        n = sheet["n"]
        data[f"sheet-{n}-village"] = sheet["village"] or ""
        for column in sheet["columns"]:
            data[f"sheet-{n}-col-{column['index']}"] = (override or {}).get((sheet["name"], column["letter"]),
                                                                             column["field"])
    for k, item in enumerate(context["unknowns"], start=1):
        data[f"code-{k}-field"], data[f"code-{k}-value"] = item["u"].field, item["u"].value
        data[f"code-{k}-name"] = (codes or {}).get((item["u"].field, item["u"].value), "")
    return data


def commit(client, ledger_import):
    response = client.post(reverse("ledgers:import-commit", args=[ledger_import.pk]), {"submission_key": new_key()})
    assert response.status_code == 302
    ledger_import.refresh_from_db()
    return ledger_import


@pytest.fixture
def cadre(personas, client_for):
    return client_for(personas.cadre)


def test_a_two_village_workbook_is_mapped_once_previewed_with_its_conversions_and_committed(personas, cadre):
    response = upload(cadre, two_village_book())
    ledger_import = LedgerImport.objects.get()
    # The township's own code 资产类 is not in the list: the user is asked, once, with its count.
    assert ledger_import.state == LedgerImport.State.MAPPING
    assert response.url == reverse("ledgers:import-mapping", args=[ledger_import.pk])
    page = cadre.get(response.url)
    html = page.content.decode()
    assert "工作表“峪口村”" in html and "工作表“土屋村”" in html
    assert "“合同类型”中的“资产类”" in html and "× 2" in html
    assert [s["village"] for s in page.context["sheets"]] == [personas.yukou.pk, personas.tuwu.pk]
    fields = {c["header"]: c["field"] for c in page.context["sheets"][0]["columns"]}
    assert fields == {"序号": "序号", "合同编号": "合同编号", "承包方": "承包方", "身份证号码": "证件号码",
                      "承包期限/起": "起始日期", "承包期限/止": "终止日期", "合同金额": "合同总额(元)",
                      "承包费（元/年）": "年承包费(元)", "合同类型": "合同类型"}

    # Without an answer for the code, nothing moves on.
    refused = cadre.post(response.url, as_posted(page.context))
    assert refused.status_code == 400
    assert "请为以下代码选择对应项：“合同类型”中的“资产类”" in refused.content.decode()
    assert LedgerImport.objects.get().state == LedgerImport.State.MAPPING

    confirmed = cadre.post(response.url, as_posted(page.context, codes={("合同类型", "资产类"): "资产租赁"}))
    assert confirmed.status_code == 302
    ledger_import.refresh_from_db()
    assert ledger_import.state == LedgerImport.State.READY, ledger_import.errors
    assert ledger_import.counts["rows"] == 3 and ledger_import.counts["create"] == 3
    preview = cadre.get(ledger_import.get_absolute_url()).content.decode()
    assert "工作表“峪口村”：表头“合同金额”未注明单位，表上方注明“单位：万元”，已按万元换算为元，共 2 格" in preview
    assert "第 6 行 7.5 万元 → 75,000.00 元" in preview
    assert "工作表“土屋村”：表头“合同金额”未注明单位" in preview and "第 6 行 0.36 万元 → 3,600.00 元" in preview
    # The rows it will create, each named.
    assert "将新建和修改的记录（3 行）" in preview
    assert "<td>合同 YK-001 张三</td>" in preview and "<td class=\"text-nowrap\">工作表“土屋村”第 6 行</td>" in preview

    commit(cadre, ledger_import)
    assert ledger_import.state == LedgerImport.State.DONE
    stored = {c.number: c for c in Contract.objects.select_related("village", "counterparty")}
    assert sorted(stored) == ["TW-001", "YK-001", "YK-002"]
    zhang, li, wang = stored["YK-001"], stored["YK-002"], stored["TW-001"]
    assert (zhang.village, zhang.counterparty.name, zhang.counterparty.id_number) == (personas.yukou, "张三", ID_ZHANG)
    assert (zhang.start_date, zhang.end_date) == (date(2015, 3, 1), date(2035, 2, 28))
    assert (zhang.total_amount, zhang.annual_fee, zhang.kind) == (Decimal("75000.00"), Decimal("3750.00"), "资源发包")
    assert (li.start_date, li.end_date) == (date(2016, 1, 1), date(2025, 12, 31))
    assert (li.total_amount, li.annual_fee, li.kind) == (Decimal("12000.00"), Decimal("600.00"), "资产租赁")
    assert wang.village == personas.tuwu
    assert (wang.total_amount, wang.annual_fee, wang.kind) == (Decimal("3600.00"), Decimal("1200.00"), "资产租赁")

    # The county remembers the headers and the code: next month's file maps itself and goes straight to preview.
    saved = ColumnMapping.objects.get(county=personas.county, kind="contracts", header_key="合同类型")
    assert (saved.column, saved.values) == ("合同类型", {"资产类": "资产租赁"})
    upload(cadre, two_village_book())
    again = LedgerImport.objects.exclude(pk=ledger_import.pk).get()
    assert again.state == LedgerImport.State.READY and again.mapping["auto"] is True
    assert again.counts["unchanged"] == 3 and again.counts["create"] == 0


def test_errors_name_their_sheet_and_are_grouped_by_column_and_reason(personas, cadre):
    book = Workbook()
    village_sheet(book, "峪口村", [
        [1, "YK-001", "张三", ID_ZHANG, "2015.3.1", "2035.2.28", 7.5, "一千二", "资源发包"],
        [2, "YK-002", "李四", ID_LI, "2016.1.1", "2025.12", 1.2, "两千", "资源发包"],
    ], first=True)
    village_sheet(book, "土屋村", [[1, "TW-001", "王五", ID_WANG, "2018.5.1", "2028.4.30", 0.36, "三千", "资源发包"]])
    buffer = io.BytesIO()
    book.save(buffer)
    upload(cadre, buffer.getvalue())
    ledger_import = LedgerImport.objects.get()
    assert ledger_import.state == LedgerImport.State.ERRORS
    assert ledger_import.errors[:3] == [
        '工作表“峪口村”第 6 行 「年承包费(元)」: 无法识别的金额 "一千二"',
        '工作表“峪口村”第 7 行 「年承包费(元)」: 无法识别的金额 "两千"',
        '工作表“土屋村”第 6 行 「年承包费(元)」: 无法识别的金额 "三千"']
    assert ledger_import.problems[0] == {"sheet": "峪口村", "row": 6, "column": "年承包费(元)",
                                         "reason": '无法识别的金额 "一千二"'}
    page = cadre.get(ledger_import.get_absolute_url()).content.decode()
    assert "确认导入" not in page
    assert "修改栏目对照" in page
    assert Contract.objects.count() == 0


def test_a_csv_in_gbk_is_read_as_written(personas, cadre):
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(["乡镇", "村", "合同编号", "承包方", "身份证号码", "承包期限", "承包费（元/年）"])
    writer.writerow(["峪口镇", "峪口村", "YK-101", "赵六", ID_ZHANG, "2010.1.1-2030.12.31", "12,345.00"])
    upload(cadre, text.getvalue().encode("gbk"), name="合同台账.csv")
    ledger_import = LedgerImport.objects.get()
    assert ledger_import.fmt == "csv"
    assert ledger_import.state == LedgerImport.State.READY, (ledger_import.state, ledger_import.errors)
    commit(cadre, ledger_import)
    contract = Contract.objects.get()
    assert (contract.number, contract.counterparty.name, contract.counterparty.id_number) == ("YK-101", "赵六",
                                                                                               ID_ZHANG)
    assert (contract.start_date, contract.end_date, contract.annual_fee) == (date(2010, 1, 1), date(2030, 12, 31),
                                                                            Decimal("12345.00"))


def test_an_old_xls_workbook_is_read(personas, cadre):
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("峪口村")
    day = xlwt.easyxf(num_format_str="yyyy-mm-dd")
    sheet.write(0, 0, "峪口镇峪口村合同台账")
    for column, header in enumerate(["合同编号", "承包方", "起始日期", "终止日期", "年承包费(元)"]):
        sheet.write(1, column, header)
    sheet.write(2, 0, "YK-201")
    sheet.write(2, 1, "孙七")
    sheet.write(2, 2, date(2019, 4, 1), day)
    sheet.write(2, 3, "2029.3")
    sheet.write(2, 4, 880.5)
    buffer = io.BytesIO()
    book.save(buffer)
    upload(cadre, buffer.getvalue(), name="台账.xls")
    ledger_import = LedgerImport.objects.get()
    assert ledger_import.fmt == "xls"
    assert ledger_import.state == LedgerImport.State.READY, (ledger_import.state, ledger_import.errors)
    commit(cadre, ledger_import)
    contract = Contract.objects.get()
    assert contract.village == personas.yukou
    assert (contract.start_date, contract.end_date, contract.annual_fee) == (date(2019, 4, 1), date(2029, 3, 31),
                                                                            Decimal("880.50"))


def test_a_mapping_reading_one_field_from_two_columns_is_refused_naming_both(personas, cadre):
    upload(cadre, two_village_book())
    ledger_import = LedgerImport.objects.get()
    url = reverse("ledgers:import-mapping", args=[ledger_import.pk])
    page = cadre.get(url)
    data = as_posted(page.context, override={("峪口村", "H"): "合同总额(元)"},
                     codes={("合同类型", "资产类"): "资产租赁"})
    response = cadre.post(url, data)
    assert response.status_code == 400
    assert "工作表“峪口村”：“合同总额(元)”对应了两列：G 列和 H 列。" in response.content.decode()
    assert LedgerImport.objects.get().state == LedgerImport.State.MAPPING
    assert not ColumnMapping.objects.exists()


def test_a_sheet_without_a_village_takes_the_one_the_user_picks(personas, cadre):
    book = Workbook()
    sheet = book.active
    sheet.title = "Sheet1"
    sheet.append(["合同编号", "承包方", "起始日期", "年承包费(元)"])
    sheet.append(["TW-301", "周八", "2020.1.1", 500])
    buffer = io.BytesIO()
    book.save(buffer)
    upload(cadre, buffer.getvalue())
    ledger_import = LedgerImport.objects.get()
    assert ledger_import.state == LedgerImport.State.MAPPING
    url = reverse("ledgers:import-mapping", args=[ledger_import.pk])
    page = cadre.get(url)
    assert "工作表“Sheet1”没有“村”一栏，工作表名和标题中也没有找到村" in page.content.decode()
    # A village outside the cadre's township cannot be chosen.
    data = as_posted(page.context)
    data["sheet-0-village"] = personas.jicui.pk
    assert cadre.post(url, data).status_code == 400
    data["sheet-0-village"] = personas.tuwu.pk
    assert cadre.post(url, data).status_code == 302
    ledger_import.refresh_from_db()
    assert ledger_import.state == LedgerImport.State.READY, ledger_import.errors
    commit(cadre, ledger_import)
    assert Contract.objects.get().village == personas.tuwu


def test_the_mapping_page_is_the_uploaders_scope_only(personas, cadre, client_for):
    upload(cadre, two_village_book())
    ledger_import = LedgerImport.objects.get()
    url = reverse("ledgers:import-mapping", args=[ledger_import.pk])
    decide = reverse("ledgers:import-decide", args=[ledger_import.pk])
    outsider = client_for(personas.outsider)
    assert outsider.get(url).status_code == 404
    assert outsider.post(url, {}).status_code == 404
    assert outsider.post(decide, {}).status_code == 404
    inspector = client_for(personas.inspector)
    assert inspector.get(url).status_code == 403
    assert inspector.post(url, {}).status_code == 403
    assert inspector.post(decide, {}).status_code == 403
    assert LedgerImport.objects.get().state == LedgerImport.State.MAPPING


def test_the_command_prints_the_mapping_asks_for_what_is_in_doubt_and_commits(personas, tmp_path):
    from django.core.management import CommandError, call_command

    path = tmp_path / "峪口镇合同台账.xlsx"
    path.write_bytes(two_village_book())
    out = io.StringIO()
    with pytest.raises(CommandError, match="有 1 处栏目对照待确认"):
        call_command("import_ledger", str(path), "--kind", "contracts", stdout=out)
    printed = out.getvalue()
    assert "工作表“峪口村”：2 行数据，表头在第 3–4 行" in printed
    assert "  G 「合同金额」→ 合同总额(元)" in printed and "[单位：万元，表上方“单位：万元”]" in printed
    assert "  A 「序号」→ 序号（100%，栏目名称一致）" in printed
    assert "待确认：“合同类型”中的“资产类”（2 处）不在可选项中" in printed

    out = io.StringIO()
    call_command("import_ledger", str(path), "--kind", "contracts", "--code", "合同类型:资产类=资产租赁",
                 "--map", "承包费=不导入", stdout=out)
    printed = out.getvalue()
    assert "  H 「承包费（元/年）」→ 不导入" in printed
    assert "读取 3 行：新建 3，修改 0，不变 0，错误 0" in printed
    assert "第 6 行 7.5 万元 → 75,000.00 元" in printed
    assert Contract.objects.count() == 0

    call_command("import_ledger", str(path), "--kind", "contracts", "--code", "合同类型:资产类=资产租赁",
                 "--commit", stdout=io.StringIO())
    assert sorted(Contract.objects.values_list("number", "total_amount", "kind")) == [
        ("TW-001", Decimal("3600.00"), "资产租赁"), ("YK-001", Decimal("75000.00"), "资源发包"),
        ("YK-002", Decimal("12000.00"), "资产租赁")]
    with pytest.raises(CommandError, match="文件中没有“面积”这一列"):
        call_command("import_ledger", str(path), "--kind", "contracts", "--map", "面积=面积(亩)")


def test_a_row_that_may_be_a_registered_contract_is_decided_on_the_preview(personas, cadre, client_for):
    from contracts.factories import ContractFactory
    from villages.factories import PartyFactory

    wang = PartyFactory(village=personas.yukou, name="王五", id_number="")
    registered = ContractFactory(village=personas.yukou, number="峪口村-2026-047", counterparty=wang, parcels=[],
                                 subject_note="机动地：前坪", area_mu=Decimal("12.14"), start_date=date(2015, 3, 1),
                                 end_date=None, annual_fee=Decimal("3000.00"))
    book = Workbook()
    book.active.append(["乡镇", "村", "合同编号", "承包方", "标的类型", "标的名称", "面积(亩)", "起始日期",
                        "年承包费(元)"])
    book.active.append(["峪口镇", "峪口村", "YK-099", "王五", "机动地", "前坪", "12.14", "2015.3.1", "3,600"])
    buffer = io.BytesIO()
    book.save(buffer)
    upload(cadre, buffer.getvalue())
    ledger_import = LedgerImport.objects.get()
    assert ledger_import.state == LedgerImport.State.ERRORS
    page = cadre.get(ledger_import.get_absolute_url()).content.decode()
    assert "可能已登记的记录" in page and "是同一份：峪口村-2026-047（王五，2015-03-01 起，12.14 亩）" in page
    decide = reverse("ledgers:import-decide", args=[ledger_import.pk])
    # Only a candidate the preview offered may be chosen; nothing changes otherwise.
    cadre.post(decide, {"row-2": str(registered.pk + 1000)})
    assert LedgerImport.objects.get().decisions == {}
    assert client_for(personas.outsider).post(decide, {"row-2": str(registered.pk)}).status_code == 404
    assert client_for(personas.inspector).post(decide, {"row-2": str(registered.pk)}).status_code == 403
    assert cadre.post(decide, {"row-2": str(registered.pk)}).status_code == 302
    ledger_import.refresh_from_db()
    assert ledger_import.state == LedgerImport.State.READY and ledger_import.decisions == {"2": registered.pk}
    assert (ledger_import.counts["create"], ledger_import.counts["update"]) == (0, 1)
    page = cadre.get(ledger_import.get_absolute_url()).content.decode()
    assert "<td>合同 峪口村-2026-047 王五</td>" in page and "年承包费(元)：3,000.00 → 3,600.00" in page
    commit(cadre, ledger_import)
    registered.refresh_from_db()
    assert Contract.objects.count() == 1
    assert (registered.number, registered.annual_fee) == ("峪口村-2026-047", Decimal("3600.00"))


def test_areas_in_square_metres_or_hectares_are_converted_to_mu_and_shown(personas, cadre):
    from villages.models import Parcel

    book = Workbook()
    sheet = book.active
    sheet.title = "峪口村"
    sheet.append(["峪口镇峪口村集体资源地块台账"])
    sheet.append(["面积单位：公顷"])
    sheet.append(["地块编号", "地名", "资源类型", "台账面积（平方米）", "实测面积", "东至", "南至", "西至", "北至"])
    sheet.append(["YK-JD-101", "前坪", "机动地", 800, 0.5, "路", "渠", "李家", "山"])
    sheet.append(["YK-JD-102", "后沟", "四荒地", "8,000", None, "沟", None, None, "梁"])
    buffer = io.BytesIO()
    book.save(buffer)
    upload(cadre, buffer.getvalue(), kind="parcels")
    ledger_import = LedgerImport.objects.get()
    assert ledger_import.state == LedgerImport.State.READY, (ledger_import.state, ledger_import.errors)
    preview = cadre.get(ledger_import.get_absolute_url()).content.decode()
    assert "已按平方米换算为亩，共 2 格：第 4 行 800 平方米 → 1.20 亩；第 5 行 8,000 平方米 → 12.00 亩" in preview
    assert "已按公顷换算为亩，共 1 格：第 4 行 0.5 公顷 → 7.50 亩" in preview
    commit(cadre, ledger_import)
    parcels = {p.code: p for p in Parcel.objects.all()}
    front, back = parcels["YK-JD-101"], parcels["YK-JD-102"]
    assert (front.ledger_area_mu, front.measured_area_mu) == (Decimal("1.20"), Decimal("7.50"))
    assert (back.ledger_area_mu, back.measured_area_mu) == (Decimal("12.00"), None)
    assert front.boundaries == "东至路，南至渠，西至李家，北至山" and back.boundaries == "东至沟，北至梁"

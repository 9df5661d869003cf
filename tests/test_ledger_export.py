"""Exports of the list pages: the current filters, the import headers (so an export re-imports without a
change), formula-looking text kept as text, ID numbers masked for roles that may not read them."""
import re
import zipfile
from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from contracts import services as contract_services
from contracts.factories import ContractFactory, ResolutionFactory
from core.models import Job
from debts import services as debt_services
from debts.factories import DebtFactory, MoneyResolutionFactory
from debts.models import Claim
from ledgers import importer
from ledgers.importer import Rights
from ledgers.kinds import KINDS
from ledgers.testing import workbook
from places.factories import GroupFactory
from villages.factories import AssetFactory, ParcelFactory, PartyFactory, make_resident_id

ID = make_resident_id(41)


def export(client, url_name, query=""):
    response = client.get(reverse(url_name) + f"?{query}&format=xlsx")
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return response.content


def sheet_rows(content):
    return [list(r) for r in load_workbook(BytesIO(content)).worksheets[0].iter_rows(values_only=True)]


def reimport(tmp_path, content, kind, user):
    path = tmp_path / f"export-{kind}.xlsx"
    path.write_bytes(content)
    return importer.preview(importer.parse(path, kind), kind, Rights.of(user))


def assert_clean(outcome, rows):
    assert [str(e) for e in outcome.errors] == []
    assert (outcome.create, outcome.update, outcome.unchanged, outcome.rows) == (0, 0, rows, rows)


@pytest.fixture
def ledger(personas):
    """Records of every importable kind in 峪口村, some made through the services, some with awkward values."""
    user, village = personas.cadre, personas.yukou
    group = GroupFactory(village=village, name="一组", households=40, population=120)
    zhang = PartyFactory(village=village, name="张三", id_number=ID, group=group)
    org = PartyFactory(village=village, name="方山县第二建筑公司", id_number="", kind="org")
    parcel = ParcelFactory(village=village, code="YK-JD-001", name="前坪", ledger_area_mu=Decimal("12.50"),
                           measured_area_mu=Decimal("12.80"), state="已发包", boundaries="东至路")
    ParcelFactory(village=village, code="YK-HS-001", name="后沟", kind="四荒地", ledger_area_mu=Decimal("1325.88"))
    asset = AssetFactory(village=village, code="ZC-1", name="临街门面房")
    ContractFactory(village=village, number="YK-001", counterparty=zhang, parcels=[parcel], end_date=None)
    contract = ContractFactory(village=village, number="YK-002", counterparty=org, parcels=[], resolution=None,
                               subject_note="房屋：临街门面房", annual_fee=None, total_amount=Decimal("88000.50"))
    contract.assets.set([asset])
    ContractFactory(village=village, number="YK-003", counterparty=zhang, parcels=[], resolution=None,
                    subject_note="四荒地：北山", note="口头约定，=每年秋后交")
    contract_services.problems_refresh(contract=contract, user=user)
    # Booked as a loan, 2,000.00 collected, then found to be 三提五统: sealed the moment its origin is corrected.
    claim = debt_services.claim_create(user=user, data=dict(
        village=village, number="ZQ-001", debtor=zhang, origin="借款",
        principal=Decimal("15000.00"), occurred_on=date(1998, 1, 1), in_book=False))
    debt_services.entry_record(user=user, claim=claim, kind="现金收回", amount=Decimal("2000.00"),
                               entered_on=date(2025, 6, 30))
    debt_services.claim_update(user=user, claim=claim, data={"origin": "税费尾欠", "origin_note": "三提五统"})
    debt_services.claim_create(user=user, data=dict(village=village, number="ZQ-002", debtor=org, origin="其他",
                                                    origin_note="修路集资", principal=Decimal("800.00")))
    # A note with brackets and spaces of its own, and a write-off the file cannot record but must carry.
    written_off = debt_services.claim_create(user=user, data=dict(
        village=village, number="ZQ-003", debtor=zhang, origin="承包费拖欠",
        origin_note="第3年承包费（2016-03-01 到期）", principal=Decimal("500.00")))
    debt_services.entry_record(user=user, claim=written_off, kind="核销", amount=Decimal("100.00"),
                               entered_on=date(2025, 9, 1),
                               resolution=MoneyResolutionFactory(village=village, covers=[written_off]))
    debt = DebtFactory(village=village, number="ZW-001", creditor=org)
    debt_services.entry_record(user=user, debt=debt, kind="偿还", amount=Decimal("10000.00"),
                               entered_on=date(2025, 1, 15))
    return village


@pytest.mark.parametrize("url_name, kind, rows", [
    ("villages:village-list", "places", 2 + 1 + 1),          # three villages of the personas and one group
    ("villages:parcel-list", "parcels", 2),
    ("contracts:contract-list", "contracts", 3),
    ("debts:claim-list", "claims", 3),
    ("debts:debt-list", "debts", 1),
])
def test_an_export_reimports_without_a_change(personas, client_for, ledger, tmp_path, url_name, kind, rows):
    user = personas.county_office if kind == "places" else personas.cadre
    content = export(client_for(user), url_name)
    header = sheet_rows(content)[2]
    assert header == KINDS[kind].names
    outcome = reimport(tmp_path, content, kind, user)
    assert_clean(outcome, rows)


def test_the_export_keeps_the_current_filters(personas, client_for, ledger):
    content = export(client_for(personas.cadre), "contracts:contract-list", "q=YK-00&kind=资源发包&page=2")
    rows = sheet_rows(content)
    numbers = [r[2] for r in rows[3:] if r[0] not in ("合计", None)]
    assert sorted(numbers) == ["YK-001", "YK-002", "YK-003"][:len(numbers)]
    assert "筛选" in rows[1][0] and "合同类型：资源发包" in rows[1][0]
    only = sheet_rows(export(client_for(personas.cadre), "villages:parcel-list", "kind=四荒地"))
    assert [r[2] for r in only[3:]] == ["YK-HS-001"]


def test_an_outsider_exports_only_their_own_township(personas, client_for, ledger):
    ContractFactory(village=personas.jicui, number="JC-001")
    rows = sheet_rows(export(client_for(personas.outsider), "contracts:contract-list"))
    assert [r[2] for r in rows[3:] if r[0] != "合计"] == ["JC-001"]


def test_the_inspector_may_export_what_they_may_read(personas, client_for, ledger):
    rows = sheet_rows(export(client_for(personas.inspector), "debts:claim-list"))
    assert {r[2] for r in rows[3:] if r[0] != "合计"} == {"ZQ-001", "ZQ-002", "ZQ-003"}


FORMULAS = ["=HYPERLINK(\"http://example.invalid\",\"点击\")", "+86 138", "-1+2", "@SUM(A1)"]


def test_formula_looking_cells_are_written_as_text(personas, client_for, ledger, tmp_path):
    party = PartyFactory(village=ledger, name=FORMULAS[1], id_number="")
    for n, text in enumerate(FORMULAS):
        ContractFactory(village=ledger, number=f"F-{n}", title=text, counterparty=party, note=FORMULAS[-1 - n])
    content = export(client_for(personas.cadre), "contracts:contract-list", "q=F-")
    book = load_workbook(BytesIO(content))
    cells = {c.value: c for row in book.worksheets[0].iter_rows(min_row=4) for c in row if c.value in FORMULAS}
    assert set(cells) == set(FORMULAS)
    assert {c.data_type for c in cells.values()} == {"s"} and all(c.quotePrefix for c in cells.values())
    with zipfile.ZipFile(BytesIO(content)) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    formulas = re.findall(r"<f>(.*?)</f>", xml)
    assert formulas and all(f.startswith("SUM(") for f in formulas)    # only the total row's sums
    assert_clean(reimport(tmp_path, content, "contracts", personas.cadre), 4)


def test_formula_looking_text_is_safe_in_every_spreadsheet_of_the_project():
    from core.xlsx import Column, build_xlsx

    content = build_xlsx(title="清单", columns=[Column("名称"), Column("金额", money=True)],
                         rows=[["=1+1", Decimal("1.00")], ["@x", Decimal("2.00")]])
    cells = [row[0] for row in load_workbook(BytesIO(content)).active.iter_rows(min_row=3, max_row=4)]
    assert [(c.value, c.data_type) for c in cells] == [("=1+1", "s"), ("@x", "s")]


def test_id_numbers_are_masked_for_roles_that_may_not_read_them(personas, client_for, ledger, tmp_path):
    masked = ID[:6] + "********" + ID[-4:]
    full = sheet_rows(export(client_for(personas.cadre), "villages:party-list", "q=张三"))
    assert full[3][4] == ID
    for who in ("collector", "admin"):
        rows = sheet_rows(export(client_for(getattr(personas, who)), "villages:party-list", "q=张三"))
        assert rows[3][4] == masked, who
    contracts = export(client_for(personas.collector), "contracts:contract-list")
    assert masked in [r[6] for r in sheet_rows(contracts)]
    assert ID not in contracts.decode("latin-1")
    # A masked export still re-imports cleanly: the masked number matches the party it masks.
    assert_clean(reimport(tmp_path, contracts, "contracts", personas.cadre), 3)


@pytest.mark.parametrize("url_name, first_header", [
    ("villages:party-list", "乡镇"), ("villages:asset-list", "乡镇"), ("contracts:resolution-list", "乡镇"),
    ("letters:letter-list", "编号"), ("debts:mediation-list", "案号"),
])
def test_the_other_lists_export_too(personas, client_for, ledger, url_name, first_header):
    ResolutionFactory(village=ledger)
    rows = sheet_rows(export(client_for(personas.cadre), url_name))
    assert rows[2][0] == first_header and len(rows) >= 3


def test_each_list_page_offers_its_export(personas, client_for, ledger):
    client = client_for(personas.cadre)
    for name in ("villages:village-list", "villages:party-list", "villages:parcel-list", "villages:asset-list",
                 "contracts:contract-list", "contracts:resolution-list", "debts:claim-list", "debts:debt-list",
                 "letters:letter-list", "debts:mediation-list"):
        page = client.get(reverse(name) + "?q=x").content.decode()
        assert "q=x&amp;format=xlsx" in page and "导出 Excel" in page, name


def test_a_long_export_is_written_by_a_background_job(personas, client_for, ledger, settings, monkeypatch):
    from core import jobs

    monkeypatch.setattr(jobs, "_enqueue", lambda job: jobs.run(job.pk))
    settings.LEDGER_INLINE_ROWS = 2
    client = client_for(personas.cadre)
    response = client.get(reverse("contracts:contract-list") + "?format=xlsx")
    job = Job.objects.get(kind="list-export")
    assert response.status_code == 302 and response["Location"] == reverse("core:job-detail", args=[job.pk])
    assert job.state == "已完成" and job.counts == {"rows": 3}
    download = client.get(reverse("core:job-file", args=[job.pk, 0]))
    rows = sheet_rows(b"".join(download.streaming_content))
    assert [r[2] for r in rows[3:6]] == ["YK-001", "YK-002", "YK-003"]
    assert client_for(personas.outsider).get(reverse("core:job-file", args=[job.pk, 0])).status_code == 404


def test_a_sealed_claims_collection_and_origin_survive_the_round_trip(personas, client_for, ledger):
    rows = {r[2]: r for r in sheet_rows(export(client_for(personas.cadre), "debts:claim-list"))[3:] if r[2]}
    assert rows["ZQ-001"][5] == "税费尾欠（三提五统）" and rows["ZQ-001"][11] == 2000
    assert rows["ZQ-001"][14] == "是" and rows["ZQ-001"][10] == "账外"
    assert rows["ZQ-002"][5] == "其他（修路集资）"
    assert rows["ZQ-003"][5] == "承包费拖欠（第3年承包费（2016-03-01 到期））" and rows["ZQ-003"][12] == "核销"
    assert Claim.objects.get(number="ZQ-001").sealed


def test_a_workbook_made_by_hand_in_the_export_layout_imports(personas, tmp_path):
    content = workbook(KINDS["parcels"].names, [["峪口镇", "峪口村", "N-1", "南坪", "耕地", 3, None, "", "", ""]],
                       title_rows=2)
    path = tmp_path / "p.xlsx"
    path.write_bytes(content)
    assert importer.preview(importer.parse(path, "parcels"), "parcels", Rights.of(personas.cadre)).create == 1

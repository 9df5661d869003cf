"""Every contract and resolution page: the happy path, the outsider's 404, the read-only user's 403."""
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contracts import services
from contracts.factories import ContractFactory
from contracts.models import Contract, ContractState, Instalment
from core.models import AuditEntry
from villages.factories import ParcelFactory, PartyFactory

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@pytest.fixture
def contract(personas):
    contract = ContractFactory(village=personas.yukou, number="YK-001", title="前坪机动地承包合同",
                               counterparty=PartyFactory(village=personas.yukou, name="张三"))
    services.problems_refresh(contract=contract, user=personas.accountant)
    return contract


def investigating(contract, personas):
    contract = services.contract_start_investigation(user=personas.accountant, contract=contract)
    services.investigation_save(user=personas.accountant, contract=contract, data=dict(
        investigated_on=date(2026, 11, 20), investigators="薛文斌", parcel_check="四至清楚", findings="属实"))
    return Contract.objects.get(pk=contract.pk)


def read_pages(contract, resolution):
    return [
        reverse("contracts:contract-detail", args=[contract.pk]),
        reverse("contracts:resolution-detail", args=[resolution.pk]),
        reverse("contracts:resolution-notice", args=[resolution.pk]),
    ]


def write_pages(contract, resolution):
    """Pages and actions that change a contract or resolution, as (url, method)."""
    instalment = Instalment.objects.create(contract=contract, due_date=date(2021, 3, 1), amount=Decimal("3500.00"))
    return [
        (reverse("contracts:contract-update", args=[contract.pk]), "get"),
        (reverse("contracts:contract-investigate", args=[contract.pk]), "post"),
        (reverse("contracts:contract-investigation", args=[contract.pk]), "get"),
        (reverse("contracts:contract-measure", args=[contract.pk]), "get"),
        (reverse("contracts:contract-determine", args=[contract.pk]), "get"),
        (reverse("contracts:contract-disposition", args=[contract.pk]), "get"),
        (reverse("contracts:contract-approve", args=[contract.pk]), "get"),
        (reverse("contracts:contract-complete", args=[contract.pk]), "get"),
        (reverse("contracts:contract-schedule", args=[contract.pk]), "post"),
        (reverse("contracts:instalment-add", args=[contract.pk]), "post"),
        (reverse("contracts:instalment-pay", args=[instalment.pk]), "post"),
        (reverse("contracts:instalment-delete", args=[instalment.pk]), "post"),
        (reverse("contracts:attachment-upload", args=[contract.pk]), "post"),
        (reverse("contracts:resolution-update", args=[resolution.pk]), "get"),
    ]


@pytest.mark.parametrize("who", ["accountant", "cadre", "county_office", "inspector", "collector"])
def test_user_in_scope_sees_contract_and_resolution_pages(personas, contract, client_for, who):
    client = client_for(getattr(personas, who))
    for url in read_pages(contract, contract.resolution):
        response = client.get(url)
        assert response.status_code == 200, url
    page = client.get(contract.get_absolute_url()).content.decode()
    assert "YK-001" in page and "张三" in page and "P01" in page


def test_outsider_gets_404_on_every_contract_page_and_action(personas, contract, client_for):
    client = client_for(personas.outsider)
    for url in read_pages(contract, contract.resolution):
        assert client.get(url).status_code == 404, url
    pages = write_pages(contract, contract.resolution)
    before = AuditEntry.objects.count()
    for url, _method in pages:
        assert client.get(url).status_code in (404, 405), url
        assert client.post(url, {"version": contract.version}).status_code == 404, url
    assert AuditEntry.objects.count() == before
    assert Contract.objects.get(pk=contract.pk).state == ContractState.FOUND


@pytest.mark.parametrize("who", ["inspector", "collector"])
def test_read_only_roles_get_403_on_every_contract_write(personas, contract, client_for, who):
    client = client_for(getattr(personas, who))
    pages = write_pages(contract, contract.resolution)
    before = AuditEntry.objects.count()
    for url, method in pages:
        if method == "get":
            assert client.get(url).status_code == 403, url
        assert client.post(url, {"version": contract.version}).status_code == 403, url
    for name in ["contracts:contract-create", "contracts:resolution-create"]:
        assert client.get(reverse(name)).status_code == 403
        assert client.post(reverse(name), {"village": personas.yukou.pk}).status_code == 403
    assert AuditEntry.objects.count() == before
    assert Contract.objects.get(pk=contract.pk).state == ContractState.FOUND


def test_village_accountant_may_not_determine_or_approve(personas, contract, client_for):
    contract = investigating(contract, personas)
    client = client_for(personas.accountant)
    assert client.get(reverse("contracts:contract-determine", args=[contract.pk])).status_code == 403
    assert client.get(reverse("contracts:contract-approve", args=[contract.pk])).status_code == 403


def test_accountant_registers_a_contract_through_the_form(personas, client_for):
    party = PartyFactory(village=personas.yukou, name="王国平")
    parcel = ParcelFactory(village=personas.yukou, kind="四荒地", code="YK-SH-001", ledger_area_mu=Decimal("80"))
    response = client_for(personas.accountant).post(reverse("contracts:contract-create"), {
        "number": "YK-2026-01", "title": "后梁荒山承包合同", "kind": "资源发包", "form": "口头协议", "source": "走访",
        "counterparty": party.pk, "parcels": [parcel.pk], "area_mu": "80", "start_date": "2010-01-01",
        "end_date": "2070-01-01", "annual_fee": "1.2万", "signer": "村委会"})
    contract = Contract.objects.get(number="YK-2026-01")
    assert response.status_code == 302 and response["Location"] == contract.get_absolute_url()
    assert contract.village == personas.yukou and contract.annual_fee == Decimal("12000.00")
    assert list(contract.parcels.all()) == [parcel]
    assert {p.code for p in contract.problems.all()} >= {"P01", "P02", "P04", "P09"}


def test_contract_form_refuses_an_unreadable_amount_and_a_party_out_of_scope(personas, client_for):
    outsider_party = PartyFactory(village=personas.jicui)
    response = client_for(personas.cadre).post(reverse("contracts:contract-create"), {
        "village": personas.yukou.pk, "number": "X-1", "title": "t", "kind": "资源发包", "form": "书面合同",
        "source": "账簿", "counterparty": outsider_party.pk, "annual_fee": "一万二", "signer": "集体经济组织"})
    errors = response.context["form"].errors
    assert "金额“一万二”无法识别" in errors["annual_fee"][0]
    assert "所选承包方不在您的管理范围内" in errors["counterparty"][0]
    assert not Contract.objects.exists()


def test_a_stale_edit_is_refused_and_the_first_save_stands(personas, contract, client_for):
    url = reverse("contracts:contract-update", args=[contract.pk])
    data = {"number": "YK-001", "title": "第一人的修改", "kind": "资源发包", "form": "书面合同", "source": "账簿",
            "counterparty": contract.counterparty_id, "annual_fee": "3500", "signer": "集体经济组织",
            "start_date": "2020-03-01", "end_date": "2030-03-01", "area_mu": "10",
            "parcels": [p.pk for p in contract.parcels.all()], "resolution": contract.resolution_id,
            "version": contract.version}
    first = client_for(personas.accountant).post(url, data)
    assert first.status_code == 302
    second = client_for(personas.cadre).post(url, {**data, "title": "第二人的修改"})
    assert second.status_code == 200
    assert "该记录已被他人修改" in second.content.decode()
    assert Contract.objects.get(pk=contract.pk).title == "第一人的修改"


def test_the_whole_workflow_through_the_pages(personas, contract, client_for):
    accountant, cadre = client_for(personas.accountant), client_for(personas.cadre)
    detail = contract.get_absolute_url()
    assert accountant.post(reverse("contracts:contract-investigate", args=[contract.pk])).status_code == 302
    response = accountant.post(reverse("contracts:contract-investigation", args=[contract.pk]), {
        "investigated_on": "2026-11-20", "investigators": "薛文斌、李向东", "parcel_check": "实测无误",
        "findings": "合同未留存文本"})
    assert response.status_code == 302
    determine = reverse("contracts:contract-determine", args=[contract.pk])
    page = cadre.get(determine)
    problem = page.context["form"].problems[0]
    assert problem.code == "P01"
    response = cadre.post(determine, {f"decision_{problem.pk}": "confirm", f"reason_{problem.pk}": "",
                                      "facts": "合同文本遗失", "other_problems": "承包方擅自改变土地用途"})
    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.state == ContractState.DETERMINED
    assert {p.code for p in contract.problems.filter(status="已确认")} == {"P01", "P12"}
    response = cadre.post(reverse("contracts:contract-disposition", args=[contract.pk]),
                          {"kind": "完善修订", "plan": "补签书面合同"})
    assert response.status_code == 302
    upload = SimpleUploadedFile("补充协议.pdf", PDF, content_type="application/pdf")
    cadre.post(reverse("contracts:attachment-upload", args=[contract.pk]), {"kind": "补充协议", "file": upload})
    complete = reverse("contracts:contract-complete", args=[contract.pk])
    # The agreement alone leaves the contract without its text: P01 still holds, and the page says so.
    response = cadre.post(complete, {"agreement_date": "2026-11-24"})
    assert response.status_code == 200
    assert "已确认的问题仍然存在：P01" in response.content.decode()
    contract.refresh_from_db()
    assert contract.state == ContractState.STANDARDISING
    upload = SimpleUploadedFile("书面合同.pdf", PDF, content_type="application/pdf")
    cadre.post(reverse("contracts:attachment-upload", args=[contract.pk]), {"kind": "合同文本", "file": upload})
    response = cadre.post(complete, {"agreement_date": "2026-11-24"})
    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.state == ContractState.STANDARDISED
    page = cadre.get(detail).content.decode()
    assert "已规范" in page and "补充协议签订：2026-11-24" in page
    assert cadre.get(reverse("contracts:determination-pdf", args=[contract.pk]))["Content-Type"] == "application/pdf"
    assert cadre.get(reverse("contracts:investigation-pdf", args=[contract.pk]))["Content-Type"] == "application/pdf"


def test_a_refused_transition_shows_a_chinese_message_and_changes_nothing(personas, contract, client_for):
    contract = investigating(contract, personas)
    response = client_for(personas.cadre).post(reverse("contracts:contract-investigate", args=[contract.pk]),
                                               follow=True)
    assert "合同当前为“调查中”，不能开始调查" in response.content.decode()
    assert Contract.objects.get(pk=contract.pk).version == contract.version


def test_attachments_are_served_only_within_scope(personas, contract, client_for):
    attachment = services.attachment_add(user=personas.accountant, contract=contract, kind="合同文本",
                                         upload=SimpleUploadedFile("合同.pdf", PDF))
    url = reverse("contracts:attachment-download", args=[attachment.pk])
    response = client_for(personas.inspector).get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert client_for(personas.outsider).get(url).status_code == 404


def test_a_wrong_file_type_is_refused_on_the_page(personas, contract, client_for):
    upload = SimpleUploadedFile("合同.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = client_for(personas.accountant).post(reverse("contracts:attachment-upload", args=[contract.pk]),
                                                    {"kind": "合同文本", "file": upload}, follow=True)
    assert "只能上传 PDF、JPG 或 PNG 文件" in response.content.decode()
    assert not contract.attachments.exists()


def test_rule_settings_are_read_by_all_and_changed_by_the_county_only(personas, client_for):
    url = reverse("contracts:rule-settings")
    assert client_for(personas.cadre).get(url).status_code == 200
    data = {"reserve_land_floor": "350", "wasteland_floor": "100", "max_term_years": "20",
            "wasteland_max_term_years": "50", "forest_max_term_years": "70", "price_review_term_years": "15",
            "written_required_months": "6", "area_tolerance": "5", "county_approval_amount": "500万"}
    assert client_for(personas.cadre).post(url, data).status_code == 403
    assert client_for(personas.county_office).post(url, data).status_code == 302
    rules = services.rule_settings_for(personas.county)
    assert rules.reserve_land_floor == Decimal("350.00")
    assert rules.county_approval_amount == Decimal("5000000.00")
    assert rules.area_tolerance == Decimal("0.05")       # typed as 5 (%)


def test_resolution_registered_through_the_form_computes_its_result(personas, client_for):
    response = client_for(personas.accountant).post(reverse("contracts:resolution-create"), {
        "subject": "合同", "title": "荒山发包方案", "resolved_on": "2026-03-01", "meeting": "村民代表会议",
        "members_expected": "45", "members_present": "29", "votes_for": "29", "votes_against": "0",
        "votes_abstain": "0"})
    assert response.status_code == 302
    page = client_for(personas.accountant).get(response["Location"]).content.decode()
    assert "未通过" in page and "未达到法定人数：须三分之二以上代表（成员）到会" in page


def test_a_villagers_assembly_shows_its_own_quorum(personas, client_for):
    """村民会议: more than half of the adult villagers present (村委会组织法 §22), not 2/3."""
    response = client_for(personas.accountant).post(reverse("contracts:resolution-create"), {
        "subject": "合同", "title": "机动地发包方案", "resolved_on": "2026-03-01", "meeting": "村民会议",
        "members_expected": "650", "members_present": "330", "votes_for": "200", "votes_against": "100",
        "votes_abstain": "30"})
    page = client_for(personas.accountant).get(response["Location"]).content.decode()
    assert "通过" in page and "（过半数村民到会）" in page and "未达到法定人数" not in page


def test_contract_search_by_party_initials_and_filter_by_problem(personas, client_for):
    ContractFactory(village=personas.yukou, number="A-1", counterparty=PartyFactory(
        village=personas.yukou, name="薛来福"), form="口头协议")
    ContractFactory(village=personas.yukou, number="B-2", counterparty=PartyFactory(
        village=personas.yukou, name="王全明"))
    for c in Contract.objects.all():
        services.problems_refresh(contract=c, user=personas.cadre)
    client = client_for(personas.cadre)
    page = client.get(reverse("contracts:contract-list"), {"q": "xlf"}).content.decode()
    assert "A-1" in page and "B-2" not in page
    page = client.get(reverse("contracts:contract-list"), {"problem": "P01", "form": "口头协议"}).content.decode()
    assert "A-1" in page and "B-2" not in page


def test_expiring_filter_finds_contracts_ending_soon(personas, client_for):
    soon = date.fromordinal(timezone.localdate().toordinal() + 30)
    ContractFactory(village=personas.yukou, number="SOON", start_date=date(2016, 1, 1), end_date=soon)
    ContractFactory(village=personas.yukou, number="LATER")
    page = client_for(personas.cadre).get(reverse("contracts:contract-list"), {"expiring": "60"}).content.decode()
    assert "SOON" in page and "LATER" not in page


def _bulk_contracts(village, n):
    party = PartyFactory(village=village)
    Contract.objects.bulk_create([Contract(village=village, number=f"BULK-{village.pk}-{i:04d}", title="机动地",
                                           counterparty=party, annual_fee=Decimal("100")) for i in range(n)])


def test_contract_list_uses_the_same_queries_for_5_and_for_500_contracts(personas, client_for):
    client = client_for(personas.county_office)
    _bulk_contracts(personas.yukou, 5)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("contracts:contract-list")).status_code == 200
    _bulk_contracts(personas.tuwu, 300)
    _bulk_contracts(personas.jicui, 195)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("contracts:contract-list"))
    assert response.status_code == 200 and "共 500 条" in response.content.decode()
    assert len(many) == len(few)

"""The contract documents as printed: 合同认定书, 调查报告 and the resolution's public
notice, read back from the PDF the way a user would see them; and the one
PDF response helper every document download goes through."""
import io
from datetime import date
from decimal import Decimal
from types import SimpleNamespace
from urllib.parse import quote

import pytest
from pypdf import PdfReader

from contracts import services
from contracts.documents import (
    DocumentNotReady,
    determination_context,
    determination_pdf,
    investigation_pdf,
    resolution_notice_pdf,
)
from contracts.factories import ContractFactory, ResolutionFactory
from contracts.models import ContractProblem
from core.pdf import StaticOnlyFetcher, pdf_response, render_pdf
from villages.factories import ParcelFactory, PartyFactory, make_resident_id

Status = ContractProblem.Status


def pdf_text(pdf: bytes) -> str:
    """All the text of the PDF with white space removed, so that a line break in a cell does not matter."""
    reader = PdfReader(io.BytesIO(pdf))
    return "".join("".join(page.extract_text().split()) for page in reader.pages)


def embedded_font_names(pdf: bytes) -> set[str]:
    names = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        fonts = page["/Resources"].get_object().get("/Font", {})
        for font in fonts.values():
            names.add(str(font.get_object()["/BaseFont"]))
    return names


def assert_cjk_font_embedded(pdf: bytes) -> None:
    names = {name.replace("-", "").replace(" ", "") for name in embedded_font_names(pdf)}
    assert any("NotoSerifCJK" in name for name in names), names


@pytest.fixture
def case(personas):
    """An oral 30-year lease of reserve land at 170.73 元/亩, never voted on, with one parcel
    larger on the ground than on paper: investigated and determined through the services."""
    p = personas
    party = PartyFactory(village=p.yukou, name="张建国", id_number=make_resident_id(731, "19680415"),
                         address="峪口村三组")
    parcels = [
        ParcelFactory(village=p.yukou, code="YK-JD-012", name="后沟坪", kind="机动地",
                      ledger_area_mu=Decimal("12.50"), boundaries="东至水渠，南至村道，西至王家地，北至山根",
                      state="已发包"),
        ParcelFactory(village=p.yukou, code="YK-JD-013", name="河滩地", kind="机动地",
                      ledger_area_mu=Decimal("8.00"), state="已发包"),
    ]
    contract = ContractFactory(
        village=p.yukou, number="YK-2019-007", title="后沟坪机动地承包合同", counterparty=party,
        area_mu=Decimal("20.50"), signed_on=date(2019, 2, 20), start_date=date(2019, 3, 1),
        end_date=date(2049, 3, 1), annual_fee=Decimal("3500.00"), total_amount=Decimal("105000.00"),
        form="口头协议", resolution=None, parcels=parcels)

    contract = services.contract_start_investigation(user=p.cadre, contract=contract)
    services.parcel_record_measurement(user=p.cadre, contract=contract, parcel=parcels[0],
                                       measured_area_mu=Decimal("14.30"), measured_on=date(2025, 4, 8))
    services.parcel_record_measurement(user=p.cadre, contract=contract, parcel=parcels[1],
                                       measured_area_mu=Decimal("8.00"), measured_on=date(2025, 4, 8))
    services.investigation_save(user=p.cadre, contract=contract, data={
        "investigated_on": date(2025, 4, 8),
        "investigators": "高志强、薛文斌",
        "parcel_check": "调查组会同村两委成员实地踏勘，用测亩仪逐块测量，四至与台账一致。",
        "history": "2019年春村委会与张建国口头约定承包，此后每年以收据收取承包费。",
        "parties_heard": "张建国称承包时经村干部同意，未开会表决，未签书面合同。",
        "findings": "合同未签书面文本，未经民主程序，承包费明显偏低，承包期过长，实测面积大于约定面积。",
    })
    proposed = {problem.code: problem for problem in contract.problems.filter(status=Status.PROPOSED)}
    decisions = {problem.pk: (True, "") for problem in proposed.values()}
    decisions[proposed["P06"].pk] = (False, "双方口头约定每五年协商调整一次承包费，已有调价安排。")
    contract = services.contract_determine(
        user=p.cadre, contract=contract, decisions=decisions,
        facts="2019年3月起，张建国承包后沟坪、河滩地两块机动地，约定年承包费3500元。",
        other_problems=["承包方在河滩地上擅自建设简易看护房"])
    return SimpleNamespace(contract=contract, party=party, parcels=parcels,
                           confirmed=sorted(set(proposed) - {"P06"} | {"P12"}))


@pytest.mark.django_db
def test_case_has_the_problems_the_documents_are_expected_to_print(case):
    confirmed = set(case.contract.problems.filter(status=Status.CONFIRMED).values_list("code", flat=True))
    assert confirmed == {"P01", "P02", "P03", "P04", "P08", "P12"}
    assert list(case.contract.problems.filter(status=Status.DISMISSED).values_list("code", flat=True)) == ["P06"]


@pytest.mark.django_db
def test_determination_prints_the_contract_facts_and_each_confirmed_problem(case):
    text = pdf_text(determination_pdf(case.contract))

    assert "合同认定书" in text
    assert "YK-2019-007" in text
    assert "张建国" in text
    assert case.party.id_number_masked in text
    assert case.party.id_number not in text
    for code in case.confirmed:
        assert code in text
    assert "3,500.00" in text
    assert "叁仟伍佰元整" in text
    assert "105,000.00" in text and "壹拾万伍仟元整" in text
    assert "20.50亩" in text
    assert "峪口村股份经济合作社" in text
    assert "峪口镇合认字〔" in text
    assert "《中华人民共和国农村土地承包法》" in text
    assert "认定人：高志强" in text


@pytest.mark.django_db
def test_determination_prints_the_confirmed_problems_only(case):
    text = pdf_text(determination_pdf(case.contract))
    assert "P06" not in text and "每五年协商调整一次" not in text
    assert "P03" in text


@pytest.fixture
def revised(case, personas, settings, tmp_path):
    """The case's contract revised after its determination: a supplementary agreement raises the fee."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from contracts.models import Attachment

    services.disposition_choose(user=personas.cadre, contract=case.contract, kind="完善修订",
                                plan="签订补充协议，按每亩 300 元调整承包费。")
    pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    services.attachment_add(user=personas.cadre, contract=case.contract, upload=SimpleUploadedFile("协议.pdf", pdf),
                            kind=Attachment.Kind.AGREEMENT)
    services.disposition_complete(user=personas.cadre, contract=case.contract, data={
        "agreement_date": date(2026, 6, 1), "annual_fee": Decimal("6150.00"),
        "override_reason": "其余问题另案处理。"})
    case.contract.refresh_from_db()
    assert case.contract.annual_fee == Decimal("6150.00")
    return case


@pytest.mark.django_db
def test_a_determination_printed_after_a_revision_shows_the_facts_it_was_made_on_and_the_outcome_apart(revised):
    text = pdf_text(determination_pdf(revised.contract))
    facts, outcome = text.split("六、处置情况")
    # Section 一 shows the fee the contract was determined on, beside the problems it had then.
    assert "年承包费3,500.00元（人民币叁仟伍佰元整）" in facts and "6,150.00" not in facts
    assert "（已于" in outcome and "办结）" in outcome and "处置方式：完善修订。" in outcome
    assert ("2026年6月1日签订补充协议：年承包费由3,500.00元（人民币叁仟伍佰元整）"
            "调整为6,150.00元（人民币陆仟壹佰伍拾元整）") in outcome


@pytest.mark.django_db
def test_an_investigation_report_printed_after_a_revision_shows_the_contract_as_investigated(revised):
    text = pdf_text(investigation_pdf(revised.contract))
    assert "3,500.00" in text and "6,150.00" not in text


@pytest.mark.django_db
def test_the_document_number_names_the_village_once(case):
    assert determination_context(case.contract)["doc_number"].endswith("〕峪口村YK-2019-007号")
    type(case.contract).objects.filter(pk=case.contract.pk).update(number="峪口村-2019-007")
    number = determination_context(case.contract)["doc_number"]
    assert number.endswith("〕峪口村-2019-007号") and "峪口村峪口村" not in number


@pytest.mark.django_db
def test_determination_pdf_embeds_a_cjk_serif_font(case):
    assert_cjk_font_embedded(determination_pdf(case.contract))


@pytest.mark.django_db
def test_determination_needs_the_same_queries_however_many_parcels(case, django_assert_num_queries):
    # contract with village, party, resolution, determination, disposition; parcels; assets; problems; and the
    # changes since the determination of the contract, of its parcels, of its party
    with django_assert_num_queries(7):
        determination_pdf(case.contract)
    case.contract.parcels.add(ParcelFactory(village=case.contract.village, code="YK-JD-099"))
    with django_assert_num_queries(7):
        determination_pdf(case.contract)


@pytest.mark.django_db
def test_compliant_contract_is_determined_compliant_in_its_determination(personas):
    p = personas
    contract = ContractFactory(village=p.yukou, number="YK-2020-001", counterparty=PartyFactory(
        village=p.yukou, name="李秀英"))
    contract = services.contract_start_investigation(user=p.cadre, contract=contract)
    services.investigation_save(user=p.cadre, contract=contract, data={
        "investigated_on": date(2025, 4, 9), "investigators": "高志强", "parcel_check": "地块与台账一致。",
        "findings": "合同规范。"})
    decisions = {problem.pk: (False, "合同文本原件存村档案室，已核对。")
                 for problem in contract.problems.filter(status=Status.PROPOSED)}
    contract = services.contract_determine(user=p.cadre, contract=contract, decisions=decisions,
                                           facts="合同经村民代表会议表决通过，书面签订，按期缴费。")
    assert contract.is_compliant

    text = pdf_text(determination_pdf(contract))
    assert "经认定，该合同未发现问题，认定为合规合同" in text
    assert "叁仟伍佰元整" in text


@pytest.mark.django_db
def test_contract_not_yet_determined_has_no_determination_to_print(personas):
    contract = ContractFactory(village=personas.yukou)
    with pytest.raises(DocumentNotReady):
        determination_context(contract)


@pytest.mark.django_db
def test_investigation_report_prints_the_parcel_check_with_areas_and_differences(case):
    pdf = investigation_pdf(case.contract)
    text = pdf_text(pdf)

    assert "调查报告" in text
    assert "YK-2019-007" in text
    assert "张建国" in text
    assert case.party.id_number_masked in text
    assert case.party.id_number not in text
    for parcel in ("YK-JD-012", "YK-JD-013"):
        assert parcel in text
    assert "12.50" in text and "14.30" in text
    assert "+14.40%" in text  # (14.30 − 12.50) ÷ 12.50
    assert "20.50亩" in text
    assert "实测面积合计22.30亩" in text
    assert "3,500.00" in text and "叁仟伍佰元整" in text
    assert "高志强、薛文斌" in text
    assert "2025年4月8日" in text
    assert "张建国称承包时经村干部同意" in text
    assert_cjk_font_embedded(pdf)


@pytest.mark.django_db
def test_resolution_notice_shows_attendance_votes_and_passes(personas, django_assert_num_queries):
    resolution = ResolutionFactory(
        village=personas.yukou, title="后沟坪机动地重新发包方案", content="采取村内公开竞价方式发包，底价每亩300元。",
        proposed_on=date(2025, 2, 10), discussed_on=date(2025, 2, 15), reviewed_on=date(2025, 2, 20),
        resolved_on=date(2025, 3, 1), resolution_published_on=date(2025, 3, 2),
        notice_from=date(2025, 3, 2), notice_to=date(2025, 3, 9))
    party = PartyFactory(village=personas.yukou, name="王满仓")
    ContractFactory(village=personas.yukou, number="YK-2025-003", title="后沟坪机动地承包合同",
                    counterparty=party, resolution=resolution)

    with django_assert_num_queries(2):  # the resolution with its village; its contracts with their parties
        pdf = resolution_notice_pdf(resolution)
    text = pdf_text(pdf)

    assert "民主决策事项公示" in text
    assert "后沟坪机动地重新发包方案" in text
    assert "应到人数实到人数" in text
    assert "4530" in text  # 应到 45, 实到 30, side by side in the table row
    assert "表决结果：表决通过" in text
    assert "到会人数须达应到人数三分之二以上，赞成票须超过到会人数半数" in text
    assert "YK-2025-003" in text and "王满仓" in text
    assert "2025年3月2日至2025年3月9日" in text
    assert "监督电话" in text
    assert "峪口村股份经济合作社" in text
    # A public sheet carries no ID number, not even a masked one.
    assert party.id_number_masked not in text
    assert_cjk_font_embedded(pdf)


@pytest.mark.django_db
def test_resolution_notice_says_not_passed_without_a_quorum(personas):
    resolution = ResolutionFactory(village=personas.yukou, title="河滩地发包方案", members_expected=45,
                                   members_present=29, votes_for=20, votes_against=9, votes_abstain=0)
    text = pdf_text(resolution_notice_pdf(resolution))
    assert "表决结果：未通过" in text
    assert "表决通过" not in text
    assert "未达到应到人数45人的三分之二（30人）" in text
    assert "超过实到人数的半数（14.5人）" in text


def test_pdf_response_carries_the_chinese_file_name_and_an_ascii_fallback():
    response = pdf_response(b"%PDF-1.7 test", "合同认定书-YK-2019-007.pdf")
    disposition = response["Content-Disposition"]

    assert response["Content-Type"] == "application/pdf"
    assert disposition.startswith("inline; ")
    assert f"filename*=UTF-8''{quote('合同认定书-YK-2019-007.pdf')}" in disposition
    assert "filename*=UTF-8''%E5%90%88%E5%90%8C%E8%AE%A4%E5%AE%9A%E4%B9%A6" in disposition
    assert 'filename="hetongrendingshu-yk-2019-007.pdf"' in disposition
    assert disposition.isascii()
    assert response.content == b"%PDF-1.7 test"


def test_pdf_response_can_ask_the_browser_to_download():
    response = pdf_response(b"%PDF", "调查报告.pdf", inline=False)
    assert response["Content-Disposition"].startswith("attachment; ")


def test_printed_documents_load_static_files_but_nothing_else():
    fetcher = StaticOnlyFetcher()
    response = fetcher.fetch("file:///static/css/app.css")
    try:
        assert b"{" in response.read()
    finally:
        response.close()
    for url in ("http://192.0.2.1/logo.png", "file:///etc/passwd", "file:///static/../../etc/passwd"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)


def test_a_file_the_server_made_is_loaded_only_when_named(tmp_path):
    made, other = tmp_path / "face.otf", tmp_path / "other.otf"
    made.write_bytes(b"face")
    other.write_bytes(b"other")
    fetcher = StaticOnlyFetcher(allowed_files=[made])
    response = fetcher.fetch(made.as_uri())
    try:
        assert response.read() == b"face"
    finally:
        response.close()
    with pytest.raises(ValueError):
        fetcher.fetch(other.as_uri())


def test_shared_layout_numbers_its_pages():
    text = pdf_text(render_pdf("pdf/base.html", {"title": "测试文档", "seal_org": "峪口村股份经济合作社",
                                                 "seal_date": "2025年3月1日"}))
    assert "测试文档" in text
    assert "第1页共1页" in text
    assert "峪口村股份经济合作社（盖章）2025年3月1日" in text


@pytest.mark.django_db
def test_determination_of_a_contract_with_missing_terms_says_what_is_missing(personas):
    p = personas
    company = PartyFactory(village=p.yukou, name="方山县宏达建材有限公司", kind="org", id_number="")
    contract = ContractFactory(village=p.yukou, number="YK-1998-002", title="砖厂用地协议", counterparty=company,
                               area_mu=None, signed_on=None, start_date=None, end_date=None, annual_fee=None,
                               form="无", resolution=None, parcels=[], subject_note="原砖厂院落及取土场")
    contract = services.contract_start_investigation(user=p.cadre, contract=contract)
    services.investigation_save(user=p.cadre, contract=contract, data={
        "investigated_on": date(2025, 5, 6), "investigators": "高志强", "parcel_check": "台账无对应地块。",
        "findings": "无合同文本，无约定。"})
    decisions = {problem.pk: (True, "") for problem in contract.problems.filter(status=Status.PROPOSED)}
    contract = services.contract_determine(user=p.cadre, contract=contract, decisions=decisions,
                                           facts="1998年起该公司占用原砖厂院落，至今未交费。")

    determination = pdf_text(determination_pdf(contract))
    assert "统一社会信用代码未登记" in determination
    assert "原砖厂院落及取土场" in determination
    assert "年承包费未约定" in determination
    assert "P10" in determination
    investigation = pdf_text(investigation_pdf(contract))
    assert "本合同未登记标的地块，无法核对面积" in investigation

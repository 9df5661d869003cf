"""The village summary (一村一表, reports.village_summary): one A4 page with the village's contracts by stage,
problems found and fixed, claims and debts (原欠, 已收回, 余额) and this year's collection, letters and risk
level, from the same measures as its dashboard; for whoever may see the village, the inspector too."""
import re
import subprocess
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader
from test_pdf_faces import BOX, shown_glyphs

from contracts.factories import ContractFactory
from contracts.models import Contract
from core.models import AuditEntry, Job
from debts import services as debt_services
from debts.factories import DebtFactory
from debts.letters import services as letter_services
from debts.models import Entry
from reports.measures import Place, measures_for
from reports.village_summary import village_summary_context
from villages.factories import PartyFactory

PDF = "application/pdf"


def summary_url(village) -> str:
    return reverse("reports:village-summary", args=[village.pk])


def pdf_text(content: bytes, tmp_path) -> str:
    path = tmp_path / "summary.pdf"
    path.write_bytes(content)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True,
                          text=True).stdout
    return re.sub(r"[ \t]+", "", text)


@pytest.fixture
def yukou(personas):
    """峪口村: four contracts (two with problems, one of them standardised), a claim of 10,000.00 of which
    2,800.00 collected this year, a sealed tax-era claim of 3,000.00, a debt of 50,000.00 half repaid, and a
    reconciliation letter; 土屋村 next door has a claim of its own."""
    user, village = personas.cadre, personas.yukou
    today = timezone.localdate()
    ContractFactory(village=village, state="已查找")
    ContractFactory(village=village, state="已认定", is_compliant=True)
    ContractFactory(village=village, state="规范中", is_compliant=False)
    ContractFactory(village=village, state="已认定", is_compliant=False)
    debtor = PartyFactory(village=village, name="王福堂")
    claim = debt_services.claim_create(user=user, data=dict(
        village=village, number="ZQ-001", debtor=debtor, origin="承包费拖欠", principal=Decimal("10000.00"),
        occurred_on=date(2019, 1, 1)))
    debt_services.entry_record(user=user, claim=claim, kind="现金收回", amount=Decimal("2800.00"),
                               entered_on=date(today.year, 1, 1))
    debt_services.claim_create(user=user, data=dict(
        village=village, number="ZQ-002", debtor=debtor, origin="税费尾欠", principal=Decimal("3000.00")))
    debt = DebtFactory(village=village, principal=Decimal("50000.00"))
    debt_services.entry_record(user=user, debt=debt, kind="偿还", amount=Decimal("25000.00"),
                               entered_on=date(today.year, 1, 1))
    letter_services.letter_issue_for_claim(user=user, claim=claim, kind="对账函", as_of=date(today.year, 1, 1))
    debt_services.claim_create(user=user, data=dict(
        village=personas.tuwu, number="TW-ZQ-001", debtor=PartyFactory(village=personas.tuwu),
        origin="借款", principal=Decimal("777.00")))
    return village


def test_the_summary_is_one_page_with_the_villages_figures(personas, client_for, yukou, tmp_path):
    response = client_for(personas.cadre).get(summary_url(yukou))

    assert response.status_code == 200 and response["Content-Type"] == PDF
    assert "attachment" not in response["Content-Disposition"]
    (tmp_path / "summary.pdf").write_bytes(response.content)
    assert len(PdfReader(tmp_path / "summary.pdf").pages) == 1
    text = pdf_text(response.content, tmp_path)
    assert "峪口镇峪口村清化收工作一村一表" in text and "打印人：高志强" in text
    assert f"截至{timezone.localdate().year}年" in text
    # Contracts by stage: 已查找 1, 调查中 0, 已认定 2, 规范中 1, 已规范 0, in all 4; two problem contracts.
    assert re.search(r"已查找调查中已认定规范中已规范合计\n+10210\s*4", text)
    assert "发现问题合同2份，已规范0份" in text
    # Claims: 原欠 13,000.00, 已收回 2,800.00, 余额 10,200.00; the sealed claim outside 应清收.
    assert "承包费拖欠110,000.002,800.007,200.00" in text
    assert "税费尾欠（已封存）13,000.000.003,000.00" in text
    assert "合计213,000.002,800.0010,200.00" in text
    flat = text.replace("\n", "")  # a note may wrap
    assert "应清收10,000.00元（已封存的税费尾欠等3,000.00元不计入），清收率28.00%" in flat
    assert f"{timezone.localdate().year}年清收2,800.00元，其中现金2,800.00元" in flat
    # Debts: 50,000.00, 25,000.00 resolved this year.
    assert "工程欠款150,000.000.0025,000.0025,000.00" in text
    assert f"{timezone.localdate().year}年化解25,000.00元" in flat
    assert "777.00" not in text
    assert "风险等级：" in text and "集体经济风险村" in text and "空壳村" in text


def test_the_summary_shows_what_the_dashboard_measures(personas, yukou):
    context = village_summary_context(personas.cadre, yukou)
    total = measures_for(Place.of(yukou))

    assert context["claims_in_scope"] == "10,000.00" and total.claims_in_scope == Decimal("10000.00")
    assert context["letters"][0] == ("发出", total.letters_issued, 1)
    assert context["problem_contracts"] == total.problem_contracts == 2


def test_every_character_of_the_summary_has_a_glyph(personas, client_for, yukou):
    names, glyphs = shown_glyphs(client_for(personas.cadre).get(summary_url(yukou)).content)

    assert glyphs and not BOX & set(glyphs)
    assert names and all("Noto-Serif" in name for name in names), names


def test_the_village_accountant_prints_their_own_village_only(personas, client_for, yukou):
    client = client_for(personas.accountant)

    assert client.get(summary_url(yukou)).status_code == 200
    assert client.get(summary_url(personas.tuwu)).status_code == 404


def test_an_outsider_cannot_see_another_townships_village(personas, client_for, yukou):
    assert client_for(personas.outsider).get(summary_url(yukou)).status_code == 404


def test_the_inspector_may_print_the_summary_and_nothing_changes(personas, client_for, yukou):
    client = client_for(personas.inspector)
    before = (Contract.objects.count(), Entry.objects.count(), AuditEntry.objects.count(), Job.objects.count())

    assert client.get(summary_url(yukou)).status_code == 200
    assert client.post(summary_url(yukou)).status_code in (403, 405)
    assert (Contract.objects.count(), Entry.objects.count(), AuditEntry.objects.count(),
            Job.objects.count()) == before


def test_the_villages_report_page_links_to_its_summary(personas, client_for, yukou):
    page = client_for(personas.cadre).get(reverse("reports:village", args=[yukou.pk])).content.decode()

    assert summary_url(yukou) in page and "一村一表" in page


def test_the_summary_reads_a_fixed_number_of_queries(personas, yukou):
    with CaptureQueriesContext(connection) as few:
        village_summary_context(personas.cadre, yukou)
    debtor = PartyFactory(village=yukou)
    for n in range(5):
        claim = debt_services.claim_create(user=personas.cadre, data=dict(
            village=yukou, number=f"ZQ-1{n}", debtor=debtor, origin=["借款", "垫付", "工程款", "分红款", "违约金"][n],
            principal=Decimal("100.00")))
        debt_services.entry_record(user=personas.cadre, claim=claim, kind="现金收回", amount=Decimal("10.00"),
                                   entered_on=timezone.localdate())
    with CaptureQueriesContext(connection) as many:
        context = village_summary_context(personas.cadre, yukou)

    assert len(many) == len(few)
    assert len(context["claims"]) == 7

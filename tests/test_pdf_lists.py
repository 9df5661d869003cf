"""Printed lists (core.pdf.lists): a list page's `?format=pdf` prints every row its filters select, with its
exporter's columns, a title that says the conditions in words, who printed it and when, page numbers, the
header on every page and the totals of the money columns; long lists by a background job, overlong ones not
at all."""
import re
import subprocess
from datetime import timedelta
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader
from test_pdf_faces import BOX, shown_glyphs

from contracts.factories import ContractFactory, ResolutionFactory
from contracts.models import Contract
from core.exports import exporter_for
from core.models import AuditEntry, Job
from core.pdf import lists
from core.pdf.lists import ListDocument, PrintedColumn, list_layout, printed_cell

PDF = "application/pdf"


def pdf_text(content: bytes, tmp_path, first: int | None = None) -> str:
    """The PDF's text as pdftotext reads it, with the spaces between words taken out."""
    path = tmp_path / "printed.pdf"
    path.write_bytes(content)
    pages = ["-f", str(first), "-l", str(first)] if first else []
    text = subprocess.run(["pdftotext", "-layout", *pages, str(path), "-"], capture_output=True, check=True,
                          text=True).stdout
    return re.sub(r"[ \t]+", "", text)


def page_count(content: bytes, tmp_path) -> int:
    path = tmp_path / "printed.pdf"
    path.write_bytes(content)
    return len(PdfReader(path).pages)


def printed(client, url_name, query=""):
    response = client.get(reverse(url_name) + f"?{query}&format=pdf" if query else reverse(url_name) + "?format=pdf")
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == PDF
    return response.content


@pytest.fixture
def contracts(personas):
    """Two determined contracts in 峪口镇 (5,000 + 7,800 a year), one only found, one in 积翠镇."""
    ContractFactory(village=personas.yukou, number="YK-001", state="已认定", annual_fee=Decimal("5000.00"),
                    total_amount=Decimal("50000.00"))
    ContractFactory(village=personas.tuwu, number="TW-001", state="已认定", annual_fee=Decimal("7800.00"))
    ContractFactory(village=personas.yukou, number="YK-002", state="已查找", annual_fee=Decimal("1000.00"))
    ContractFactory(village=personas.jicui, number="JC-001", state="已认定", annual_fee=Decimal("999.00"))


def test_a_printed_list_holds_the_rows_the_filters_select_and_their_exact_total(personas, client_for, contracts,
                                                                                tmp_path):
    text = pdf_text(printed(client_for(personas.cadre), "contracts:contract-list", "state=已认定"), tmp_path)

    assert "合同清单·峪口镇·清理状态：已认定" in text
    assert "YK-001" in text and "TW-001" in text
    assert "YK-002" not in text and "JC-001" not in text
    assert "合计" in text and "12,800.00" in text and "50,000.00" in text
    assert "打印人：高志强" in text and "共2条" in text
    assert f"截至{timezone.localdate():%Y-%m-%d}" in text
    assert "第1页共1页" in text


def test_every_page_repeats_the_header_and_says_its_number(personas, client_for, tmp_path, settings):
    for n in range(24):
        ContractFactory(village=personas.yukou, number=f"YK-{n:03d}", annual_fee=Decimal("100.00"),
                        note="很长的备注" * 8)
    content = printed(client_for(personas.cadre), "contracts:contract-list")
    pages = page_count(content, tmp_path)

    assert pages >= 2
    for page in range(1, pages + 1):
        text = pdf_text(content, tmp_path, first=page)
        assert "乡镇村合同名称合同类型承包方" in text, page
        assert f"第{page}页共{pages}页" in text
    assert "2,400.00" in pdf_text(content, tmp_path, first=pages)


def test_the_conditions_are_printed_in_words_and_a_value_the_list_ignores_is_left_out(personas, client_for,
                                                                                      contracts, tmp_path):
    query = f"village={personas.yukou.pk}&form=书面合同&q=YK&expiring=abc"
    text = pdf_text(printed(client_for(personas.cadre), "contracts:contract-list", query), tmp_path)

    assert "合同清单·峪口镇·搜索：YK·村：峪口村·签订形式：书面合同" in text
    assert "到期天数内" not in text
    assert "YK-001" in text and "YK-002" in text and "TW-001" not in text


def test_a_yes_no_condition_is_printed_as_its_choice(personas, client_for, tmp_path):
    ResolutionFactory(village=personas.yukou, title="机动地发包方案")
    text = pdf_text(printed(client_for(personas.cadre), "contracts:resolution-list", "passed=true"), tmp_path)

    assert "民主决策记录清单·峪口镇·通过：通过" in text and "机动地发包方案" in text


def test_an_outsider_prints_only_their_own_townships_rows(personas, client_for, contracts, tmp_path):
    text = pdf_text(printed(client_for(personas.outsider), "contracts:contract-list",
                            f"village={personas.yukou.pk}"), tmp_path)

    assert "JC-001" in text and "积翠镇" in text
    assert "YK-001" not in text and "TW-001" not in text and "峪口村" not in text


def test_the_inspector_may_print_and_nothing_changes(personas, client_for, contracts, tmp_path):
    client = client_for(personas.inspector)
    before = (Contract.objects.count(), AuditEntry.objects.count(), Job.objects.count())

    text = pdf_text(printed(client, "contracts:contract-list", "state=已认定"), tmp_path)
    refused = client.post(reverse("contracts:contract-list") + "?format=pdf").status_code

    assert "YK-001" in text and "JC-001" in text and "打印人：白振国" in text
    assert refused in (403, 405)
    assert (Contract.objects.count(), AuditEntry.objects.count(), Job.objects.count()) == before


def test_a_long_list_is_printed_by_a_background_job(personas, client_for, contracts, settings, jobs_run_here,
                                                     tmp_path):
    settings.PDF_LIST_INLINE_ROWS = 2
    client = client_for(personas.cadre)

    response = client.get(reverse("contracts:contract-list") + "?format=pdf")

    job = Job.objects.get(kind="list-pdf")
    assert response.status_code == 302 and response["Location"] == reverse("core:job-detail", args=[job.pk])
    assert job.state == Job.State.DONE and job.counts == {"rows": 3} and job.title == "打印合同清单"
    assert job.files[0]["name"].startswith("合同清单-") and job.files[0]["name"].endswith(".pdf")
    download = client.get(reverse("core:job-file", args=[job.pk, 0]))
    text = pdf_text(b"".join(download.streaming_content), tmp_path)
    assert "YK-001" in text and "YK-002" in text and "TW-001" in text and "13,800.00" in text
    assert client_for(personas.outsider).get(reverse("core:job-file", args=[job.pk, 0])).status_code == 404
    assert client_for(personas.outsider).get(reverse("core:job-detail", args=[job.pk])).status_code == 404


def test_a_list_over_the_most_is_refused_with_a_message_naming_the_way_out(personas, client_for, contracts,
                                                                           settings):
    settings.PDF_LIST_MAX_ROWS = 2
    client = client_for(personas.cadre)

    response = client.get(reverse("contracts:contract-list") + "?state=&q=&format=pdf")

    assert response.status_code == 302
    assert "format" not in response["Location"] and response["Location"].startswith(reverse("contracts:contract-list"))
    page = client.get(response["Location"]).content.decode()
    assert "共 3 条，超过一次打印的上限 2 条" in page and "导出 Excel" in page
    assert not Job.objects.exists()


def test_every_character_of_a_printed_list_has_a_glyph(personas, client_for, contracts):
    names, glyphs = shown_glyphs(printed(client_for(personas.cadre), "contracts:contract-list", "state=已认定"))

    assert glyphs and not BOX & set(glyphs)
    assert names and all("Noto-Serif" in name for name in names), names


@pytest.mark.parametrize("url_name, title", [
    ("villages:village-list", "村组清单"), ("villages:party-list", "当事人清单"), ("villages:parcel-list", "地块清单"),
    ("villages:asset-list", "资产清单"), ("contracts:resolution-list", "民主决策记录清单"),
    ("debts:claim-list", "债权清单"), ("debts:debt-list", "债务清单"), ("letters:letter-list", "函件清单"),
    ("debts:mediation-list", "诉前调解案件清单"),
])
def test_every_list_with_an_export_prints_and_offers_its_printed_copy(personas, client_for, contracts, tmp_path,
                                                                     url_name, title):
    client = client_for(personas.cadre)

    page = client.get(reverse(url_name) + "?q=x").content.decode()
    text = pdf_text(printed(client, url_name), tmp_path)

    assert "q=x&amp;format=pdf" in page and "打印(PDF)" in page
    assert f"{title}·峪口镇" in text


# --- The renderer, without the database ---------------------------------------------------------------------


def document(rows: int, columns: list[PrintedColumn] | None = None) -> ListDocument:
    columns = columns or [PrintedColumn("编号"), PrintedColumn("姓名"), PrintedColumn("证件号码"),
                          PrintedColumn("金额(元)", money=True, figures=True, nowrap=True), PrintedColumn("备注")]
    cells = [[f"YK-{n:05d}", f"张三{n}", "141124********001X", "12,800.00", "备注" * (n % 7)] for n in range(rows)]
    totals = ["合计", "", "", printed_cell(Decimal("12800.00") * rows, money=True), ""]
    layout = list_layout(columns, cells + [totals])
    columns = [PrintedColumn(c.title, c.money, c.figures, c.nowrap, w) for c, w in zip(columns, layout.widths,
                                                                                           strict=True)]
    return ListDocument("合同清单", "峪口镇", ["清理状态：已认定"], "高志强", timezone.now() - timedelta(minutes=5),
                        columns, cells, totals, layout)


def test_a_long_list_laid_out_in_parts_pages_as_it_would_in_one_piece(monkeypatch, tmp_path):
    """Parts end on a full page (their last page goes to the next part), and the page numbers run on."""
    whole = lists.render_list_pdf(document(130))
    # Parts of 60 rows (5 columns): more than a page holds (42 rows), as in use.
    monkeypatch.setattr(lists, "PART_CELLS", 300)
    monkeypatch.setattr(lists, "PART_LEAST_ROWS", 60)
    reports = []
    parted = lists.render_list_pdf(document(130), report=lambda done, total, message: reports.append(message))
    pages = page_count(whole, tmp_path)

    assert page_count(parted, tmp_path) == pages >= 3
    for page in range(1, pages + 1):
        one, other = pdf_text(whole, tmp_path, first=page), pdf_text(parted, tmp_path, first=page)
        first_row = re.search(r"YK-\d{5}", one).group()
        assert first_row == re.search(r"YK-\d{5}", other).group(), page
        assert "编号" in other and f"第{page}页共{pages}页" in other
    assert "1,664,000.00" in pdf_text(parted, tmp_path, first=pages)
    assert reports[-1].startswith("正在编页码")
    assert not BOX & set(shown_glyphs(parted)[1])


def test_money_is_printed_with_separators_and_right_aligned():
    doc = document(3)
    html = render_to_string(lists.TEMPLATE, lists._context(doc, doc.rows, 0, last=True, numbered=True))

    assert printed_cell(Decimal("12800"), money=True) == "12,800.00"
    assert printed_cell(Decimal("12.5")) == "12.50" and printed_cell(1046) == "1,046"
    assert "td:nth-child(4) { white-space: nowrap; text-align: right; }" in html


def test_a_narrow_list_is_printed_upright_and_a_wide_one_across(personas):
    narrow = document(5).layout
    wide = list_layout([PrintedColumn(f"第{n}列") for n in range(20)], [["某某村股份经济合作社"] * 20])
    contracts = exporter_for("contracts")(personas.cadre, {}).columns()

    assert narrow.orientation == "portrait" and narrow.font_pt >= 9
    assert wide.orientation == "landscape" and wide.font_pt >= lists.SMALLEST_PT
    assert len(contracts) > lists.UPRIGHT_MOST_COLUMNS
    assert abs(sum(narrow.widths) - 100) < 0.1 and abs(sum(wide.widths) - 100) < 0.1


def test_a_running_title_cannot_break_out_of_its_style_rule():
    escaped = lists.css_string('合同"; } body { display: none } </style><script>')

    assert '"' not in escaped and "<" not in escaped and "}" not in escaped and "合同" in escaped


@pytest.mark.parametrize("url_name", ["contracts:contract-list", "debts:claim-list"])
def test_malformed_filter_values_still_print_without_a_server_error(personas, client_for, contracts, url_name):
    from test_malformed_params import MALFORMED

    client = client_for(personas.cadre)
    keys = ("q", "village", "state", "origin", "status", "expiring", "age", "sealed", "limitation")
    for value in MALFORMED:
        response = client.get(reverse(url_name), {**{key: value for key in keys}, "format": "pdf"})
        assert response.status_code in (200, 400), (value[:20], response.status_code)

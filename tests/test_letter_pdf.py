"""The printed letters: what a 对账函 and a 清缴通知书 say, the receipt's QR code, and batches."""
import gc
import io
import json
import multiprocessing
import re
import shutil
import subprocess
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from contracts.factories import ContractFactory
from debts.factories import ClaimFactory
from debts.letters import pdf as letter_pdf
from debts.models import Letter, LetterItem
from places.factories import GroupFactory
from villages.factories import PartyFactory, make_resident_id

ID_NUMBER = make_resident_id(77)


@pytest.fixture(scope="session")
def font_folder(tmp_path_factory):
    return tmp_path_factory.mktemp("letter-fonts")


@pytest.fixture(autouse=True)
def faces_made_once_per_run(settings, private_files_in_a_temporary_folder, font_folder):
    """Cutting the face takes a second or more; the tests share what they cut."""
    settings.PRIVATE_ROOT = font_folder


def make_letter(personas, *, village=None, debtor=None, kind="对账函", seq=1, claims=()):
    village = village or personas.yukou
    claims = list(claims) or [ClaimFactory(village=village, debtor=debtor or PartyFactory(village=village))]
    debtor = claims[0].debtor
    total = sum((claim.principal for claim in claims), Decimal("0"))
    letter = Letter.objects.create(
        village=village, number=f"峪口-{village.name}-2026-{seq:04d}", year=2026, seq=seq, kind=kind, debtor=debtor,
        total=total, as_of=date(2026, 5, 20), reply_by=date(2026, 6, 19), created_by=personas.cadre)
    LetterItem.objects.bulk_create([LetterItem(letter=letter, claim=claim, amount=claim.principal) for claim in claims])
    return letter


@pytest.fixture
def zhang(personas):
    group = GroupFactory(village=personas.yukou, name="二组")
    return PartyFactory(village=personas.yukou, name="张秀英", group=group, id_number=ID_NUMBER,
                        address="峪口村二组18号")


@pytest.fixture
def claims(personas, zhang):
    contract = ContractFactory(village=personas.yukou, counterparty=zhang, number="HT-2020-007",
                               title="机动地承包合同")
    fees = ClaimFactory(village=personas.yukou, debtor=zhang, contract=contract, origin="承包费拖欠",
                        origin_note="2023年度承包费", principal=Decimal("3500.00"), occurred_on=date(2023, 3, 1),
                        due_date=date(2023, 12, 31))
    advance = ClaimFactory(village=personas.yukou, debtor=zhang, origin="垫付", origin_note="2016年修路垫付",
                           principal=Decimal("8845.00"), occurred_on=date(2016, 7, 1), due_date=date(2017, 7, 1))
    return [fees, advance]


def pdf_text(pdf: bytes) -> list[str]:
    """Each page's text with all white space removed, so that a line break never splits a phrase."""
    return [re.sub(r"\s+", "", page.extract_text()) for page in PdfReader(io.BytesIO(pdf)).pages]


def test_letter_text_holds_the_number_the_debtor_the_items_and_both_totals(personas, claims):
    letter = make_letter(personas, claims=claims)

    pdf, pages = letter_pdf.render_letters([letter.pk])

    assert pdf.startswith(b"%PDF") and pages == 1
    text = "".join(pdf_text(pdf))
    assert "对账函" in text and "编号：峪口-峪口村-2026-0001" in text
    assert "张秀英" in text and "峪口村二组" in text
    for part in ("承包费拖欠", "2023年度承包费", "2023年3月1日", "3,500.00",
                 "垫付", "2016年修路垫付", "2016年7月1日", "8,845.00"):
        assert part in text
    assert "12,345.00" in text and "人民币壹万贰仟叁佰肆拾伍元整" in text
    assert "截至2026年5月20日" in text and "2026年6月19日前" in text
    # The seal line and the receipt.
    assert "峪口村股份经济合作社（盖章）" in text
    assert "回执" in text and "确认无误" in text and "有异议" in text and "签名" in text


def test_letter_prints_the_masked_id_number_never_the_full_one(personas, claims):
    letter = make_letter(personas, claims=claims)

    text = "".join(pdf_text(letter_pdf.render_letters([letter.pk])[0]))

    assert ID_NUMBER[:6] + "********" + ID_NUMBER[-4:] in text
    assert ID_NUMBER not in text


def test_payment_notice_gives_contract_penalty_deadline_consequences_and_where_to_pay(personas, claims):
    letter = make_letter(personas, claims=claims, kind="清缴通知书")

    text = "".join(pdf_text(letter_pdf.render_letters([letter.pk])[0]))

    assert "清缴通知书" in text
    assert "《机动地承包合同》（合同编号：HT-2020-007" in text
    assert "应缴合计：人民币壹万贰仟叁佰肆拾伍元整12,345.00" in text
    assert "本金，合计12,345.00元" in text and "违约金按合同约定另行计算" in text
    assert "请您于2026年6月19日前将上述款项缴至峪口村股份经济合作社财务室（峪口镇峪口村）" in text
    assert "提起诉讼或者申请支付令" in text and "诉讼时效中断" in text
    assert "对所列欠款无异议" in text


def test_each_letter_starts_on_a_new_page(personas, claims):
    first = make_letter(personas, claims=claims)
    second = make_letter(personas, seq=2)

    pdf, pages = letter_pdf.render_letters([second.pk, first.pk])

    texts = pdf_text(pdf)
    assert pages == len(texts) == 2
    assert "2026-0002" in texts[0] and "2026-0001" in texts[1]


def test_letter_context_needs_two_queries_however_many_letters(personas):
    few = [make_letter(personas, seq=1)]
    many = [make_letter(personas, seq=n) for n in range(2, 8)]
    for letters in (few, many):
        with CaptureQueriesContext(connection) as queries:
            contexts = letter_pdf.letter_context([letter.pk for letter in letters])
        assert len(queries) == 2
        assert [c["number"] for c in contexts] == [letter.number for letter in letters]


def test_qr_code_image_decodes_to_the_letter_number():
    zxingcpp = pytest.importorskip("zxingcpp", reason="zxing-cpp decodes the QR code")
    from PIL import Image

    number = "积翠-峪口村-2026-0001"
    image = io.BytesIO()
    letter_pdf.qr_code(number).save(image, kind="png", scale=4, border=4)
    image.seek(0)

    assert [result.text for result in zxingcpp.read_barcodes(Image.open(image))] == [number]


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) rasterises the page")
def test_qr_code_on_the_printed_page_decodes_to_the_letter_number(personas, claims, tmp_path):
    zxingcpp = pytest.importorskip("zxingcpp", reason="zxing-cpp decodes the QR code")
    from PIL import Image

    letter = make_letter(personas, claims=claims)
    (tmp_path / "letter.pdf").write_bytes(letter_pdf.render_letters([letter.pk])[0])

    subprocess.run(["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", "letter.pdf", "page"], cwd=tmp_path,
                   check=True)
    page = Image.open(next(tmp_path.glob("page*.png")))

    assert [result.text for result in zxingcpp.read_barcodes(page)] == [letter.number]


@pytest.fixture
def batch(personas):
    """Seven letters, in printing order: five of 峪口村, then two of 土屋村."""
    return ([make_letter(personas, seq=n) for n in range(1, 6)]
            + [make_letter(personas, village=personas.tuwu, seq=n) for n in range(1, 3)])


def numbers_in(pdf: bytes) -> list[str]:
    return [re.search(r"编号：(\S+?-\d{4}-\d{4})", page).group(1) for page in pdf_text(pdf)]


def test_batch_holds_every_letter_in_the_given_order_and_one_file_per_village(personas, batch):
    messages = []

    output = letter_pdf.render_batch([letter.pk for letter in batch], workers=2, chunk_size=2,
                                     report=lambda done, total, message: messages.append((done, total, message)))

    assert output.letters == 7 and output.pages == len(PdfReader(io.BytesIO(output.whole)).pages) >= 7
    assert numbers_in(output.whole) == [letter.number for letter in batch]
    assert [name for name, _ in output.by_village] == ["峪口村", "土屋村"]
    assert numbers_in(output.by_village[0][1]) == [letter.number for letter in batch[:5]]
    assert numbers_in(output.by_village[1][1]) == [letter.number for letter in batch[5:]]
    assert messages[-1] == (7, 7, "已生成 7 / 7 份")
    assert [done for done, _, _ in messages] == sorted(done for done, _, _ in messages)


def test_parallel_workers_and_rendering_in_this_process_print_the_same_letters(personas, batch):
    ids = [letter.pk for letter in batch]

    parallel = letter_pdf.render_batch(ids, workers=2, chunk_size=3)
    here = letter_pdf.render_batch(ids, workers=1, chunk_size=3)

    assert parallel.stats["workers"] == 2 and here.stats["workers"] == 0
    assert pdf_text(parallel.whole) == pdf_text(here.whole)
    assert [(name, pdf_text(pdf)) for name, pdf in parallel.by_village] == [
        (name, pdf_text(pdf)) for name, pdf in here.by_village]


def test_batch_embeds_one_face_once_however_many_chunks(personas, batch):
    output = letter_pdf.render_batch([letter.pk for letter in batch], workers=1, chunk_size=2)

    programs = set()
    for page in PdfReader(io.BytesIO(output.whole)).pages:
        for font in page["/Resources"]["/Font"].values():
            descriptor = font.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            programs |= {descriptor.raw_get(key).idnum for key in ("/FontFile", "/FontFile2", "/FontFile3")
                         if key in descriptor}
    # One program: the subset face, written once although four chunks carried it,
    # and no system face pulled in for a character the subset lacked.
    assert len(programs) == 1


def test_the_face_is_cut_once_for_a_character_set(monkeypatch):
    first = letter_pdf.letter_font({"峪", "口"})
    monkeypatch.setattr("core.pdf.fonts._subset", lambda *args: pytest.fail("cut again"))

    assert letter_pdf.letter_font({"口", "峪"}) == first


def test_the_subset_face_covers_every_character_of_the_letters(personas, claims):
    from fontTools.ttLib import TTFont

    letter = make_letter(personas, claims=claims, kind="清缴通知书")
    contexts = letter_pdf.letter_context([letter.pk])
    font = TTFont(letter_pdf.letter_font(letter_pdf.context_chars(contexts)))

    pdf = letter_pdf.render_letters([letter.pk])[0]
    printed = set("".join(pdf_text(pdf)))
    assert printed - {chr(code) for code in font.getBestCmap()} == set()


def test_an_empty_batch_gives_an_empty_result():
    output = letter_pdf.render_batch([])

    assert (output.letters, output.pages, list(output.by_village)) == (0, 0, [])


def test_a_failed_chunk_is_reported_not_swallowed(personas, tmp_path):
    requests = io.BytesIO(json.dumps({"index": 0, "input": str(tmp_path / "missing.json"),
                                      "output": str(tmp_path / "0.pdf"), "font": None}).encode() + b"\n")
    replies = io.BytesIO()

    letter_pdf.serve_chunks(requests, replies)

    answer = json.loads(replies.getvalue())
    assert answer["index"] == 0 and "FileNotFoundError" in answer["error"]


def test_village_files_are_read_when_asked_for_and_removed_with_the_batch(personas, batch):
    output = letter_pdf.render_batch([letter.pk for letter in batch], workers=1)
    folder = output.by_village._files[0][1].parent

    assert len(output.by_village) == 2 and output.by_village[1][0] == "土屋村"
    assert output.by_village[0][1].startswith(b"%PDF")
    del output
    gc.collect()
    assert not folder.exists()


def _render_in_a_daemonic_process(folder: str, font: str) -> None:
    """What a Celery prefork worker does: its processes are daemonic, and may not fork children
    through multiprocessing; the letter workers must start anyway."""
    assert multiprocessing.current_process().daemon
    pool = letter_pdf._WorkerPool(2)
    try:
        jobs = [(n, Path(folder) / f"{n}.json", Path(folder) / f"{n}.pdf") for n in range(2)]
        list(pool.run(jobs, font))
    finally:
        pool.close()


def test_workers_start_inside_a_daemonic_process_like_a_celery_worker(personas, batch, tmp_path):
    chars = set()
    for n, letters in enumerate((batch[:4], batch[4:])):
        contexts = letter_pdf.letter_context([letter.pk for letter in letters], with_qr=False)
        (tmp_path / f"{n}.json").write_text(json.dumps(contexts), encoding="utf-8")
        chars |= letter_pdf.context_chars(contexts)
    font = letter_pdf.letter_font(chars)

    process = multiprocessing.get_context("fork").Process(
        target=_render_in_a_daemonic_process, args=(str(tmp_path), font), daemon=True)
    process.start()
    process.join(120)

    assert process.exitcode == 0
    assert numbers_in((tmp_path / "0.pdf").read_bytes()) + numbers_in((tmp_path / "1.pdf").read_bytes()) == [
        letter.number for letter in batch]


def test_the_batch_character_set_covers_every_text_the_letters_hold(personas, claims):
    personas.tuwu.collective_org = ""
    personas.tuwu.save()
    company = PartyFactory(village=personas.tuwu, kind="org", name="吕梁鑫磊建材有限公司", id_number="",
                           address="圪洞镇工业园区")
    letters = [make_letter(personas, claims=claims, kind="清缴通知书"),
               make_letter(personas, village=personas.tuwu, debtor=company, seq=1)]
    ids = [letter.pk for letter in letters]

    printed = letter_pdf.context_chars(letter_pdf.letter_context(ids))

    assert printed - letter_pdf.batch_chars(ids) - letter_pdf.template_chars() == set()

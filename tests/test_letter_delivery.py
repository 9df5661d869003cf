"""Delivery and receipts: the receipt desk's two clicks, the limitation clock, disputes, refusals, scope."""
import os
import shutil
from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from contracts.rules import add_years
from debts.factories import ClaimFactory
from debts.letters import services as letters
from debts.models import Claim, ClaimEvent, DisputeTask, Letter, LetterKind
from villages.factories import PartyFactory

TODAY = timezone.localdate()
AS_OF = TODAY - timedelta(days=20)
HTMX = {"HTTP_HX_REQUEST": "true"}


def issue(user, village, kind=LetterKind.RECONCILIATION, name="冯海平", amounts=("10000.00", "2345.60")):
    debtor = PartyFactory(village=village, name=name)
    claims = [ClaimFactory(village=village, debtor=debtor, principal=Decimal(a), due_date=date(2024, 3, 1))
              for a in amounts]
    return letters.letter_issue_for_claim(user=user, claim=claims[0], kind=kind, as_of=AS_OF)


@pytest.fixture
def letter(personas):
    return issue(personas.accountant, personas.yukou)


def desk_lookup(client, number):
    return client.get(reverse("letters:receipt-desk"), {"number": number}, **HTMX).content.decode()


def desk_deliver(client, letter, delivery="本人签收", on=None):
    data = {"delivery": delivery, **({"on": on.isoformat()} if on else {})}
    return client.post(reverse("letters:desk-deliver", args=[letter.pk]), data, **HTMX).content.decode()


def desk_answer(client, letter, result, on=None, **extra):
    data = {"result": result, **({"on": on.isoformat()} if on else {}), **extra}
    return client.post(reverse("letters:desk-answer", args=[letter.pk]), data, **HTMX).content.decode()


def claims_of(letter):
    return list(Claim.objects.filter(letter_items__letter=letter).order_by("pk"))


def test_confirmed_receipt_at_the_desk_moves_the_claims_lapse_date(personas, letter, client_for):
    client = client_for(personas.collector)
    assert [c.lapse_on for c in claims_of(letter)] == [date(2027, 3, 1)] * 2
    card = desk_lookup(client, letter.number)
    assert "冯海平" in card and "12,345.60" in card and "已生成" in card and "送达（本人签收）" in card
    card = desk_deliver(client, letter, on=TODAY - timedelta(days=5))
    assert "已登记送达（本人签收）" in card and "确认无误" in card and "有异议" in card
    answered = TODAY - timedelta(days=2)
    card = desk_answer(client, letter, "已确认", on=answered)
    assert "诉讼时效自回执日期起重新计算" in card and "已确认" in card and "确认无误</button>" not in card
    letter.refresh_from_db()
    assert (letter.state, letter.delivered_on, letter.delivery, letter.answered_on) == (
        Letter.State.CONFIRMED, TODAY - timedelta(days=5), "本人签收", answered)
    assert letter.delivered_by == str(personas.collector)
    for claim in claims_of(letter):
        assert claim.clock_from == answered
        assert claim.lapse_on == add_years(answered, 3)
        assert claim.events.filter(kind=ClaimEvent.Kind.LETTER_CONFIRMED, happened_on=answered).exists()
    page = client.get(claims_of(letter)[0].get_absolute_url()).content.decode()
    assert f"{add_years(answered, 3):%Y-%m-%d} 届满" in page and letter.number in page


def test_the_desk_records_today_when_no_date_is_given(personas, letter, client_for):
    client = client_for(personas.accountant)
    desk_deliver(client, letter)
    desk_answer(client, letter, "已确认")
    letter.refresh_from_db()
    assert letter.delivered_on == TODAY and letter.answered_on == TODAY
    assert all(c.clock_from == TODAY for c in claims_of(letter))


def test_disputed_receipt_opens_a_task_shown_on_the_disputes_page(personas, letter, client_for):
    client = client_for(personas.accountant)
    desk_deliver(client, letter)
    card = desk_answer(client, letter, "有异议", disputed_amount="2,000", reason="2019年已交过一年承包费")
    assert "已转乡镇专班核实" in card
    task = DisputeTask.objects.get(letter=letter)
    assert task.closed_on is None and task.village == personas.yukou and task.opened_on == TODAY
    letter.refresh_from_db()
    assert letter.state == Letter.State.DISPUTED and letter.disputed_amount == Decimal("2000.00")
    # The letter's delivery restarted the clock (it was served); the dispute itself restarts nothing more.
    assert [c.clock_from for c in claims_of(letter)] == [TODAY] * 2
    assert not ClaimEvent.objects.filter(kind=ClaimEvent.Kind.LETTER_CONFIRMED).exists()
    page = client_for(personas.cadre).get(reverse("letters:dispute-list")).content.decode()
    assert letter.number in page and "2019年已交过一年承包费" in page and "核实办结" in page
    assert reverse("letters:dispute-close", args=[task.pk]) in page


def test_a_dispute_without_an_amount_or_a_reason_is_refused_and_nothing_changes(personas, letter, client_for):
    client = client_for(personas.accountant)
    desk_deliver(client, letter)
    card = desk_answer(client, letter, "有异议", reason="不认")
    assert "请填写有异议的金额" in card
    card = desk_answer(client, letter, "有异议", disputed_amount="99999", reason="不认")
    assert "请填写有异议的金额（不超过 12,345.60 元）。" in card
    card = desk_answer(client, letter, "有异议", disputed_amount="100", reason="  ")
    assert "请写明异议理由。" in card
    letter.refresh_from_db()
    assert letter.state == Letter.State.DELIVERED and not DisputeTask.objects.exists()


def test_a_delivered_payment_notice_or_reconciliation_letter_restarts_the_clock(personas, client_for):
    """Either is a demand served on the debtor (民法典 §195): the clock runs anew from the day it was served."""
    client = client_for(personas.accountant)
    notice = issue(personas.accountant, personas.yukou, kind=LetterKind.PAYMENT_NOTICE, name="任秀兰")
    served = TODAY - timedelta(days=3)
    card = desk_deliver(client, notice, delivery="留置", on=served)
    assert "已登记送达（留置）" in card
    for claim in claims_of(notice):
        assert claim.clock_from == served and claim.lapse_on == add_years(served, 3)
        assert claim.events.filter(kind=ClaimEvent.Kind.DEMAND, happened_on=served).exists()
    reconciliation = issue(personas.accountant, personas.yukou, name="白月娥")
    desk_deliver(client, reconciliation, delivery="邮寄", on=served)
    for claim in claims_of(reconciliation):
        assert claim.clock_from == served and claim.lapse_on == add_years(served, 3)
        assert claim.events.filter(kind=ClaimEvent.Kind.LETTER_SENT).exists()


def test_state_changes_out_of_order_are_refused_with_chinese_messages(personas, letter, client_for):
    client = client_for(personas.accountant)
    desk_deliver(client, letter)
    assert "函件当前为“已送达”，不能再登记送达。" in desk_deliver(client, letter)
    desk_answer(client, letter, "已确认")
    card = desk_answer(client, letter, "已确认")
    assert "函件当前为“已确认”，回执已登记过。" in card
    assert "函件当前为“已确认”，不能登记退回。" in desk_answer(client, letter, "退回")
    # The same refusals on the letter's own page.
    response = client.post(reverse("letters:letter-answer", args=[letter.pk]),
                           {"result": "已确认", "answered_on": TODAY.isoformat()})
    assert response.status_code == 200 and "函件当前为“已确认”，回执已登记过。" in response.content.decode()
    response = client.post(reverse("letters:letter-deliver", args=[letter.pk]),
                           {"delivered_on": TODAY.isoformat(), "delivery": "本人签收"})
    assert "函件当前为“已确认”，不能再登记送达。" in response.content.decode()
    assert ClaimEvent.objects.filter(kind=ClaimEvent.Kind.LETTER_CONFIRMED).count() == 2   # one per claim


def test_dates_before_the_letter_or_in_the_future_are_refused(personas, letter, client_for):
    client = client_for(personas.accountant)
    card = desk_deliver(client, letter, on=AS_OF - timedelta(days=1))
    assert "送达日期须在出具日期之后，且不晚于今天。" in card
    response = client.post(reverse("letters:letter-deliver", args=[letter.pk]),
                           {"delivered_on": (TODAY + timedelta(days=1)).isoformat(), "delivery": "本人签收"})
    assert "送达日期须在出具日期之后，且不晚于今天。" in response.content.decode()
    letter.refresh_from_db()
    assert letter.state == Letter.State.ISSUED


def test_an_undeliverable_letter_is_returned_from_the_desk(personas, letter, client_for):
    client = client_for(personas.accountant)
    card = desk_answer(client, letter, "退回")
    assert "已登记退回。" in card
    letter.refresh_from_db()
    assert letter.state == Letter.State.RETURNED and letter.answered_on == TODAY
    assert [c.clock_from for c in claims_of(letter)] == [date(2024, 3, 1)] * 2


def test_desk_lookup_of_another_townships_number_says_not_found_and_reveals_nothing(personas, letter,
                                                                                    client_for):
    outsider = client_for(personas.outsider)
    for number in (letter.number, "积翠-积翠村-2026-9999"):
        card = desk_lookup(outsider, number)
        assert "未找到与“" in card
        assert "冯海平" not in card and "12,345.60" not in card and "峪口村" not in card.replace(number, "")
    assert outsider.post(reverse("letters:desk-answer", args=[letter.pk]), {"result": "已确认"},
                         **HTMX).status_code == 404
    # A village accountant's scope is the village: a letter of the next village is not found either.
    tuwu_letter = issue(personas.cadre, personas.tuwu, name="高建军")
    assert "未找到与“" in desk_lookup(client_for(personas.accountant), tuwu_letter.number)
    assert "高建军" in desk_lookup(client_for(personas.cadre), tuwu_letter.number)
    letter.refresh_from_db()
    assert letter.state == Letter.State.ISSUED


def test_desk_lookup_takes_a_scanned_number_with_spaces_and_full_width_dashes(personas, letter, client_for):
    client = client_for(personas.accountant)
    scanned = " " + letter.number.replace("-", "－") + "\n"
    assert "冯海平" in desk_lookup(client, scanned)
    assert "请输入或扫描函件编号。" in desk_lookup(client, "   ")


def test_the_desk_works_without_script_by_going_back_to_the_desk_with_a_message(personas, letter, client_for):
    client = client_for(personas.accountant)
    page = client.get(reverse("letters:receipt-desk"), {"number": letter.number}).content.decode()
    assert "回执登记台" in page and "冯海平" in page
    response = client.post(reverse("letters:desk-deliver", args=[letter.pk]), {"delivery": "本人签收"})
    assert response.status_code == 302 and response.url.startswith(reverse("letters:receipt-desk") + "?number=")
    page = client.get(response.url).content.decode()
    assert "已登记送达（本人签收）" in page and "确认无误" in page


def test_delivery_with_a_photo_on_the_letter_page_and_the_photo_is_served_only_within_scope(
        personas, letter, client_for):
    buffer = BytesIO()
    Image.new("RGB", (8, 8), "white").save(buffer, format="PNG")
    photo = SimpleUploadedFile("签收.png", buffer.getvalue(), content_type="image/png")
    client = client_for(personas.accountant)
    response = client.post(reverse("letters:letter-deliver", args=[letter.pk]), {
        "delivered_on": (TODAY - timedelta(days=1)).isoformat(), "delivery": "留置", "delivered_by": "薛文斌、高志强",
        "photo": photo})
    assert response.status_code == 302 and response.url == reverse("letters:letter-detail", args=[letter.pk])
    letter.refresh_from_db()
    assert letter.state == Letter.State.DELIVERED and letter.delivered_by == "薛文斌、高志强"
    served = client.get(reverse("letters:letter-photo", args=[letter.pk]))
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert b"".join(served.streaming_content) == buffer.getvalue()
    assert client_for(personas.outsider).get(reverse("letters:letter-photo", args=[letter.pk])).status_code == 404
    page = client.get(response.url).content.decode()
    assert "送达照片" in page and "留置送达" in page


def test_a_photo_that_is_not_an_image_is_refused_in_chinese(personas, letter, client_for):
    fake = SimpleUploadedFile("签收.jpg", b"MZ not a picture", content_type="image/jpeg")
    response = client_for(personas.accountant).post(reverse("letters:letter-deliver", args=[letter.pk]), {
        "delivered_on": TODAY.isoformat(), "delivery": "本人签收", "photo": fake})
    assert "只能上传 PDF、JPG 或 PNG 文件" in response.content.decode()
    letter.refresh_from_db()
    assert letter.state == Letter.State.ISSUED


def test_answer_on_the_letter_page_opens_a_dispute_and_needs_its_amount(personas, letter, client_for):
    client = client_for(personas.accountant)
    url = reverse("letters:letter-answer", args=[letter.pk])
    response = client.post(url, {"result": "有异议", "answered_on": TODAY.isoformat()})
    page = response.content.decode()
    assert "请填写有异议的金额。" in page and "请写明异议理由。" in page
    response = client.post(url, {"result": "有异议", "answered_on": TODAY.isoformat(), "disputed_amount": "0.1万",
                                 "reason": "少算了分红"})
    assert response.status_code == 302
    assert DisputeTask.objects.get(letter=letter).letter.disputed_amount == Decimal("1000.00")


def test_the_single_letter_pdf_is_a_pdf_served_within_scope(personas, letter, client_for):
    response = client_for(personas.accountant).get(reverse("letters:letter-pdf", args=[letter.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF") and response["Cache-Control"] == "private, no-store"
    assert "inline;" in response["Content-Disposition"]


# --- In a real browser: a USB scanner's keystrokes, and the phone camera reading the receipt's QR code -------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def qr_video(path, number: str, width: int = 640, height: int = 480, frames: int = 5):
    """A few frames of a camera looking at a receipt's QR code (made as the printed letters make it),
    as a Y4M file that Chromium plays as its camera."""
    from debts.letters.pdf import qr_code

    picture = BytesIO()
    qr_code(number).save(picture, kind="png", scale=8, border=4)
    code = Image.open(BytesIO(picture.getvalue())).convert("L")
    frame = Image.new("L", (width, height), 255)
    frame.paste(code, ((width - code.width) // 2, (height - code.height) // 2))
    chroma = bytes([128]) * (width // 2 * height // 2)
    with open(path, "wb") as video:
        video.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            video.write(b"FRAME\n" + frame.tobytes() + chroma + chroma)
    return path


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (Debian package 'chromium')")
@pytest.mark.django_db(transaction=True)
def test_receipts_are_recorded_at_the_desk_by_scanner_and_by_camera_in_a_browser(live_server, personas, tmp_path,
                                                                                 screenshot):
    from playwright.sync_api import sync_playwright

    first = issue(personas.accountant, personas.yukou)
    second = issue(personas.accountant, personas.yukou, name="任秀兰", amounts=("800.00",))
    camera = qr_video(tmp_path / "receipt.y4m", second.number)
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--use-fake-ui-for-media-stream",
                "--use-fake-device-for-media-stream", f"--use-file-for-fake-video-capture={camera}"])
            context = browser.new_context(viewport={"width": 412, "height": 900}, locale="zh-CN")
            context.grant_permissions(["camera"])
            page = context.new_page()
            errors = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            # Registering a receipt asks first; the desk's user says yes.
            asked = []
            page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
            page.goto(f"{live_server.url}/accounts/login/")
            page.fill("#id_username", "acc")
            page.fill("#id_password", "test-pass-2026")
            page.click("button[type=submit]")
            page.wait_for_url(f"{live_server.url}/")
            page.goto(f"{live_server.url}{reverse('letters:receipt-desk')}")

            # A USB scanner types the number and Enter into the focused box.
            page.keyboard.type(first.number)
            page.keyboard.press("Enter")
            page.wait_for_selector("#desk-result >> text=冯海平")
            page.click("button:has-text('送达（本人签收）')")
            page.wait_for_selector("text=第二步：登记回执结果")
            page.click("button:has-text('确认无误')")
            page.wait_for_selector("text=诉讼时效自回执日期起重新计算")
            first.refresh_from_db()
            assert first.state == Letter.State.CONFIRMED
            assert len(asked) == 1 and "确认无误" in asked[0] and "冯海平" in asked[0]
            # A slip is taken back the same day, after a second question.
            page.click("button:has-text('撤销本次回执登记')")
            page.wait_for_selector("text=已撤销回执登记")
            first.refresh_from_db()
            assert first.state == Letter.State.DELIVERED and len(asked) == 2
            page.click("button:has-text('确认无误')")
            page.wait_for_selector("text=诉讼时效自回执日期起重新计算")

            # The camera reads the next receipt's QR code and looks it up by itself.
            page.click("button:has-text('用摄像头扫码')")
            page.wait_for_selector("#desk-result >> text=任秀兰", timeout=15000)
            assert page.input_value("#desk-number") == second.number
            assert page.locator("#desk-scanner").is_hidden()
            page.click("button:has-text('送达（本人签收）')")
            page.wait_for_selector("text=第二步：登记回执结果")
            page.click("button:has-text('有异议')")
            page.fill("input[name=disputed_amount]", "300")
            page.fill("textarea[name=reason]", "已交过300元")
            page.click("button:has-text('提交异议')")
            page.wait_for_selector("text=已转乡镇专班核实")
            screenshot(page, "desk")
            assert not errors
            browser.close()
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    second.refresh_from_db()
    assert second.state == Letter.State.DISPUTED and DisputeTask.objects.filter(letter=second).exists()


def test_the_desk_finds_a_letter_by_year_and_sequence_when_a_scanner_cannot_type_chinese(personas, client_for):
    from datetime import date as _date
    from decimal import Decimal as _Decimal

    from debts.models import Letter

    party = PartyFactory(village=personas.yukou, name="张三")
    letter = Letter.objects.create(village=personas.yukou, number="峪口-峪口村-2026-0007", year=2026, seq=7,
                                   kind="对账函", debtor=party, total=_Decimal("100.00"), as_of=_date(2026, 11, 1),
                                   reply_by=_date(2026, 12, 1), created_by=personas.cadre)
    page = client_for(personas.cadre).get(reverse("letters:receipt-desk"), {"number": "2026-0007"})
    assert page.context["letter"] == letter
    outsider = client_for(personas.outsider).get(reverse("letters:receipt-desk"), {"number": "2026-0007"})
    assert outsider.context["letter"] is None and outsider.context["not_found"]

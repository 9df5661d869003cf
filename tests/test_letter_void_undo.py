"""A batch shown before it is issued (and who had a letter of the same kind lately), letters voided with
their numbers kept, a receipt registered by mistake undone the same day, and the desk finding a letter by the
end of its number or the debtor's name."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEntry, Job
from debts.factories import ClaimFactory
from debts.letters import services as letters
from debts.models import Claim, ClaimEvent, DisputeTask, Letter, LetterKind
from fixtures.posting import batch_previewed, form_key
from villages.factories import PartyFactory

TODAY = timezone.localdate()
AS_OF = TODAY - timedelta(days=20)
HTMX = {"HTTP_HX_REQUEST": "true"}
BATCH = reverse("letters:letter-batch")
pytestmark = pytest.mark.usefixtures("jobs_run_here")


def debtor_with_claims(village, name, amounts=("10000.00", "2345.60")):
    debtor = PartyFactory(village=village, name=name)
    for amount in amounts:
        ClaimFactory(village=village, debtor=debtor, principal=Decimal(amount), due_date=date(2024, 3, 1))
    return debtor


@pytest.fixture
def debtors(personas):
    return [debtor_with_claims(personas.tuwu, "冯海平"), debtor_with_claims(personas.tuwu, "高建军", ("800.00",)),
            debtor_with_claims(personas.tuwu, "白玉兰", ("1500.00",))]


def batch_data(personas, **extra):
    return {"villages": [personas.tuwu.pk], "kind": "对账函", "as_of": TODAY.isoformat(), **extra}


def run_batch(client, data):
    response = client.post(BATCH, {**batch_previewed(client, BATCH, data), "submission_key": form_key(client, BATCH)})
    assert response.status_code == 302, response.content.decode()[:2000]
    return Job.objects.order_by("-pk").first()


def test_the_batch_is_shown_before_it_is_issued_and_nothing_is_issued_by_the_preview(personas, debtors, client_for):
    client = client_for(personas.cadre)
    response = client.post(BATCH, {**batch_data(personas), "submission_key": form_key(client, BATCH)})
    page = response.content.decode()
    assert response.status_code == 200
    assert "预览：将出具 <b>3</b> 份对账函，合计 <b>14,645.60</b> 元" in page
    assert "冯海平" in page and "高建军" in page and "白玉兰" in page and "开始生成" in page
    assert "近 30 天内已收到" not in page
    assert not Job.objects.exists() and not Letter.objects.exists()


def test_a_batch_run_twice_leaves_out_those_lettered_lately_unless_asked(personas, debtors, client_for):
    client = client_for(personas.cadre)
    first = run_batch(client, batch_data(personas))
    issued = list(Letter.objects.filter(job=first).order_by("seq").values_list("number", flat=True))
    assert len(issued) == 3

    # The same batch again, the same day: the page warns, names each earlier letter, and issues none of them.
    response = client.post(BATCH, {**batch_data(personas), "submission_key": form_key(client, BATCH)})
    page = response.content.decode()
    assert 'data-recent="3"' in page and "3 户近 30 天内已收到对账函（未作废）" in page
    assert all(number in page for number in issued)
    assert "预览：将出具 <b>0</b> 份对账函" in page

    second = run_batch(client, batch_data(personas))
    second.refresh_from_db()
    assert second.state == Job.State.FAILED and "3 户近期已收到对账函，本批未再出具" in second.error
    assert Letter.objects.count() == 3

    # A new debtor gets a letter; the three lettered ones are named on the job, not lettered again.
    debtor_with_claims(personas.tuwu, "任保国", ("600.00",))
    third = run_batch(client, batch_data(personas))
    third.refresh_from_db()
    assert third.state == Job.State.DONE, third.error
    assert list(Letter.objects.filter(job=third).values_list("debtor__name", flat=True)) == ["任保国"]
    assert "3 户近期已收到对账函" in " ".join(third.counts["skipped"])
    assert third.counts["url"] == reverse("letters:letter-list") + f"?job={third.pk}"

    # Asked for, they are lettered again.
    fourth = run_batch(client, batch_data(personas, include_recent="on"))
    assert Letter.objects.filter(job=fourth).count() == 4


def test_a_batch_is_issued_only_for_the_conditions_previewed(personas, debtors, client_for):
    client = client_for(personas.cadre)
    data = batch_previewed(client, BATCH, batch_data(personas))
    changed = {**data, "min_balance": "1000", "submission_key": form_key(client, BATCH)}
    response = client.post(BATCH, changed)
    page = response.content.decode()
    assert response.status_code == 200 and "选择条件已改变，请核对下面的预览后再开始生成。" in page
    assert "预览：将出具 <b>2</b> 份对账函" in page
    assert not Job.objects.exists()


def test_a_letter_not_yet_served_is_voided_with_its_number_kept_and_the_reason_shown(personas, debtors, client_for):
    client = client_for(personas.cadre)
    run_batch(client, batch_data(personas))
    letter = Letter.objects.get(debtor__name="高建军")
    url = reverse("letters:letter-void", args=[letter.pk])
    assert "请写明作废原因" in client.post(url, {"reason": "  "}).content.decode()
    response = client.post(url, {"reason": "同一天重复出具"})
    assert response.status_code == 302
    letter.refresh_from_db()
    assert (letter.state, letter.void_reason, letter.voided_on, letter.voided_by) == (
        Letter.State.VOID, "同一天重复出具", TODAY, personas.cadre)
    assert AuditEntry.objects.filter(object_pk=str(letter.pk), changes__icontains="已作废").exists()
    page = client.get(letter.get_absolute_url()).content.decode()
    assert "作废（" in page and "同一天重复出具" in page and "编号保留在登记簿中" in page
    assert reverse("letters:letter-pdf", args=[letter.pk]) not in page
    assert client.get(reverse("letters:letter-pdf", args=[letter.pk])).status_code == 302
    # Void, the debtor is no longer "lettered lately".
    preview = client.post(BATCH, {**batch_data(personas), "submission_key": form_key(client, BATCH)})
    assert 'data-recent="2"' in preview.content.decode()
    # The number sequence has no gap and the letter is still listed, marked.
    listed = client.get(reverse("letters:letter-list"), {"state": "已作废"}).content.decode()
    assert letter.number in listed


def test_a_served_letter_is_not_voided(personas, debtors, client_for):
    client = client_for(personas.cadre)
    run_batch(client, batch_data(personas))
    letter = Letter.objects.get(debtor__name="高建军")
    letters.letter_deliver(user=personas.cadre, letter=letter, delivered_on=TODAY, delivery=Letter.Delivery.IN_PERSON)
    page = client.post(reverse("letters:letter-void", args=[letter.pk]), {"reason": "错了"}, follow=True)
    assert "只有尚未送达的函件可以作废" in page.content.decode()
    letter.refresh_from_db()
    assert letter.state == Letter.State.DELIVERED


def test_a_whole_batch_is_voided_from_its_list_and_served_letters_stay(personas, debtors, client_for):
    client = client_for(personas.cadre)
    job = run_batch(client, batch_data(personas))
    served = Letter.objects.get(debtor__name="冯海平")
    letters.letter_deliver(user=personas.cadre, letter=served, delivered_on=TODAY, delivery=Letter.Delivery.POST)
    page = client.get(reverse("letters:letter-list"), {"job": job.pk}).content.decode()
    assert "其中 2 份尚未送达" in page and "作废这批未送达的 2 份" in page
    response = client.post(reverse("letters:batch-void", args=[job.pk]), {"reason": "重复出具"}, follow=True)
    assert "已作废这批中尚未送达的 2 份函件" in response.content.decode()
    assert dict(Letter.objects.values_list("debtor__name", "state")) == {
        "冯海平": Letter.State.DELIVERED, "高建军": Letter.State.VOID, "白玉兰": Letter.State.VOID}
    again = client.post(reverse("letters:batch-void", args=[job.pk]), {"reason": "重复出具"}, follow=True)
    assert "没有尚未送达的函件" in again.content.decode()


def test_voiding_is_for_the_township_in_scope(personas, debtors, client_for):
    job = run_batch(client_for(personas.cadre), batch_data(personas))
    letter = Letter.objects.get(debtor__name="高建军")
    urls = [reverse("letters:letter-void", args=[letter.pk])]
    for who, status in (("accountant", 404), ("inspector", 403), ("outsider", 404), ("collector", 403)):
        client = client_for(getattr(personas, who))
        for url in urls:
            assert client.post(url, {"reason": "x"}).status_code == status, (who, url)
    for who in ("inspector", "collector", "accountant"):
        assert client_for(getattr(personas, who)).post(reverse("letters:batch-void", args=[job.pk]),
                                                        {"reason": "x"}).status_code == 403, who
    # Outside the scope a batch has nothing to void.
    client_for(personas.outsider).post(reverse("letters:batch-void", args=[job.pk]), {"reason": "x"})
    assert not Letter.objects.filter(state=Letter.State.VOID).exists()


@pytest.fixture
def delivered(personas):
    debtor = debtor_with_claims(personas.yukou, "冯海平")
    claim = Claim.objects.filter(debtor=debtor).first()
    letter = letters.letter_issue_for_claim(user=personas.accountant, claim=claim, kind=LetterKind.RECONCILIATION,
                                            as_of=AS_OF)
    letters.letter_deliver(user=personas.accountant, letter=letter, delivered_on=AS_OF + timedelta(days=1),
                           delivery=Letter.Delivery.IN_PERSON)
    return letter


def clocks(letter):
    return [(c.clock_from, c.lapse_on) for c in Claim.objects.filter(letter_items__letter=letter).order_by("pk")]


def test_a_confirmation_registered_by_mistake_is_undone_the_same_day(personas, delivered, client_for):
    before = clocks(delivered)
    client = client_for(personas.accountant)
    card = client.post(reverse("letters:desk-answer", args=[delivered.pk]),
                       {"result": "已确认", "on": TODAY.isoformat()}, **HTMX).content.decode()
    assert "撤销本次回执登记" in card and 'data-confirm="撤销刚才登记的回执' in card
    assert clocks(delivered) != before
    card = client.post(reverse("letters:answer-undo", args=[delivered.pk]), **HTMX).content.decode()
    assert "已撤销回执登记，函件恢复为登记前的状态。" in card
    delivered.refresh_from_db()
    assert (delivered.state, delivered.answered_on, delivered.answered_at) == (Letter.State.DELIVERED, None, None)
    assert not ClaimEvent.objects.filter(letter=delivered, kind=ClaimEvent.Kind.LETTER_CONFIRMED).exists()
    assert clocks(delivered) == before
    assert AuditEntry.objects.filter(object_pk=str(delivered.pk), changes__icontains="已确认").count() >= 2


def test_a_dispute_registered_by_mistake_is_withdrawn_with_its_receipt(personas, delivered, client_for):
    client = client_for(personas.accountant)
    letters.letter_answer(user=personas.accountant, letter=delivered, result=Letter.State.DISPUTED,
                          answered_on=TODAY, disputed_amount=Decimal("100.00"), reason="误点")
    page = client.get(delivered.get_absolute_url()).content.decode()
    assert "撤销今天登记的回执" in page
    response = client.post(reverse("letters:answer-undo", args=[delivered.pk]), follow=True)
    assert "已撤销回执登记" in response.content.decode()
    delivered.refresh_from_db()
    assert delivered.state == Letter.State.DELIVERED and delivered.disputed_amount is None
    assert not DisputeTask.objects.exists()


def test_a_returned_letter_registered_by_mistake_stands_issued_again(personas, client_for):
    debtor = debtor_with_claims(personas.yukou, "冯海平")
    letter = letters.letter_issue_for_claim(user=personas.accountant, claim=Claim.objects.filter(debtor=debtor)[0],
                                            kind=LetterKind.RECONCILIATION, as_of=AS_OF)
    letters.letter_answer(user=personas.accountant, letter=letter, result=Letter.State.RETURNED, answered_on=TODAY,
                          reason="查无此人")
    letters.letter_answer_undo(user=personas.accountant, letter=letter)
    letter.refresh_from_db()
    assert (letter.state, letter.note) == (Letter.State.ISSUED, "")
    assert not ClaimEvent.objects.filter(letter=letter).exists()


def test_a_receipt_registered_on_an_earlier_day_or_a_checked_dispute_is_not_undone(personas, delivered,
                                                                                    client_for):
    letters.letter_answer(user=personas.accountant, letter=delivered, result=Letter.State.CONFIRMED,
                          answered_on=TODAY)
    Letter.objects.filter(pk=delivered.pk).update(answered_at=timezone.now() - timedelta(days=1))
    client = client_for(personas.accountant)
    assert "撤销今天登记的回执" not in client.get(delivered.get_absolute_url()).content.decode()
    response = client.post(reverse("letters:answer-undo", args=[delivered.pk]), follow=True)
    assert "只能撤销当天登记的回执" in response.content.decode()
    assert Letter.objects.get(pk=delivered.pk).state == Letter.State.CONFIRMED


def test_undoing_a_receipt_is_for_those_who_follow_letters_up_in_scope(personas, delivered, client_for):
    letters.letter_answer(user=personas.accountant, letter=delivered, result=Letter.State.CONFIRMED,
                          answered_on=TODAY)
    url = reverse("letters:answer-undo", args=[delivered.pk])
    assert client_for(personas.inspector).post(url).status_code == 403
    assert client_for(personas.outsider).post(url).status_code == 404
    assert client_for(personas.inspector).get(url).status_code == 405
    assert Letter.objects.get(pk=delivered.pk).state == Letter.State.CONFIRMED


def desk(client, text):
    return client.get(reverse("letters:receipt-desk"), {"number": text}, **HTMX).content.decode()


def test_the_desk_finds_a_letter_by_the_end_of_its_number_or_the_debtors_name(personas, client_for):
    made = []
    for name in ("冯海平", "冯海军", "高建军"):
        debtor = debtor_with_claims(personas.yukou, name, ("500.00",))
        made.append(letters.letter_issue_for_claim(user=personas.accountant,
                                                   claim=Claim.objects.filter(debtor=debtor)[0],
                                                   kind=LetterKind.RECONCILIATION, as_of=AS_OF))
    client = client_for(personas.accountant)
    first = made[0]
    village_and_tail = first.number.split("-", 1)[1]           # 峪口村-2026-0001
    for typed in (village_and_tail, village_and_tail.replace("-0001", "-1"), first.number[-9:], "冯海平"):
        card = desk(client, typed)
        assert "冯海平" in card and "送达（本人签收）" in card, typed
    card = desk(client, "冯海")
    assert "与“冯海”相符的函件有 2 份" in card and "冯海军" in card and "高建军" not in card
    assert "送达（本人签收）" not in card
    assert "高建军" in desk(client, "gjj")
    assert "未找到与“" in desk(client, "土屋村-2026-0001")

"""Every letter page: happy path, outsider 404, read-only 403, fixed queries; issuing from a claim; batches."""
import sys
import types
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEntry, Job
from debts.factories import ClaimFactory
from debts.letters import services as letters
from debts.models import DisputeTask, Letter, LetterKind
from fixtures.posting import batch_previewed, post_once
from villages.factories import PartyFactory

AS_OF = timezone.localdate() - timedelta(days=10)


@pytest.fixture
def letter(personas):
    debtor = PartyFactory(village=personas.yukou, name="冯海平")
    claim = ClaimFactory(village=personas.yukou, number="YK-ZQ-001", debtor=debtor)
    ClaimFactory(village=personas.yukou, number="YK-ZQ-002", debtor=debtor, principal=Decimal("2345.60"))
    return letters.letter_issue_for_claim(user=personas.accountant, claim=claim, kind=LetterKind.RECONCILIATION,
                                          as_of=AS_OF)


@pytest.fixture
def dispute(personas, letter):
    letters.letter_deliver(user=personas.accountant, letter=letter, delivered_on=AS_OF,
                           delivery=Letter.Delivery.IN_PERSON)
    letters.letter_answer(user=personas.accountant, letter=letter, result=Letter.State.DISPUTED, answered_on=AS_OF,
                          disputed_amount=Decimal("2000.00"), reason="2019年已交过一年承包费")
    return DisputeTask.objects.get(letter=letter)


@pytest.fixture
def fake_renderer(monkeypatch):
    """Stands in for the PDF renderer where only the page's wiring is tested."""
    calls = []

    def render_letters(letter_ids):
        calls.append(list(letter_ids))
        return b"%PDF-1.7\n% test\n", 2

    module = types.ModuleType("debts.letters.pdf")
    module.render_letters = render_letters
    monkeypatch.setitem(sys.modules, "debts.letters.pdf", module)
    return calls


def detail_urls(letter):
    return [reverse("letters:letter-detail", args=[letter.pk]), reverse("letters:letter-pdf", args=[letter.pk])]


def write_urls(letter, claim, task):
    return [
        reverse("letters:letter-deliver", args=[letter.pk]),
        reverse("letters:letter-answer", args=[letter.pk]),
        reverse("letters:desk-deliver", args=[letter.pk]),
        reverse("letters:desk-answer", args=[letter.pk]),
        reverse("letters:claim-letter", args=[claim.pk]),
        reverse("letters:dispute-close", args=[task.pk]),
    ]


LIST_URLS = ["letters:letter-list", "letters:dispute-list"]


@pytest.mark.parametrize("who", ["accountant", "cadre", "county_office", "inspector", "collector"])
def test_users_in_scope_see_the_letter_its_pdf_and_the_lists(personas, dispute, client_for, fake_renderer, who):
    letter = dispute.letter
    client = client_for(getattr(personas, who))
    page = client.get(reverse("letters:letter-detail", args=[letter.pk])).content.decode()
    assert letter.number in page and "冯海平" in page and "12,345.60" in page
    assert "人民币壹万贰仟叁佰肆拾伍元陆角" in page and "YK-ZQ-002" in page and "变更记录" in page
    assert "2019年已交过一年承包费" in page
    for name in LIST_URLS:
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        assert letter.number in response.content.decode(), name
    response = client.get(reverse("letters:letter-pdf", args=[letter.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF") and fake_renderer == [[letter.pk]]


def test_letter_page_links_to_its_claims_and_shows_the_forms_for_its_state(personas, letter, client_for):
    client = client_for(personas.accountant)
    page = client.get(reverse("letters:letter-detail", args=[letter.pk])).content.decode()
    for item in letter.items.select_related("claim"):
        assert item.claim.get_absolute_url() in page
    assert "登记送达" in page and "登记回执" in page
    inspector_page = client_for(personas.inspector).get(reverse("letters:letter-detail", args=[letter.pk]))
    assert "登记送达" not in inspector_page.content.decode()


def test_outsider_gets_404_for_every_letter_page_and_sees_none_in_lists(personas, dispute, client_for,
                                                                       fake_renderer):
    letter = dispute.letter
    claim = letter.items.first().claim
    client = client_for(personas.outsider)
    before = (AuditEntry.objects.count(), Letter.objects.count())
    for url in detail_urls(letter) + [reverse("letters:letter-photo", args=[letter.pk])]:
        assert client.get(url).status_code == 404, url
    for url in write_urls(letter, claim, dispute):
        assert client.post(url, {"kind": "对账函", "delivery": "本人签收", "result": "已确认",
                                 "outcome": "x"}).status_code == 404, url
    for url in write_urls(letter, claim, dispute)[:2] + write_urls(letter, claim, dispute)[-1:]:
        assert client.get(url).status_code == 404, url
    for name in LIST_URLS:
        page = client.get(reverse(name)).content.decode()
        assert letter.number not in page and "冯海平" not in page and "峪口村" not in page
    assert (AuditEntry.objects.count(), Letter.objects.count()) == before
    assert fake_renderer == []


def test_inspector_gets_403_on_every_letter_write_and_nothing_changes(personas, dispute, client_for):
    letter = dispute.letter
    claim = letter.items.first().claim
    client = client_for(personas.inspector)
    before = (AuditEntry.objects.count(), Letter.objects.count(), Job.objects.count())
    for url in write_urls(letter, claim, dispute):
        assert client.post(url, {"kind": "对账函", "delivery": "本人签收", "result": "已确认",
                                 "outcome": "x"}).status_code == 403, url
    for url in write_urls(letter, claim, dispute)[:2] + write_urls(letter, claim, dispute)[-1:]:
        assert client.get(url).status_code == 403, url
    for name in ["letters:receipt-desk", "letters:letter-batch"]:
        assert client.get(reverse(name)).status_code == 403, name
    assert client.post(reverse("letters:letter-batch"), {"villages": [personas.yukou.pk], "kind": "对账函",
                                                         "as_of": timezone.localdate().isoformat()}).status_code == 403
    assert (AuditEntry.objects.count(), Letter.objects.count(), Job.objects.count()) == before


def test_village_accountant_follows_letters_up_but_neither_batches_nor_settles_disputes(personas, dispute,
                                                                                       client_for):
    client = client_for(personas.accountant)
    assert client.get(reverse("letters:receipt-desk")).status_code == 200
    assert client.get(reverse("letters:letter-batch")).status_code == 403
    assert client.get(reverse("letters:dispute-close", args=[dispute.pk])).status_code == 403
    page = client.get(reverse("letters:dispute-list")).content.decode()
    assert dispute.letter.number in page and "待核实" in page and "核实办结" not in page


@pytest.mark.parametrize("name, make", [
    ("letters:letter-list", "letters"),
    ("letters:dispute-list", "disputes"),
])
def test_letter_lists_use_a_fixed_number_of_queries(personas, client_for, name, make):
    client = client_for(personas.county_office)

    def issue(village, n):
        for _ in range(n):
            claim = ClaimFactory(village=village)
            letter = letters.letter_issue_for_claim(user=personas.county_office, claim=claim,
                                                    kind=LetterKind.PAYMENT_NOTICE, as_of=AS_OF)
            if make == "disputes":
                letters.letter_answer(user=personas.county_office, letter=letter, result=Letter.State.DISPUTED,
                                      answered_on=AS_OF, disputed_amount=Decimal("100"), reason="金额不对")

    issue(personas.yukou, 2)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse(name)).status_code == 200
    issue(personas.tuwu, 8)
    issue(personas.jicui, 8)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse(name))
    assert response.status_code == 200 and response.context["paginator"].count == 18
    assert len(many) == len(few)


def test_letter_list_filters_by_village_kind_state_and_number_or_debtor(personas, letter, client_for):
    other = letters.letter_issue_for_claim(user=personas.cadre, claim=ClaimFactory(village=personas.tuwu),
                                           kind=LetterKind.PAYMENT_NOTICE, as_of=AS_OF)
    client = client_for(personas.cadre)

    def listed(**query):
        return set(client.get(reverse("letters:letter-list"), query).context["object_list"])

    assert listed() == {letter, other}
    assert listed(village=personas.tuwu.pk) == {other}
    assert listed(kind="对账函") == {letter}
    assert listed(state="已生成") == {letter, other}
    assert listed(state="已确认") == set()
    assert listed(q="冯海") == {letter}
    assert listed(q="fhp") == {letter}
    assert listed(q=other.number.replace("-", "－")) == {other}


def test_a_letter_is_issued_from_a_claims_page_and_opens_on_its_own_page(personas, client_for):
    debtor = PartyFactory(village=personas.yukou, name="任秀兰")
    claim = ClaimFactory(village=personas.yukou, debtor=debtor, principal=Decimal("800.00"))
    ClaimFactory(village=personas.yukou, debtor=debtor, principal=Decimal("200.00"))
    client = client_for(personas.collector)
    response = client.post(reverse("letters:claim-letter", args=[claim.pk]), {"kind": "清缴通知书"})
    issued = Letter.objects.get(debtor=debtor)
    assert response.status_code == 302 and response.url == reverse("letters:letter-detail", args=[issued.pk])
    assert issued.kind == "清缴通知书" and issued.total == Decimal("1000.00") and issued.items.count() == 2
    page = client.get(response.url).content.decode()
    assert f"已出具清缴通知书 {issued.number}" in page


def test_a_sealed_claim_gets_no_letter_and_the_claim_page_says_why(personas, client_for):
    claim = ClaimFactory(village=personas.yukou, origin="税费尾欠", sealed=True, seal_reason="三提五统")
    client = client_for(personas.accountant)
    response = client.post(reverse("letters:claim-letter", args=[claim.pk]), {"kind": "对账函"}, follow=True)
    assert "已封存的债权不能出具函件。" in response.content.decode()
    assert not Letter.objects.exists()
    response = client.post(reverse("letters:claim-letter", args=[claim.pk]), {"kind": "催款函"}, follow=True)
    assert "函件类型" in response.content.decode() and not Letter.objects.exists()


def test_batch_page_starts_a_job_for_the_chosen_villages_and_goes_to_its_page(personas, client_for):
    client = client_for(personas.cadre)
    form = client.get(reverse("letters:letter-batch")).context["form"]
    assert set(form.fields["villages"].initial) == {personas.yukou.pk, personas.tuwu.pk}
    url = reverse("letters:letter-batch")
    response = post_once(client, url, batch_previewed(client, url, {
        "villages": [personas.yukou.pk, personas.tuwu.pk], "kind": "清缴通知书", "min_balance": "1.2万",
        "origins": ["承包费拖欠", "借款"], "age": "1-3", "as_of": AS_OF.isoformat()}))
    job = Job.objects.get()
    assert response.status_code == 302 and response.url == reverse("core:job-detail", args=[job.pk])
    assert job.kind == "letters" and job.created_by == personas.cadre
    assert sorted(job.params.pop("villages")) == sorted([personas.yukou.pk, personas.tuwu.pk])
    assert job.params == {"kind": "清缴通知书",
                          "as_of": AS_OF.isoformat(), "min_balance": "12000.00",
                          "origins": ["承包费拖欠", "借款"], "age": "1-3", "include_recent": False}


def test_batch_page_refuses_villages_outside_the_scope_and_bad_amounts_in_chinese(personas, client_for):
    client = client_for(personas.cadre)
    response = post_once(client, reverse("letters:letter-batch"), {
        "villages": [personas.jicui.pk], "kind": "对账函", "min_balance": "两千", "as_of": AS_OF.isoformat()})
    page = response.content.decode()
    assert response.status_code == 200
    assert "所选村不在您的管理范围内。" in page and "金额“两千”无法识别" in page
    response = post_once(client, reverse("letters:letter-batch"), {"kind": "对账函", "as_of": AS_OF.isoformat()})
    assert "请至少选择一个村。" in response.content.decode()
    assert not Job.objects.exists()


def test_township_cadre_settles_a_dispute_once(personas, dispute, client_for):
    client = client_for(personas.cadre)
    url = reverse("letters:dispute-close", args=[dispute.pk])
    page = client.get(url).content.decode()
    assert "2019年已交过一年承包费" in page and "2,000.00" in page
    response = client.post(url, {"outcome": "经核对，2019年承包费已入账，调整账务。",
                                 "closed_on": timezone.localdate().isoformat()})
    assert response.status_code == 302 and response.url == reverse("letters:dispute-list")
    dispute.refresh_from_db()
    assert dispute.closed_on == timezone.localdate() and dispute.closed_by == personas.cadre
    response = client.post(url, {"outcome": "再次办结", "closed_on": timezone.localdate().isoformat()})
    assert "该异议已经办结。" in response.content.decode()
    response = client.post(url, {"outcome": "", "closed_on": timezone.localdate().isoformat()})
    assert response.status_code == 200


def test_disputes_page_lists_open_tasks_before_settled_ones(personas, client_for):
    tasks = []
    for n in range(3):
        letter = letters.letter_issue_for_claim(user=personas.cadre, claim=ClaimFactory(village=personas.yukou),
                                                kind=LetterKind.RECONCILIATION, as_of=AS_OF)
        letters.letter_answer(user=personas.cadre, letter=letter, result=Letter.State.DISPUTED, answered_on=AS_OF,
                              disputed_amount=Decimal("10"), reason=f"理由{n}")
        tasks.append(DisputeTask.objects.get(letter=letter))
    letters.dispute_close(user=personas.cadre, task=tasks[0], outcome="已核实")
    response = client_for(personas.cadre).get(reverse("letters:dispute-list"))
    listed = list(response.context["object_list"])
    assert listed[-1] == tasks[0] and set(listed[:2]) == {tasks[1], tasks[2]}
    assert response.context["open_count"] == 2
    open_only = client_for(personas.cadre).get(reverse("letters:dispute-list"), {"open": "open"})
    assert set(open_only.context["object_list"]) == {tasks[1], tasks[2]}


def test_desk_page_has_the_number_box_and_the_camera_button(personas, client_for):
    page = client_for(personas.collector).get(reverse("letters:receipt-desk")).content.decode()
    assert 'name="number"' in page and "autofocus" in page and "用摄像头扫码" in page
    assert "vendor/jsqr/jsQR.js" in page and "js/receipt_desk.js" in page

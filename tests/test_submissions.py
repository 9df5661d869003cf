"""One click, one entry: every money form and every batch form carries a one-time key, and a page sent
twice (a slow network, an impatient cadre, a browser's resend) writes once; a page without a key writes
nothing; a voucher number already standing on the same claim or debt is asked about before it is used again.
"""
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from contracts.factories import ContractFactory
from contracts.models import Contract, Instalment
from core.models import Job, SubmissionKey
from core.submissions import MISSING_MESSAGE, new_key, parse_key
from debts import services
from debts.factories import ClaimFactory, DebtFactory, MoneyResolutionFactory
from debts.models import Claim, Debt, Entry
from fixtures.posting import batch_previewed, form_key
from ledgers.models import LedgerImport
from ledgers.testing import workbook
from villages.factories import PartyFactory

ON = timezone.localdate() - timedelta(days=3)
REPEATED = "（同一次提交）"

pytestmark = pytest.mark.usefixtures("jobs_run_here")


@pytest.fixture
def book(personas):
    debtor = PartyFactory(village=personas.yukou, name="冯海平")
    claim = ClaimFactory(village=personas.yukou, number="YK-ZQ-001", debtor=debtor)
    debt = DebtFactory(village=personas.yukou, number="YK-ZW-001", creditor=debtor)
    resolution = MoneyResolutionFactory(village=personas.yukou, title="坏账核销与抵顶方案", covers=[claim, debt])
    return claim, debt, resolution


def balances(claim, debt) -> tuple[Decimal, Decimal]:
    return (services.claim_balance(Claim.objects.get(pk=claim.pk)),
            services.debt_balance(Debt.objects.get(pk=debt.pk)))


@dataclass
class Case:
    """One form that writes: who sends it, where, with what; `written` reads what it changed."""

    who: str
    url: str
    data: dict
    written: Callable[[], object]
    expected: object
    page: str | None = None     # for a form shown inline on another page


def _entry_case(kind, personas, book) -> Case:
    claim, debt, resolution = book
    entries = lambda: (Entry.objects.count(), *balances(claim, debt))  # noqa: E731
    entry_url = reverse("debts:claim-entry", args=[claim.pk])
    debt_url = reverse("debts:debt-entry", args=[debt.pk])
    on = ON.isoformat()
    if kind == "claim-cash":
        return Case("collector", entry_url, {"kind": "现金收回", "amount": "1,234.56", "entered_on": on,
                                             "voucher_no": "收-001"}, entries,
                    (1, Decimal("8765.44"), Decimal("50000.00")))
    if kind == "claim-write-off":
        return Case("cadre", entry_url, {"kind": "核销", "amount": "2000", "entered_on": on,
                                         "resolution": resolution.pk}, entries,
                    (1, Decimal("8000.00"), Decimal("50000.00")))
    if kind == "claim-waiver":
        return Case("cadre", entry_url, {"kind": "减免", "amount": "500.5", "entered_on": on,
                                         "resolution": resolution.pk}, entries,
                    (1, Decimal("9499.50"), Decimal("50000.00")))
    if kind == "debt-repayment":
        return Case("accountant", debt_url, {"kind": "偿还", "amount": "3,000", "entered_on": on}, entries,
                    (1, Decimal("10000.00"), Decimal("47000.00")))
    if kind == "debt-write-off":
        return Case("cadre", debt_url, {"kind": "核销", "amount": "0.01", "entered_on": on,
                                        "resolution": resolution.pk}, entries,
                    (1, Decimal("10000.00"), Decimal("49999.99")))
    if kind == "offset":
        return Case("cadre", reverse("debts:debt-offset", args=[debt.pk]),
                    {"claim": claim.pk, "amount": "4000", "entered_on": on, "resolution": resolution.pk,
                     "voucher_no": "转-3"}, entries, (2, Decimal("6000.00"), Decimal("46000.00")))
    if kind == "reversal":
        paid = services.entry_record(user=personas.accountant, claim=claim, kind="现金收回",
                                     amount=Decimal("1500.00"), entered_on=ON)
        return Case("accountant", reverse("debts:entry-reverse", args=[paid.pk]),
                    {"reason": "银行退票", "entered_on": timezone.localdate().isoformat()}, entries,
                    (2, Decimal("10000.00"), Decimal("50000.00")))
    raise AssertionError(kind)


def _other_case(kind, personas, client) -> Case:
    if kind == "instalment-payment":
        contract = ContractFactory(village=personas.yukou)
        instalment = Instalment.objects.create(contract=contract, due_date=date(2026, 3, 1),
                                               amount=Decimal("3500.00"))
        paid = lambda: Instalment.objects.get(pk=instalment.pk).paid_amount  # noqa: E731
        return Case("accountant", reverse("contracts:instalment-pay", args=[instalment.pk]),
                    {"amount": "1,500.25", "paid_on": ON.isoformat()}, paid, Decimal("1500.25"),
                    page=contract.get_absolute_url())
    if kind == "letter-batch":
        ClaimFactory(village=personas.yukou)
        url = reverse("letters:letter-batch")
        data = batch_previewed(client, url,
                               {"villages": [personas.yukou.pk], "kind": "对账函", "as_of": ON.isoformat()})
        return Case("cadre", url, data, lambda: Job.objects.filter(kind="letters").count(), 1)
    if kind == "ledger-commit":
        header = ["序号", "乡镇", "村", "合同编号", "承包方", "年承包费(元)", "起始日期", "终止日期"]
        rows = [[1, "峪口镇", "峪口村", "HT-1", "张三", "1.2万", "2015.3.1", "至今"],
                [2, "峪口镇", "峪口村", "HT-2", "李四", "3,000", "2016/1/1", "2026/1/1"]]
        client.post(reverse("ledgers:import"), {"kind": "contracts",
                                                "file": SimpleUploadedFile("合同台账.xlsx", workbook(header, rows))})
        ledger_import = LedgerImport.objects.get()
        return Case("cadre", reverse("ledgers:import-commit", args=[ledger_import.pk]), {},
                    lambda: (Contract.objects.count(), LedgerImport.objects.get().state), (2, "已导入"),
                    page=ledger_import.get_absolute_url())
    raise AssertionError(kind)


ENTRY_KINDS = ["claim-cash", "claim-write-off", "claim-waiver", "debt-repayment", "debt-write-off", "offset",
               "reversal"]
OTHER_KINDS = ["instalment-payment", "letter-batch", "ledger-commit"]


def make_case(kind, personas, book, client_for) -> tuple[Case, object]:
    if kind in ENTRY_KINDS:
        case = _entry_case(kind, personas, book)
        return case, client_for(getattr(personas, case.who))
    who = "accountant" if kind == "instalment-payment" else "cadre"
    client = client_for(getattr(personas, who))
    return _other_case(kind, personas, client), client


def messages_on(response) -> str:
    return " ".join(str(m) for m in response.context["messages"]) if response.context else ""


@pytest.mark.parametrize("kind", ENTRY_KINDS + OTHER_KINDS)
def test_the_same_page_sent_three_times_writes_once_and_shows_what_the_first_wrote(personas, book, client_for,
                                                                                  kind):
    case, client = make_case(kind, personas, book, client_for)
    key = form_key(client, case.page or case.url, action=case.url if case.page else None)
    first = client.post(case.url, {**case.data, "submission_key": key})
    assert first.status_code == 302, first.content.decode()[:2000]
    assert case.written() == case.expected

    for _ in range(2):
        again = client.post(case.url, {**case.data, "submission_key": key}, follow=True)
        assert again.redirect_chain[0][0] == first.url
        assert REPEATED in messages_on(again)
        assert case.written() == case.expected
    assert SubmissionKey.objects.get(key=key).url == first.url


def test_a_repeated_cash_entry_is_shown_on_the_claim_with_the_entry_it_recorded(personas, book, client_for):
    claim = book[0]
    client = client_for(personas.collector)
    url = reverse("debts:claim-entry", args=[claim.pk])
    data = {"kind": "现金收回", "amount": "1,234.56", "entered_on": ON.isoformat(), "voucher_no": "收-001",
            "submission_key": form_key(client, url)}
    first = client.post(url, data)
    entry = Entry.objects.get()
    assert first.url == f"{claim.get_absolute_url()}#entry-{entry.pk}"
    # The repeat would now read "凭证号已用" and, for the whole balance, "超过余额": it is still only a repeat.
    again = client.post(url, data, follow=True)
    page = again.content.decode()
    assert "这笔已经登记过了（同一次提交），未重复记账。" in page
    assert f"已登记：债权 YK-ZQ-001：{ON:%Y-%m-%d} 现金收回 1,234.56 元。" in page
    assert f'id="entry-{entry.pk}"' in page and "收-001" in page
    assert Entry.objects.count() == 1 and services.claim_balance(claim) == Decimal("8765.44")


def test_paying_the_whole_balance_twice_from_one_page_records_it_once(personas, book, client_for):
    claim = book[0]
    client = client_for(personas.accountant)
    url = reverse("debts:claim-entry", args=[claim.pk])
    data = {"kind": "现金收回", "amount": "10000", "entered_on": ON.isoformat(),
            "submission_key": form_key(client, url)}
    assert client.post(url, data).status_code == 302
    again = client.post(url, data, follow=True)
    assert REPEATED in messages_on(again) and "超过余额" not in again.content.decode()
    assert services.claim_balance(claim) == Decimal("0.00")


@pytest.mark.parametrize("kind", ENTRY_KINDS + OTHER_KINDS)
@pytest.mark.parametrize("key", [None, "", "not-a-key"])
def test_a_page_without_a_key_is_refused_and_nothing_is_written(personas, book, client_for, kind, key):
    case, client = make_case(kind, personas, book, client_for)
    before = case.written()
    data = case.data if key is None else {**case.data, "submission_key": key}
    response = client.post(case.url, data, follow=True)
    assert MISSING_MESSAGE in response.content.decode()
    assert case.written() == before
    assert not SubmissionKey.objects.exists()


def test_a_refused_page_is_shown_again_with_a_fresh_key_to_send(personas, book, client_for):
    claim = book[0]
    client = client_for(personas.accountant)
    url = reverse("debts:claim-entry", args=[claim.pk])
    data = {"kind": "现金收回", "amount": "100", "entered_on": ON.isoformat()}
    refused = client.post(url, data)
    fresh = refused.context["form"]["submission_key"].value()
    assert parse_key(fresh) is not None
    assert client.post(url, {**data, "submission_key": fresh}).status_code == 302
    assert services.claim_balance(claim) == Decimal("9900.00")


def test_each_render_of_a_form_carries_its_own_key(personas, book, client_for):
    claim = book[0]
    client = client_for(personas.accountant)
    url = reverse("debts:claim-entry", args=[claim.pk])
    keys = {form_key(client, url) for _ in range(3)}
    assert len(keys) == 3 and all(parse_key(k) for k in keys)


def test_a_refused_write_leaves_the_key_free_for_the_corrected_page(personas, book, client_for):
    claim = book[0]
    client = client_for(personas.accountant)
    url = reverse("debts:claim-entry", args=[claim.pk])
    key = form_key(client, url)
    too_much = client.post(url, {"kind": "现金收回", "amount": "12000", "entered_on": ON.isoformat(),
                                 "submission_key": key})
    assert "超过余额 10,000.00 元" in too_much.content.decode()
    assert not SubmissionKey.objects.exists() and not Entry.objects.exists()
    # The page shown again keeps its key: the corrected amount is still the one submission.
    assert too_much.context["form"]["submission_key"].value() == key
    corrected = client.post(url, {"kind": "现金收回", "amount": "1200", "entered_on": ON.isoformat(),
                                  "submission_key": key})
    assert corrected.status_code == 302
    assert services.claim_balance(claim) == Decimal("8800.00")


def test_another_users_key_is_refused_and_reveals_nothing(personas, book, client_for):
    claim = book[0]
    url = reverse("debts:claim-entry", args=[claim.pk])
    accountant, collector = client_for(personas.accountant), client_for(personas.collector)
    key = form_key(accountant, url)
    data = {"kind": "现金收回", "amount": "100", "entered_on": ON.isoformat(), "submission_key": key}
    assert accountant.post(url, data).status_code == 302
    response = collector.post(url, data)
    assert response.status_code == 200 and MISSING_MESSAGE in response.content.decode()
    assert Entry.objects.count() == 1 and services.claim_balance(claim) == Decimal("9900.00")


# --- Voucher numbers ---------------------------------------------------------------------------------


def test_a_voucher_number_used_on_the_claim_is_asked_about_and_nothing_is_written_until_confirmed(personas, book,
                                                                                                   client_for):
    claim = book[0]
    services.entry_record(user=personas.accountant, claim=claim, kind="现金收回", amount=Decimal("1000.00"),
                          entered_on=date(2025, 5, 10), voucher_no="记-7")
    client = client_for(personas.accountant)
    url = reverse("debts:claim-entry", args=[claim.pk])
    data = {"kind": "现金收回", "amount": "1000", "entered_on": ON.isoformat(), "voucher_no": " 记-7 ",
            "submission_key": form_key(client, url)}
    warned = client.post(url, data)
    page = warned.content.decode()
    assert warned.status_code == 200
    assert ("凭证号 记-7 已用于本笔债权（YK-ZQ-001）的另一条分录（2025-05-10，现金收回 1,000.00 元），确认仍要登记？"
            in page)
    assert 'type="checkbox" name="voucher_confirmed"' in page
    assert Entry.objects.count() == 1 and services.claim_balance(claim) == Decimal("9000.00")

    confirmed = client.post(url, {**data, "voucher_confirmed": "on"})
    assert confirmed.status_code == 302
    assert Entry.objects.count() == 2 and services.claim_balance(claim) == Decimal("8000.00")


def test_the_voucher_question_is_not_asked_on_a_first_use_or_for_an_entry_reversed(personas, book, client_for):
    claim = book[0]
    other = ClaimFactory(village=personas.yukou, debtor=claim.debtor)
    services.entry_record(user=personas.accountant, claim=other, kind="现金收回", amount=Decimal("300.00"),
                          entered_on=ON, voucher_no="记-8")
    wrong = services.entry_record(user=personas.accountant, claim=claim, kind="现金收回", amount=Decimal("3000.00"),
                                  entered_on=ON, voucher_no="记-9")
    services.entry_reverse(user=personas.accountant, entry=wrong, reason="金额录错")
    client = client_for(personas.accountant)
    url = reverse("debts:claim-entry", args=[claim.pk])
    for voucher, amount in (("记-8", "300"), ("记-9", "2000")):
        response = client.post(url, {"kind": "现金收回", "amount": amount, "entered_on": ON.isoformat(),
                                     "voucher_no": voucher, "submission_key": form_key(client, url)})
        assert response.status_code == 302, voucher
    assert services.claim_balance(claim) == Decimal("7700.00")


def test_a_voucher_number_used_on_the_debt_is_asked_about(personas, book, client_for):
    debt = book[1]
    services.entry_record(user=personas.accountant, debt=debt, kind="偿还", amount=Decimal("5000.00"),
                          entered_on=date(2025, 6, 1), voucher_no="付-21")
    client = client_for(personas.accountant)
    url = reverse("debts:debt-entry", args=[debt.pk])
    data = {"kind": "偿还", "amount": "5000", "entered_on": ON.isoformat(), "voucher_no": "付-21",
            "submission_key": form_key(client, url)}
    assert ("凭证号 付-21 已用于本笔债务（YK-ZW-001）的另一条分录（2025-06-01，偿还 5,000.00 元）"
            in client.post(url, data).content.decode())
    assert services.debt_balance(debt) == Decimal("45000.00")
    assert client.post(url, {**data, "voucher_confirmed": "on"}).status_code == 302
    assert services.debt_balance(debt) == Decimal("40000.00")


def test_an_offset_asks_about_a_voucher_number_standing_on_the_claim_side(personas, book, client_for):
    claim, debt, resolution = book
    services.entry_record(user=personas.accountant, claim=claim, kind="现金收回", amount=Decimal("100.00"),
                          entered_on=date(2025, 7, 1), voucher_no="转-3")
    client = client_for(personas.cadre)
    url = reverse("debts:debt-offset", args=[debt.pk])
    data = {"claim": claim.pk, "amount": "4000", "entered_on": ON.isoformat(), "resolution": resolution.pk,
            "voucher_no": "转-3", "submission_key": form_key(client, url)}
    assert "凭证号 转-3 已用于本笔债权（YK-ZQ-001）的另一条分录" in client.post(url, data).content.decode()
    assert balances(claim, debt) == (Decimal("9900.00"), Decimal("50000.00"))
    assert client.post(url, {**data, "voucher_confirmed": "on"}).status_code == 302
    assert balances(claim, debt) == (Decimal("5900.00"), Decimal("46000.00"))


# --- Purging -----------------------------------------------------------------------------------------


def test_keys_older_than_the_setting_are_purged_and_recent_ones_kept(personas, settings):
    settings.SUBMISSION_KEY_DAYS = 30
    old, recent = (SubmissionKey.objects.create(key=new_key(), user=personas.accountant, label=label)
                   for label in ("旧", "新"))
    SubmissionKey.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=31))
    SubmissionKey.objects.filter(pk=recent.pk).update(created_at=timezone.now() - timedelta(days=29))
    out = StringIO()
    call_command("purge_submission_keys", stdout=out)
    assert "已删除 1 条超过 30 天的表单提交标识" in out.getvalue()
    assert list(SubmissionKey.objects.values_list("label", flat=True)) == ["新"]


def test_the_purge_runs_nightly_from_the_beat_schedule(settings):
    schedule = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "core.tasks.purge_submission_keys" in schedule

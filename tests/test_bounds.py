"""One set of bounds for every date and amount (core.bounds), and the server errors they close:
a date past 2100 or an amount past a money column is refused in Chinese naming the field; rows stored
before the bounds still show; a debtor whose total no letter can hold is left out of a batch, by name."""
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from contracts import services as contract_services
from contracts.factories import ContractFactory
from contracts.models import Contract
from core.bounds import (
    DATE_MAX,
    DATE_MIN,
    MONEY_MAX,
    add_days,
    add_months,
    add_years,
    check_amount,
    check_date,
    query_int,
)
from core.models import Job
from core.money import parse_amount
from core.pinyin import SEARCH_KEYS_MAX
from debts.factories import ClaimFactory
from debts.letters import services as letters
from debts.models import Claim, Entry, Letter
from fixtures.posting import post_once
from villages.factories import PartyFactory
from villages.models import Party

FORTY_DIGITS = "1234567890" * 4


def _errors(response) -> dict[str, list[str]]:
    return {name: list(errors) for name, errors in response.context["form"].errors.items()}


# --- The bounds themselves ----------------------------------------------------------------------


def test_dates_inside_the_bounds_pass_and_outside_are_refused_naming_the_field():
    assert check_date(DATE_MIN, "到期日期") == DATE_MIN and check_date(DATE_MAX, "到期日期") == DATE_MAX
    assert check_date(None, "到期日期") is None
    with pytest.raises(ValidationError) as refused:
        check_date(date(9999, 12, 31), "到期日期")
    assert refused.value.code == "date_out_of_range"
    assert refused.value.messages == ["到期日期“9999-12-31”超出范围，须在 1900-01-01 至 2100-12-31 之间。"]


def test_amounts_up_to_a_money_column_pass_and_larger_are_refused_naming_the_field():
    assert check_amount(MONEY_MAX, "金额") == MONEY_MAX
    with pytest.raises(ValidationError) as refused:
        check_amount(MONEY_MAX + Decimal("0.01"), "收款金额")
    assert refused.value.code == "too_large"
    assert refused.value.messages == ["收款金额不能超过 999,999,999,999.99 元。"]


@pytest.mark.parametrize("text", [FORTY_DIGITS, "1000000000000", "1,000,000,000,000.00", "1亿万", "1e300",
                                  1e300, Decimal("1E+40"), 10**40])
def test_an_amount_no_money_column_holds_is_refused_not_crashed(text):
    with pytest.raises(ValidationError) as refused:
        parse_amount(text)
    assert refused.value.code in ("too_large", "invalid")
    if refused.value.code == "too_large":
        assert "不能超过 999,999,999,999.99 元" in refused.value.messages[0]


def test_the_largest_amount_and_area_are_read_exactly():
    assert parse_amount("999,999,999,999.99") == MONEY_MAX
    assert parse_amount("99999999.999999万") == MONEY_MAX
    assert parse_amount("9,999,999,999.99亩", unit="亩") == Decimal("9999999999.99")
    with pytest.raises(ValidationError, match="不能超过 9,999,999,999.99 亩"):
        parse_amount("10000000000", unit="亩")


def test_date_arithmetic_clamps_at_the_calendars_end_instead_of_raising():
    assert add_years(date(9999, 12, 31), 3) == date.max
    assert add_years(date(1, 1, 1), -1) == date.min
    assert add_months(date(9999, 12, 31), 1) == date.max
    assert add_days(date(9999, 12, 31), 30) == date.max
    assert add_years(date(2024, 2, 29), 1) == date(2025, 2, 28)
    assert add_months(date(2025, 8, 31), 6) == date(2026, 2, 28)


@pytest.mark.parametrize("value, expected", [("12", 12), (" 7 ", 7), ("", None), (None, None), ("abc", None),
                                             ("-1", None), ("²", None), ("٣", None), ("9" * 30, None),
                                             (str(2**63), None), (str(2**63 - 1), 2**63 - 1), ("1e5", None)])
def test_query_ids_are_plain_digits_within_a_bigint(value, expected):
    assert query_int(value) == expected


# --- Forms --------------------------------------------------------------------------------------


def test_the_claim_form_refuses_a_due_date_past_2100_in_chinese_naming_the_field(personas, client_for):
    party = PartyFactory(village=personas.yukou)
    response = client_for(personas.cadre).post(reverse("debts:claim-create"), {
        "village": personas.yukou.pk, "number": "YK-ZQ-9", "debtor": party.pk, "origin": "承包费拖欠",
        "principal": "1000", "occurred_on": "2020-01-01", "due_date": "9999-12-31", "in_book": "on"})
    assert response.status_code == 200
    assert _errors(response)["due_date"] == ["“到期日期”“9999-12-31”超出范围，须在 1900-01-01 至 2100-12-31 之间。"]
    assert not Claim.objects.exists()


def test_the_contract_form_refuses_a_term_from_year_1_to_9999(personas, client_for):
    party = PartyFactory(village=personas.yukou)
    response = client_for(personas.cadre).post(reverse("contracts:contract-create"), {
        "village": personas.yukou.pk, "number": "YK-1", "title": "机动地承包合同", "kind": "资源发包",
        "form": "书面合同", "source": "账簿", "counterparty": party.pk, "start_date": "0001-01-01",
        "end_date": "9999-12-31", "signer": "集体经济组织"})
    errors = _errors(response)
    assert "“起始日期”“0001-01-01”超出范围" in errors["start_date"][0]
    assert "“终止日期”“9999-12-31”超出范围" in errors["end_date"][0]
    assert not Contract.objects.exists()


def test_a_40_digit_amount_on_the_ledger_entry_form_is_refused_in_chinese(personas, client_for):
    claim = ClaimFactory(village=personas.yukou)
    response = post_once(client_for(personas.cadre), reverse("debts:claim-entry", args=[claim.pk]), {
        "kind": "现金收回", "amount": FORTY_DIGITS, "entered_on": "2026-01-05"})
    assert response.status_code == 200
    assert _errors(response)["amount"] == ["“金额(元)”不能超过 999,999,999,999.99 元。"]
    assert not Entry.objects.exists()


def test_a_date_field_of_a_plain_form_is_bounded_too(personas, client_for):
    claim = ClaimFactory(village=personas.yukou)
    response = post_once(client_for(personas.cadre), reverse("debts:claim-entry", args=[claim.pk]), {
        "kind": "现金收回", "amount": "100", "entered_on": "1899-12-31"})
    assert "“业务日期”“1899-12-31”超出范围" in _errors(response)["entered_on"][0]
    assert not Entry.objects.exists()


def test_a_mediation_plan_line_dated_past_the_bounds_is_refused_by_line(personas, client_for):
    claim = ClaimFactory(village=personas.yukou)
    response = client_for(personas.cadre).post(reverse("debts:mediation-create", args=[claim.pk]), {
        "number": "调-1", "mediator": "调解委员会", "agreement_date": "2026-01-05", "claims": [claim.pk],
        "plan": "2026-06-30 1000\n9999-12-31 1000", "grace_days": "99999"})
    errors = _errors(response)
    assert errors["plan"] == ["第 2 行的日期“9999-12-31”超出范围，须在 1900-01-01 至 2100-12-31 之间。"]
    assert errors["grace_days"] == ["“宽限天数”最多 365 天。"]


def test_a_long_title_and_party_name_save_without_an_error_about_a_field_nobody_typed(personas, client_for):
    """The pinyin search keys of a 200-character title and a 100-character name ran past their 400-character
    column: the save was refused with "确保该变量包含不超过 400 字符" about that hidden column."""
    client = client_for(personas.cadre)
    name = "张王李赵" * 25
    response = client.post(reverse("villages:party-create"), {
        "kind": "person", "name": name, "village": personas.yukou.pk, "is_member": "on"})
    assert response.status_code == 302, _errors(response)
    party = Party.objects.get(name=name)
    assert len(party.search_keys) <= SEARCH_KEYS_MAX and party.search_keys.startswith("zwlz")
    response = client.post(reverse("contracts:contract-create"), {
        "village": personas.yukou.pk, "number": "YK-LONG", "title": "黄" * 200, "kind": "资源发包",
        "form": "书面合同", "source": "账簿", "counterparty": party.pk, "signer": "集体经济组织"})
    assert response.status_code == 302, _errors(response)
    assert len(Contract.objects.get(number="YK-LONG").search_keys) <= SEARCH_KEYS_MAX


def test_a_title_too_long_is_refused_naming_the_field(personas, client_for):
    party = PartyFactory(village=personas.yukou)
    response = client_for(personas.cadre).post(reverse("contracts:contract-create"), {
        "village": personas.yukou.pk, "number": "YK-LONG", "title": "黄" * 201, "kind": "资源发包",
        "form": "书面合同", "source": "账簿", "counterparty": party.pk, "signer": "集体经济组织"})
    assert _errors(response)["title"] == ["“合同名称”最多 200 个字，现有 201 个，请删减。"]


# --- Rows stored before the bounds ----------------------------------------------------------------


@pytest.mark.parametrize("due", [date(2099, 12, 31), date(9999, 12, 31)])
def test_a_claim_stored_with_a_far_due_date_still_shows_in_every_list(personas, client_for, due):
    claim = ClaimFactory(village=personas.yukou, due_date=due, clock_from=due)
    assert claim.lapse_on == add_years(due, 3)
    client = client_for(personas.cadre)
    pages = [reverse("debts:claim-list"), reverse("debts:claim-list") + "?limitation=soon",
             reverse("debts:claim-list") + "?limitation=lapsed", reverse("debts:claim-list") + "?age=0-1",
             claim.get_absolute_url(), claim.debtor.get_absolute_url(), reverse("debts:aging-report"),
             reverse("reports:village", args=[personas.yukou.pk]), reverse("reports:warning-lapsing")]
    for page in pages:
        assert client.get(page).status_code == 200, page


def test_a_contract_stored_from_year_1_to_9999_shows_and_its_schedule_is_refused_in_chinese(personas, client_for):
    contract = ContractFactory(village=personas.yukou, start_date=date(1, 1, 1), end_date=date(9999, 12, 31))
    client = client_for(personas.cadre)
    assert client.get(contract.get_absolute_url()).status_code == 200
    assert client.get(reverse("contracts:contract-list") + "?expiring=90").status_code == 200
    with pytest.raises(ValidationError) as refused:
        contract_services.schedule_generate_annual(user=personas.cadre, contract=contract)
    assert refused.value.messages == ["起始日期“0001-01-01”超出范围，须在 1900-01-01 至 2100-12-31 之间。"]
    assert not contract.instalments.exists()


def test_an_expiry_window_of_23_digits_is_an_ignored_filter(personas, client_for):
    ContractFactory(village=personas.yukou)
    response = client_for(personas.cadre).get(reverse("contracts:contract-list"),
                                              {"expiring": "99999999999999999999999"})
    assert response.status_code == 200
    assert "“到期天数内”最多 36500 天。" in response.content.decode()


def test_group_options_for_a_village_that_is_not_a_number_are_empty(personas, client_for):
    response = client_for(personas.cadre).get(reverse("villages:group-options"), {"village": "abc"})
    assert response.status_code == 200 and "<option" not in response.content.decode().replace(
        '<option value="">', "")


# --- Letters ----------------------------------------------------------------------------------------


@pytest.fixture
def huge_debtor(personas):
    """张大户 owes 峪口村 two claims of 600 billion 元 each: each fits a money column, their sum does not."""
    huge = PartyFactory(village=personas.yukou, name="张大户")
    for _ in range(2):
        ClaimFactory(village=personas.yukou, debtor=huge, principal=Decimal("600000000000.00"))
    ClaimFactory(village=personas.yukou, debtor=PartyFactory(village=personas.yukou, name="李小户"),
                 principal=Decimal("800.00"))
    return huge


def test_a_letter_batch_leaves_out_a_debtor_no_letter_can_hold_and_names_him(personas, huge_debtor, monkeypatch,
                                                                              client_for):
    from core import jobs
    from debts.letters import pdf as letter_pdf
    from debts.letters.pdf import BatchOutput

    monkeypatch.setattr(jobs, "_enqueue", lambda job: jobs.run(job.pk))
    monkeypatch.setattr(letter_pdf, "render_batch", lambda ids, *, report=None: BatchOutput(
        whole=b"%PDF-fake", by_village=[("峪口村", b"%PDF-fake")], pages=len(ids), letters=len(ids)))
    job = letters.letters_job_create(user=personas.cadre, villages=[personas.yukou], kind="对账函",
                                     as_of=date(2026, 11, 20))
    job.refresh_from_db()
    assert job.state == Job.State.DONE, job.error
    assert [letter.debtor.name for letter in Letter.objects.filter(job=job)] == ["李小户"]
    assert len(job.counts["skipped"]) == 1 and "峪口村 张大户" in job.counts["skipped"][0]
    assert "1,200,000,000,000.00 元" in job.counts["skipped"][0]
    page = client_for(personas.cadre).get(reverse("core:job-detail", args=[job.pk])).content.decode()
    assert "张大户" in page


def test_a_letter_batch_of_only_such_a_debtor_fails_naming_him(personas, huge_debtor, monkeypatch):
    from core import jobs

    Claim.objects.filter(debtor__name="李小户").delete()
    monkeypatch.setattr(jobs, "_enqueue", lambda job: jobs.run(job.pk))
    job = letters.letters_job_create(user=personas.cadre, villages=[personas.yukou], kind="对账函",
                                     as_of=date(2026, 11, 20))
    job.refresh_from_db()
    assert job.state == Job.State.FAILED and "张大户" in job.error
    assert not Letter.objects.exists()


def test_one_letter_for_such_a_debtor_is_refused_naming_him(personas, huge_debtor):
    claim = Claim.objects.filter(debtor=huge_debtor).first()
    with pytest.raises(ValidationError, match="峪口村 张大户：未清收债权合计 1,200,000,000,000.00 元"):
        letters.letter_issue_for_claim(user=personas.cadre, claim=claim, kind="对账函", as_of=date(2026, 11, 20))
    assert not Letter.objects.exists()

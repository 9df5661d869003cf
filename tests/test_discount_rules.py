"""An early-payment discount (DOMAIN.md §8): a rule voted on a 折扣规则 resolution waives a share of the
balance of a debtor who pays within so many days of the 清缴通知书's delivery, recorded as the cash received
and a 减免 resting on the vote, which together clear the claim to the cent."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from contracts.factories import ResolutionFactory
from contracts.models import ResolutionSubject
from core.models import AuditEntry, SubmissionKey
from debts.factories import ClaimFactory, MoneyResolutionFactory
from debts.letters.services import letter_answer, letter_deliver, letter_issue_for_claim
from debts.models import ClaimEntryKind, ClaimOrigin, DiscountRule, Entry, LetterKind
from debts.services import claim_balance, entry_record, entry_reverse
from debts.votes import (
    discount_rule_create,
    discount_rule_remove,
    discount_settle,
    discount_terms,
    resolution_cover_add,
)
from fixtures.posting import form_key

TODAY = timezone.localdate()
VOTED = TODAY - timedelta(days=120)
SERVED = TODAY - timedelta(days=50)          # the notice's delivery: day 0
STEPS = [[10, 30], [20, 20], [30, 10]]


def day(n: int):
    return SERVED + timedelta(days=n)


def make_claim(personas, principal="10000.00", **kwargs):
    # Fell due recently: its limitation is running, so a 清缴通知书 may be served on it.
    kwargs.setdefault("village", personas.yukou)
    return ClaimFactory(principal=Decimal(principal), occurred_on=TODAY - timedelta(days=400),
                        due_date=TODAY - timedelta(days=300), **kwargs)


def discount_vote(village, **kwargs):
    return ResolutionFactory(village=village, subject=ResolutionSubject.DISCOUNT, title="提前缴清欠款折扣方案",
                             resolved_on=kwargs.pop("resolved_on", VOTED), **kwargs)


def make_rule(personas, resolution=None, tiers=STEPS, origins=(), valid_from=None, valid_to=None):
    return discount_rule_create(user=personas.cadre, resolution=resolution or discount_vote(personas.yukou),
                                tiers=tiers, origins=list(origins), valid_from=valid_from or VOTED,
                                valid_to=valid_to or TODAY + timedelta(days=30))


def serve_notice(personas, claim, delivered_on=SERVED, kind=LetterKind.PAYMENT_NOTICE):
    letter = letter_issue_for_claim(user=personas.accountant, claim=claim, kind=kind,
                                    as_of=delivered_on - timedelta(days=3))
    return letter_deliver(user=personas.accountant, letter=letter, delivered_on=delivered_on, delivery="本人签收")


def settle(personas, claim, rule, paid_on, **kwargs):
    return discount_settle(user=personas.cadre, claim=claim, rule=rule, paid_on=paid_on, **kwargs)


@pytest.fixture
def served(personas):
    """A claim of 10,000.00 whose 清缴通知书 was delivered 50 days ago, and a 30/20/10% rule."""
    claim = make_claim(personas)
    serve_notice(personas, claim)
    return claim, make_rule(personas)


# --- The steps and the money ------------------------------------------------------------------------


@pytest.mark.parametrize(("days", "percent"), [(0, 30), (10, 30), (11, 20), (20, 20), (21, 10), (30, 10)])
def test_each_step_holds_to_its_last_day(served, days, percent):
    claim, rule = served
    terms = discount_terms(claim, rule, day(days))
    assert (terms.refusal, terms.days, terms.percent) == ("", days, percent)
    assert terms.discount == Decimal("10000.00") * percent / 100


def test_a_payment_after_the_last_step_gets_no_discount(served):
    claim, rule = served
    terms = discount_terms(claim, rule, day(31))
    assert terms.discount == Decimal("0") and terms.days == 31
    assert "已 31 天，超过折扣最后一档（30天内）" in terms.refusal


@pytest.mark.parametrize(("principal", "days", "discount", "cash"), [
    ("3333.33", 10, "1000.00", "2333.33"),     # 999.999 rounds up to the cent
    ("1234.55", 25, "123.46", "1111.09"),      # 123.455: half up
    ("10000.01", 15, "2000.00", "8000.01"),    # 2000.002 rounds down
])
def test_cash_and_waiver_are_exact_and_clear_the_balance(personas, principal, days, discount, cash):
    claim = make_claim(personas, principal)
    serve_notice(personas, claim)
    rule = make_rule(personas)

    paid, waived = settle(personas, claim, rule, day(days), voucher_no="收-088")

    assert (paid.kind, paid.amount, paid.resolution) == (ClaimEntryKind.CASH, Decimal(cash), None)
    assert (waived.kind, waived.amount, waived.resolution) == (ClaimEntryKind.WAIVER, Decimal(discount),
                                                               rule.resolution)
    assert paid.amount + waived.amount == Decimal(principal)
    assert claim_balance(claim) == Decimal("0.00")
    assert paid.entered_on == waived.entered_on == day(days)
    assert paid.voucher_no == waived.voucher_no == "收-088"
    assert f"第 {days} 天缴清" in waived.note and "减免" in waived.note and "提前缴清欠款折扣方案" in waived.note
    # The settlement rests on the vote: it is locked from now on.
    assert rule.resolution.resting_on_it() == ["1 条清收分录"]


def test_the_discount_is_worked_on_what_remains_after_earlier_payments(served, personas):
    claim, rule = served
    entry_record(user=personas.accountant, claim=claim, kind=ClaimEntryKind.CASH, amount=Decimal("4000.00"),
                 entered_on=day(2))
    paid, waived = settle(personas, claim, rule, day(5))
    assert (paid.amount, waived.amount) == (Decimal("4200.00"), Decimal("1800.00"))


# --- The notice the days run from ---------------------------------------------------------------------


def test_without_a_served_payment_notice_there_is_no_discount(personas):
    rule = make_rule(personas)
    never = make_claim(personas)
    assert "没有送达本笔债权的清缴通知书" in discount_terms(never, rule, day(5)).refusal

    unserved = make_claim(personas)
    letter_issue_for_claim(user=personas.accountant, claim=unserved, kind=LetterKind.PAYMENT_NOTICE,
                           as_of=day(-3))
    assert "没有送达" in discount_terms(unserved, rule, day(5)).refusal

    reconciled = make_claim(personas)
    serve_notice(personas, reconciled, kind=LetterKind.RECONCILIATION)
    assert "没有送达" in discount_terms(reconciled, rule, day(5)).refusal

    later = make_claim(personas)
    serve_notice(personas, later, delivered_on=day(6))
    assert "没有送达" in discount_terms(later, rule, day(5)).refusal      # paid before it was served

    with pytest.raises(ValidationError, match="没有送达本笔债权的清缴通知书"):
        settle(personas, never, rule, day(5))
    assert not Entry.objects.exists()


def test_a_returned_notice_was_never_served(personas):
    claim = make_claim(personas)
    rule = make_rule(personas)
    first = serve_notice(personas, claim, delivered_on=day(-40))
    second = serve_notice(personas, claim, delivered_on=day(0))
    # The second came back: the days run from the first, which stands, and are past every step.
    letter_answer(user=personas.accountant, letter=second, result="退回", answered_on=day(2), reason="查无此人")

    terms = discount_terms(claim, rule, day(5))
    assert terms.notice == first and terms.days == 45 and "超过折扣最后一档" in terms.refusal

    letter_answer(user=personas.accountant, letter=first, result="退回", answered_on=day(3), reason="拒收")
    assert "没有送达" in discount_terms(claim, rule, day(5)).refusal


def test_the_latest_served_notice_is_counted_from(personas):
    claim = make_claim(personas)
    rule = make_rule(personas)
    serve_notice(personas, claim, delivered_on=day(-40))
    latest = serve_notice(personas, claim, delivered_on=day(0))
    terms = discount_terms(claim, rule, day(12))
    assert (terms.notice, terms.days, terms.percent) == (latest, 12, 20)


# --- When and to what the rule applies ----------------------------------------------------------------


def test_a_payment_outside_the_campaign_is_refused(personas):
    claim = make_claim(personas)
    serve_notice(personas, claim)
    rule = make_rule(personas, valid_from=day(3), valid_to=day(8))

    assert "不在折扣活动期" in discount_terms(claim, rule, day(2)).refusal
    assert discount_terms(claim, rule, day(3)).percent == 30
    assert discount_terms(claim, rule, day(8)).percent == 30
    for paid_on in (day(2), day(9)):
        with pytest.raises(ValidationError, match="不在折扣活动期"):
            settle(personas, claim, rule, paid_on)
    assert not Entry.objects.exists()


def test_the_rule_reaches_only_the_origins_it_names(personas):
    fees_only = make_rule(personas, origins=[ClaimOrigin.FEES])
    loan = make_claim(personas, origin=ClaimOrigin.LOAN)
    serve_notice(personas, loan)
    assert "形成原因为“借款”，不适用" in discount_terms(loan, fees_only, day(5)).refusal
    with pytest.raises(ValidationError, match="不适用"):
        settle(personas, loan, fees_only, day(5))

    everything = make_rule(personas)
    assert discount_terms(loan, everything, day(5)).percent == 30


def test_penalties_are_discounted_only_where_the_vote_named_them(personas):
    arrears = make_claim(personas)
    penalty = make_claim(personas, origin=ClaimOrigin.PENALTY, principal="500.00", debtor=arrears.debtor,
                         penalty_of=arrears)
    serve_notice(personas, arrears)                 # one notice to the debtor lists both

    assert "不适用" in discount_terms(penalty, make_rule(personas), day(5)).refusal
    named = make_rule(personas, origins=[ClaimOrigin.PENALTY, ClaimOrigin.FEES])
    paid, waived = settle(personas, penalty, named, day(5))
    assert (paid.amount, waived.amount) == (Decimal("350.00"), Decimal("150.00"))


def test_tax_era_claims_are_never_discounted(personas):
    with pytest.raises(ValidationError, match="税费尾欠.*不能列入折扣规则"):
        make_rule(personas, origins=[ClaimOrigin.TAX_ERA])
    tax = make_claim(personas, origin=ClaimOrigin.TAX_ERA, sealed=True)
    rule = make_rule(personas)
    assert "税费尾欠" in discount_terms(tax, rule, day(5)).refusal
    with pytest.raises(ValidationError, match="税费尾欠"):
        settle(personas, tax, rule, day(5))


def test_a_rule_of_another_village_does_not_reach_the_claim(personas, served):
    claim, _ = served
    elsewhere = make_rule(personas, resolution=discount_vote(personas.tuwu))
    assert "不是该折扣规则所在村的" in discount_terms(claim, elsewhere, day(5)).refusal


def test_the_vote_must_have_passed_before_the_payment(personas, served):
    claim, _ = served
    failed = make_rule(personas, resolution=discount_vote(personas.yukou, votes_for=10, votes_against=16))
    assert "未获通过" in discount_terms(claim, failed, day(5)).refusal
    voted_late = discount_vote(personas.yukou, resolved_on=day(4))
    late = make_rule(personas, resolution=voted_late, valid_from=day(4))
    assert "晚于付款日期" in discount_terms(claim, late, day(3)).refusal


def test_a_claim_is_discounted_once_even_when_its_cash_is_reversed(personas, served):
    claim, rule = served
    paid, _waived = settle(personas, claim, rule, day(5))
    entry_reverse(user=personas.cadre, entry=paid, reason="银行退票")
    assert claim_balance(claim) == Decimal("7000.00")
    with pytest.raises(ValidationError, match="已于 .* 按折扣减免 3,000.00 元，不能再次折扣"):
        settle(personas, claim, rule, day(6))


def test_a_balance_that_moved_since_the_page_was_shown_is_refused(personas, served):
    claim, rule = served
    with pytest.raises(ValidationError, match="余额已变动"):
        settle(personas, claim, rule, day(5), expected_cash=Decimal("6999.99"))
    settle(personas, claim, rule, day(5), expected_cash=Decimal("7000.00"))
    assert claim_balance(claim) == Decimal("0.00")


def test_settling_is_the_townships_and_within_its_scope(personas, served):
    claim, rule = served
    for who in ("accountant", "collector", "inspector", "outsider"):
        with pytest.raises(PermissionDenied):
            discount_settle(user=getattr(personas, who), claim=claim, rule=rule, paid_on=day(5))
    assert not Entry.objects.exists()
    with pytest.raises(ValidationError, match="付款日期不能晚于今天"):
        settle(personas, claim, rule, TODAY + timedelta(days=1))


# --- The vote behind it --------------------------------------------------------------------------------


def test_a_plain_waiver_cannot_rest_on_a_discount_vote(personas, served):
    claim, rule = served
    with pytest.raises(ValidationError, match="是清收折扣规则.*“按折扣结清”"):
        entry_record(user=personas.cadre, claim=claim, kind=ClaimEntryKind.WAIVER, amount=Decimal("3000.00"),
                     entered_on=day(5), resolution=rule.resolution)
    with pytest.raises(ValidationError, match="不逐笔列明债权债务"):
        resolution_cover_add(user=personas.cadre, resolution=rule.resolution, claim=claim)
    assert not Entry.objects.exists() and not rule.resolution.covers.exists()


def test_a_rule_is_added_only_to_a_discount_vote(personas):
    write_off = MoneyResolutionFactory(village=personas.yukou)
    with pytest.raises(ValidationError, match="事项类别是“债权核销”；折扣规则须在事项类别为“清收折扣规则”的决议中登记"):
        make_rule(personas, resolution=write_off)
    with pytest.raises(ValidationError, match="活动开始日期不能早于决议表决日期"):
        make_rule(personas, valid_from=VOTED - timedelta(days=1))
    with pytest.raises(ValidationError, match="活动结束日期不能早于开始日期"):
        make_rule(personas, valid_from=day(10), valid_to=day(9))
    assert not DiscountRule.objects.exists()


def test_the_rules_are_locked_with_the_vote_once_a_discount_rests_on_it(personas, served):
    claim, rule = served
    spare = make_rule(personas, resolution=rule.resolution, origins=[ClaimOrigin.LOAN])
    discount_rule_remove(user=personas.cadre, rule=spare)            # still open: a mistake is taken back
    settle(personas, claim, rule, day(5))
    with pytest.raises(ValidationError, match="已经锁定，不能再增加折扣规则"):
        make_rule(personas, resolution=rule.resolution, origins=[ClaimOrigin.LOAN])
    with pytest.raises(ValidationError, match="已经锁定，折扣规则不能再撤销"):
        discount_rule_remove(user=personas.cadre, rule=rule)
    assert list(rule.resolution.discount_rules.all()) == [rule]


@pytest.mark.parametrize(("tiers", "message"), [
    ([], "请至少填写一档折扣"),
    ([[10, 30], [20, 25], [30, 20], [40, 15], [50, 10], [60, 5]], "折扣最多 5 档，现有 6 档"),
    ([[10, 30], [10, 20]], "第 2 档的天数（10天）须多于第 1 档（10天）"),
    ([[10, 30], [20, 30]], "第 2 档的减免比例（30%）须低于第 1 档（30%）"),
    ([[10, 100]], "减免比例须是 1 至 99 之间的整数"),
    ([[10, 0]], "减免比例须是 1 至 99 之间的整数"),
    ([[0, 30]], "天数须是 1 至 365 之间的整数"),
    ([[400, 30]], "天数须是 1 至 365 之间的整数"),
    ([[10, "30"]], "减免比例须是 1 至 99 之间的整数"),
    ([[10, 12.5]], "减免比例须是 1 至 99 之间的整数"),
    ([[10]], "第 1 档须是“天数:减免比例”一对数字"),
    ("10:30", "请至少填写一档折扣"),
])
def test_malformed_steps_are_refused_with_the_step_named(personas, tiers, message):
    with pytest.raises(ValidationError, match=message):
        make_rule(personas, tiers=tiers)
    assert not DiscountRule.objects.exists()


def test_rules_are_written_by_those_who_keep_the_votes_within_their_scope(personas):
    vote = discount_vote(personas.yukou)
    for who in ("inspector", "outsider", "collector"):
        with pytest.raises(PermissionDenied):
            discount_rule_create(user=getattr(personas, who), resolution=vote, tiers=STEPS, origins=[],
                                 valid_from=VOTED, valid_to=TODAY)
    rule = discount_rule_create(user=personas.accountant, resolution=vote, tiers=STEPS, origins=[],
                                valid_from=VOTED, valid_to=TODAY)
    assert rule.tiers_label == "送达后10天内减免30%、20天内20%、30天内10%"
    assert AuditEntry.objects.filter(record=f"resolution:{vote.pk}").exists()


# --- Pages ---------------------------------------------------------------------------------------------


def test_the_resolution_page_lists_the_rules_and_adds_one(personas, client_for):
    vote = discount_vote(personas.yukou)
    client = client_for(personas.cadre)
    page = client.get(vote.get_absolute_url()).content.decode()
    assert "清收折扣规则（0）" in page and "涵盖的债权债务" not in page

    response = client.post(reverse("debts:discount-rule-add", args=[vote.pk]), {
        "tiers": "10:30，20：20、30天内10%", "origins": ["承包费拖欠", "违约金"],
        "valid_from": VOTED.isoformat(), "valid_to": (TODAY + timedelta(days=30)).isoformat()}, follow=True)
    assert "已登记折扣规则" in response.content.decode()
    rule = vote.discount_rules.get()
    assert (rule.tiers, rule.origins) == (STEPS, ["承包费拖欠", "违约金"])
    page = client.get(vote.get_absolute_url()).content.decode()
    assert "送达后10天内减免30%、20天内20%、30天内10%" in page and "承包费拖欠、违约金" in page


@pytest.mark.parametrize(("tiers", "message"), [
    ("10:30, 10:20", "折扣档次：第 2 档的天数（10天）须多于第 1 档（10天）"),
    ("10-30", "折扣档次：第 1 档“10-30”无法识别"),
    ("1030", "无法识别"),
    ("10:30, 20:40", "须低于第 1 档"),
    ("", "折扣档次：这个字段是必填项"),
])
def test_malformed_steps_on_the_page_are_refused_with_a_message(personas, client_for, tiers, message):
    vote = discount_vote(personas.yukou)
    response = client_for(personas.cadre).post(reverse("debts:discount-rule-add", args=[vote.pk]), {
        "tiers": tiers, "valid_from": VOTED.isoformat(), "valid_to": TODAY.isoformat()}, follow=True)
    assert message in " ".join(str(m) for m in response.context["messages"])
    assert not DiscountRule.objects.exists()


def test_the_rule_pages_answer_404_outside_the_scope_and_403_without_the_right(personas, client_for):
    rule = make_rule(personas)
    add = reverse("debts:discount-rule-add", args=[rule.resolution_id])
    remove = reverse("debts:discount-rule-remove", args=[rule.pk])
    data = {"tiers": "10:30", "valid_from": VOTED.isoformat(), "valid_to": TODAY.isoformat()}
    for url in (add, remove):
        assert client_for(personas.outsider).post(url, data).status_code == 404
        assert client_for(personas.inspector).post(url, data).status_code == 403
        assert client_for(personas.cadre).get(url).status_code == 405
    assert DiscountRule.objects.count() == 1
    page = client_for(personas.inspector).get(rule.resolution.get_absolute_url()).content.decode()
    assert "送达后10天内减免30%" in page and 'name="tiers"' not in page


def test_the_claim_page_works_out_the_discount_and_settles_it(personas, served, client_for):
    claim, rule = served
    client = client_for(personas.cadre)
    audit_rows, entries = AuditEntry.objects.count(), Entry.objects.count()
    page = client.get(f"{claim.get_absolute_url()}?paid_on={day(15).isoformat()}").content.decode()
    assert AuditEntry.objects.count() == audit_rows and Entry.objects.count() == entries   # GET writes nothing
    assert "按折扣结清" in page and f"{SERVED:%Y-%m-%d} 送达" in page and "为第 15 天" in page
    assert "20天内减免20%" in page and "2,000.00" in page and "8,000.00" in page

    url = reverse("debts:claim-discount", args=[claim.pk])
    key = form_key(client, f"{claim.get_absolute_url()}?paid_on={day(15).isoformat()}", action=url)
    data = {"rule": rule.pk, "paid_on": day(15).isoformat(), "cash": "8,000.00", "voucher_no": "收-7",
            "submission_key": key}
    first = client.post(url, data)
    assert first.status_code == 302 and "#entry-" in first["Location"]
    again = client.post(url, data, follow=True)                   # a double click, a browser's resend
    assert "已经登记过了" in " ".join(str(m) for m in again.context["messages"])
    assert list(Entry.objects.filter(claim=claim).values_list("kind", "amount")) == [
        ("现金收回", Decimal("8000.00")), ("减免", Decimal("2000.00"))]
    assert SubmissionKey.objects.count() == 1
    assert "按折扣结清" not in client.get(claim.get_absolute_url()).content.decode().split("清收分录")[0]


def test_a_refused_settlement_goes_back_to_the_claim_with_the_reason(personas, served, client_for):
    claim, rule = served
    client = client_for(personas.cadre)
    url = reverse("debts:claim-discount", args=[claim.pk])
    key = form_key(client, f"{claim.get_absolute_url()}?paid_on={day(25).isoformat()}", action=url)
    # The page's date altered by hand: the figures are worked out again, and the day is past every step.
    response = client.post(url, {"rule": rule.pk, "paid_on": day(40).isoformat(), "cash": "9,000.00",
                                 "submission_key": key}, follow=True)
    assert "超过折扣最后一档" in " ".join(str(m) for m in response.context["messages"])
    assert not Entry.objects.exists() and not SubmissionKey.objects.exists()


def test_the_claim_page_shows_why_no_discount_applies_and_a_form_only_to_the_township(personas, served,
                                                                                       client_for):
    claim, _rule = served
    past = client_for(personas.cadre).get(f"{claim.get_absolute_url()}?paid_on={day(31).isoformat()}")
    assert "超过折扣最后一档" in past.content.decode()
    assert reverse("debts:claim-discount", args=[claim.pk]) not in past.content.decode()
    village = client_for(personas.accountant).get(f"{claim.get_absolute_url()}?paid_on={day(5).isoformat()}")
    assert "7,000.00" in village.content.decode()
    assert reverse("debts:claim-discount", args=[claim.pk]) not in village.content.decode()
    bad = client_for(personas.cadre).get(f"{claim.get_absolute_url()}?paid_on=2026-02-30")
    assert bad.status_code == 200 and "已按今天测算" in bad.content.decode()


def test_the_settle_page_answers_404_outside_the_scope_and_403_without_the_right(personas, served, client_for):
    claim, rule = served
    url = reverse("debts:claim-discount", args=[claim.pk])
    data = {"rule": rule.pk, "paid_on": day(5).isoformat(), "cash": "7,000.00"}
    assert client_for(personas.outsider).post(url, data).status_code == 404
    assert client_for(personas.inspector).post(url, data).status_code == 403
    assert client_for(personas.accountant).post(url, data).status_code == 403
    assert client_for(personas.cadre).get(url).status_code == 405
    assert not Entry.objects.exists()

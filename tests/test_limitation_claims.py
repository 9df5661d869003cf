"""The limitation clock kept on real claims: payments, letters, cases and demands move it as the law says,
and the claim page, the list filter, the dashboards' warnings and the letters all agree on where it stands."""
import io
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from debts.factories import ClaimFactory
from debts.letters import pdf as letter_pdf
from debts.letters import services as letters
from debts.limitation import ClockState, state_filter
from debts.models import Claim, ClaimEntryKind, ClaimEvent, LetterKind
from debts.services import (
    claim_create,
    claim_record_event,
    entry_record,
    entry_reverse,
    legal_action_close,
    legal_action_create,
    mediation_create,
)
from reports import warnings
from reports.measures import Place
from villages.factories import PartyFactory

TODAY = timezone.localdate()


def new_claim(personas, due: date, *, number="ZQ-时效", occurred=None, debtor=None) -> Claim:
    return claim_create(user=personas.accountant, data=dict(
        village=personas.yukou, number=number, debtor=debtor or PartyFactory(village=personas.yukou),
        origin="借款", principal=Decimal("8000.00"), occurred_on=occurred or date(2020, 1, 1), due_date=due))


def reload(claim: Claim) -> Claim:
    claim.refresh_from_db()
    return claim


def listed(client, state: str) -> str:
    return client.get(reverse("debts:claim-list"), {"limitation": state}).content.decode()


def test_a_payment_restarts_the_clock_and_takes_the_claim_off_the_lapsed_list(personas, client_for):
    claim = new_claim(personas, date(2023, 2, 28))
    assert reload(claim).lapse_on == date(2026, 2, 28)

    entry_record(user=personas.accountant, claim=claim, kind=ClaimEntryKind.CASH, amount=Decimal("2000.00"),
                 entered_on=date(2024, 5, 10))

    assert (reload(claim).clock_from, claim.lapse_on) == (date(2024, 5, 10), date(2027, 5, 10))
    client = client_for(personas.cadre)
    assert "ZQ-时效" not in listed(client, "lapsed")
    page = client.get(claim.get_absolute_url()).content.decode()
    assert "2027-05-10 届满" in page and "已过诉讼时效" not in page and "现金收回" in page


def test_a_reversed_payment_no_longer_restarts_the_clock(personas):
    claim = new_claim(personas, date(2023, 2, 28))
    payment = entry_record(user=personas.accountant, claim=claim, kind=ClaimEntryKind.CASH,
                           amount=Decimal("2000.00"), entered_on=date(2024, 5, 10))

    entry_reverse(user=personas.accountant, entry=payment, reason="银行退票")

    assert (reload(claim).clock_from, claim.lapse_on) == (date(2023, 2, 28), date(2026, 2, 28))


def test_a_write_off_is_not_the_debtors_performance_and_restarts_nothing(personas):
    claim = new_claim(personas, date(2023, 2, 28))
    entry_record(user=personas.accountant, claim=claim, kind=ClaimEntryKind.ADJUSTMENT,
                 amount=Decimal("100.00"), entered_on=date(2024, 5, 10))

    assert reload(claim).lapse_on == date(2026, 2, 28)


def test_a_demand_served_after_the_lapse_changes_nothing(personas, client_for):
    claim = new_claim(personas, date(2019, 5, 1))
    claim_record_event(user=personas.collector, claim=claim, kind=ClaimEvent.Kind.DEMAND, happened_on=date(2023, 3, 1))

    assert reload(claim).lapse_on == date(2022, 5, 1)
    assert claim.clock_state == ClockState.LAPSED
    assert "ZQ-时效" in listed(client_for(personas.cadre), "lapsed")


def test_a_written_confirmation_after_the_lapse_shows_lapsed_but_confirmed(personas, client_for):
    claim = new_claim(personas, date(2019, 5, 1))
    claim_record_event(user=personas.collector, claim=claim, kind=ClaimEvent.Kind.LETTER_CONFIRMED,
                       happened_on=TODAY - timedelta(days=10), note="债务人在对账单上签字确认")

    assert reload(claim).lapse_confirmed is True and claim.clock_state == ClockState.CONFIRMED
    client = client_for(personas.cadre)
    assert "ZQ-时效" in listed(client, "confirmed") and "ZQ-时效" not in listed(client, "lapsed")
    assert "届满后经债务人确认" in client.get(claim.get_absolute_url()).content.decode()


def test_an_open_mediation_suspends_the_clock_and_a_default_restarts_it(personas, client_for):
    claim = new_claim(personas, date(2022, 1, 10))
    case = mediation_create(user=personas.cadre, village=personas.yukou, number="调-1", claims=[claim],
                            mediator="峪口村调委会", agreement_date=date(2024, 3, 1),
                            plan=[(date(2024, 6, 1), Decimal("4000.00")), (date(2024, 12, 1), Decimal("4000.00"))])

    assert reload(claim).clock_suspended is True and claim.lapse_on is None
    client = client_for(personas.cadre)
    assert "ZQ-时效" in listed(client, "suspended") and "ZQ-时效" not in listed(client, "lapsed")
    assert "时效中止" in client.get(claim.get_absolute_url()).content.decode()

    from debts.services import mediation_check
    mediation_check(case=case, today=date(2024, 6, 10))

    assert reload(claim).clock_suspended is False
    assert (claim.clock_from, claim.lapse_on) == (date(2024, 6, 1), date(2027, 6, 1))


def test_a_court_case_suspends_the_clock_until_it_ends(personas):
    claim = new_claim(personas, date(2022, 1, 10))
    action = legal_action_create(user=personas.cadre, village=personas.yukou, kind="诉讼", claims=[claim],
                                 body="方山县人民法院", filed_on=date(2024, 3, 1))
    assert reload(claim).clock_suspended is True

    legal_action_close(user=personas.cadre, action=action, outcome="调解结案", closed_on=date(2025, 1, 20))

    assert reload(claim).clock_suspended is False and claim.lapse_on == date(2028, 1, 20)


def test_a_claim_twenty_years_old_is_flagged_beyond_the_absolute_limit(personas, client_for):
    claim = new_claim(personas, date(1999, 1, 1), occurred=date(1998, 6, 1))
    claim_record_event(user=personas.collector, claim=claim, kind=ClaimEvent.Kind.LETTER_CONFIRMED,
                       happened_on=TODAY - timedelta(days=3))

    assert reload(claim).clock_state == ClockState.BEYOND
    client = client_for(personas.cadre)
    assert "ZQ-时效" in listed(client, "beyond")
    assert "超过二十年最长保护期" in client.get(claim.get_absolute_url()).content.decode()
    assert "ZQ-时效" in client.get(reverse("reports:warning-lapsed")).content.decode()


def test_lapsed_claims_are_counted_among_the_dashboard_warnings(personas):
    new_claim(personas, date(2019, 5, 1), number="ZQ-已过")
    new_claim(personas, TODAY, number="ZQ-未过")
    counts = {row["warning"].key: row["count"]
              for row in warnings.warning_counts(personas.cadre, Place.of(personas.yukou_town))}
    assert counts["lapsed"] == 1


@pytest.mark.parametrize("due", [date(2024, 2, 29), date(2023, 2, 28), date(2023, 12, 31), date(2021, 3, 1)])
def test_the_list_filter_and_the_claim_page_agree_on_every_day_around_a_lapse(personas, due):
    claim = new_claim(personas, due)
    lapse = reload(claim).lapse_on
    for day in (lapse - timedelta(days=181), lapse - timedelta(days=1), lapse, lapse + timedelta(days=1)):
        page_state = claim.clock.state(day)
        matches = [state for state in ClockState.values
                   if Claim.objects.filter(state_filter(state, day), pk=claim.pk).exists()]
        assert matches == [page_state], (day, page_state, matches)


# --- Letters ------------------------------------------------------------------------------------------


def test_a_returned_notice_takes_back_the_restart_its_delivery_gave(personas):
    claim = new_claim(personas, date(2023, 2, 28))
    letter = letters.letter_issue_for_claim(user=personas.accountant, claim=claim, kind=LetterKind.PAYMENT_NOTICE,
                                            as_of=date(2025, 6, 1))
    letters.letter_deliver(user=personas.collector, letter=letter, delivered_on=date(2025, 6, 5), delivery="留置")
    assert reload(claim).lapse_on == date(2028, 6, 5)

    letters.letter_answer(user=personas.collector, letter=letter, result="退回", answered_on=date(2025, 6, 20),
                          reason="查无此人")

    assert reload(claim).lapse_on == date(2026, 2, 28)
    assert claim.events.filter(kind=ClaimEvent.Kind.LETTER_RETURNED).exists()


def test_a_payment_notice_leaves_out_lapsed_claims_and_says_why(personas):
    debtor = PartyFactory(village=personas.yukou, name="白存富")
    lapsed = new_claim(personas, date(2019, 5, 1), number="ZQ-旧", debtor=debtor)
    running = new_claim(personas, date(2025, 5, 1), number="ZQ-新", debtor=debtor)

    notice = letters.letter_issue_for_claim(user=personas.accountant, claim=running, kind=LetterKind.PAYMENT_NOTICE)

    assert [item.claim_id for item in notice.items.all()] == [running.pk]
    assert notice.total == Decimal("8000.00")
    with pytest.raises(Exception, match="均已过诉讼时效"):
        only_lapsed = new_claim(personas, date(2018, 1, 1), number="ZQ-更旧",
                                debtor=PartyFactory(village=personas.yukou, name="郝老三"))
        letters.letter_issue_for_claim(user=personas.accountant, claim=only_lapsed, kind=LetterKind.PAYMENT_NOTICE)
    assert lapsed.letter_items.count() == 0


def test_a_reconciliation_letter_asks_the_debtor_to_confirm_the_lapsed_items(personas):
    debtor = PartyFactory(village=personas.yukou, name="白存富")
    new_claim(personas, date(2025, 5, 1), number="ZQ-新", debtor=debtor)
    lapsed = new_claim(personas, date(2019, 5, 1), number="ZQ-旧", debtor=debtor)

    letter = letters.letter_issue_for_claim(user=personas.accountant, claim=lapsed, kind=LetterKind.RECONCILIATION)
    [context] = letter_pdf.letter_context([letter.pk], with_qr=False)

    assert len(context["items"]) == 2
    position = [i for i, item in enumerate(letter.items.order_by("id"), start=1) if item.claim_id == lapsed.pk]
    assert context["lapsed_items"] == str(position[0])
    pdf = letter_pdf.render_letters([letter.pk])[0]
    text = re.sub(r"\s+", "", "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))
    assert f"上述第{position[0]}项款项" in text and "诉讼时效期间已经届满" in text


def test_a_reconciliation_letter_for_running_claims_says_nothing_of_a_lapse(personas):
    claim = ClaimFactory(village=personas.yukou, due_date=TODAY - timedelta(days=30))
    letter = letters.letter_issue_for_claim(user=personas.accountant, claim=claim, kind=LetterKind.RECONCILIATION)
    [context] = letter_pdf.letter_context([letter.pk], with_qr=False)
    assert context["lapsed_items"] == ""


def test_an_amount_cleared_without_a_day_in_a_ledger_restarts_no_clock(personas, tmp_path):
    """A ledger that gives 已清收 but no 清收日期: the entry is dated the day of the import, flagged, and the
    clock keeps running from the due date (a payment of unknown day is no proof of a payment today)."""
    from ledgers import importer
    from ledgers.importer import Rights
    from ledgers.testing import workbook

    header = ["乡镇", "村", "债权编号", "债务人", "形成原因", "到期日期", "金额(元)", "已清收金额(元)", "清收方式",
              "清收日期"]
    path = tmp_path / "债权台账.xlsx"
    workbook(header, [["峪口镇", "峪口村", "ZQ-U1", "冯海平", "借款", "2023-02-28", "5000", "2000", "现金收回", None],
                      ["峪口镇", "峪口村", "ZQ-U2", "冯海平", "借款", "2023-02-28", "5000", "2000", "现金收回",
                       "2024-05-10"]], path=path)
    sheet = importer.parse(path, "claims")
    outcome = importer.commit(sheet, "claims", Rights.of(personas.cadre))
    assert not outcome.errors
    assert any("清收日期" in str(w) and "诉讼时效不因此重新计算" in str(w) for w in outcome.warnings)

    undated, dated = Claim.objects.get(number="ZQ-U1"), Claim.objects.get(number="ZQ-U2")
    entry = undated.entries.get()
    assert (entry.date_unknown, entry.entered_on, entry.amount) == (True, timezone.localdate(), Decimal("2000.00"))
    assert undated.lapse_on == date(2026, 2, 28)           # from the due date, as if nothing was paid
    assert dated.lapse_on == date(2027, 5, 10)             # the dated payment restarted it

"""An amount a ledger file gave without its day (清查前已收回, DOMAIN.md §11, §13): dated the day of the
import, it is counted in no dated period, only in the figures up to a day (a balance, 已清收 截至今日), and it
is shown beside the period's figures as 清查前已收回（日期不详） so that nothing disappears silently.

The claim: 10,000.00 owed; 1,200.00 collected before the campaign (a ledger row with 已清收 and no 清收日期);
300.00 cash collected in the period, typed in by the accountant.
"""
import json
from datetime import timedelta
from decimal import Decimal
from io import BytesIO, StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from debts import services as debt_services
from debts.factories import ClaimFactory, DebtFactory
from debts.letters import services as letters
from debts.models import Claim, Entry
from debts.selectors import with_balances
from reports.measures import Period, Place, measures_for, monthly_progress
from reports.progress import render_report_xlsx, report_context

D = Decimal
TODAY = timezone.localdate()
START = TODAY - timedelta(days=10)          # the period: the last ten days, as the dashboard's 本月 or 本年 would be
PAID_ON = TODAY - timedelta(days=2)


def run(*args) -> dict:
    out = StringIO()
    call_command("measures", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


@pytest.fixture
def claim(personas):
    claim = ClaimFactory(village=personas.yukou, principal=D("10000.00"))
    debt_services.entry_record_from_ledger(user=personas.cadre, claim=claim, kind="现金收回", amount=D("1200.00"),
                                           entered_on=None, note="台账导入：已清收金额")
    debt_services.entry_record(user=personas.accountant, claim=claim, kind="现金收回", amount=D("300.00"),
                               entered_on=PAID_ON)
    return claim


def test_the_periods_cleared_leaves_out_the_undated_amount_and_shows_it_beside(personas, claim):
    period = measures_for(Place.of(personas.yukou), Period(START, None))
    assert (period.cleared, period.cash_collected) == (D("300.00"), D("300.00"))
    assert period.cleared_undated == D("1200.00")
    assert period.clearing_rate == D("0.0300")                          # 300 of 10,000
    assert period.as_dict()["cleared_undated"] == D("1200.00")
    assert measures_for(Place.of(personas.yukou_town), Period(START, TODAY)).cleared == D("300.00")


def test_the_all_time_figures_count_both_and_agree_with_the_balance(personas, claim):
    every = measures_for(Place.of(personas.yukou))
    assert (every.cleared, every.cash_collected, every.cleared_undated) == (D("1500.00"), D("1500.00"), D("1200.00"))
    balance = with_balances(Claim.objects.filter(pk=claim.pk)).get().balance
    assert balance == D("8500.00")
    assert every.claims_in_scope - balance == every.cleared and every.outstanding == balance
    # Up to a day before the import the system did not know of it: a stock as at that day leaves it out.
    before = measures_for(Place.of(personas.yukou), Period(None, TODAY - timedelta(days=1)))
    assert (before.cleared, before.cleared_undated) == (D("300.00"), D("0.00"))


def test_the_measures_command_json_agrees(personas, claim):
    period = run("--village", "峪口村", "--from", START.isoformat())
    assert (period["cleared"], period["cash_collected"], period["cleared_undated"]) == ("300.00", "300.00", "1200.00")
    assert period["clearing_rate"] == 0.03
    every = run("--township", "峪口镇")
    assert (every["cleared"], every["cleared_undated"], every["claims_in_scope"]) == ("1500.00", "1200.00",
                                                                                       "10000.00")


def test_the_claim_page_shows_the_day_as_unknown_not_the_import_day(personas, claim, client_for):
    response = client_for(personas.accountant).get(reverse("debts:claim-detail", args=[claim.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    undated = claim.entries.get(date_unknown=True)
    row = html[html.index(f'id="entry-{undated.pk}"'):]
    row = row[:row.index("</tr>")]
    assert "日期不详（台账导入）" in row
    assert f">{TODAY:%Y-%m-%d}<" not in row                              # the import day is no business day
    assert f"{PAID_ON:%Y-%m-%d}" in html                                  # the dated entry keeps its day
    timeline = [item for item in response.context["timeline"] if not item["event"]]
    assert [(item["day_shown"], item["amount"]) for item in timeline] == [("日期不详（台账导入）", D("1200.00")),
                                                                         (f"{PAID_ON:%Y-%m-%d}", D("300.00"))]


def test_a_reversal_of_the_undated_amount_is_in_no_period_either(personas, claim):
    undated = claim.entries.get(date_unknown=True)
    reversal = debt_services.entry_reverse(user=personas.cadre, entry=undated, reason="台账重复记载")
    assert reversal.note.startswith("冲正 日期不详（台账导入） 现金收回 1,200.00 元")
    period = measures_for(Place.of(personas.yukou), Period(START, None))
    assert (period.cleared, period.cleared_undated) == (D("300.00"), D("0.00"))
    assert measures_for(Place.of(personas.yukou)).cleared == D("300.00")


def test_an_undated_amount_is_never_a_collection_after_a_letter(personas, claim):
    letter = letters.letter_issue_for_claim(user=personas.cadre, claim=claim, kind="对账函",
                                            as_of=TODAY - timedelta(days=5))
    assert letter.items.get().claim_id == claim.pk
    for period in (Period(), Period(START, None)):
        assert measures_for(Place.of(personas.yukou), period).collected_after_letter == D("300.00")


def test_the_monthly_progress_runs_the_undated_amount_apart(personas, claim):
    rows = monthly_progress(Place.of(personas.yukou))
    month = f"{TODAY:%Y-%m}"
    this = next(r for r in rows if r["month"] == month)
    assert this["undated"] == D("1200.00")
    assert D("1200.00") not in (this["cleared_in_month"], this["cleared"])
    last = rows[-1]
    assert last["cleared"] + last["undated"] == measures_for(Place.of(personas.yukou)).cleared == D("1500.00")
    assert last["cleared"] == last["cash"] == D("300.00")


def test_an_undated_debt_repayment_is_shown_beside_the_periods_debt_resolved(personas):
    debt = DebtFactory(village=personas.yukou, principal=D("5000.00"))
    debt_services.entry_record_from_ledger(user=personas.cadre, debt=debt, kind="偿还", amount=D("2000.00"),
                                           entered_on=None)
    debt_services.entry_record(user=personas.accountant, debt=debt, kind="偿还", amount=D("500.00"),
                               entered_on=PAID_ON)
    period = measures_for(Place.of(personas.yukou), Period(START, None))
    assert (period.debt_resolved, period.debt_resolved_undated) == (D("500.00"), D("2000.00"))
    assert period.debt_resolved_rate == D("0.1000")
    every = measures_for(Place.of(personas.yukou))
    assert (every.debt_resolved, every.debt_resolved_undated, every.debt_balance) == (D("2500.00"), D("2000.00"),
                                                                                      D("2500.00"))
    assert Entry.objects.get(debt=debt, date_unknown=True).day_shown == "日期不详（台账导入）"


def test_the_dashboard_and_the_progress_report_show_it_beside_the_periods_collections(personas, claim, client_for):
    client = client_for(personas.cadre)
    page = client.get(reverse("reports:township", args=[personas.yukou_town.pk]), {"from": START.isoformat()})
    html = page.content.decode()
    assert page.context["total"].cleared == D("300.00")
    assert "清查前已收回（日期不详）1,200.00 元，未计入本期" in html
    page = client.get(reverse("reports:township", args=[personas.yukou_town.pk]))
    assert "其中清查前已收回（日期不详）1,200.00 元" in page.content.decode()

    context = report_context(Place.of(personas.yukou_town), Period(START, None))
    shown = {m["label"]: m["value"] for m in context["measures"]}
    assert shown["已清收（元）"] == "300.00" and shown["清查前已收回（日期不详）（元）"] == "1,200.00"
    book = load_workbook(BytesIO(render_report_xlsx(context)))
    summary = {row[0]: row[1] for row in book["指标汇总"].iter_rows(min_row=4, values_only=True)}
    assert (summary["已清收（元）"], summary["清查前已收回（日期不详）（元）"]) == (300, 1200)
    header, *months = book["月度进展"].iter_rows(min_row=3, values_only=True)
    assert (header[4], header[-1]) == ("已清收(元)", "清查前已收回（日期不详）(元)")
    assert (months[-1][4], months[-1][-1]) == (300, 1200)               # running totals, the last month


def test_the_ledger_export_dates_the_latest_dated_collection_and_leaves_an_undated_one_blank(personas, claim):
    from ledgers.kinds import claim_row

    # Exported, then imported again, an undated amount must not come back dated the import's day.
    row = claim_row(Claim.objects.get(pk=claim.pk), mask=False)
    assert row[11:14] == [D("1500.00"), "现金收回", PAID_ON]
    only_undated = ClaimFactory(village=personas.yukou, principal=D("500.00"))
    debt_services.entry_record_from_ledger(user=personas.cadre, claim=only_undated, kind="现金收回",
                                           amount=D("200.00"), entered_on=None, note="台账导入：已清收金额")
    row = claim_row(Claim.objects.get(pk=only_undated.pk), mask=False)
    assert row[11:14] == [D("200.00"), "现金收回", None]

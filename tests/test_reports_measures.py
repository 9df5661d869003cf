"""Each measure of DOMAIN.md §11 on a small county whose answers are worked out by hand below.

方山县 (the personas' county):
  峪口镇 / 峪口村, 4 contracts expected:
    C1 已规范, problems confirmed, one parcel measured, terminated 2026-03-10 recovering 10.50 亩,
       a new resource let from 2026-03-01 at 3,000 元 a year;
    C2 已认定, problems confirmed, one parcel not measured;
    C3 已认定, compliant, no parcel;
    C4 已查找, one parcel measured.
    Claims: K1 10,000 — cash 3,000 (2026-03-05), cash 1,000 reversed (2026-03-06, reversed 2026-04-02),
            write-off 2,000 by resolution (2026-05-10);
            K2 5,000 — cash 500 (2026-02-01), then sealed (tax-era): out of 应清收 and out of 已清收;
            K3 8,000 — nothing.
    Debt D1 50,000 (+1,000 interest) — repaid 20,000 (2026-03-20).
    Income recorded by hand: 1,200 元 (2026-04-15).
  峪口镇 / 土屋村, 0 contracts expected and nothing else: every rate has a zero denominator.
  积翠镇 / 积翠村, 2 contracts expected: C5 已查找 without parcels. No claims, no debts.

峪口村 by hand:
  found 4/4 = 1.0000; with parcels C1, C2, C4 = 3, checked C1, C4 = 2 → 0.6667;
  investigated C1, C2, C3 = 3/4 = 0.7500; problem contracts C1, C2 = 2; standardised C1 → 1/2 = 0.5000;
  claims principal 23,000, sealed 5,000, in scope 18,000;
  cleared 3,000 + 1,000 − 1,000 + 2,000 = 5,000 (K2's 500 is sealed away) → 5,000/18,000 = 0.2778;
  cash 3,000 + 1,000 − 1,000 = 3,000; debt 50,000 resolved 20,000 → 0.4000;
  land recovered 10.50 亩; new income 3,000 + 1,200 = 4,200.
"""
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from contracts.factories import ContractFactory
from contracts.models import Contract, ContractProblem, Determination, Disposition
from debts import services as debt_services
from debts.factories import ClaimFactory, DebtFactory, MoneyResolutionFactory
from debts.models import Claim, Debt
from reports.measures import MEASURE_KEYS, Measures, Period, Place, measures_by, measures_for, monthly_progress, rate
from reports.models import IncomeRecord
from villages.factories import ParcelFactory
from villages.models import Parcel

D = Decimal


def aware(day: date):
    return timezone.make_aware(datetime(day.year, day.month, day.day, 10, 0))


@pytest.fixture
def county(personas):
    p = personas
    for village, expected in ((p.yukou, 4), (p.tuwu, 0), (p.jicui, 2)):
        village.expected_contracts = expected
        village.save()
    measured = ParcelFactory(village=p.yukou, measured_area_mu=D("10.50"), ledger_area_mu=D("10.50"))
    unmeasured = ParcelFactory(village=p.yukou)
    measured_too = ParcelFactory(village=p.yukou, measured_area_mu=D("7.00"))
    c1 = ContractFactory(village=p.yukou, number="C1", parcels=[measured], state="已规范", is_new_resource=True,
                         start_date=date(2026, 3, 1), end_date=date(2036, 3, 1), annual_fee=D("3000.00"))
    c2 = ContractFactory(village=p.yukou, number="C2", parcels=[unmeasured], state="已认定")
    c3 = ContractFactory(village=p.yukou, number="C3", parcels=[], state="已认定", is_compliant=True)
    ContractFactory(village=p.yukou, number="C4", parcels=[measured_too], state="已查找")
    ContractFactory(village=p.jicui, number="C5", parcels=[], state="已查找")
    for contract, day in ((c1, date(2026, 2, 1)), (c2, date(2026, 6, 1)), (c3, date(2026, 2, 15))):
        Determination.objects.create(contract=contract, facts="事实", determined_by=p.cadre, determined_at=aware(day))
    for contract in (c1, c2):
        ContractProblem.objects.create(contract=contract, code="P02", reason="无决议", status="已确认")
    Disposition.objects.create(contract=c1, kind="终止撤销", plan="收回", chosen_by=p.cadre,
                               chosen_at=aware(date(2026, 2, 20)), termination_date=date(2026, 3, 10),
                               land_recovered_mu=D("10.50"), completed_by=p.cadre,
                               completed_at=aware(date(2026, 3, 12)))
    # As the termination's service does: its parcel is taken back on the day the contract ended.
    Parcel.objects.filter(pk=measured.pk).update(state="已收回", recovered_on=date(2026, 3, 10))

    k1 = ClaimFactory(village=p.yukou, principal=D("10000.00"))
    k2 = ClaimFactory(village=p.yukou, principal=D("5000.00"), origin="税费尾欠")
    ClaimFactory(village=p.yukou, principal=D("8000.00"))
    acc, cadre = p.accountant, p.cadre
    debt_services.entry_record(user=acc, claim=k1, kind="现金收回", amount=D("3000.00"), entered_on=date(2026, 3, 5))
    wrong = debt_services.entry_record(user=acc, claim=k1, kind="现金收回", amount=D("1000.00"),
                                       entered_on=date(2026, 3, 6))
    debt_services.entry_reverse(user=acc, entry=wrong, reason="重复登记", entered_on=date(2026, 4, 2))
    resolution = MoneyResolutionFactory(village=p.yukou, resolved_on=date(2026, 5, 1), covers=[k1])
    debt_services.entry_record(user=cadre, claim=k1, kind="核销", amount=D("2000.00"), entered_on=date(2026, 5, 10),
                               resolution=resolution)
    debt_services.entry_record(user=acc, claim=k2, kind="现金收回", amount=D("500.00"), entered_on=date(2026, 2, 1))
    debt_services.claim_seal(user=cadre, claim=k2, reason="三提五统尾欠")
    d1 = DebtFactory(village=p.yukou, principal=D("50000.00"), interest=D("1000.00"))
    debt_services.entry_record(user=acc, debt=d1, kind="偿还", amount=D("20000.00"), entered_on=date(2026, 3, 20))
    IncomeRecord.objects.create(village=p.yukou, kind="资产盘活收入", received_on=date(2026, 4, 15),
                                amount=D("1200.00"), note="闲置校舍出租", created_by=acc)
    # Registered at the start of the campaign, so that they stand in the March figures.
    for model in (Contract, Claim, Debt):
        model.objects.update(created_at=aware(date(2026, 1, 10)))
    return p


YUKOU = {
    "expected_contracts": 4, "contracts": 4, "found_rate": D("1.0000"), "area_checked_rate": D("0.6667"),
    "investigated_rate": D("0.7500"), "problem_contracts": 2, "standardised_contracts": 1,
    "standardised_rate": D("0.5000"), "claims_principal": D("23000.00"), "sealed_principal": D("5000.00"),
    "claims_in_scope": D("18000.00"), "cleared": D("5000.00"), "cash_collected": D("3000.00"),
    "cleared_undated": D("0.00"), "clearing_rate": D("0.2778"), "debt_principal": D("50000.00"),
    "debt_resolved": D("20000.00"), "debt_resolved_undated": D("0.00"),
    # 化解率: 20,000.00 of 50,000.00 principal and 1,000.00 interest.
    "debt_resolved_rate": D("0.3922"), "land_recovered_mu": D("10.50"), "new_resource_mu": D("10.50"),
    "letters_issued": 0, "letters_served": 0, "letters_confirmed": 0, "collected_after_letter": D("0.00"),
    "new_income": D("4200.00"),
}


def test_every_measure_of_a_village_matches_the_hand_computation(county):
    assert measures_for(Place.of(county.yukou)).as_dict() == YUKOU


def test_a_village_with_nothing_to_divide_by_has_no_rates(county):
    measures = measures_for(Place.of(county.tuwu)).as_dict()
    for key in ("found_rate", "area_checked_rate", "investigated_rate", "standardised_rate", "clearing_rate",
                "debt_resolved_rate"):
        assert measures[key] is None, key
    assert measures["contracts"] == 0 and measures["cleared"] == D("0")


def test_the_township_sums_its_villages_and_recomputes_its_rates(county):
    town = measures_for(Place.of(county.yukou_town)).as_dict()
    # 土屋村 adds nothing, but its zero expected count does not turn the township's rate into nothing.
    assert town == YUKOU


def test_the_county_adds_its_townships_and_keeps_the_rates_exact(county):
    breakdown = measures_by(Place.of(county.county))
    assert [c.name for c in breakdown.children] == ["积翠镇", "峪口镇"]      # by pinyin: ji, yu
    jicui = next(c.measures for c in breakdown.children if c.name == "积翠镇").as_dict()
    assert jicui["contracts"] == 1 and jicui["found_rate"] == D("0.5000")
    assert jicui["area_checked_rate"] is None and jicui["clearing_rate"] is None
    assert jicui["debt_resolved_rate"] is None and jicui["investigated_rate"] == D("0.0000")
    total = breakdown.total.as_dict()
    assert total["expected_contracts"] == 6 and total["contracts"] == 5
    assert total["found_rate"] == D("0.8333")          # 5 / 6
    assert total["investigated_rate"] == D("0.6000")   # 3 / 5
    assert total["clearing_rate"] == D("0.2778")
    assert measures_for(Place.of(county.county)).as_dict() == total
    assert measures_for(Place("all")).as_dict() == total


def test_a_period_counts_only_the_movements_dated_in_it(county):
    march = Period(date(2026, 3, 1), date(2026, 3, 31))
    m = measures_for(Place.of(county.yukou), march)
    # Cash 3,000 and the 1,000 later reversed (the reversal is dated in April); no write-off yet.
    assert m.cleared == D("4000.00") and m.cash_collected == D("4000.00")
    assert m.debt_resolved == D("20000.00") and m.land_recovered_mu == D("10.50")
    assert m.new_income == D("3000.00")            # C1 started 2026-03-01; the income record is in April
    # Stocks stand as at 31 March: C2 was determined only in June, C1 standardised on 12 March.
    assert (m.investigated, m.problem_contracts, m.standardised_contracts) == (2, 1, 1)
    april = measures_for(Place.of(county.yukou), Period(date(2026, 4, 1), date(2026, 4, 30)))
    assert april.cleared == D("-1000.00") and april.cash_collected == D("-1000.00")
    assert april.new_income == D("1200.00") and april.land_recovered_mu == D("0")


def test_the_measures_agree_with_the_claim_lists_totals(county, client_for):
    from django.urls import reverse

    page = client_for(county.cadre).get(reverse("debts:claim-list")).context
    assert page["in_scope"]["principal"] == YUKOU["claims_in_scope"]
    assert page["in_scope"]["principal"] - page["in_scope"]["balance"] == YUKOU["cleared"]


def test_the_sum_of_measures_is_field_by_field_and_keys_are_the_commands():
    a = Measures(contracts=1, cleared=D("1.10"))
    b = Measures(contracts=2, cleared=D("2.20"))
    assert (a + b).contracts == 3 and (a + b).cleared == D("3.30")
    assert MEASURE_KEYS[0] == "expected_contracts" and MEASURE_KEYS[-1] == "new_income" and len(MEASURE_KEYS) == 26
    assert rate(1, 3) == D("0.3333") and rate(2, 3) == D("0.6667") and rate(1, 0) is None


def test_the_charts_of_the_moment_come_with_the_measures(county):
    charts = measures_by(Place.of(county.yukou_town), charts=True).charts
    assert charts["problems"] == [{"code": "P02", "label": "P02 未履行民主程序", "count": 2}]
    assert charts["dispositions"] == [{"kind": "终止撤销", "chosen": 1, "completed": 1}]
    assert charts["steps"] == [{"kind": "现金收回", "amount": D("3000.00")}, {"kind": "核销", "amount": D("2000.00")}]


def test_monthly_progress_runs_totals_month_by_month(county):
    rows = {r["month"]: r for r in monthly_progress(Place.of(county.county))}
    assert list(rows) == ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"]
    assert [rows[m]["found"] for m in rows] == [5, 5, 5, 5, 5, 5]
    assert [rows[m]["determined"] for m in rows] == [0, 2, 2, 2, 2, 3]
    assert [rows[m]["standardised"] for m in rows] == [0, 0, 1, 1, 1, 1]
    # 已清收 on the claims in scope: March 3,000 + 1,000; April the reversal; May the write-off.
    assert [rows[m]["cleared"] for m in rows] == [D("0"), D("0"), D("4000.00"), D("3000.00"), D("5000.00"),
                                                  D("5000.00")]
    assert [rows[m]["cash"] for m in rows][2:5] == [D("4000.00"), D("3000.00"), D("3000.00")]
    assert rows["2026-04"]["cleared_in_month"] == D("-1000.00")
    until_march = monthly_progress(Place.of(county.county), Period(None, date(2026, 3, 31)))
    assert [r["month"] for r in until_march] == ["2026-01", "2026-02", "2026-03"]

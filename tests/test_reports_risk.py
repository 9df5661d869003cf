"""Village risk classes (§12): each class at its thresholds, the figures behind them, and the plan
(处方单) that keeps a village on the list until a review takes it off."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from contracts.factories import ContractFactory
from contracts.models import Determination
from debts import services as debt_services
from debts.factories import ClaimFactory, DebtFactory, MoneyResolutionFactory
from debts.models import DisputeTask, Entry, Letter, MediationCase
from reports import services
from reports.measures import Place
from reports.models import IncomeRecord, ReportSettings, RiskCase
from reports.risk import classify, level_of, village_risks
from villages.factories import PartyFactory

D = Decimal
TODAY = timezone.localdate()


BASE = dict(debt=D("0"), legacy_debt=D("0"), income=D("200000"), claims_in_scope=D("0"), outstanding=D("0"),
            disputes=0, mediation=0, writeoffs=0, relatives=0)


def levels(**figures):
    classes = classify(ReportSettings(), **{**BASE, **figures})
    return {c.risk_class: c.level for c in classes}


def economy(**figures):
    return next(c for c in classify(ReportSettings(), **{**BASE, **figures}) if c.risk_class == "经济")


@pytest.mark.parametrize("figures, expected", [
    # Debt ÷ income: yellow at 3.00 (three years of income), red at 5.00.
    ({"debt": D("599999.99"), "income": D("200000.00")}, "绿"),
    ({"debt": D("600000.00"), "income": D("200000.00")}, "黄"),
    ({"debt": D("999999.99"), "income": D("200000.00")}, "黄"),
    ({"debt": D("1000000.00"), "income": D("200000.00")}, "红"),
    # Debts and no income at all.
    ({"debt": D("0.01"), "income": D("0")}, "红"),
    # Debts of the tax era ÷ income: yellow at 2.00, red at 4.00.
    ({"legacy_debt": D("399999.99"), "income": D("200000.00")}, "绿"),
    ({"legacy_debt": D("400000.00"), "income": D("200000.00")}, "黄"),
    ({"legacy_debt": D("799999.99"), "income": D("200000.00")}, "黄"),
    ({"legacy_debt": D("800000.00"), "income": D("200000.00")}, "红"),
    ({"legacy_debt": D("0.01"), "income": D("0")}, "红"),
    # Arrears share: yellow at 50%, red at 80%.
    ({"claims_in_scope": D("1000.00"), "outstanding": D("499.99")}, "绿"),
    ({"claims_in_scope": D("1000.00"), "outstanding": D("500.00")}, "黄"),
    ({"claims_in_scope": D("1000.00"), "outstanding": D("799.99")}, "黄"),
    ({"claims_in_scope": D("1000.00"), "outstanding": D("800.00")}, "红"),
])
def test_collective_economy_class_at_its_thresholds(figures, expected):
    assert levels(**figures)["经济"] == expected


def test_debts_of_the_tax_era_are_measured_apart_from_todays():
    # Together 4.00 years of income would be yellow; apart, neither reaches its own threshold.
    apart = economy(debt=D("599999.99"), legacy_debt=D("199999.99"))
    assert apart.level == "绿"
    assert [(i.label, i.shown, i.level) for i in apart.indicators] == [
        ("债务收入比", "3.00", "绿"), ("历史债务收入比", "1.00", "绿"), ("欠款占比", "—", "绿")]
    assert apart.indicators[0].rule == "不含历史债务；黄 ≥ 3.00，红 ≥ 5.00"
    assert apart.indicators[1].rule == "2006年1月1日前形成；黄 ≥ 2.00，红 ≥ 4.00"
    # Heavy debts of the tax era make a village red even when it owes nothing new.
    heavy = economy(legacy_debt=D("912000.00"))
    assert heavy.level == "红" and heavy.figures == "债务收入比 0.00；历史债务收入比 4.56；欠款占比 —"
    # A village with no debts of the tax era is not shown an indicator for them.
    assert [i.label for i in economy().indicators] == ["债务收入比", "欠款占比"]
    assert economy(legacy_debt=D("5000.00"), income=D("0")).indicators[1].shown == "无收入，历史债务 5,000.00 元"


@pytest.mark.parametrize("income, expected", [
    (D("100000"), "绿"), (D("99999.99"), "黄"), (D("50000"), "黄"), (D("49999.99"), "红"), (D("0"), "红"),
])
def test_shell_village_class_below_its_income_thresholds(income, expected):
    assert levels(income=income)["空壳"] == expected


@pytest.mark.parametrize("disputes, mediation, expected", [
    (2, 1, "绿"), (3, 0, "黄"), (0, 2, "黄"), (5, 3, "黄"), (6, 0, "红"), (0, 4, "红"),
])
def test_disputes_class_at_its_thresholds(disputes, mediation, expected):
    assert levels(disputes=disputes, mediation=mediation)["矛盾"] == expected


@pytest.mark.parametrize("writeoffs, relatives, expected", [
    (0, 0, "绿"), (1, 0, "黄"), (0, 1, "黄"), (2, 1, "黄"), (3, 0, "红"), (0, 2, "红"),
])
def test_integrity_class_at_its_thresholds(writeoffs, relatives, expected):
    assert levels(writeoffs=writeoffs, relatives=relatives)["廉政"] == expected


def test_thresholds_are_the_countys_and_checked_for_order():
    assert level_of(5, 5, 9) == "黄" and level_of(None, 1, 2) == "绿"
    custom = ReportSettings(income_yellow=D("300000"), income_red=D("200000"))
    assert {c.risk_class: c.level for c in classify(custom, **{**BASE, "income": D("250000")})}["空壳"] == "黄"
    wrong = ReportSettings(debt_ratio_yellow=D("3"), debt_ratio_red=D("2"), income_yellow=D("1"), income_red=D("2"),
                           legacy_debt_ratio_yellow=D("4"), legacy_debt_ratio_red=D("3.99"))
    with pytest.raises(ValidationError) as error:
        wrong.clean()
    assert set(error.value.message_dict) == {"debt_ratio_red", "income_red", "legacy_debt_ratio_red"}


@pytest.fixture
def village(personas):
    """峪口村 with figures in every class: see each test."""
    return personas


def test_the_figures_behind_each_class_come_from_the_ledgers(village):
    p = village
    # Income: a contract in force (fee 3,500) and 1,500 recorded by hand this year → 5,000.
    ContractFactory(village=p.yukou, start_date=TODAY - timedelta(days=400), end_date=TODAY + timedelta(days=400))
    ContractFactory(village=p.yukou, start_date=date(2000, 1, 1), end_date=date(2010, 1, 1))   # expired
    IncomeRecord.objects.create(village=p.yukou, kind="项目收益", received_on=TODAY - timedelta(days=10),
                                amount=D("1500.00"), note="光伏", created_by=p.accountant)
    IncomeRecord.objects.create(village=p.yukou, kind="项目收益", received_on=TODAY - timedelta(days=400),
                                amount=D("9999.00"), note="去年", created_by=p.accountant)
    DebtFactory(village=p.yukou, principal=D("25000.00"))                  # debt ÷ income = 5.00 → red
    claim = ClaimFactory(village=p.yukou, principal=D("1000.00"))
    debt_services.entry_record(user=p.accountant, claim=claim, kind="现金收回", amount=D("600.00"),
                               entered_on=TODAY)
    # Two write-offs needing a resolution: one by a passed resolution decided before it, one whose
    # resolution was decided only afterwards.
    other = ClaimFactory(village=p.yukou, principal=D("500.00"))
    before = MoneyResolutionFactory(village=p.yukou, resolved_on=TODAY - timedelta(days=30), covers=[other])
    after = MoneyResolutionFactory(village=p.yukou, resolved_on=TODAY, covers=[other])
    debt_services.entry_record(user=p.cadre, claim=other, kind="核销", amount=D("100.00"), entered_on=TODAY,
                               resolution=before)
    # (The services now refuse an entry dated before its vote; one recorded before that rule is still counted.)
    Entry.objects.create(claim=other, kind="减免", amount=D("100.00"), entered_on=TODAY - timedelta(days=1),
                         resolution=after, created_by=p.cadre)
    # A legacy write-off imported without any resolution (the services refuse one; old ledgers have them).
    Entry.objects.create(claim=other, kind="核销", amount=D("50.00"), entered_on=date(2019, 1, 1),
                         created_by=p.accountant)
    # A waiver on a claim its (passed, earlier) vote never named; an adjustment above the 1,000 元 limit
    # with no vote at all; one at the limit, which is the accountant's to make and not counted.
    big = ClaimFactory(village=p.yukou, principal=D("5000.00"))
    Entry.objects.create(claim=big, kind="减免", amount=D("10.00"), entered_on=TODAY, resolution=before,
                         created_by=p.cadre)
    Entry.objects.create(claim=big, kind="账务调整", amount=D("1000.01"), entered_on=TODAY, created_by=p.cadre)
    debt_services.entry_record(user=p.accountant, claim=big, kind="账务调整", amount=D("1000.00"), entered_on=TODAY)
    risk = village_risks(Place.of(p.yukou))[0]
    economy = risk.of("经济")
    # Arrears: (1,000 − 600) + (500 − 250) + (5,000 − 2,010.01) = 3,639.99 still to collect of 6,500 → 56.0%.
    assert economy.level == "红" and [i.shown for i in economy.indicators] == ["5.00", "56.0%"]
    assert [i.level for i in economy.indicators] == ["红", "黄"]
    assert risk.of("空壳").indicators[0].shown == "5,000.00 元" and risk.of("空壳").level == "红"
    assert risk.of("廉政").indicators[0].shown == "4 笔" and risk.of("廉政").level == "红"
    assert risk.of("矛盾").level == "绿"
    assert risk.on_list


def test_disputes_mediation_and_relatives_are_counted_for_their_village(village, personas):
    p = personas
    for n in range(3):
        letter = Letter.objects.create(village=p.yukou, number=f"L-{n}", year=2026, seq=n + 1, kind="对账函",
                                       debtor=PartyFactory(village=p.yukou), total=D("1"), as_of=TODAY,
                                       reply_by=TODAY, created_by=p.cadre, state="有异议")
        DisputeTask.objects.create(village=p.yukou, letter=letter, opened_on=TODAY,
                                   closed_on=TODAY if n == 2 else None)
    for n, state in enumerate(["履行中", "已违约", "已履行"]):
        MediationCase.objects.create(village=p.yukou, number=f"调-{n}", mediator="调委会", agreement_date=TODAY,
                                     state=state, created_by=p.cadre)
    relative = PartyFactory(village=p.yukou, name="李二虎")
    problem = ContractFactory(village=p.yukou, counterparty=relative, state="已认定", is_compliant=False)
    ContractFactory(village=p.yukou, counterparty=relative, state="已认定", is_compliant=True)
    Determination.objects.create(contract=problem, facts="x", determined_by=p.cadre, determined_at=problem.created_at)
    services.cadre_relative_flag(user=p.cadre, party=relative, relation="村主任之子")
    risk = village_risks(Place.of(p.yukou))[0]
    assert [i.shown for i in risk.of("矛盾").indicators] == ["2 件", "2 件"] and risk.of("矛盾").level == "黄"
    assert risk.of("廉政").indicators[1].shown == "1 份" and risk.of("廉政").level == "黄"
    others = {r.village.name: r for r in village_risks(Place.of(p.county))}
    assert others["积翠村"].of("矛盾").level == "绿"


def flag_shell(personas):
    """峪口村 has no income at all: a red 空壳村."""
    return village_risks(Place.of(personas.yukou))[0].of("空壳")


TASKS = [("制定集体经济发展方案", "村支书", TODAY + timedelta(days=30))]


def test_a_flagged_village_gets_a_plan_and_leaves_the_list_only_after_a_passed_review(personas):
    p = personas
    assert flag_shell(p).level == "红"
    with pytest.raises(ValidationError, match="绿色"):
        services.risk_case_open(user=p.cadre, village=p.yukou, risk_class="矛盾", problems="无", tasks=TASKS)
    case = services.risk_case_open(user=p.cadre, village=p.yukou, risk_class="空壳", problems="无稳定收入",
                                   tasks=TASKS)
    assert case.level == "红" and "村集体年收入 0.00 元" in case.figures
    with pytest.raises(ValidationError, match="未销号"):
        services.risk_case_open(user=p.cadre, village=p.yukou, risk_class="空壳", problems="再列", tasks=TASKS)
    # The figures recover: the village is green, but stays on the list while its plan is open.
    IncomeRecord.objects.create(village=p.yukou, kind="项目收益", received_on=TODAY, amount=D("150000.00"),
                                note="光伏", created_by=p.accountant)
    risk = village_risks(Place.of(p.yukou))[0]
    assert risk.level == "绿" and risk.on_list and risk.open_cases == {"空壳": case.pk}
    with pytest.raises(ValidationError, match="尚有整改任务未完成"):
        services.risk_case_review(user=p.cadre, case=case, reviewed_on=TODAY, findings="已有收入", passed=True)
    services.risk_case_review(user=p.cadre, case=case, reviewed_on=TODAY, findings="方案未通过", passed=False)
    assert village_risks(Place.of(p.yukou))[0].on_list
    services.risk_task_done(user=p.cadre, task=case.tasks.get(), done_on=TODAY, note="方案已通过")
    services.risk_case_review(user=p.cadre, case=case, reviewed_on=TODAY, findings="整改到位", passed=True)
    case.refresh_from_db()
    assert case.closed_on == TODAY and case.reviews.count() == 2
    assert not village_risks(Place.of(p.yukou))[0].on_list
    with pytest.raises(ValidationError, match="已销号"):
        services.risk_task_add(user=p.cadre, case=case, task="x", responsible="y", due_date=TODAY)


def test_plans_are_made_only_by_township_and_county_within_their_scope(personas):
    p = personas
    for user in (p.inspector, p.accountant, p.collector):
        with pytest.raises(PermissionDenied):
            services.risk_case_open(user=user, village=p.yukou, risk_class="空壳", problems="x", tasks=TASKS)
    with pytest.raises(PermissionDenied):
        services.risk_case_open(user=p.outsider, village=p.yukou, risk_class="空壳", problems="x", tasks=TASKS)
    case = services.risk_case_open(user=p.county_office, village=p.yukou, risk_class="空壳", problems="x",
                                   tasks=TASKS)
    with pytest.raises(PermissionDenied):
        services.risk_case_review(user=p.outsider, case=case, reviewed_on=TODAY, findings="x", passed=False)
    assert RiskCase.objects.count() == 1


def test_debts_arisen_before_the_countys_cut_off_are_the_tax_eras(personas):
    p = personas
    IncomeRecord.objects.create(village=p.yukou, kind="项目收益", received_on=TODAY, amount=D("100000.00"),
                                note="光伏", created_by=p.accountant)
    old = DebtFactory(village=p.yukou, origin="借款", principal=D("300000.00"), interest=D("180000.00"),
                      occurred_on=date(2001, 12, 31))
    debt_services.entry_record(user=p.accountant, debt=old, kind="偿还", amount=D("30000.00"), entered_on=TODAY)
    DebtFactory(village=p.yukou, principal=D("150000.00"), occurred_on=date(2006, 1, 1))
    DebtFactory(village=p.yukou, principal=D("50000.00"), occurred_on=None)       # no date: counted as new
    economy = village_risks(Place.of(p.yukou))[0].of("经济")
    # New: 200,000 ÷ 100,000 = 2.00; of the tax era: (480,000 − 30,000) ÷ 100,000 = 4.50 → red.
    assert [(i.shown, i.level) for i in economy.indicators] == [("2.00", "绿"), ("4.50", "红"), ("—", "绿")]
    # The county moves its cut-off: the debt of 2006-01-01 becomes one of the tax era too.
    later = ReportSettings(county=p.county, legacy_debt_before=date(2006, 1, 2))
    economy = village_risks(Place.of(p.yukou), later)[0].of("经济")
    assert [i.shown for i in economy.indicators] == ["0.50", "6.00", "—"]


def test_a_townships_own_body_is_not_classed(personas, client_for):
    p = personas
    body = p.yukou_town.body()
    DebtFactory(village=body, principal=D("5000000.00"))
    assert body.pk not in {r.village.pk for r in village_risks(Place.of(p.county))}
    assert village_risks(Place.of(body)) == []
    with pytest.raises(ValidationError, match="乡镇本级不参加"):
        services.risk_case_open(user=p.county_office, village=body, risk_class="经济", problems="x", tasks=TASKS)
    client = client_for(p.county_office)
    assert client.get(reverse("reports:risk-village", args=[body.pk])).status_code == 404
    assert client.get(reverse("reports:risk-case-create", args=[body.pk])).status_code == 404
    assert "乡镇本级不参加分类" in client.get(reverse("reports:risk-list")).content.decode()

"""Each warning: what it catches, what it leaves alone, and that it stays inside the user's scope."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from contracts.factories import ContractFactory
from contracts.models import Determination, Disposition, Instalment
from debts.factories import ClaimFactory
from debts.models import DisputeTask, Letter, MediationCase, MediationInstalment
from reports import warnings
from reports.measures import Place
from villages.factories import PartyFactory

D = Decimal
TODAY = timezone.localdate()


def counts(user, place) -> dict:
    return {row["warning"].key: row.get("windows") or row["count"] for row in warnings.warning_counts(user, place)}


@pytest.fixture
def scene(personas):
    p = personas
    yk, jc = p.yukou, p.jicui
    # Contracts ending in 20, 50, 80 and 120 days, one that ended yesterday, and one already terminated.
    for days in (20, 50, 80, 120, -1):
        ContractFactory(village=yk, number=f"到期{days}", end_date=TODAY + timedelta(days=days),
                        start_date=date(2010, 1, 1))
    terminated = ContractFactory(village=yk, number="已终止", end_date=TODAY + timedelta(days=10),
                                 start_date=date(2010, 1, 1), state="已规范")
    Disposition.objects.create(contract=terminated, kind="终止撤销", plan="收回", chosen_by=p.cadre,
                               chosen_at=timezone.now(), completed_by=p.cadre, completed_at=timezone.now())
    ContractFactory(village=jc, number="积翠到期", end_date=TODAY + timedelta(days=5), start_date=date(2010, 1, 1))
    # Claims: lapsing in 100 days, in 200 days, already lapsed, sealed, and paid up.
    three_years_ago = TODAY.replace(year=TODAY.year - 3)
    for n, (days, extra) in enumerate([(100, {}), (200, {}), (-5, {}), (100, {"sealed": True})]):
        ClaimFactory(village=yk, number=f"时效{n}", clock_from=three_years_ago + timedelta(days=days),
                     due_date=three_years_ago + timedelta(days=days), **extra)
    # Instalments: overdue unpaid, overdue paid, overdue already a claim, not yet due.
    contract = ContractFactory(village=yk, number="分期")
    overdue = Instalment.objects.create(contract=contract, due_date=TODAY - timedelta(days=3), amount=D("100.00"),
                                        paid_amount=D("40.00"))
    Instalment.objects.create(contract=contract, due_date=TODAY - timedelta(days=5), amount=D("100.00"),
                              paid_amount=D("100.00"))
    claimed = Instalment.objects.create(contract=contract, due_date=TODAY - timedelta(days=9), amount=D("100.00"))
    ClaimFactory(village=yk, instalment=claimed, clock_from=TODAY)
    Instalment.objects.create(contract=contract, due_date=TODAY + timedelta(days=9), amount=D("100.00"))
    # Problem contracts determined 40 and 10 days ago, and a compliant one 40 days ago.
    for number, days, compliant in (("久未处置", 40, False), ("新认定", 10, False), ("合规", 40, True)):
        c = ContractFactory(village=yk, number=number, state="已认定", is_compliant=compliant)
        Determination.objects.create(contract=c, facts="x", determined_by=p.cadre,
                                     determined_at=timezone.now() - timedelta(days=days))
    # Mediation: defaulted with money still owed, defaulted but paid up, active.
    owed = ClaimFactory(village=yk, clock_from=TODAY)
    for number, state, planned in (("调-违约", "已违约", "500.00"), ("调-履行中", "履行中", "500.00")):
        case = MediationCase.objects.create(village=yk, number=number, mediator="调委会", agreement_date=TODAY,
                                            state=state, defaulted_on=TODAY if state == "已违约" else None,
                                            created_by=p.cadre)
        case.claims.add(owed)
        MediationInstalment.objects.create(case=case, due_date=TODAY - timedelta(days=30), amount=D(planned))
    # Disputes: one open, one settled.
    for n, closed in enumerate([None, TODAY]):
        letter = Letter.objects.create(village=yk, number=f"函-{n}", year=2026, seq=n + 1, kind="对账函",
                                       debtor=PartyFactory(village=yk), total=D("1"), as_of=TODAY, reply_by=TODAY,
                                       created_by=p.cadre, state="有异议")
        DisputeTask.objects.create(village=yk, letter=letter, opened_on=TODAY, closed_on=closed)
    return p, overdue


def test_each_warning_counts_what_needs_doing_in_the_township(scene):
    p, _ = scene
    assert counts(p.cadre, Place.of(p.yukou_town)) == {
        "expiring": [(30, 1), (60, 2), (90, 3)], "lapsing": 1, "lapsed": 1, "overdue": 1, "undisposed": 1,
        "mediation": 1,
        "disputes": 1}


def test_the_county_sees_the_other_townships_warnings_too_and_the_outsider_only_its_own(scene):
    p, _ = scene
    assert counts(p.county_office, Place.of(p.county))["expiring"] == [(30, 2), (60, 3), (90, 4)]
    assert counts(p.outsider, Place.of(p.jicui_town)) == {
        "expiring": [(30, 1), (60, 1), (90, 1)], "lapsing": 0, "lapsed": 0, "overdue": 0, "undisposed": 0,
        "mediation": 0,
        "disputes": 0}
    # A place outside the user's scope yields nothing even if asked for directly.
    assert counts(p.outsider, Place.of(p.yukou_town))["disputes"] == 0


def test_each_warning_lists_its_records_with_links(scene, client_for):
    p, overdue = scene
    client = client_for(p.cadre)
    expected = {"expiring": "到期20", "lapsing": "时效0", "lapsed": "时效2", "overdue": "分期",
                "undisposed": "久未处置",
                "mediation": "调-违约", "disputes": "函-0"}
    for key, text in expected.items():
        page = client.get(reverse(f"reports:warning-{key}")).content.decode()
        assert text in page, key
    page = client.get(reverse("reports:warning-expiring") + "?days=30").content.decode()
    assert "到期20" in page and "到期50" not in page and "已终止" not in page
    assert "60.00" in client.get(reverse("reports:warning-overdue")).content.decode()
    assert "时效1" not in client.get(reverse("reports:warning-lapsing")).content.decode()
    overview = client.get(reverse("reports:warnings")).content.decode()
    assert "债权诉讼时效将届满" in overview
    assert client.get("/reports/warnings/nonsense/").status_code == 404


def test_the_warning_lists_of_a_place_outside_the_scope_are_404(scene, client_for):
    p, _ = scene
    client = client_for(p.outsider)
    assert client.get(reverse("reports:warnings") + f"?township={p.yukou_town.pk}").status_code == 404
    assert client.get(reverse("reports:warning-disputes")
                      + f"?village={p.yukou.pk}").status_code == 404
    assert "函-0" not in client.get(reverse("reports:warning-disputes")).content.decode()

"""Measures the field can trust (DOMAIN.md §11): land recovered from dated parcel state changes, each parcel
once; new resources; letters issued, served and confirmed, and the money collected after them; flows counted
by their own date, whenever they were typed in."""
import json
from datetime import date, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from test_contract_workflow import attach, private_root, standardising  # noqa: F401 (private_root: autouse)

from contracts.factories import ContractFactory
from contracts.models import Attachment
from contracts.services import disposition_complete
from debts import services as debt_services
from debts.factories import ClaimFactory, DebtFactory
from debts.letters import services as letters
from ledgers import importer
from ledgers.importer import Rights
from ledgers.testing import workbook
from reports.measures import Period, Place, measures_for
from villages.factories import ParcelFactory
from villages.models import Parcel
from villages.services import parcel_update

D = Decimal
TODAY = timezone.localdate()


def terminate(personas, contract, on):
    contract = standardising(personas, "终止撤销", contract=contract)
    attach(contract, Attachment.Kind.TERMINATION, personas.cadre)
    return disposition_complete(user=personas.cadre, contract=contract, data={"termination_date": on})


def land(place, period=None):
    return measures_for(Place.of(place), period or Period()).land_recovered_mu


# --- 收回土地 -----------------------------------------------------------------------------------------


def test_a_parcel_terminated_under_two_contracts_counts_once_on_the_first_day(personas):
    parcel = ParcelFactory(village=personas.yukou, kind="机动地", ledger_area_mu=D("10.00"), state="已发包")
    first = ContractFactory(village=personas.yukou, parcels=[parcel], annual_fee=D("2000.00"))
    second = ContractFactory(village=personas.yukou, parcels=[parcel], annual_fee=D("2000.00"))
    terminate(personas, first, date(2026, 5, 30))
    terminate(personas, second, date(2026, 6, 15))

    parcel.refresh_from_db()
    assert (parcel.state, parcel.recovered_on) == ("已收回", date(2026, 5, 30))
    assert land(personas.yukou) == D("10.00")
    assert land(personas.yukou, Period(date(2026, 5, 1), date(2026, 5, 31))) == D("10.00")
    assert land(personas.yukou, Period(date(2026, 6, 1), date(2026, 6, 30))) == D("0")


def test_occupied_land_taken_back_without_a_contract_counts_by_its_day(personas):
    parcel = ParcelFactory(village=personas.yukou, ledger_area_mu=D("25.00"), measured_area_mu=D("24.60"),
                           state="被占用")
    parcel_update(user=personas.cadre, parcel=parcel, data={"state": "已收回", "recovered_on": date(2026, 4, 2)})

    assert land(personas.yukou) == D("24.60")                  # the measured area, where measured
    assert land(personas.yukou, Period(date(2026, 4, 1), date(2026, 4, 30))) == D("24.60")
    assert land(personas.yukou, Period(date(2026, 1, 1), date(2026, 3, 31))) == D("0")


def test_taking_land_back_without_a_day_dates_it_today_and_a_future_day_is_refused(personas):
    from django.core.exceptions import ValidationError

    parcel = ParcelFactory(village=personas.yukou, ledger_area_mu=D("3.00"), state="被占用")
    with pytest.raises(ValidationError, match="收回日期不能晚于今天"):
        parcel_update(user=personas.cadre, parcel=parcel,
                      data={"state": "已收回", "recovered_on": TODAY + timedelta(days=1)})
    parcel_update(user=personas.cadre, parcel=parcel, data={"state": "已收回"})
    parcel.refresh_from_db()
    assert parcel.recovered_on == TODAY
    # Let again later, it still counts as recovered on that day; new resources count it too.
    parcel_update(user=personas.cadre, parcel=parcel, data={"state": "已发包"})
    assert land(personas.yukou, Period(TODAY, TODAY)) == D("3.00")


def test_a_termination_of_a_contract_without_parcels_counts_its_recorded_area(personas):
    contract = ContractFactory(village=personas.yukou, parcels=[], area_mu=D("8.00"), annual_fee=D("1600.00"))
    terminate(personas, contract, date(2026, 5, 30))
    from contracts.models import Disposition

    Disposition.objects.filter(contract=contract).update(land_recovered_mu=D("8.00"))
    assert land(personas.yukou) == D("8.00")


def test_the_township_measures_land_its_ledger_marks_recovered(personas, tmp_path):
    """积翠镇 reports land recovered as its ledger records it: `measures --township 积翠镇` shows it."""
    header = ["乡镇", "村", "地块编号", "地名", "资源类型", "台账面积(亩)", "实测面积(亩)", "状态", "收回时间", "备注"]
    rows = [
        ["积翠镇", "积翠村", "JC-001", "后沟", "机动地", "120.50", None, "已收回", "2026-03-15", "清化收收回"],
        ["积翠镇", "积翠村", "JC-002", "前坪", "四荒地", "300", "310.25", "已收回", "2026年4月2日", ""],
        ["积翠镇", "积翠村", "JC-003", "河滩", "机动地", "45", None, "已收回", None, "收回时间不详"],
        ["积翠镇", "积翠村", "JC-004", "梁上", "耕地", "60", None, "已发包", None, ""],
    ]
    path = tmp_path / "积翠镇地块台账.xlsx"
    workbook(header, rows, title_rows=1, path=path)
    outcome = importer.commit(importer.parse(path, "parcels"), "parcels", Rights.of(personas.outsider))
    assert not outcome.errors, [str(e) for e in outcome.errors]
    assert Parcel.objects.get(code="JC-002").recovered_on == date(2026, 4, 2)

    out = StringIO()
    call_command("measures", "--township", "积翠镇", "--json", stdout=out)
    assert json.loads(out.getvalue())["land_recovered_mu"] == "475.75"      # 120.50 + 310.25 + 45
    out = StringIO()
    call_command("measures", "--township", "积翠镇", "--from", "2026-03-01", "--to", "2026-03-31", "--json",
                 stdout=out)
    assert json.loads(out.getvalue())["land_recovered_mu"] == "120.50"      # the undated parcel has no period


def test_a_recovery_day_on_a_parcel_not_recovered_is_refused_by_the_import(personas, tmp_path):
    header = ["乡镇", "村", "地块编号", "地名", "资源类型", "台账面积(亩)", "状态", "收回日期"]
    path = tmp_path / "p.xlsx"
    workbook(header, [["积翠镇", "积翠村", "JC-9", "沟", "机动地", "5", "已发包", "2026-03-15"]], path=path)
    outcome = importer.preview(importer.parse(path, "parcels"), "parcels", Rights.of(personas.outsider))
    assert any("只有状态为“已收回”的地块才填写收回日期" in str(e) for e in outcome.errors)


# --- 新增资源 ------------------------------------------------------------------------------------------


def test_new_resources_count_each_parcel_once_when_let_in_the_period(personas):
    parcel = ParcelFactory(village=personas.yukou, ledger_area_mu=D("12.00"))
    other = ParcelFactory(village=personas.yukou, ledger_area_mu=D("5.00"))
    ContractFactory(village=personas.yukou, parcels=[parcel], is_new_resource=True, start_date=date(2026, 3, 1))
    ContractFactory(village=personas.yukou, parcels=[parcel, other], is_new_resource=True,
                    start_date=date(2026, 7, 1))
    ContractFactory(village=personas.yukou, parcels=[ParcelFactory(village=personas.yukou)],
                    start_date=date(2026, 3, 1))                                     # not a new resource

    def new(period=None):
        return measures_for(Place.of(personas.yukou), period or Period()).new_resource_mu

    assert new() == D("17.00")
    assert new(Period(date(2026, 3, 1), date(2026, 3, 31))) == D("12.00")
    assert new(Period(date(2026, 7, 1), date(2026, 7, 31))) == D("17.00")
    assert new(Period(date(2026, 4, 1), date(2026, 6, 30))) == D("0")


# --- Flows by their own date ---------------------------------------------------------------------------


def test_cash_of_last_year_typed_in_today_is_in_last_years_figures(personas):
    claim = ClaimFactory(village=personas.yukou, principal=D("6000.00"), occurred_on=date(2024, 1, 1),
                         due_date=date(2024, 12, 31))
    debt_services.entry_record(user=personas.accountant, claim=claim, kind="现金收回", amount=D("2000.00"),
                               entered_on=date(2025, 3, 1))
    debt = DebtFactory(village=personas.yukou, principal=D("9000.00"), occurred_on=date(2023, 5, 1))
    debt_services.entry_record(user=personas.accountant, debt=debt, kind="偿还", amount=D("3000.00"),
                               entered_on=date(2025, 6, 1))

    year = measures_for(Place.of(personas.yukou), Period(date(2025, 1, 1), date(2025, 12, 31)))
    assert (year.claims_in_scope, year.cleared, year.cash_collected) == (D("6000.00"), D("2000.00"), D("2000.00"))
    assert (year.debt_principal, year.debt_resolved) == (D("9000.00"), D("3000.00"))
    # A claim that arose only in 2026 is not in 2025's stock, whenever it was typed in.
    ClaimFactory(village=personas.yukou, principal=D("1.00"), occurred_on=date(2026, 2, 1))
    assert measures_for(Place.of(personas.yukou), Period(None, date(2025, 12, 31))).claims_in_scope == D("6000.00")


def test_a_claim_without_dates_stands_from_the_day_it_was_registered(personas):
    from debts.models import Claim

    claim = ClaimFactory(village=personas.yukou, principal=D("700.00"), occurred_on=None, due_date=None)
    Claim.objects.filter(pk=claim.pk).update(created_at=timezone.make_aware(timezone.datetime(2026, 2, 1, 9)))
    assert measures_for(Place.of(personas.yukou), Period(None, date(2026, 1, 31))).claims_in_scope == D("0")
    assert measures_for(Place.of(personas.yukou), Period(None, date(2026, 2, 28))).claims_in_scope == D("700.00")


# --- 函件 ------------------------------------------------------------------------------------------------


def test_letters_issued_served_confirmed_and_collections_after_them(personas):
    p = personas
    paid = ClaimFactory(village=p.yukou, principal=D("5000.00"))
    quiet = ClaimFactory(village=p.yukou, principal=D("3000.00"))
    returned = ClaimFactory(village=p.yukou, principal=D("1000.00"))
    # Cash before any letter: not "after a letter".
    debt_services.entry_record(user=p.accountant, claim=paid, kind="现金收回", amount=D("500.00"),
                               entered_on=date(2026, 3, 1))
    one = letters.letter_issue_for_claim(user=p.cadre, claim=paid, kind="对账函", as_of=date(2026, 3, 10))
    two = letters.letter_issue_for_claim(user=p.cadre, claim=quiet, kind="清缴通知书", as_of=date(2026, 3, 10))
    three = letters.letter_issue_for_claim(user=p.cadre, claim=returned, kind="清缴通知书", as_of=date(2026, 4, 1))
    letters.letter_deliver(user=p.cadre, letter=one, delivered_on=date(2026, 3, 12), delivery="本人签收")
    letters.letter_answer(user=p.cadre, letter=one, result="已确认", answered_on=date(2026, 3, 20))
    letters.letter_deliver(user=p.cadre, letter=two, delivered_on=date(2026, 4, 3), delivery="留置")
    letters.letter_answer(user=p.cadre, letter=three, result="退回", answered_on=date(2026, 4, 5))
    debt_services.entry_record(user=p.accountant, claim=paid, kind="现金收回", amount=D("1500.00"),
                               entered_on=date(2026, 3, 25))
    debt_services.entry_record(user=p.accountant, claim=returned, kind="现金收回", amount=D("100.00"),
                               entered_on=date(2026, 4, 10))                   # its only letter came back

    everything = measures_for(Place.of(p.yukou))
    assert (everything.letters_issued, everything.letters_served, everything.letters_confirmed) == (3, 2, 1)
    assert everything.collected_after_letter == D("1500.00")
    march = measures_for(Place.of(p.yukou), Period(date(2026, 3, 1), date(2026, 3, 31)))
    assert (march.letters_issued, march.letters_served, march.letters_confirmed) == (2, 1, 1)
    assert march.collected_after_letter == D("1500.00")
    april = measures_for(Place.of(p.yukou), Period(date(2026, 4, 1), date(2026, 4, 30)))
    assert (april.letters_issued, april.letters_served, april.collected_after_letter) == (1, 1, D("0"))

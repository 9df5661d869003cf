"""The problem rules P01–P11 (DOMAIN.md §6): each fires on a contract built to
break it, stays quiet on a compliant one, and reads its thresholds from the
county's settings."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from contracts.factories import ContractFactory, ResolutionFactory
from contracts.models import Attachment, Instalment
from contracts.rules import add_months, add_years
from contracts.services import current_proposals, rule_settings_for, rule_settings_update
from places.factories import CountyFactory, TownshipFactory, VillageFactory
from villages.factories import AssetFactory, ParcelFactory, PartyFactory

TODAY = date(2026, 6, 1)


def attach_text(contract, user):
    """A 合同文本 on record. P01 only asks whether one exists, so no file is stored."""
    Attachment.objects.create(contract=contract, kind=Attachment.Kind.TEXT, file="contracts/2026/06/text.pdf",
                              original_name="合同.pdf", content_type="application/pdf", size=1,
                              sha256="0" * 64, uploaded_by=user)


def compliant(personas, **overrides):
    """The factory's 10 亩 of 机动地 at 3,500 元 a year, with its text on file."""
    contract = ContractFactory(village=personas.yukou, **overrides)
    attach_text(contract, personas.accountant)
    return contract


def land(personas, kind, area="10.00", **fields):
    return ParcelFactory(village=personas.yukou, kind=kind, ledger_area_mu=Decimal(area), state="已发包", **fields)


def proposals(contract, today=TODAY):
    return {p.code: p.reason for p in current_proposals(contract, today=today)}


def codes(contract, today=TODAY):
    return set(proposals(contract, today))


def test_a_compliant_contract_raises_no_problem(personas):
    assert current_proposals(compliant(personas), today=TODAY) == []


# --- P01 not written ---------------------------------------------------------------


@pytest.mark.parametrize("form", ["口头协议", "仅收据", "无"])
def test_a_contract_that_is_not_written_is_flagged_even_with_a_text_on_file(personas, form):
    contract = compliant(personas, form=form)
    assert codes(contract) == {"P01"}
    assert form in proposals(contract)["P01"]


def test_a_written_long_lease_without_its_text_is_flagged(personas):
    contract = ContractFactory(village=personas.yukou)
    assert codes(contract) == {"P01"}
    assert "6 个月" in proposals(contract)["P01"]


def test_a_written_lease_of_exactly_six_months_needs_no_text_on_file(personas):
    # The end day is part of the term: 2026-01-31至2026-07-30 is six months.
    contract = ContractFactory(village=personas.yukou, start_date=date(2026, 1, 31), end_date=date(2026, 7, 30))
    assert "P01" not in codes(contract)


def test_a_written_lease_one_day_over_six_months_needs_its_text(personas):
    contract = ContractFactory(village=personas.yukou, start_date=date(2026, 1, 31), end_date=date(2026, 7, 31))
    assert "P01" in codes(contract)


def test_six_months_from_the_end_of_a_month_is_the_end_of_the_shorter_month():
    assert add_months(date(2025, 8, 31), 6) == date(2026, 2, 28)
    assert add_years(date(2024, 2, 29), 1) == date(2025, 2, 28)


# --- P02 no democratic procedure ------------------------------------------------------


def test_a_contract_with_no_resolution_is_flagged(personas):
    contract = compliant(personas, resolution=None)
    assert codes(contract) == {"P02"}
    assert "未关联" in proposals(contract)["P02"]


def test_a_contract_whose_resolution_failed_is_flagged(personas):
    failed = ResolutionFactory(village=personas.yukou, members_present=29, votes_for=16, votes_against=9,
                               resolved_on=date(2019, 12, 20))
    contract = compliant(personas, resolution=failed)
    assert codes(contract) == {"P02"}
    assert proposals(contract)["P02"] == "关联的决议（2019-12-20）未获通过"


# --- P03 price too low -------------------------------------------------------------


@pytest.mark.parametrize(("kind", "fee_at_floor"), [("机动地", "3000.00"), ("四荒地", "1000.00")])
def test_a_fee_exactly_at_the_floor_is_not_too_low(personas, kind, fee_at_floor):
    contract = compliant(personas, annual_fee=Decimal(fee_at_floor), parcels=[land(personas, kind)])
    assert "P03" not in codes(contract)


@pytest.mark.parametrize(("kind", "fee", "per_mu", "floor"), [
    ("机动地", "2999.90", "299.99", "300"),
    ("四荒地", "999.90", "99.99", "100"),
])
def test_a_fee_one_cent_per_mu_below_the_floor_is_too_low(personas, kind, fee, per_mu, floor):
    contract = compliant(personas, annual_fee=Decimal(fee), parcels=[land(personas, kind)])
    assert codes(contract) == {"P03"}
    reason = proposals(contract)["P03"]
    assert "每亩" in reason and per_mu in reason
    assert kind in reason and f"下限 {floor}" in reason


def test_a_fee_one_cent_short_of_the_floor_over_the_whole_area_is_too_low(personas):
    # 2,999.99 元 for 10 亩 is 299.999 元/亩: rounding it to 300.00 must not hide it.
    contract = compliant(personas, annual_fee=Decimal("2999.99"))
    assert codes(contract) == {"P03"}
    assert "每亩 299.99 元" in proposals(contract)["P03"]


def test_reserve_land_and_wasteland_under_one_fee_are_each_held_to_their_own_floor(personas):
    # 10 亩 机动地 at 400 元 and 10 亩 四荒地 at 110 元: 5,100 元 a year, 255 元/亩 blended, yet fair.
    parcels = [land(personas, "机动地"), land(personas, "四荒地")]
    fair = compliant(personas, annual_fee=Decimal("5100.00"), area_mu=Decimal("20.00"), parcels=parcels)
    assert "P03" not in codes(fair)
    short = compliant(personas, annual_fee=Decimal("3999.99"), area_mu=Decimal("20.00"), parcels=parcels)
    assert codes(short) == {"P03"}
    assert proposals(short)["P03"] == ("年承包费 3,999.99 元，低于按地类下限计算的 4,000.00 元"
                                       "（四荒地 10.00 亩 × 100.00 元、机动地 10.00 亩 × 300.00 元）")


def test_land_without_a_floor_is_never_too_cheap(personas):
    contract = compliant(personas, annual_fee=Decimal("10.00"), parcels=[land(personas, "耕地")])
    assert "P03" not in codes(contract)


# --- P04 term too long -------------------------------------------------------------


def test_a_lease_of_exactly_twenty_years_is_not_too_long(personas):
    # The end day is part of the term: 2005-03-01至2025-02-28 is twenty whole years.
    contract = compliant(personas, start_date=date(2005, 3, 1), end_date=date(2025, 2, 28), has_price_review=True)
    assert "P04" not in codes(contract)


def test_a_lease_one_day_over_twenty_years_is_too_long(personas):
    contract = compliant(personas, start_date=date(2005, 3, 1), end_date=date(2025, 3, 1), has_price_review=True)
    assert codes(contract) == {"P04"}
    assert "上限 20 年" in proposals(contract)["P04"]


@pytest.mark.parametrize(("kind", "years"), [("四荒地", 50), ("林地", 70)])
def test_wasteland_and_forest_may_be_let_for_longer(personas, kind, years):
    start = date(2000, 3, 1)
    at_limit = compliant(personas, annual_fee=Decimal("5000.00"), parcels=[land(personas, kind)],
                         start_date=start, end_date=add_years(start, years) - timedelta(days=1),
                         has_price_review=True)
    over = compliant(personas, annual_fee=Decimal("5000.00"), parcels=[land(personas, kind)],
                     start_date=start, end_date=add_years(start, years), has_price_review=True)
    assert "P04" not in codes(at_limit)
    assert codes(over) == {"P04"}
    assert f"超过{kind}承包期上限 {years} 年" in proposals(over)["P04"]


def test_wasteland_let_together_with_reserve_land_keeps_the_general_limit(personas):
    parcels = [land(personas, "四荒地", "5.00"), land(personas, "机动地", "5.00")]
    contract = compliant(personas, parcels=parcels, start_date=date(2000, 3, 1), end_date=date(2030, 3, 1),
                         has_price_review=True)
    assert "上限 20 年" in proposals(contract)["P04"]


def test_a_building_let_for_more_than_twenty_years_is_too_long(personas):
    contract = compliant(personas, parcels=[], start_date=date(2010, 1, 1), end_date=date(2031, 1, 1),
                         has_price_review=True)
    contract.assets.add(AssetFactory(village=personas.yukou))
    assert codes(contract) == {"P04"}


# --- P05 arrears -------------------------------------------------------------------


def test_an_overdue_unpaid_instalment_is_arrears(personas):
    contract = compliant(personas)
    Instalment.objects.create(contract=contract, due_date=TODAY - timedelta(days=1), amount=Decimal("3500.00"),
                              paid_amount=Decimal("1750.00"))
    assert codes(contract) == {"P05"}
    assert proposals(contract)["P05"] == "1 期应付款逾期未付，合计 1,750.00 元（最早 2026-05-31 到期）"


def test_a_paid_instalment_is_not_arrears(personas):
    contract = compliant(personas)
    Instalment.objects.create(contract=contract, due_date=date(2025, 3, 1), amount=Decimal("3500.00"),
                              paid_amount=Decimal("3500.00"), paid_on=date(2025, 3, 1))
    assert "P05" not in codes(contract)


def test_an_instalment_due_today_is_not_yet_arrears(personas):
    contract = compliant(personas)
    Instalment.objects.create(contract=contract, due_date=TODAY, amount=Decimal("3500.00"))
    assert "P05" not in codes(contract)
    assert "P05" in codes(contract, today=TODAY + timedelta(days=1))


# --- P06 no price review --------------------------------------------------------------


@pytest.mark.parametrize(("start", "end"), [(date(2020, 3, 1), date(2035, 2, 28)),
                                           (date(2020, 1, 1), date(2034, 12, 31))])
def test_a_term_of_exactly_fifteen_years_without_price_review_is_flagged(personas, start, end):
    # The usual wording "2020-01-01至2034-12-31" is fifteen years: the end day is part of the term.
    contract = compliant(personas, start_date=start, end_date=end)
    assert codes(contract) == {"P06"}
    assert "15 年以上" in proposals(contract)["P06"]


@pytest.mark.parametrize("end", [date(2034, 3, 1), date(2035, 2, 27)])
def test_a_term_shorter_than_fifteen_years_needs_no_price_review(personas, end):
    assert "P06" not in codes(compliant(personas, start_date=date(2020, 3, 1), end_date=end))


def test_a_long_term_with_a_price_review_clause_is_not_flagged(personas):
    contract = compliant(personas, start_date=date(2020, 3, 1), end_date=date(2035, 3, 1), has_price_review=True)
    assert "P06" not in codes(contract)


# --- P07 expired but occupied ---------------------------------------------------------


def test_an_expired_contract_whose_subject_is_still_used_is_flagged(personas):
    contract = compliant(personas, start_date=date(2016, 3, 1), end_date=date(2026, 3, 1),
                         occupied_after_expiry=True)
    assert codes(contract) == {"P07"}
    assert "2026-03-01 到期" in proposals(contract)["P07"]


def test_an_expired_contract_on_an_occupied_parcel_is_flagged_naming_the_parcel(personas):
    parcel = land(personas, "机动地", code="DK-0099")
    parcel.state = "被占用"
    parcel.save()
    contract = compliant(personas, parcels=[parcel], start_date=date(2016, 3, 1), end_date=date(2026, 3, 1))
    assert codes(contract) == {"P07"}
    assert "DK-0099" in proposals(contract)["P07"]


def test_an_expired_contract_whose_subject_is_free_is_not_flagged(personas):
    contract = compliant(personas, start_date=date(2016, 3, 1), end_date=date(2026, 3, 1))
    assert "P07" not in codes(contract)


def test_a_contract_ending_today_has_not_expired(personas):
    contract = compliant(personas, start_date=date(2016, 6, 1), end_date=TODAY, occupied_after_expiry=True)
    assert "P07" not in codes(contract)


# --- P08 area mismatch ----------------------------------------------------------------


@pytest.mark.parametrize("measured", ["10.50", "9.50"])
def test_a_measured_area_within_five_percent_is_accepted(personas, measured):
    parcel = land(personas, "机动地", measured_area_mu=Decimal(measured))
    assert "P08" not in codes(compliant(personas, parcels=[parcel]))


@pytest.mark.parametrize(("measured", "difference"), [("10.51", "5.1%"), ("9.49", "5.1%")])
def test_a_measured_area_beyond_five_percent_is_a_mismatch(personas, measured, difference):
    parcel = land(personas, "机动地", measured_area_mu=Decimal(measured))
    contract = compliant(personas, parcels=[parcel])
    assert codes(contract) == {"P08"}
    assert f"实测 {measured} 亩" in proposals(contract)["P08"]
    assert difference in proposals(contract)["P08"]


def test_the_area_is_not_compared_until_every_parcel_is_measured(personas):
    parcels = [land(personas, "机动地", "5.00", measured_area_mu=Decimal("8.00")), land(personas, "机动地", "5.00")]
    assert "P08" not in codes(compliant(personas, parcels=parcels))


# --- P09 wrong signer -----------------------------------------------------------------


@pytest.mark.parametrize("signer", ["村委会", "党支部", "个人"])
def test_a_contract_signed_without_authorisation_by_the_wrong_body_is_flagged(personas, signer):
    contract = compliant(personas, signer=signer)
    assert codes(contract) == {"P09"}
    assert "未经集体经济组织授权或追认" in proposals(contract)["P09"]


def test_a_village_committee_signature_with_authorisation_is_accepted(personas):
    assert "P09" not in codes(compliant(personas, signer="村委会", signer_authorised=True))


# --- P10 missing terms ----------------------------------------------------------------


def test_a_contract_without_any_fee_is_missing_terms(personas):
    contract = compliant(personas, annual_fee=None, total_amount=None)
    assert codes(contract) == {"P10"}
    assert proposals(contract)["P10"] == "合同缺少承包费"


def test_a_contract_with_only_a_total_amount_has_its_fee(personas):
    assert "P10" not in codes(compliant(personas, annual_fee=None, total_amount=Decimal("35000.00")))


def test_a_contract_without_dates_is_missing_terms(personas):
    contract = compliant(personas, start_date=None, end_date=None)
    assert codes(contract) == {"P10"}
    assert proposals(contract)["P10"] == "合同缺少起止日期"


def test_a_contract_without_a_subject_is_missing_terms(personas):
    contract = compliant(personas, parcels=[])
    assert codes(contract) == {"P10"}
    assert proposals(contract)["P10"] == "合同缺少标的"


def test_a_subject_described_in_words_is_a_subject(personas):
    assert "P10" not in codes(compliant(personas, parcels=[], subject_note="村东砖厂旧址"))


# --- P11 outsider without approval -------------------------------------------------------


def outsider_party(personas):
    return PartyFactory(village=personas.jicui, is_member=False)


def two_thirds_vote(personas):
    """30 of the 45 representatives in favour: two thirds of all of them (农村土地承包法 §52)."""
    return ResolutionFactory(village=personas.yukou, members_present=30, votes_for=30, votes_against=0,
                             votes_abstain=0)


def test_an_outsider_without_a_two_thirds_vote_is_flagged_even_with_township_approval(personas):
    # The factory's resolution passes with 16 of 30: a majority, not two thirds.
    contract = compliant(personas, counterparty=outsider_party(personas), outsider_township_approved=True)
    assert codes(contract) == {"P11"}
    assert proposals(contract)["P11"] == "承包方不是本集体经济组织成员，缺少全体成员（代表）2/3 以上同意"


def test_two_thirds_of_those_present_is_not_two_thirds_of_all(personas):
    # 20 of 30 present is two thirds of the meeting, but 20 of 45 representatives is not.
    of_present = ResolutionFactory(village=personas.yukou, votes_for=20, votes_against=6, votes_abstain=4)
    contract = compliant(personas, counterparty=outsider_party(personas), resolution=of_present,
                         outsider_township_approved=True)
    assert codes(contract) == {"P11"}


def test_an_outsider_with_the_vote_but_no_township_approval_is_flagged(personas):
    contract = compliant(personas, counterparty=outsider_party(personas), resolution=two_thirds_vote(personas))
    assert codes(contract) == {"P11"}
    assert proposals(contract)["P11"].endswith("缺少乡镇批准")


def test_an_outsider_with_neither_is_flagged_for_both(personas):
    contract = compliant(personas, counterparty=outsider_party(personas))
    assert proposals(contract)["P11"].endswith("缺少全体成员（代表）2/3 以上同意和乡镇批准")


def test_an_outsider_with_a_two_thirds_vote_and_township_approval_is_accepted(personas):
    contract = compliant(personas, counterparty=outsider_party(personas), resolution=two_thirds_vote(personas),
                         outsider_township_approved=True)
    assert "P11" not in codes(contract)


# --- Thresholds are the county's settings ----------------------------------------------


def test_a_county_starts_with_the_default_thresholds(personas):
    rules = rule_settings_for(personas.county)
    assert (rules.reserve_land_floor, rules.wasteland_floor) == (Decimal("300.00"), Decimal("100.00"))
    assert (rules.max_term_years, rules.wasteland_max_term_years, rules.forest_max_term_years) == (20, 50, 70)
    assert rules.price_review_term_years == 15
    assert rules.area_tolerance == Decimal("0.0500")
    assert rules.county_approval_amount == Decimal("5000000.00")


def test_raising_the_floor_makes_a_fee_that_was_enough_too_low(personas):
    contract = compliant(personas)
    assert "P03" not in codes(contract)
    rule_settings_update(user=personas.county_office, county=personas.county,
                         data={"reserve_land_floor": Decimal("400.00")})
    assert "下限 400.00 元" in proposals(contract)["P03"]


def test_a_wider_area_tolerance_accepts_a_larger_difference(personas):
    contract = compliant(personas, parcels=[land(personas, "机动地", measured_area_mu=Decimal("10.80"))])
    assert "P08" in codes(contract)
    rule_settings_update(user=personas.county_office, county=personas.county,
                         data={"area_tolerance": Decimal("0.08")})
    assert "P08" not in codes(contract)


def test_a_shorter_price_review_term_flags_a_ten_year_lease(personas):
    contract = compliant(personas)
    rule_settings_update(user=personas.admin, county=personas.county, data={"price_review_term_years": 10})
    assert codes(contract) == {"P06"}


def test_another_countys_settings_do_not_apply(personas):
    other = CountyFactory(name="临县")
    rule_settings_update(user=personas.county_office, county=other, data={"reserve_land_floor": Decimal("500")})
    elsewhere = VillageFactory(township=TownshipFactory(county=other))
    assert "P03" not in codes(compliant(personas))
    assert "P03" in codes(ContractFactory(village=elsewhere))


@pytest.mark.parametrize("who", ["accountant", "cadre", "outsider", "inspector", "collector"])
def test_only_the_county_office_may_change_the_thresholds(personas, who):
    with pytest.raises(PermissionDenied, match="只有县农经中心可以修改认定规则参数"):
        rule_settings_update(user=getattr(personas, who), county=personas.county,
                             data={"reserve_land_floor": Decimal("1.00")})
    assert rule_settings_for(personas.county).reserve_land_floor == Decimal("300.00")


@pytest.mark.parametrize("who", ["county_office", "admin"])
def test_the_county_office_and_the_administrator_may_change_the_thresholds(personas, who):
    rule_settings_update(user=getattr(personas, who), county=personas.county,
                         data={"wasteland_floor": Decimal("120.00")})
    assert rule_settings_for(personas.county).wasteland_floor == Decimal("120.00")

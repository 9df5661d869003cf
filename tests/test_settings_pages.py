"""The county's settings pages (问题认定规则参数, 考核与风险参数): the county office edits them, shares as
percentages; everyone else in the county reads them as text, with no inputs, and a POST is refused; a user
with no county has no such page and no menu entry for it."""
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from contracts import services as contract_services
from contracts.models import RuleSettings
from core.forms import PercentField
from core.models import AuditEntry, Role
from core.money import format_percent
from fixtures.personas import UserFactory
from places.factories import CountyFactory
from reports.models import ReportSettings
from reports.risk import report_settings_for

D = Decimal
RULES = reverse("contracts:rule-settings")
RISK = reverse("reports:settings")
READERS = ["accountant", "cadre", "inspector", "collector"]


def form_data(client, url):
    form = client.get(url).context["form"]
    return {name: form[name].value() for name in form.fields}


@pytest.mark.parametrize("share, shown", [(D("0.05"), "5%"), (D("0.0500"), "5%"), (D("0.3"), "30%"),
                                          (D("0.0525"), "5.25%"), (D("1"), "100%"), (D("0"), "0%")])
def test_a_share_is_written_as_a_percentage(share, shown):
    assert format_percent(share) == shown


@pytest.mark.parametrize("typed, share", [("5", D("0.05")), ("5%", D("0.05")), (" 5.25 ％", D("0.0525")),
                                          ("100", D("1")), ("0", D("0"))])
def test_a_percentage_is_read_as_people_type_it(typed, share):
    assert PercentField(label="面积允许误差(%)").clean(typed) == share


@pytest.mark.parametrize("typed, message", [("五", "请填写百分数"), ("0.05.1", "请填写百分数"), ("-1", "0 至 100%"),
                                            ("101", "0 至 100%"), ("5.125", "最多 2 位小数"), ("NaN", "0 至 100%")])
def test_a_percentage_out_of_range_is_refused_in_chinese(typed, message):
    with pytest.raises(ValidationError) as error:
        PercentField(label="面积允许误差(%)").clean(typed)
    assert message in error.value.messages[0] and "面积允许误差" in error.value.messages[0]


def test_the_county_office_edits_the_rules_with_the_tolerance_in_percent(personas, client_for):
    client = client_for(personas.county_office)
    page = client.get(RULES).content.decode()
    assert 'name="area_tolerance"' in page and 'value="5"' in page and ">保存</button>" in page
    data = form_data(client, RULES)
    data.update(area_tolerance="8%", reserve_land_floor="350")
    response = client.post(RULES, data)
    assert response.status_code == 302
    rules = contract_services.rule_settings_for(personas.county)
    assert rules.area_tolerance == D("0.08") and rules.reserve_land_floor == D("350.00")
    assert 'value="8"' in client.get(RULES).content.decode()


def test_the_county_office_edits_the_thresholds_with_the_arrears_shares_in_percent(personas, client_for):
    client = client_for(personas.county_office)
    data = form_data(client, RISK)
    assert data["arrears_yellow"] == "50" and data["arrears_red"] == "80"
    data.update(arrears_yellow="25", arrears_red="60%")
    assert client.post(RISK, data).status_code == 302
    saved = ReportSettings.objects.get(county=personas.county)
    assert saved.arrears_yellow == D("0.25") and saved.arrears_red == D("0.60")
    data.update(arrears_red="20")
    page = client.post(RISK, data).content.decode()
    assert "红色阈值不能低于黄色阈值" in page


@pytest.mark.parametrize("who", READERS)
def test_a_reader_sees_the_rules_as_text_without_inputs(personas, client_for, who):
    RuleSettings.objects.create(county=personas.county, area_tolerance=D("0.08"), reserve_land_floor=D("350"))
    response = client_for(getattr(personas, who)).get(RULES)
    assert response.status_code == 200
    page = response.content.decode()
    main = page[page.index("<main"):]
    assert "<input" not in main and "<select" not in main and "保存" not in main
    assert "面积允许误差(%)" in main and ">8%</dd>" in main
    assert ">350.00</dd>" in main and ">5,000,000.00</dd>" in main
    assert "只有县农经中心可以修改" in main


@pytest.mark.parametrize("who", READERS)
def test_a_reader_sees_the_thresholds_as_text_without_inputs(personas, client_for, who):
    response = client_for(getattr(personas, who)).get(RISK)
    assert response.status_code == 200
    main = response.content.decode().split("<main", 1)[1]
    assert "<input" not in main and "<select" not in main and "保存" not in main
    assert ">50%</dd>" in main and ">80%</dd>" in main and ">100,000.00</dd>" in main and ">3.00</dd>" in main
    assert "历史债务收入比（红）" in main and ">4.00</dd>" in main and ">2006-01-01</dd>" in main


@pytest.mark.parametrize("who", READERS)
def test_a_reader_cannot_change_the_settings(personas, client_for, who):
    office = client_for(personas.county_office)
    rules, risk = form_data(office, RULES), form_data(office, RISK)
    audit = AuditEntry.objects.count()
    client = client_for(getattr(personas, who))
    assert client.post(RULES, {**rules, "area_tolerance": "50"}).status_code == 403
    assert client.post(RISK, {**risk, "weight_found": "90"}).status_code == 403
    assert not RuleSettings.objects.exists() and not ReportSettings.objects.exists()
    assert AuditEntry.objects.count() == audit


def test_readers_keep_the_menu_entries_of_what_they_may_read(personas, client_for):
    page = client_for(personas.accountant).get("/villages/").content.decode()
    assert f'href="{RULES}"' in page and f'href="{RISK}"' in page


def test_a_user_with_no_county_has_no_settings_page_and_no_menu_entry(personas, client_for):
    nowhere = UserFactory(username="nowhere", role=Role.INSPECTOR)
    client = client_for(nowhere)
    assert client.get(RULES).status_code == 404 and client.get(RISK).status_code == 404
    assert client.post(RULES, {}).status_code == 404
    page = client.get(reverse("core:job-list")).content.decode()
    assert f'href="{RULES}"' not in page and f'href="{RISK}"' not in page


def test_another_countys_office_reads_and_changes_only_its_own_settings(personas, client_for):
    ReportSettings.objects.create(county=personas.county, arrears_yellow=D("0.2"), arrears_red=D("0.4"))
    elsewhere = CountyFactory(name="临县")
    office = UserFactory(username="linxian", role=Role.COUNTY, county=elsewhere)
    client = client_for(office)
    page = client.get(RISK).content.decode()
    assert "临县 · 考核与风险参数" in page and "方山县" not in page
    data = form_data(client, RISK)
    assert data["arrears_yellow"] == "50"          # the defaults, not 方山县's 20%
    assert client.post(RISK, {**data, "arrears_yellow": "35"}).status_code == 302
    assert report_settings_for(elsewhere).arrears_yellow == D("0.35")
    assert report_settings_for(personas.county).arrears_yellow == D("0.2")


def test_the_county_office_sets_apart_the_debts_of_the_tax_era(personas, client_for):
    client = client_for(personas.county_office)
    page = client.get(RISK).content.decode()
    assert 'name="legacy_debt_before"' in page and 'type="date"' in page and 'value="2006-01-01"' in page
    data = form_data(client, RISK)
    assert (data["legacy_debt_ratio_yellow"], data["legacy_debt_ratio_red"]) == (D("2.00"), D("4.00"))
    data.update(legacy_debt_before="2005-01-01", legacy_debt_ratio_yellow="3", legacy_debt_ratio_red="6")
    assert client.post(RISK, data).status_code == 302
    saved = ReportSettings.objects.get(county=personas.county)
    assert (saved.legacy_debt_before.isoformat(), saved.legacy_debt_ratio_yellow, saved.legacy_debt_ratio_red) == (
        "2005-01-01", D("3"), D("6"))
    page = client.post(RISK, {**data, "legacy_debt_ratio_red": "2", "legacy_debt_before": "去年"}).content.decode()
    assert "红色阈值不能低于黄色阈值" in page and "历史债务：发生日期早于" in page
    assert ReportSettings.objects.get(county=personas.county).legacy_debt_ratio_red == D("6")

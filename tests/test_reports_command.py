"""`python manage.py measures`: the keys and formats of its JSON, and its refusals in Chinese."""
import json
import re
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from debts import services as debt_services
from debts.factories import ClaimFactory
from places.factories import TownshipFactory, VillageFactory
from places.models import County

KEYS = ["expected_contracts", "contracts", "found_rate", "area_checked_rate", "investigated_rate",
        "problem_contracts", "standardised_contracts", "standardised_rate", "claims_principal", "sealed_principal",
        "claims_in_scope", "cleared", "cash_collected", "cleared_undated", "clearing_rate", "debt_principal",
        "debt_resolved", "debt_resolved_undated", "debt_resolved_rate", "land_recovered_mu", "new_resource_mu",
        "letters_issued", "letters_served", "letters_confirmed", "collected_after_letter", "new_income"]
AMOUNTS = ["claims_principal", "sealed_principal", "claims_in_scope", "cleared", "cash_collected", "cleared_undated",
           "debt_principal", "debt_resolved", "debt_resolved_undated", "land_recovered_mu", "new_resource_mu",
           "collected_after_letter", "new_income"]
RATES = ["found_rate", "area_checked_rate", "investigated_rate", "standardised_rate", "clearing_rate",
         "debt_resolved_rate"]


def run(*args) -> str:
    out = StringIO()
    call_command("measures", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def ledger(personas):
    claim = ClaimFactory(village=personas.yukou, principal=Decimal("3000.00"))
    debt_services.entry_record(user=personas.accountant, claim=claim, kind="现金收回", amount=Decimal("1000.00"),
                               entered_on=timezone.localdate() - timedelta(days=3))
    return personas


def test_json_has_exactly_the_keys_in_order_with_their_formats(ledger):
    text = run("--township", "峪口镇", "--json")
    data = json.loads(text)
    assert list(data) == KEYS
    for key in AMOUNTS:
        assert isinstance(data[key], str) and re.fullmatch(r"-?\d+\.\d\d", data[key]), key
    assert data["claims_in_scope"] == "3000.00" and data["cleared"] == "1000.00" and data["cash_collected"] == "1000.00"
    # Rates are JSON numbers written with four decimals, or null without a denominator.
    assert re.search(r'"clearing_rate": 0\.3333,', text)
    assert re.search(r'"found_rate": 0\.0000,', text)     # 40 contracts expected, none found
    assert data["debt_resolved_rate"] is None and '"debt_resolved_rate": null' in text
    for key in RATES:
        assert data[key] is None or (isinstance(data[key], float) and 0 <= data[key] <= 1), key
    assert isinstance(data["contracts"], int) and data["expected_contracts"] == 40


def test_a_village_a_county_and_a_period(ledger):
    assert json.loads(run("--village", "峪口村", "--json"))["cleared"] == "1000.00"
    assert json.loads(run("--county", "--json"))["cleared"] == "1000.00"
    assert json.loads(run("--county", "方山县", "--json"))["claims_principal"] == "3000.00"
    long_ago = json.loads(run("--county", "--from", "2020-01-01", "--to", "2020-12-31", "--json"))
    assert long_ago["cleared"] == "0.00"
    assert json.loads(run("--village", "峪口村", "--from", (timezone.localdate() - timedelta(days=5)).isoformat(),
                          "--json"))["cash_collected"] == "1000.00"


def test_without_json_it_prints_a_chinese_table(ledger):
    text = run("--village", "峪口镇/峪口村")
    assert "峪口镇峪口村" in text and "清收率：33.33%" in text and "化解率：—（无分母）" in text


@pytest.mark.parametrize("args, message", [
    (("--township", "不存在镇"), "找不到乡镇“不存在镇”"),
    (("--village", "不存在村"), "找不到村“不存在村”"),
    (("--county", "临县"), "找不到县“临县”"),
    (("--county", "--from", "2026-13-01"), "无法识别"),
])
def test_unknown_places_and_bad_dates_fail_with_a_chinese_message(personas, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args, "--json")


def test_an_ambiguous_village_or_county_is_refused_and_can_be_named_in_full(personas):
    VillageFactory(township=personas.jicui_town, name="峪口村")
    with pytest.raises(CommandError, match="有多个乡镇都有“峪口村”：峪口镇/峪口村、积翠镇/峪口村"):
        run("--village", "峪口村", "--json")
    assert json.loads(run("--village", "积翠镇/峪口村", "--json"))["expected_contracts"] == 20
    TownshipFactory(county=County.objects.create(name="临县"), name="峪口镇")
    with pytest.raises(CommandError, match="有多个县都有“峪口镇”"):
        run("--township", "峪口镇", "--json")
    with pytest.raises(CommandError, match="多个县，请写明县名"):
        run("--county", "--json")


def test_the_command_exits_non_zero_as_the_shell_sees_it(personas, capsys):
    from reports.management.commands.measures import Command

    with pytest.raises(SystemExit) as exit_info:
        Command().run_from_argv(["manage.py", "measures", "--village", "不存在村", "--json"])
    assert exit_info.value.code != 0
    assert "找不到村“不存在村”" in capsys.readouterr().err

"""Amounts as people read them on dashboards (万元 from 10,000 元 up, the exact figure on hover) and on the
village's home page (separators and 元, never a bare 10800.00)."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import timezone

from debts.factories import ClaimFactory
from reports.models import IncomeRecord

D = Decimal


def wan(value) -> str:
    return Template("{% load sanzi %}{{ value|wan }}").render(Context({"value": value}))


@pytest.mark.parametrize("value, shown", [
    (D("9999.99"), "9,999.99 元"), (D("0"), "0.00 元"), (None, "—"),
    (D("10000"), '<span class="wan" title="10,000.00 元">1.00 万元</span>'),
    (D("12345678"), '<span class="wan" title="12,345,678.00 元">1,234.57 万元</span>'),
    (D("28636000.50"), '<span class="wan" title="28,636,000.50 元">2,863.60 万元</span>'),
    (D("-25000"), '<span class="wan" title="-25,000.00 元">-2.50 万元</span>')])
def test_an_amount_from_ten_thousand_up_is_in_wan_with_the_exact_figure_on_hover(value, shown):
    assert wan(value) == shown


def test_the_county_dashboard_shows_wan_and_keeps_the_exact_figure(personas, client_for):
    ClaimFactory(village=personas.yukou, principal=D("1234567.80"))
    ClaimFactory(village=personas.jicui, principal=D("8000.00"))
    page = client_for(personas.county_office).get("/").content.decode()
    # The county's 应清收 and 峪口镇's: in 万元 with the figure to the cent on hover; 积翠镇's below 10,000 in 元.
    assert '<span class="wan" title="1,242,567.80 元">124.26 万元</span>' in page
    assert '<span class="wan" title="1,234,567.80 元">123.46 万元</span>' in page
    assert "8,000.00 元" in page
    assert "1,242,567.80 元</" not in page and "1242567.80" not in page


def test_the_village_accountants_home_writes_money_with_separators_and_yuan(personas, client_for):
    IncomeRecord.objects.create(village=personas.yukou, kind="资产盘活收入", amount=D("10800.00"),
                                received_on=timezone.localdate() - timedelta(days=3), note="闲置校舍出租",
                                created_by=personas.accountant)
    page = client_for(personas.accountant).get("/").content.decode()
    assert "资产盘活收入 10,800.00 元" in page and "10800.00" not in page

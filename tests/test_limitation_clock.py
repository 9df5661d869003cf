"""The limitation clock as the law has it (DOMAIN.md §8, 民法典 §188–§195), on plain facts."""
from datetime import date

import pytest

from debts.limitation import ClockState, Fact, clock_for

TODAY = date(2026, 12, 5)


def test_a_claim_runs_three_years_from_its_due_date():
    clock = clock_for(date(2023, 2, 28), None, [])
    assert (clock.clock_from, clock.lapse_on) == (date(2023, 2, 28), date(2026, 2, 28))
    assert clock.state(TODAY) == ClockState.LAPSED


def test_a_payment_within_the_period_restarts_the_clock_from_the_day_paid():
    clock = clock_for(date(2023, 2, 28), None, [Fact(date(2024, 5, 10), "payment")])
    assert (clock.clock_from, clock.lapse_on) == (date(2024, 5, 10), date(2027, 5, 10))
    assert clock.state(TODAY) == ClockState.SOON and not clock.confirmed


def test_a_due_date_of_29_february_lapses_on_28_february():
    clock = clock_for(date(2024, 2, 29), None, [])
    assert clock.lapse_on == date(2027, 2, 28)
    assert clock.state(date(2027, 2, 28)) == ClockState.SOON
    assert clock.state(date(2027, 3, 1)) == ClockState.LAPSED


@pytest.mark.parametrize(("served", "restarted"), [(date(2025, 6, 30), True), (date(2025, 7, 1), False)])
def test_a_demand_restarts_the_clock_on_the_last_day_of_the_period_and_not_the_day_after(served, restarted):
    clock = clock_for(date(2022, 6, 30), None, [Fact(served, "demand")])
    assert clock.lapse_on == (date(2028, 6, 30) if restarted else date(2025, 6, 30))
    assert clock.confirmed is False


def test_a_demand_served_after_the_lapse_changes_nothing():
    clock = clock_for(date(2019, 5, 1), None, [Fact(date(2023, 3, 1), "demand")])
    assert clock.lapse_on == date(2022, 5, 1) and clock.state(TODAY) == ClockState.LAPSED
    assert clock.restarts == ()


def test_a_debtor_who_confirms_a_lapsed_claim_can_no_longer_plead_the_lapse():
    clock = clock_for(date(2019, 5, 1), None, [Fact(date(2023, 3, 1), "demand"),
                                               Fact(date(2025, 4, 2), "confirmation")])
    assert clock.confirmed is True and clock.lapse_on == date(2028, 4, 2)
    assert clock.state(TODAY) == ClockState.CONFIRMED


def test_a_payment_after_the_lapse_is_performance_that_waives_it():
    clock = clock_for(date(2019, 5, 1), None, [Fact(date(2024, 1, 10), "payment")])
    assert clock.confirmed is True and clock.state(TODAY) == ClockState.CONFIRMED


def test_an_open_mediation_or_court_case_suspends_the_clock():
    clock = clock_for(date(2022, 1, 1), None, [Fact(date(2024, 3, 1), "proceedings")])
    assert clock.suspended is True and clock.lapse_on is None
    assert clock.state(TODAY) == ClockState.SUSPENDED


def test_a_case_that_ended_restarts_the_clock_from_its_end():
    clock = clock_for(date(2022, 1, 1), None, [Fact(date(2024, 3, 1), "proceedings", ends=date(2024, 9, 30))])
    assert (clock.clock_from, clock.lapse_on) == (date(2024, 9, 30), date(2027, 9, 30))
    assert clock.state(TODAY) == ClockState.RUNNING


def test_proceedings_started_after_the_lapse_do_not_revive_the_claim():
    clock = clock_for(date(2019, 1, 1), None, [Fact(date(2023, 3, 1), "proceedings")])
    assert clock.suspended is False and clock.state(TODAY) == ClockState.LAPSED


def test_twenty_years_after_it_arose_a_claim_is_beyond_the_absolute_limit_whatever_happened_since():
    clock = clock_for(date(1999, 1, 1), date(1998, 3, 1), [Fact(date(2001, 1, 1), "payment"),
                                                            Fact(date(2026, 1, 5), "confirmation")])
    assert clock.state(TODAY) == ClockState.BEYOND
    assert clock_for(date(2007, 1, 1), date(2006, 12, 6), []).state(TODAY) != ClockState.BEYOND
    assert clock_for(date(2007, 1, 1), date(2006, 12, 4), []).state(TODAY) == ClockState.BEYOND


def test_a_claim_without_a_due_date_has_no_clock():
    clock = clock_for(None, date(2020, 1, 1), [Fact(date(2021, 1, 1), "payment")])
    assert clock.lapse_on is None and clock.state(TODAY) == ClockState.NONE


def test_facts_count_in_date_order_whatever_order_they_come_in():
    facts = [Fact(date(2025, 1, 1), "demand"), Fact(date(2023, 6, 1), "payment")]
    assert clock_for(date(2021, 1, 1), None, facts).lapse_on == date(2028, 1, 1)
    assert clock_for(date(2021, 1, 1), None, facts[::-1]).lapse_on == date(2028, 1, 1)

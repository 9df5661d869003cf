"""The township ranking (红黑榜): the score, the order, shared ranks for ties, and the marked ends."""
from decimal import Decimal

from reports.measures import Child, Measures
from reports.models import ReportSettings
from reports.ranking import rank, score

D = Decimal


def township(key, name, clearing: int, found: int = 0) -> Child:
    """A township whose clearing rate is clearing/100 and found rate found/100; other rates have no denominator."""
    return Child(key, name, Measures(expected_contracts=100, contracts=found, claims_principal=D("100.00"),
                                     cleared=D(clearing)))


def settings(**weights) -> ReportSettings:
    return ReportSettings(**weights)


def test_the_score_is_the_weighted_mean_of_the_rates_a_township_has():
    m = Measures(expected_contracts=10, contracts=8, claims_principal=D("1000.00"), cleared=D("500.00"))
    # found 0.8 (weight 15), investigated 0/8 (15) and clearing 0.5 (25); the other three have no
    # denominator and are left out with their weights.
    assert score(m, settings()) == D("44.55")            # (0.8×15 + 0×15 + 0.5×25) / 55 × 100 = 44.545…
    assert score(m, settings(weight_found=0)) == D("31.25")   # (0×15 + 0.5×25) / 40 × 100
    assert score(Measures(), settings()) is None


def test_a_rate_over_100_percent_counts_as_100_percent_in_the_score():
    # 200 contracts found of 100 expected lifts no township above one that found 80 and cleared more.
    over = Measures(expected_contracts=100, contracts=200, claims_principal=D("1000.00"), cleared=D("500.00"))
    assert over.found_rate == D("2.0000")
    capped = Measures(expected_contracts=100, contracts=100, claims_principal=D("1000.00"), cleared=D("500.00"))
    assert score(over, settings(weight_investigated=0)) == score(capped, settings(weight_investigated=0))
    steady = Measures(expected_contracts=100, contracts=80, claims_principal=D("1000.00"), cleared=D("900.00"))
    assert score(steady, settings(weight_investigated=0)) > score(over, settings(weight_investigated=0))


def test_a_debt_repaid_in_full_with_its_interest_is_resolved_at_100_percent():
    m = Measures(debt_principal=D("50000.00"), debt_interest=D("10000.00"), debt_resolved=D("60000.00"))
    assert m.debt_resolved_rate == D("1.0000")


def test_townships_are_ordered_by_score_and_ties_share_a_rank_listed_by_name():
    children = [township(1, "丙镇", 40), township(2, "甲镇", 70), township(3, "乙镇", 70), township(4, "丁镇", 10),
                township(5, "戊镇", 55)]
    ranked = rank(children, settings(ranking_marked=1))
    assert [(r.name, r.rank) for r in ranked] == [("乙镇", 1), ("甲镇", 1), ("戊镇", 3), ("丙镇", 4), ("丁镇", 5)]
    # The same order whatever order the townships come in.
    assert [r.key for r in rank(list(reversed(children)), settings(ranking_marked=1))] == [r.key for r in ranked]


def test_the_top_and_bottom_are_marked_and_a_tie_at_the_boundary_is_marked_whole():
    children = [township(1, "甲镇", 90), township(2, "乙镇", 80), township(3, "丙镇", 80), township(4, "丁镇", 50),
                township(5, "戊镇", 20), township(6, "己镇", 20), township(7, "庚镇", 60)]
    ranked = {r.name: r for r in rank(children, settings(ranking_marked=2))}
    assert {n for n, r in ranked.items() if r.mark == "红榜"} == {"甲镇", "乙镇", "丙镇"}
    assert {n for n, r in ranked.items() if r.mark == "黑榜"} == {"戊镇", "己镇"}
    assert ranked["丁镇"].mark == "" and ranked["庚镇"].mark == ""


def test_with_few_townships_half_of_them_are_marked_and_all_equal_marks_none():
    two = rank([township(1, "甲镇", 30), township(2, "乙镇", 60)], settings(ranking_marked=3))
    assert [(r.name, r.mark) for r in two] == [("乙镇", "红榜"), ("甲镇", "黑榜")]
    assert [r.mark for r in rank([township(1, "甲镇", 30)], settings())] == [""]
    equal = rank([township(k, f"{k}镇", 50) for k in range(1, 5)], settings(ranking_marked=1))
    assert [r.rank for r in equal] == [1, 1, 1, 1] and all(r.mark == "" for r in equal)


def test_a_township_without_any_rate_comes_last():
    ranked = rank([Child(1, "甲镇", Measures()), township(2, "乙镇", 10), township(3, "丙镇", 5)],
                  settings(ranking_marked=1))
    assert [(r.name, r.score) for r in ranked] == [("乙镇", D("6.25")), ("丙镇", D("3.13")), ("甲镇", None)]
    assert ranked[-1].mark == "黑榜"


def test_weights_change_the_order():
    fast_finder, fast_collector = township(1, "甲镇", 20, found=90), township(2, "乙镇", 60, found=30)
    by_clearing = rank([fast_finder, fast_collector], settings(weight_found=1, weight_clearing=10))
    by_finding = rank([fast_finder, fast_collector], settings(weight_found=10, weight_clearing=1))
    assert by_clearing[0].name == "乙镇" and by_finding[0].name == "甲镇"

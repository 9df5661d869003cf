"""The township ranking (红黑榜): townships ordered by a weighted score of their rates (DOMAIN.md §11).

The score is the weighted mean of the six rates, in points out of 100, over the rates a township
has: a rate with nothing to divide by (no debts, say) is left out together with its weight rather
than counted as zero. Townships with equal scores share a rank (1, 2, 2, 4) and are listed by name.
The top `n` ranks make the red list (红榜) and the bottom `n` the black list (黑榜), `n` being the
county's setting or, with fewer than twice as many townships, half of them; ties at the boundary are
all on the list, and a township that would be on both (all scores equal) is on neither.
"""
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from .measures import Child, Measures
from .models import ReportSettings

WEIGHTED_RATES = (
    ("found_rate", "weight_found", "查找率"),
    ("area_checked_rate", "weight_area_checked", "面积核对率"),
    ("investigated_rate", "weight_investigated", "调查完成率"),
    ("standardised_rate", "weight_standardised", "规范率"),
    ("clearing_rate", "weight_clearing", "清收率"),
    ("debt_resolved_rate", "weight_debt_resolved", "化解率"),
)
SCORE_PLACES = Decimal("0.01")


@dataclass
class Ranked:
    key: int
    name: str
    measures: Measures
    score: Decimal | None
    rank: int
    mark: str = ""          # "红榜", "黑榜" or ""


def score(measures: Measures, settings: ReportSettings) -> Decimal | None:
    total, weights = Decimal("0"), 0
    for rate_name, weight_name, _ in WEIGHTED_RATES:
        value, weight = getattr(measures, rate_name), getattr(settings, weight_name)
        if value is None or not weight:
            continue
        # Each rate counts at most 100%: a township that found more contracts than it expected is not
        # thereby ahead of one that did everything else better.
        total += min(value, Decimal("1")) * weight
        weights += weight
    if not weights:
        return None
    return (total * 100 / weights).quantize(SCORE_PLACES, rounding=ROUND_HALF_UP)


def rank(children: list[Child], settings: ReportSettings) -> list[Ranked]:
    scored = [Ranked(c.key, c.name, c.measures, score(c.measures, settings), 0) for c in children]
    # Highest score first; no score at all comes last; equal scores by name, then key, for a fixed order.
    scored.sort(key=lambda r: (r.score is None, -(r.score or 0), r.name, r.key))
    for position, row in enumerate(scored, start=1):
        previous = scored[position - 2] if position > 1 else None
        row.rank = previous.rank if previous is not None and previous.score == row.score else position
    count = len(scored)
    marked = min(settings.ranking_marked, count // 2)
    if not marked:
        return scored
    # The rank counted from the bottom, equal scores sharing it as they do from the top.
    from_bottom = {}
    for position, row in enumerate(reversed(scored), start=1):
        previous = scored[count - position + 1] if position > 1 else None
        from_bottom[id(row)] = (from_bottom[id(previous)] if previous is not None and previous.score == row.score
                                else position)
    for row in scored:
        top, bottom = row.rank <= marked, from_bottom[id(row)] <= marked
        if top and not bottom:
            row.mark = "红榜"
        elif bottom and not top:
            row.mark = "黑榜"
    return scored

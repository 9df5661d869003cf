"""Reads about letters: who gets a letter, in what order letters are printed and listed, how they stand.

`select_groups` takes the user first and stays within the user's villages;
the others order or count letters the caller has already read within scope.
"""
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from itertools import groupby

from django.db.models import Count, QuerySet, Sum
from django.utils import timezone

from core.bounds import MONEY_MAX
from core.domain import letter_repeat_days
from core.money import format_yuan
from debts.limitation import ClockState, state_filter
from debts.models import Letter, LetterKind
from debts.selectors import age_band_filter, claim_list, with_age


@dataclass
class DebtorGroup:
    village: object
    debtor: object
    claims: list = field(default_factory=list)     # (claim, balance)

    @property
    def total(self) -> Decimal:
        return sum((balance for _, balance in self.claims), Decimal("0"))

    @property
    def too_large(self) -> bool:
        """More than a letter's total (a money column) holds: each claim fits, their sum need not."""
        return self.total > MONEY_MAX

    def too_large_message(self) -> str:
        return (f"{self.village.name} {self.debtor.name}：未清收债权合计 {format_yuan(self.total)} 元，"
                f"超过一份函件可列的上限 {format_yuan(MONEY_MAX)} 元，未出具函件，请核实金额后逐笔处理。")


def print_order(record):
    """How letters are printed and listed: by township, village, group, then the debtor's name in pinyin.

    `record` is anything with `village` and `debtor` (a claim or a letter).
    """
    debtor, village = record.debtor, record.village
    group = debtor.group.sort_key if debtor.group_id else "~"      # 一组, 二组 … 十一组, then no group
    return (village.township.sort_key, village.township_id, village.sort_key, village.pk, group,
            (debtor.search_keys or debtor.name).split(" ")[-1], debtor.pk)


def select_groups(*, user, villages, min_balance: Decimal | None = None, origins=(), age: str = "",
                  today: date | None = None, kind: str = "", left_out: list | None = None) -> list[DebtorGroup]:
    """Who gets a letter: debtors with open, unsealed claims in the chosen villages, one group per village.

    A 清缴通知书 tells the debtor that it interrupts the limitation: a claim whose limitation has already run
    out (and that the debtor has not confirmed since) is left out of it, and appended to `left_out` when
    given; it gets a reconciliation letter asking the debtor to confirm it instead.
    Sorted for printing by village, group and name (pinyin).
    """
    today = today or timezone.localdate()
    claims = with_age(claim_list(user)).select_related("debtor__group").filter(
        village__in=villages, sealed=False, balance__gt=0)
    if origins:
        claims = claims.filter(origin__in=origins)
    if age:
        claims = claims.filter(age_band_filter(age, today))
    if kind == LetterKind.PAYMENT_NOTICE:
        run_out = state_filter(ClockState.LAPSED, today) | state_filter(ClockState.BEYOND, today)
        if left_out is not None:
            left_out.extend(claims.filter(run_out))
        claims = claims.exclude(run_out)
    ordered = sorted(claims, key=print_order)
    groups = []
    for _, rows in groupby(ordered, key=lambda c: (c.village_id, c.debtor_id)):
        rows = list(rows)
        group = DebtorGroup(rows[0].village, rows[0].debtor, [(c, c.balance) for c in rows])
        if min_balance is None or group.total >= min_balance:
            groups.append(group)
    return groups


def recent_letters(groups: list[DebtorGroup], kind: str, today: date | None = None,
                   days: int | None = None) -> dict[tuple[int, int], Letter]:
    """{(village, debtor): their latest letter of `kind` issued within the last `days` (default
    LETTER_REPEAT_DAYS) and not voided}: whom a batch would letter again."""
    if not groups:
        return {}
    today = today or timezone.localdate()
    since = today - timedelta(days=letter_repeat_days() if days is None else days)
    latest = {}
    letters = (Letter.objects.filter(kind=kind, created_at__date__gte=since,
                                     village_id__in={g.village.pk for g in groups},
                                     debtor_id__in={g.debtor.pk for g in groups})
               .exclude(state=Letter.State.VOID).select_related("debtor").order_by("created_at", "pk"))
    for letter in letters:
        latest[(letter.village_id, letter.debtor_id)] = letter
    return latest


def in_print_order(letters: QuerySet[Letter]) -> list[Letter]:
    """Letters in printing order, with what the order and the signing list need."""
    return sorted(letters.select_related("village__township", "debtor__group"), key=print_order)


def state_counts(letters: QuerySet[Letter]) -> list[dict]:
    """How many letters, and for how much, stand at each state — one query over the whole filtered list."""
    rows = {row["state"]: row for row in letters.order_by().values("state").annotate(n=Count("pk"),
                                                                                      amount=Sum("total"))}
    return [{"state": value, "n": rows.get(value, {}).get("n", 0), "amount": rows.get(value, {}).get("amount")}
            for value in Letter.State.values]

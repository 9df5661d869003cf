"""The limitation clock of a claim (诉讼时效), DOMAIN.md §8, 民法典 §188–§195.

The clock is worked out from the claim's facts, never typed in: its due date, what the debtor paid, the
letters actually served on them and what they answered, demands served by hand, mediation and court
cases. `clock_for` is the rule itself, on plain facts; `clocks_for` gathers the facts of many claims in a
handful of queries (it works on the models of a migration too). The result is stored on the claim
(`clock_from`, `lapse_on`, `clock_suspended`, `lapse_confirmed`) so that lists can filter on it; the
services store it again whenever a fact changes.

The rule:
- the period runs 3 years (a setting) from the due date; its last day is the same calendar day three
  years on (29 February → 28 February, 民法典 §202);
- a demand served, a confirmation, or any payment or performance by the debtor on or before the last
  day restarts it from that day (§195); a served demand after the last day changes nothing;
- a confirmation or a payment after the last day is the debtor's waiver (最高法诉讼时效规定 §19): the
  claim is "lapsed but confirmed" and a new period runs from that day;
- while a court case or a mediation agreement is open the clock is suspended; when the case ends it
  runs anew from the end (a mediation agreement: from its last instalment's due date, or from the day it
  was defaulted on, when the whole balance fell due);
- twenty years after the claim arose (its occurrence date, or its due date) it is beyond the absolute
  limit, whatever happened since (§188).
"""
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import models
from django.db.models import Q

from core.bounds import add_years
from core.domain import absolute_limit_years, limitation_warning_days, limitation_years

# What the debtor does that counts as performance (履行): money or value from them, not the village's
# own write-offs, waivers or accounting adjustments.
PERFORMANCE_KINDS = ("现金收回", "分红抵扣", "债权债务冲转", "以资抵债")
# Letter states in which the letter was served on the debtor (a returned letter was not).
SERVED_STATES = ("已送达", "已确认", "有异议")


class ClockState(models.TextChoices):
    RUNNING = "running", "时效期间内"
    SOON = "soon", "即将届满"
    SUSPENDED = "suspended", "时效中止（调解或诉讼中）"
    LAPSED = "lapsed", "已过诉讼时效"
    CONFIRMED = "confirmed", "届满后经债务人确认"
    BEYOND = "beyond", "超过二十年最长保护期"
    NONE = "none", "无到期日，未起算"


@dataclass(frozen=True)
class Fact:
    day: date
    kind: str                  # "demand", "confirmation", "payment" or "proceedings"
    ends: date | None = None   # proceedings: the day the case ended (None while it is open)
    what: str = ""


@dataclass(frozen=True)
class Clock:
    clock_from: date | None
    lapse_on: date | None          # the last day within the period
    suspended: bool = False
    confirmed: bool = False        # the debtor confirmed or paid after a lapse
    arose_on: date | None = None
    restarts: tuple = field(default=(), compare=False)   # the facts that restarted it, for the claim page

    def beyond_absolute(self, today: date) -> bool:
        return self.arose_on is not None and add_years(self.arose_on, absolute_limit_years()) < today

    def state(self, today: date) -> ClockState:
        if self.beyond_absolute(today):
            return ClockState.BEYOND
        if self.suspended:
            return ClockState.SUSPENDED
        if self.lapse_on is None:
            return ClockState.NONE
        if self.lapse_on < today:
            return ClockState.LAPSED
        if self.confirmed:
            return ClockState.CONFIRMED
        if self.lapse_on <= today + timedelta(days=limitation_warning_days()):
            return ClockState.SOON
        return ClockState.RUNNING


def clock_for(due_date: date | None, arose_on: date | None, facts: Iterable[Fact]) -> Clock:
    """The clock of one claim from its due date and its facts (in any order)."""
    arose_on = arose_on or due_date
    if due_date is None:
        return Clock(None, None, arose_on=arose_on)
    years = limitation_years()
    start, last = due_date, add_years(due_date, years)
    suspended = confirmed = False
    restarts = []

    def restart(day: date, fact: Fact) -> None:
        nonlocal start, last
        if day > start:
            start, last = day, add_years(day, years)
            restarts.append(fact)

    for fact in sorted(facts, key=lambda f: f.day):
        if suspended:
            continue    # an open case holds the clock; nothing later moves it until the case ends
        within = fact.day <= last
        if fact.kind == "demand":
            if within:
                restart(fact.day, fact)
        elif fact.kind in ("confirmation", "payment"):
            if not within:
                confirmed = True
            restart(fact.day, fact)
        elif fact.kind == "proceedings" and within:
            if fact.ends is None:
                suspended = True
                restarts.append(fact)
            else:
                restart(max(fact.ends, fact.day), fact)
    return Clock(start, None if suspended else last, suspended, confirmed, arose_on, tuple(restarts))


def clocks_for(claims) -> dict[int, Clock]:
    """The clock of each claim of a queryset (or list of claims), from its facts: five queries in all.
    Uses only field and relation names, so a migration's historical models serve as well as the real ones."""
    claims = list(claims)
    ids = [claim.pk for claim in claims]
    facts: dict[int, list[Fact]] = defaultdict(list)
    if not ids:
        return {}
    model = type(claims[0])
    Entry = model._meta.get_field("entries").related_model
    ClaimEvent = model._meta.get_field("events").related_model
    LetterItem = model._meta.get_field("letter_items").related_model
    MediationCase = model._meta.get_field("mediation_cases").related_model
    LegalAction = model._meta.get_field("legal_actions").related_model

    reversed_ids = set(Entry.objects.filter(claim_id__in=ids, reverses__isnull=False)
                       .values_list("reverses_id", flat=True))
    # An entry whose day a ledger file did not give is dated the day of the import: not a payment that day.
    for pk, claim_id, day, kind in (Entry.objects.filter(claim_id__in=ids, kind__in=PERFORMANCE_KINDS,
                                                         reverses__isnull=True, date_unknown=False)
                                    .values_list("pk", "claim_id", "entered_on", "kind")):
        if pk not in reversed_ids:
            facts[claim_id].append(Fact(day, "payment", what=kind))
    # Demands served and confirmations received outside the system's letters (a letter's own steps are
    # counted from the letter, below, so that one that came back counts for nothing).
    by_hand = {"送达催收": ("demand", "送达催收通知"), "对账确认": ("confirmation", "债务人书面确认")}
    for claim_id, day, kind in ClaimEvent.objects.filter(claim_id__in=ids, kind__in=by_hand,
                                                         letter__isnull=True).values_list("claim_id", "happened_on",
                                                                                          "kind"):
        facts[claim_id].append(Fact(day, by_hand[kind][0], what=by_hand[kind][1]))
    for claim_id, state, delivered_on, answered_on, number in (
            LetterItem.objects.filter(claim_id__in=ids, letter__state__in=SERVED_STATES)
            .values_list("claim_id", "letter__state", "letter__delivered_on", "letter__answered_on",
                         "letter__number")):
        if delivered_on:
            facts[claim_id].append(Fact(delivered_on, "demand", what=f"函件 {number} 送达"))
        if state == "已确认" and answered_on:
            facts[claim_id].append(Fact(answered_on, "confirmation", what=f"函件 {number} 确认"))
    last_instalments = dict(MediationCase.objects.filter(claims__in=ids).annotate(
        last=models.Max("plan__due_date")).values_list("pk", "last"))
    for claim_id, case_id, agreed, state, defaulted_on in (
            MediationCase.objects.filter(claims__in=ids)
            .values_list("claims", "pk", "agreement_date", "state", "defaulted_on")):
        if state == "履行中":
            ends = None
        elif state == "已违约":
            ends = defaulted_on or agreed
        else:
            ends = last_instalments.get(case_id) or agreed
        facts[claim_id].append(Fact(agreed, "proceedings", ends, what="调解协议"))
    for claim_id, filed_on, closed_on in (LegalAction.objects.filter(claims__in=ids, kind="诉讼")
                                          .values_list("claims", "filed_on", "closed_on")):
        facts[claim_id].append(Fact(filed_on, "proceedings", closed_on, what="起诉"))
    return {claim.pk: clock_for(claim.due_date, claim.occurred_on, facts.get(claim.pk, ())) for claim in claims}


def state_filter(state: str, today: date) -> Q:
    """The claims whose stored clock stands in `state` on `today`: the same order of precedence as
    `Clock.state`, so that a list filter and a claim's page never disagree."""
    beyond = _beyond_absolute(today)
    if state == ClockState.BEYOND:
        return beyond
    if state == ClockState.SUSPENDED:
        return Q(clock_suspended=True) & ~beyond
    live = Q(clock_suspended=False) & ~beyond
    soon_until = today + timedelta(days=limitation_warning_days())
    conditions = {
        ClockState.NONE: Q(lapse_on__isnull=True),
        ClockState.LAPSED: Q(lapse_on__lt=today),
        ClockState.CONFIRMED: Q(lapse_on__gte=today, lapse_confirmed=True),
        ClockState.SOON: Q(lapse_on__gte=today, lapse_on__lte=soon_until, lapse_confirmed=False),
        ClockState.RUNNING: Q(lapse_on__gt=soon_until, lapse_confirmed=False),
    }
    return live & conditions[state]


def lapsing_within(days: int, today: date) -> Q:
    """The claims whose running clock lapses within `days` days of `today` (today included): a demand served
    or a confirmation before then restarts it. A suspended clock, or a claim past the absolute limit, is not
    about to lapse."""
    return (Q(clock_suspended=False, lapse_on__gte=today, lapse_on__lte=today + timedelta(days=days))
            & ~_beyond_absolute(today))


def _beyond_absolute(today: date) -> Q:
    limit = add_years(today, -absolute_limit_years())
    return Q(occurred_on__lt=limit) | Q(occurred_on__isnull=True, due_date__lt=limit)


def stored_clock(claim) -> Clock:
    """The clock as the claim stores it (what lists filter on)."""
    return Clock(claim.clock_from, claim.lapse_on, claim.clock_suspended, claim.lapse_confirmed,
                 claim.occurred_on or claim.due_date)


def new_claim_clock(claim) -> None:
    """Set the clock of a claim not yet saved: with no facts yet, it runs from the due date."""
    for name, value in clock_values(clock_for(claim.due_date, claim.occurred_on, ())).items():
        setattr(claim, name, value)


def clock_values(clock: Clock) -> dict:
    return {"clock_from": clock.clock_from, "lapse_on": clock.lapse_on, "clock_suspended": clock.suspended,
            "lapse_confirmed": clock.confirmed}


def store_clocks(claims, batch: int = 2000) -> int:
    """Work out and store the clock of each claim; returns how many changed. The stored values are derived,
    not facts anyone typed, so they are written without an audit entry or a new version."""
    claims = list(claims)
    changed = 0
    for start in range(0, len(claims), batch):
        chunk = claims[start:start + batch]
        model = type(chunk[0])
        clocks = clocks_for(chunk)
        for claim in chunk:
            values = clock_values(clocks[claim.pk])
            if any(getattr(claim, name) != value for name, value in values.items()):
                model.objects.filter(pk=claim.pk).update(**values)
                for name, value in values.items():
                    setattr(claim, name, value)
                changed += 1
    return changed

"""Every read of claims, debts, their ledger and cases, scoped to the user.

Balances are computed by the database: principal (plus interest) minus the
sum of entries, through correlated subqueries so that a list, its totals and
its filters agree and cost a fixed number of queries.
"""
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Round
from django.utils import timezone

from contracts.models import ResolutionSubject
from contracts.rules import add_years
from core.money import MONEY_SUM, ZERO, money_sum
from core.scoping import scoped

from .limitation import PERFORMANCE_KINDS, lapsing_within
from .models import (
    CASH_KINDS,
    Claim,
    ClaimEvent,
    Debt,
    DiscountRule,
    DisputeTask,
    Entry,
    LegalAction,
    Letter,
    LetterItem,
    MediationCase,
    MediationInstalment,
)


def sum_of_entries(owner: str, **filters):
    """For each claim (`owner="claim"`) or debt of a query: the sum of its ledger entries, reversals included."""
    rows = (Entry.objects.filter(**{owner: OuterRef("pk")}, **filters).order_by().values(owner)
            .annotate(total=Sum("amount")).values("total"))
    return Coalesce(Subquery(rows, output_field=MONEY_SUM), ZERO, output_field=MONEY_SUM)


def with_balances(claims: QuerySet[Claim]) -> QuerySet[Claim]:
    return claims.annotate(
        cleared=sum_of_entries("claim"),
        cash=sum_of_entries("claim", kind__in=CASH_KINDS),
    ).annotate(
        # Rounded to the cent in the database: SQLite computes decimals as binary floats.
        balance=Round(F("principal") - F("cleared"), 2, output_field=MONEY_SUM),
    ).annotate(
        status=Case(
            When(sealed=True, then=Value("已封存")),
            When(balance__lte=0, then=Value("已结清")),
            When(cleared__gt=0, then=Value("部分清收")),
            default=Value("未清收"), output_field=CharField()),
    )


def claim_list(user) -> QuerySet[Claim]:
    return with_balances(scoped(
        Claim.objects.select_related("village__township", "debtor", "contract", "collector"), user,
    )).order_by("village__township__name", "village__name", "number")


def contract_claims(user, contract) -> QuerySet[Claim]:
    """The claims made from a contract, for the panel on the contract's page."""
    return scoped(Claim.objects.filter(contract=contract), user).only("pk", "number", "village_id").order_by(
        *Claim._meta.ordering)


def claim_detail(user) -> QuerySet[Claim]:
    return claim_list(user).prefetch_related("events__created_by", "mediation_cases", "legal_actions")


def claim_entries(claim: Claim) -> QuerySet[Entry]:
    # An amount a ledger gave without its day was cleared before the campaign: first, whatever its import day.
    return (claim.entries.select_related("created_by", "resolution", "reverses", "reversed_by", "receipt")
            .order_by("-date_unknown", "entered_on", "id"))


def discount_rules_for(claim: Claim) -> list[DiscountRule]:
    """The early-payment discounts of passed votes of the claim's village that reach its origin, latest campaign
    first (the claim's page works each out; debts.votes.discount_terms)."""
    rules = (DiscountRule.objects.filter(resolution__village_id=claim.village_id, resolution__passed=True,
                                         resolution__subject=ResolutionSubject.DISCOUNT)
             .select_related("resolution").order_by("-valid_to", "-pk"))
    return [rule for rule in rules if claim.origin in rule.applies_to]


def debt_list(user) -> QuerySet[Debt]:
    return scoped(Debt.objects.select_related("village__township", "creditor"), user).annotate(
        resolved=sum_of_entries("debt"),
    ).annotate(
        balance=Round(F("principal") + F("interest") - F("resolved"), 2, output_field=MONEY_SUM),
    ).order_by("village__township__name", "village__name", "number")


def debt_entries(debt: Debt) -> QuerySet[Entry]:
    return (debt.entries.select_related("created_by", "resolution", "reverses", "reversed_by", "counterpart__claim")
            .order_by("-date_unknown", "entered_on", "id"))


def list_totals(queryset, *fields: str) -> dict[str, Decimal]:
    """Sums of the given columns over the whole filtered list, from the database."""
    # The aggregates take names of their own: an aggregate named like the annotation it sums would shadow it.
    totals = queryset.order_by().aggregate(**{f"{f}__total": money_sum(f)
                                              for f in fields})
    return {f: totals[f"{f}__total"] for f in fields}


# --- Age bands and the limitation clock ----------------------------------------------------------

AGE_BANDS = [("0-1", "1年以内"), ("1-3", "1至3年"), ("3+", "3年以上")]


def age_band_filter(band: str, today: date) -> Q:
    """Claims (annotated by `with_age`) by how long ago they fell due, or arose when no due date was kept.

    A claim not yet due, or with no date at all, counts as under one year.
    """
    one, three = add_years(today, -1), add_years(today, -3)
    bands = {
        "0-1": Q(age_from__gt=one) | Q(age_from__isnull=True),
        "1-3": Q(age_from__lte=one, age_from__gt=three),
        "3+": Q(age_from__lte=three),
    }
    return bands[band]


def with_age(claims: QuerySet[Claim]) -> QuerySet[Claim]:
    return claims.annotate(age_from=Coalesce("due_date", "occurred_on"))


def open_claims(claims: QuerySet[Claim]) -> QuerySet[Claim]:
    return claims.filter(sealed=False, balance__gt=0)


def lapsing_soon(claims: QuerySet[Claim], days: int, today: date) -> QuerySet[Claim]:
    """Open claims (annotated by `with_balances`) whose limitation period lapses within `days` days."""
    return open_claims(claims).filter(lapsing_within(days, today))


def aging_report(user, today: date | None = None) -> list[dict]:
    """Open, unsealed claim balances by village and age band, with counts — one query."""
    today = today or timezone.localdate()
    claims = open_claims(with_age(claim_list(user)))

    def band(key):
        return money_sum("balance", filter=age_band_filter(key, today))

    rows = (claims.order_by().values("village__township__name", "village__name", "village_id")
            .annotate(n=Count("pk"), band_0_1=band("0-1"), band_1_3=band("1-3"), band_3=band("3+"),
                      total=money_sum("balance"))
            .order_by("village__township__name", "village__name"))
    return list(rows)


def timeline(claim: Claim, entries, letters=()) -> list[dict]:
    """The seven steps as they happened: letters, events and money entries, in date order."""
    items = [{"date": e.happened_on, "kind": e.get_kind_display(), "note": e.note, "who": e.created_by,
              "event": True} for e in claim.events.all()]
    items += [{"date": letter.as_of, "kind": f"出具{letter.kind}", "note": f"{letter.number}（{letter.state}）",
               "who": letter.created_by, "event": True, "url": letter.get_absolute_url()} for letter in letters]
    # An amount a ledger gave without its day was cleared before the campaign: first, under no day of its own.
    items += [{"date": date.min if e.date_unknown else e.entered_on, "kind": e.kind, "note": e.note,
               "who": e.created_by, "amount": e.amount, "event": False, "date_unknown": e.date_unknown,
               "day_shown": e.day_shown} for e in entries]
    return sorted(items, key=lambda item: (item["date"], not item["event"]))


def mediation_list(user) -> QuerySet[MediationCase]:
    # What the debtor paid under the agreement, as the daily check counts it (debts.services.mediation_paid).
    paid = (Entry.objects.filter(claim__mediation_cases=OuterRef("pk"), entered_on__gte=OuterRef("agreement_date"),
                                 kind__in=PERFORMANCE_KINDS)
            .order_by().values("claim__mediation_cases").annotate(total=Sum("amount")).values("total"))
    planned = (MediationInstalment.objects.filter(case=OuterRef("pk")).order_by().values("case")
               .annotate(total=Sum("amount")).values("total"))
    return scoped(MediationCase.objects.select_related("village__township", "created_by")
                  .prefetch_related("parties", "claims", "plan")
                  .annotate(paid=Coalesce(Subquery(paid, output_field=MONEY_SUM), ZERO, output_field=MONEY_SUM),
                            planned=Coalesce(Subquery(planned, output_field=MONEY_SUM), ZERO, output_field=MONEY_SUM)),
                  user).order_by("-agreement_date", "-id")


def mediation_due(cases: QuerySet[MediationCase], days: int, today: date) -> QuerySet[MediationCase]:
    """Cases still being performed (annotated by `mediation_list`) with an instalment falling due within `days`
    days, or already past due, that the debtor's payments do not yet meet. Instalments are met in order, as the
    daily check counts them (debts.services.mediation_check): the plan's total up to that day against all paid."""
    due = (MediationInstalment.objects.filter(case=OuterRef("pk"), due_date__lte=today + timedelta(days=days))
           .order_by().values("case").annotate(total=Sum("amount")).values("total"))
    return (cases.filter(state=MediationCase.State.ACTIVE)
            .annotate(due_by=Coalesce(Subquery(due, output_field=MONEY_SUM), ZERO, output_field=MONEY_SUM))
            .filter(due_by__gt=F("paid")))


def legal_actions(user) -> QuerySet[LegalAction]:
    return scoped(LegalAction.objects.select_related("village").prefetch_related("claims"), user)


EVENT_KINDS_BY_HAND = [ClaimEvent.Kind.DEMAND, ClaimEvent.Kind.LETTER_SENT, ClaimEvent.Kind.LETTER_CONFIRMED]


# --- Letters ---------------------------------------------------------------------------------

def letter_list(user) -> QuerySet[Letter]:
    return scoped(Letter.objects.select_related("village__township", "debtor"), user).order_by(
        "-as_of", "village__township__name", "village__name", "seq")


def letter_detail(user) -> QuerySet[Letter]:
    items = LetterItem.objects.select_related("claim").order_by("id")
    return letter_list(user).select_related("created_by", "job", "dispute__closed_by").prefetch_related(
        Prefetch("items", queryset=items))


def dispute_list(user) -> QuerySet[DisputeTask]:
    # Open tasks first, then the most recently settled.
    return scoped(DisputeTask.objects.select_related("village__township", "letter__debtor", "closed_by"),
                  user).order_by(F("closed_on").desc(nulls_first=True), "-opened_on", "-pk")

"""Every scoped read of the reports app: which places a user may report on, and the records it keeps."""
from django.db.models import Count, F, Q, QuerySet, Sum

from contracts.models import Contract, ContractState
from core.bounds import query_int
from core.scoping import scoped, villages_for
from debts.models import Claim
from debts.selectors import debt_list, with_balances
from places.models import County, Province, Township, Village
from villages.models import Party

from .measures import Place
from .models import CadreRelative, IncomeRecord, RiskCase


def provinces_for(user) -> QuerySet[Province]:
    level = user.scope_level
    if level == "all":
        return Province.objects.all()
    if level == "province":
        return Province.objects.filter(pk=user.province_id)
    return Province.objects.none()


def counties_for(user) -> QuerySet[County]:
    level = user.scope_level
    if level == "all":
        return County.objects.all()
    if level == "province":
        return County.objects.filter(province_id=user.province_id)
    if level == "county":
        return County.objects.filter(pk=user.county_id)
    return County.objects.none()


def townships_for(user) -> QuerySet[Township]:
    """Townships the user sees whole: a village's accountant does not see the rest of the township."""
    level = user.scope_level
    townships = Township.objects.select_related("county")
    if level == "all":
        return townships
    if level == "province":
        return townships.filter(county__province_id=user.province_id)
    if level == "county":
        return townships.filter(county_id=user.county_id)
    if level == "township":
        return townships.filter(pk=user.township_id)
    return townships.none()


def place_for(user) -> Place | None:
    """The place a user's dashboard, warnings and risk list cover."""
    level = user.scope_level
    if level == "all":
        return Place("all")
    if level == "province":
        return Place.of(user.province)
    if level == "county":
        return Place.of(user.county)
    if level == "township":
        return Place.of(user.township)
    if level == "village":
        return Place.of(Village.objects.select_related("township__county").get(pk=user.village_id))
    return None


def narrower_place(user, params) -> Place | None:
    """The user's place, or a township or village inside it named by `?township=` / `?village=`; None if not."""
    if (village_id := query_int(params.get("village"))) is not None:
        village = villages_for(user).filter(pk=village_id).first()
        return Place.of(village) if village else None
    if (township_id := query_int(params.get("township"))) is not None:
        township = townships_for(user).filter(pk=township_id).first()
        return Place.of(township) if township else None
    return place_for(user)


def claims_by_origin(village: Village) -> list[dict]:
    """Principal, cleared and balance of a village's claims by origin, sealed apart — one query."""
    rows = (with_balances(Claim.objects.filter(village=village)).order_by().values("origin", "sealed")
            .annotate(n=Count("pk"), principal_sum=Sum("principal"), cleared_sum=Sum("cleared"),
                      balance_sum=Sum("balance"))
            .order_by("sealed", "origin"))
    return list(rows)


def debts_by_origin(user, village: Village) -> list[dict]:
    rows = (debt_list(user).filter(village=village).order_by().values("origin")
            .annotate(n=Count("pk"), principal_sum=Sum("principal"), interest_sum=Sum("interest"),
                      resolved_sum=Sum("resolved"), balance_sum=Sum("balance"))
            .order_by("origin"))
    return list(rows)


def contract_states(village: Village) -> list[tuple[str, int]]:
    states = dict(Contract.objects.filter(village=village).order_by().values("state").annotate(n=Count("pk"))
                  .values_list("state", "n"))
    return [(s.value, states.get(s.value, 0)) for s in ContractState]


def income_list(user) -> QuerySet[IncomeRecord]:
    return scoped(IncomeRecord.objects.select_related("village__township", "created_by"), user).order_by(
        "-received_on", "-id")


def risk_cases(user) -> QuerySet[RiskCase]:
    return scoped(RiskCase.objects.select_related("village__township", "opened_by")
                  .annotate(task_count=Count("tasks", distinct=True),
                            tasks_done=Count("tasks", filter=Q(tasks__done_on__isnull=False), distinct=True)),
                  user).order_by(F("closed_on").desc(nulls_first=True), "-opened_on", "-id")


def risk_case_detail(user) -> QuerySet[RiskCase]:
    return risk_cases(user).prefetch_related("tasks", "reviews__reviewed_by")


def cadre_relatives(user) -> QuerySet[CadreRelative]:
    return scoped(CadreRelative.objects.select_related("party__village__township", "flagged_by"), user,
                  "party__village")


def parties_of(village: Village) -> QuerySet[Party]:
    return Party.objects.filter(village=village).order_by("name", "pk")


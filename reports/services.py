"""Every write of the reports app: settings, income records, cadre-relative flags, key-village plans."""
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from core import permissions as perms
from core.audit import acting_as
from core.services import (
    lock_for_write,
    record_create,
    record_delete,
    record_update,
    require_perm,
    require_village_in_scope,
)
from places.models import County, Village
from villages.models import Party

from .measures import Place
from .models import CadreRelative, IncomeRecord, Level, ReportSettings, RiskCase, RiskReview, RiskTask
from .risk import village_risks


@transaction.atomic
def report_settings_update(*, user, county: County, data: dict[str, Any]) -> ReportSettings:
    require_perm(user, perms.RULES_CHANGE, message="只有县农经中心可以修改考核与风险参数。")
    if user.scope_level != "all" and user.county_id != county.pk:
        raise PermissionDenied("只能修改本县的参数。")
    existing = ReportSettings.objects.filter(county=county).first()
    if existing is None:
        return record_create(ReportSettings, user=user, data={"county": county, **data})
    return record_update(existing, user=user, data=data)


# --- Income records ------------------------------------------------------------------------------


@transaction.atomic
def income_record_create(*, user, data: dict[str, Any]) -> IncomeRecord:
    require_perm(user, perms.INCOME_EDIT, message="您的角色不能登记新增收入。")
    require_village_in_scope(user, data["village"])
    if data["received_on"] > timezone.localdate():
        raise ValidationError({"received_on": "收入日期不能晚于今天。"})
    return record_create(IncomeRecord, user=user, data={**data, "created_by": user})


@transaction.atomic
def income_record_delete(*, user, record: IncomeRecord) -> None:
    locked = lock_for_write(IncomeRecord, record, user=user, perm=perms.INCOME_EDIT,
                            message="您的角色不能删除新增收入。")
    record_delete(locked, user=user, in_use_message="该收入记录正在使用，不能删除。")


# --- Cadres' relatives ------------------------------------------------------------------------------


@transaction.atomic
def cadre_relative_flag(*, user, party: Party, relation: str, note: str = "") -> CadreRelative:
    # The party's row is held so that two cadres flagging the same person at once make one flag.
    party = lock_for_write(Party, party, user=user, perm=perms.RISK_MANAGE,
                           message="只有乡镇专班或县农经中心可以标记干部亲属。")
    if not relation.strip():
        raise ValidationError({"relation": "请写明与村干部的关系。"})
    if CadreRelative.objects.filter(party=party).exists():
        raise ValidationError({"party": "该当事人已标记为干部亲属。"})
    return record_create(CadreRelative, user=user, data=dict(party=party, relation=relation.strip(),
                                                             note=note.strip(), flagged_by=user))


@transaction.atomic
def cadre_relative_unflag(*, user, flag: CadreRelative) -> None:
    locked = lock_for_write(CadreRelative, flag, user=user, perm=perms.RISK_MANAGE,
                            message="只有乡镇专班或县农经中心可以取消标记。", path="party__village")
    record_delete(locked, user=user, in_use_message="该标记不能删除。")


# --- Key-village plans (处方单) -------------------------------------------------------------------


def _check_task(task: str, responsible: str, due_date: date | None) -> None:
    if not (task or "").strip() or not (responsible or "").strip() or due_date is None:
        raise ValidationError("每项整改任务都须写明任务、责任人和完成时限。")


@transaction.atomic
def risk_case_open(*, user, village: Village, risk_class: str, problems: str,
                   tasks: list[tuple[str, str, date]], opened_on: date | None = None) -> RiskCase:
    """Put a flagged village on the key-village list in one class, with its plan.

    The level and the figures it was listed on are taken from the village's figures now.
    """
    require_perm(user, perms.RISK_MANAGE, message="只有乡镇专班或县农经中心可以制定处方单。")
    require_village_in_scope(user, village)
    if village.is_township_body:
        raise ValidationError("乡镇本级不参加重点村分类管理。")
    risk = village_risks(Place.of(village))[0].of(risk_class)
    if risk.level == Level.GREEN:
        raise ValidationError(f"该村在“{risk.label}”类别为绿色，无需列入重点村管理。")
    if not problems.strip():
        raise ValidationError({"problems": "请写明存在的问题。"})
    if not tasks:
        raise ValidationError("请至少列出一项整改任务。")
    for task in tasks:
        _check_task(*task)
    # The model's constraint refuses a second open plan in the same class (checked by full_clean).
    case = record_create(RiskCase, user=user, data=dict(
        village=village, risk_class=risk_class, level=risk.level, figures=risk.figures[:300],
        problems=problems.strip(), opened_on=opened_on or timezone.localdate(), opened_by=user))
    for task, responsible, due_date in tasks:
        record_create(RiskTask, user=user, data=dict(case=case, task=task.strip(), responsible=responsible.strip(),
                                                     due_date=due_date))
    return case


def _lock_open_case(user, case: RiskCase) -> RiskCase:
    locked = lock_for_write(RiskCase, case, user=user, perm=perms.RISK_MANAGE,
                            message="只有乡镇专班或县农经中心可以办理处方单。")
    if not locked.is_open:
        raise ValidationError("该处方单已销号。")
    return locked


@transaction.atomic
def risk_task_add(*, user, case: RiskCase, task: str, responsible: str, due_date: date) -> RiskTask:
    locked = _lock_open_case(user, case)
    _check_task(task, responsible, due_date)
    return record_create(RiskTask, user=user, data=dict(case=locked, task=task.strip(),
                                                        responsible=responsible.strip(), due_date=due_date))


@transaction.atomic
def risk_task_done(*, user, task: RiskTask, done_on: date, note: str = "") -> RiskTask:
    case = _lock_open_case(user, task.case)
    task = RiskTask.objects.select_for_update().get(pk=task.pk, case=case)
    if done_on > timezone.localdate():
        raise ValidationError({"done_on": "完成日期不能晚于今天。"})
    if task.done_on:
        raise ValidationError("该任务已完成。")
    return record_update(task, user=user, data={"done_on": done_on, "done_note": note.strip()})


@transaction.atomic
def risk_case_review(*, user, case: RiskCase, reviewed_on: date, findings: str, passed: bool) -> RiskReview:
    """复核. A passed review (整改到位) closes the plan and takes the village off the list in this class."""
    locked = _lock_open_case(user, case)
    if not findings.strip():
        raise ValidationError({"findings": "请填写复核意见。"})
    if reviewed_on > timezone.localdate() or reviewed_on < locked.opened_on:
        raise ValidationError({"reviewed_on": "复核日期须在列入日期之后、今天之前。"})
    if passed and locked.tasks.filter(done_on__isnull=True).exists():
        raise ValidationError("尚有整改任务未完成，不能销号。")
    review = RiskReview(case=locked, reviewed_on=reviewed_on, findings=findings.strip(), passed=passed,
                        reviewed_by=user)
    review.full_clean()
    with acting_as(user):
        review.save()
    if passed:
        record_update(locked, user=user, data={"closed_on": reviewed_on})
    return review

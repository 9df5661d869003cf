"""Democratic-procedure resolutions (DOMAIN.md §7): the database decides whether
one passes (at least 2/3 present, more than half of those in favour) and
refuses counts that cannot be."""
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from contracts.factories import ContractFactory, ResolutionFactory
from contracts.models import ContractProblem, Resolution
from contracts.services import resolution_create, resolution_update
from core.models import AuditEntry


def counts(expected, present, votes_for, against=0, abstain=0):
    return dict(members_expected=expected, members_present=present, votes_for=votes_for,
                votes_against=against, votes_abstain=abstain)


def resolution_data(personas, **fields):
    return {"village": personas.yukou, "title": "四荒地发包方案", "resolved_on": date(2025, 4, 8),
            **counts(45, 30, 16, 10, 4), **fields}


def passed_in_database(resolution):
    resolution.refresh_from_db()
    return resolution.passed


@pytest.mark.parametrize(("expected", "present", "votes_for", "passes"), [
    (45, 30, 16, True),    # exactly 2/3 present
    (45, 29, 16, False),   # one fewer
    (45, 45, 45, True),
    (30, 30, 15, False),   # exactly half in favour
    (30, 30, 16, True),    # more than half
    (3, 2, 2, True),
    (3, 1, 1, False),
])
def test_the_database_decides_whether_a_resolution_passes(personas, expected, present, votes_for, passes):
    resolution = ResolutionFactory(village=personas.yukou, **counts(expected, present, votes_for))
    assert passed_in_database(resolution) is passes


def test_two_thirds_present_exactly_is_a_quorum(personas):
    resolution = resolution_create(user=personas.accountant, data=resolution_data(personas))
    assert passed_in_database(resolution) is True
    assert resolution.quorum_met and resolution.majority_met


def test_one_member_short_of_two_thirds_is_no_quorum(personas):
    resolution = resolution_create(user=personas.accountant,
                                   data=resolution_data(personas, **counts(45, 29, 16, 9, 4)))
    assert passed_in_database(resolution) is False
    assert not resolution.quorum_met


def test_half_of_those_present_in_favour_is_not_enough(personas):
    resolution = resolution_create(user=personas.accountant,
                                   data=resolution_data(personas, **counts(45, 30, 15, 15, 0)))
    assert passed_in_database(resolution) is False
    assert resolution.quorum_met and not resolution.majority_met


def test_changing_the_votes_is_reflected_in_the_database_result(personas):
    resolution = resolution_create(user=personas.accountant,
                                   data=resolution_data(personas, **counts(45, 30, 15, 15, 0)))
    resolution_update(user=personas.cadre, resolution=resolution, data={"votes_for": 16, "votes_against": 14})
    assert passed_in_database(resolution) is True


def test_a_typed_result_cannot_override_the_counts(personas):
    resolution = ResolutionFactory(village=personas.yukou, **counts(45, 20, 20))
    resolution.passed = True
    resolution.save()
    Resolution.objects.filter(pk=resolution.pk).update(passed=True)
    assert passed_in_database(resolution) is False


@pytest.mark.parametrize(("fields", "message"), [
    (counts(45, 46, 30, 10, 6), "实到人数不能多于应到人数。"),
    (counts(45, 30, 20, 10, 1), "赞成、反对、弃权合计不能多于实到人数。"),
    (counts(45, 30, 31), "赞成、反对、弃权合计不能多于实到人数。"),
])
def test_impossible_counts_are_refused_and_nothing_is_saved(personas, fields, message):
    audit_rows = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as refused:
        resolution_create(user=personas.accountant, data=resolution_data(personas, **fields))
    assert message in refused.value.messages
    assert not Resolution.objects.exists()
    assert AuditEntry.objects.count() == audit_rows


def test_full_clean_names_the_impossible_count_in_chinese(personas):
    resolution = Resolution(**resolution_data(personas, **counts(45, 46, 30)))
    with pytest.raises(ValidationError, match="实到人数不能多于应到人数"):
        resolution.full_clean()


def test_an_update_to_impossible_counts_is_refused_and_the_old_counts_stay(personas):
    resolution = resolution_create(user=personas.accountant, data=resolution_data(personas))
    with pytest.raises(ValidationError, match="赞成、反对、弃权合计不能多于实到人数"):
        resolution_update(user=personas.accountant, resolution=resolution, data={"votes_for": 27})
    resolution.refresh_from_db()
    assert (resolution.votes_for, resolution.passed) == (16, True)


@pytest.mark.parametrize("fields", [counts(45, 46, 30), counts(45, 30, 31)])
def test_the_database_itself_refuses_impossible_counts(personas, fields):
    with pytest.raises(IntegrityError):
        with transaction.atomic():
            Resolution.objects.create(village=personas.yukou, title="越权写入", resolved_on=date(2025, 4, 8),
                                      **fields)


def test_a_meeting_with_nobody_expected_is_refused(personas):
    with pytest.raises(ValidationError, match="应到人数至少为1"):
        resolution_create(user=personas.accountant, data=resolution_data(personas, **counts(0, 0, 0)))


@pytest.mark.parametrize("who", ["inspector", "collector"])
def test_read_only_roles_cannot_record_a_resolution(personas, who):
    with pytest.raises(PermissionDenied, match="不能登记民主决策记录"):
        resolution_create(user=getattr(personas, who), data=resolution_data(personas))
    assert not Resolution.objects.exists()


def test_recording_a_resolution_is_audited_with_its_author(personas):
    resolution = resolution_create(user=personas.accountant, data=resolution_data(personas))
    entry = AuditEntry.objects.get(content_type__model="resolution", object_id=resolution.pk)
    assert (entry.action, entry.actor) == (AuditEntry.Action.CREATE, personas.accountant)
    assert resolution.created_by == personas.accountant
    assert entry.village_id == personas.yukou.pk


def test_a_resolution_that_comes_to_pass_withdraws_the_procedure_problem_of_its_contracts(personas):
    resolution = ResolutionFactory(village=personas.yukou, **counts(45, 29, 16))
    contract = ContractFactory(village=personas.yukou, resolution=resolution)
    resolution_update(user=personas.accountant, resolution=resolution, data={"members_present": 29})
    assert contract.problems.filter(code="P02", status=ContractProblem.Status.PROPOSED).exists()

    resolution_update(user=personas.accountant, resolution=resolution, data={"members_present": 30})
    assert not contract.problems.filter(code="P02").exists()

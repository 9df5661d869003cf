"""Contracts written many at a time (a ledger import), under the same rules as the one-record services in
services.py: the model's own rules and contracts/validation.py on every row, inserts in batches, and audit
entries as if each row had been saved alone.

The caller has already checked the user's rights and scope for every row, and the workflow a row may be
recorded at (an import checks them per row, and runs with administrator rights from the command line).
"""
from django.db import transaction

from core.bulk import BulkAudit, FastInsert, audited, bulk_insert, insert_checked, validate_many
from villages.models import Parcel

from .models import Contract, ContractProblem, Disposition, Resolution, ResolutionSubject
from .validation import check_subjects

PROBLEM_COLUMNS = ["contract", "code", "reason", "from_rule", "status", "decision_note", "decided_by", "decided_at"]
PLACEHOLDER_NOTE = "台账记载已履行民主程序；决议日期、到会和表决人数待补录。"


def resolution_placeholder(*, user, village, title: str) -> Resolution:
    """A democratic-procedure record a ledger says was held, its date and counts to be entered later.
    With no counts it never passes, so nothing that needs a passed resolution can rest on it."""
    return Resolution(village=village, subject=ResolutionSubject.CONTRACT, details_pending=True,
                      title=title[:180] + "（台账导入）", members_expected=0, members_present=0, votes_for=0,
                      created_by=user, note=PLACEHOLDER_NOTE)


@transaction.atomic
def resolution_placeholders_create(*, user, resolutions: list[Resolution],
                                   audit: BulkAudit | None = None) -> list[Resolution]:
    # A placeholder has no members yet: the "at least one member" validator is for details entered on the page.
    audited(user, audit, lambda writer: bulk_insert(Resolution, resolutions, writer, exclude=("members_expected",)))
    for placeholder in resolutions:
        placeholder.passed = False     # computed by the database; a placeholder never passes
    return resolutions


@transaction.atomic
def parcels_create(*, user, parcels: list[Parcel], audit: BulkAudit | None = None) -> list[Parcel]:
    return audited(user, audit, lambda writer: bulk_insert(Parcel, parcels, writer))


@transaction.atomic
def contracts_create(*, user, contracts: list[Contract], parcels: list[list], assets: list[list],
                     problems: list[ContractProblem] = (), dispositions: list[Disposition] = (),
                     extras: list[dict] | None = None, audit: BulkAudit | None = None) -> list[Contract]:
    """New contracts with their subjects (`parcels[i]`, `assets[i]` for `contracts[i]`), the problems and
    dispositions they are recorded with, each checked as `contract_register` and the model check one.
    `extras[i]` is what the contract's own audit entry lists of its links and parts."""
    for contract, its_parcels, its_assets in zip(contracts, parcels, assets, strict=True):
        check_subjects(contract.village, its_parcels, its_assets)
    validate_many(contracts)
    insert_checked(FastInsert(Contract), contracts)
    FastInsert(Contract.parcels.through, ["contract", "parcel"]).insert(
        [contract.pk, parcel.pk] for contract, its in zip(contracts, parcels, strict=True) for parcel in its)
    FastInsert(Contract.assets.through, ["contract", "asset"]).insert(
        [contract.pk, asset.pk] for contract, its in zip(contracts, assets, strict=True) for asset in its)
    validate_many(problems)
    # Problems and dispositions are listed in their contract's own entry (`extras`), not one entry each.
    FastInsert(ContractProblem, PROBLEM_COLUMNS).insert_objects(problems)
    validate_many(dispositions)
    Disposition.objects.bulk_create(dispositions, batch_size=1000)
    extras = extras or [None] * len(contracts)
    audited(user, audit, lambda writer: [writer.created(contract, extra)
                                          for contract, extra in zip(contracts, extras, strict=True)])
    return contracts

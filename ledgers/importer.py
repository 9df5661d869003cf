"""Preview and commit of a ledger file: one service for the upload page, the job and the command.

`preview` reads the sheet and plans every row against the database without
writing: which records it creates, which it updates (and what changes),
which stay as they are, and every error as `第 12 行 「年承包费(元)」: 无法识别的金额 "一千二"`.
`commit` plans again (the database may have moved on since the preview) and,
only when there is no error, writes everything in one transaction.

Writing is in bulk: records are matched by their key within a village
(合同编号, 债权编号, 债务编号, 地块编号; parties by ID number, else by name)
with a few queries for the whole file, new records are inserted in batches,
and each new record gets its own "新建" audit entry, written in bulk too. A
record that changes is updated one by one through the services, so its
audit entry shows the old and the new values.
"""
from datetime import date

from django.db import transaction
from django.utils import timezone

from core.audit import acting_as

from . import kinds as K
from .plan_contracts import ContractPlanner
from .plan_money import ClaimPlanner, DebtPlanner
from .plan_places import ParcelPlanner, PlacePlanner
from .planning import Outcome, Rights
from .reader import read_isolated
from .reading import BadFile, Sheet, read_sheet

PLANNERS = {"places": PlacePlanner, "parcels": ParcelPlanner, "contracts": ContractPlanner, "claims": ClaimPlanner,
            "debts": DebtPlanner}


class ImportRefused(Exception):
    """Commit refused: the file has errors (the outcome lists them)."""

    def __init__(self, outcome):
        super().__init__(f"{outcome.error_count} errors")
        self.outcome = outcome


# --- Entry points -----------------------------------------------------------------------------------


def parse(path, kind: str, *, report=None) -> Sheet:
    """Read the file into a sheet of raw values, in this process (raises BadFile). For files someone
    chose on the command line and for tests; an upload is read by `parse_apart`."""
    return read_sheet(path, K.KINDS[kind].read_columns, report=report)


def parse_apart(path, kind: str, target, *, report=None, stats: dict | None = None) -> Sheet:
    """Read the file as `parse` does, but in a reader process under a memory ceiling and a time limit
    (ledgers/reader.py), keeping what was read at `target`. Raises BadFile, also for a file that makes the
    reader run out of memory or time."""
    return read_isolated(path, K.KINDS[kind].read_columns, target, report=report, stats=stats)


def preview(sheet: Sheet, kind: str, rights: Rights, *, today: date | None = None, report=None,
            release: bool = False, decisions: dict | None = None) -> Outcome:
    """Plan every row without writing. `release`: the caller is done with the sheet, whose raw rows
    may be let go as they are read. `decisions`: the user's answers for rows that may be records already
    registered under other numbers ({row: existing pk, or 0: a new record})."""
    planner = PLANNERS[kind](sheet, rights, today or timezone.localdate(), report)
    planner.owns_sheet = release
    planner.decisions = decisions or {}
    planner.plan()
    planner.finish()
    return planner.outcome


def commit(sheet, kind: str, rights: Rights, *, today: date | None = None, report=None,
           decisions: dict | None = None) -> Outcome:
    """Plan again and write, all or nothing. Raises ImportRefused when any row has an error.

    `sheet` may be a function that loads it: then the raw rows are let go once planned, before writing.
    """
    planner = PLANNERS[kind](sheet() if callable(sheet) else sheet, rights, today or timezone.localdate(), report)
    planner.owns_sheet = callable(sheet)
    planner.decisions = decisions or {}
    sheet = None
    with transaction.atomic():
        with planner.timed("plan"):
            planner.plan()
        planner.sheet = None
        planner.finish()
        if not planner.outcome.ok:
            raise ImportRefused(planner.outcome)
        with acting_as(rights.user):
            planner.write()
        with planner.timed("audit"):
            planner.audit.flush()
    planner.outcome.committed = True
    planner.outcome.timings = {**planner.timings, "audit (all)": planner.audit.seconds}
    return planner.outcome


__all__ = ["BadFile", "ImportRefused", "Outcome", "Rights", "commit", "parse", "parse_apart", "preview"]

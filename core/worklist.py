"""Work that waits for someone (待办): a registry each app fills from its `AppConfig.ready`.

A kind of work names the right a user needs to do it, the list page where it is done (filtered to
exactly the records counted), and whether a read-only user (the inspector) is shown it to watch. Its
source counts the kinds it is asked for in a few queries: the to-do page and the navigation's badge
(reports.todo) ask only for the kinds the user may act on or watch, so a role with nothing to do costs
nothing. Core keeps the registry and names no domain module.
"""
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from django.urls import reverse


@dataclass(frozen=True)
class WorkKind:
    key: str
    section: str        # the heading it is listed under: 合同清理, 函件与异议, 清收与时效, 台账导入
    title: str
    help: str
    perm: str           # the right that does this work (core.permissions)
    url_name: str       # the list where it is done...
    query: str          # ...filtered to exactly the records counted
    order: int
    watch: bool = False  # shown, read-only, to users who change nothing

    @property
    def url(self) -> str:
        path = reverse(self.url_name)
        return f"{path}?{self.query}" if self.query else path


# counts(user, kinds, today) -> {kind.key: number of records waiting}, for the kinds asked for only.
Counter = Callable[[object, Sequence[WorkKind], date], dict[str, int]]


@dataclass(frozen=True)
class WorkSource:
    kinds: tuple[WorkKind, ...]
    counts: Counter


_SOURCES: list[WorkSource] = []


def register_work(kinds: Sequence[WorkKind], counts: Counter) -> None:
    keys = {kind.key for source in _SOURCES for kind in source.kinds}
    if clash := keys & {kind.key for kind in kinds}:
        raise ValueError(f"work registered twice: {', '.join(sorted(clash))}")
    _SOURCES.append(WorkSource(tuple(kinds), counts))


def work_sources() -> list[WorkSource]:
    return list(_SOURCES)

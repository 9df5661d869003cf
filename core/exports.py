"""List exporters: what a list page writes to Excel and prints (core.pdf.lists), registered by the app that
owns the list.

An exporter is built from a user and the list's filter values (the query string of the page), never
from a request, so that a long export runs as a job exactly as the click that asked for it: it reads
through the app's scoped selector and the list's filterset, so the rows are the rows the page lists.
Each app registers its exporters with `@exporter` in its own `exports.py`, imported from its
`AppConfig.ready`; a list page names its exporter by key.
"""
from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from decimal import Decimal

from django.db.models import Model
from django.http import QueryDict
from django.utils import timezone

from .bounds import query_int
from .jobs import JobError, job_add_file, job_runner
from .permissions import CLAIM_MANAGE, ID_NUMBER_VIEW, has_perm
from .xlsx import Column, Sheet, stream_workbook

# Query parameters of a list page that are not filters.
_NOT_FILTERS = ("page", "format")


class Exporter:
    """One list's export: its columns and rows for every record the user's filters select."""

    key = ""              # how list views and jobs name it
    name = ""             # shown to users: the sheet's title, the file name, the job's title
    list_view = ""        # URL name of the list page it exports (jobs queued by older versions name it)
    selection = ""        # the parameter carrying the ids of the rows ticked on the list ("导出所选"), if any
    filterset_class = None

    def __init__(self, user, data: Mapping | None = None):
        self.user = user
        self.data = _filter_values(data)
        self._filterset = None
        # Given at all, the selection is what is exported, even when none of its values is an id.
        self.selecting = bool(self.selection and self.data.getlist(self.selection))
        self.selected = sorted({pk for pk in (query_int(v) for v in self.data.getlist(self.selection)) if pk}
                               if self.selecting else [])

    # --- What a subclass declares -----------------------------------------------------------

    def get_queryset(self):
        """The records the list page starts from: the app's selector for `self.user`."""
        raise NotImplementedError

    def columns(self) -> list[Column]:
        raise NotImplementedError

    def rows(self, records) -> Iterable[list]:
        """One list of cell values per record, in the order of `columns`."""
        raise NotImplementedError

    def prepare(self, queryset):
        """The filtered queryset with what the rows need loaded in bulk."""
        return queryset

    # --- Shared -------------------------------------------------------------------------------

    def masked(self) -> bool:
        return not has_perm(self.user, ID_NUMBER_VIEW)

    @property
    def filterset(self):
        if self._filterset is None:
            # The list's filtersets read only the user from their request (scoped choices, ID search).
            self._filterset = self.filterset_class(self.data or None, queryset=self.get_queryset(),
                                                   request=_Asker(self.user))
        return self._filterset

    def queryset(self):
        """Every record the filters select (of the rows ticked, when some were); a value a filter cannot use
        is ignored, as on the list page."""
        if self.selecting:
            return self.filterset.qs.filter(pk__in=self.selected)
        return self.filterset.qs

    def conditions(self) -> list[str]:
        """The filters in force, in words (`清理状态：已认定`), in the order of the list's filter bar.

        A value a filter cannot use is left out, as the list page ignores it; the others still apply."""
        filterset = self.filterset
        if not filterset.is_bound:
            return []
        form = filterset.form
        form.errors  # noqa: B018  (validates, so that cleaned_data holds the values the filters used)
        chosen = []
        for name, value in getattr(form, "cleaned_data", {}).items():
            if value not in (None, "", [], ()) and name in form.fields:
                chosen.append(f"{form.fields[name].label}：{_shown(form.fields[name], value)}")
        return chosen

    def printed_title(self) -> str:
        """What a printed list is called: 合同台账 is printed as 合同清单, 函件 as 函件清单."""
        return f"{self.name.removesuffix('台账')}清单"

    def subtitle(self) -> str:
        chosen = self.conditions()
        return "　".join([f"{self.user.scope_name}", f"导出于 {timezone.localtime():%Y-%m-%d %H:%M}",
                         *([f"列表中勾选的 {len(self.selected)} 条"] if self.selecting else []),
                         *(["筛选 " + "；".join(chosen)] if chosen else [])])

    def filename(self) -> str:
        return f"{self.name}-{timezone.localtime():%Y%m%d-%H%M}.xlsx"

    def all_rows(self, report=None, *, every: int = 5000, doing: str = "已写出") -> Iterator[list]:
        """The cells of every record the filters select, read a chunk at a time; `report(done, total, message)`,
        when given, hears of the progress every `every` rows."""
        queryset = self.queryset()
        total = queryset.count() if report else 0
        done = 0
        for row in self.rows(self.prepare(queryset).iterator(chunk_size=2000)):
            done += 1
            if report and done % every == 0:
                report(done, total, f"{doing} {done:,} / {total:,} 行")
            yield row

    def content(self, report=None) -> bytes:
        """The workbook; `report(done, total, message)`, when given, hears of the progress."""
        return stream_workbook([Sheet(self.name, self.columns(), self.all_rows(report), self.subtitle())])

    def job_params(self) -> dict:
        return {"exporter": self.key, "query": self.data.urlencode()}


class _Asker:
    """Who asks for the export, in the one attribute a filterset reads of its request."""

    def __init__(self, user):
        self.user = user


def _filter_values(data: Mapping | None) -> QueryDict:
    values = QueryDict(mutable=True)
    if data is None:
        return values
    for name in data:
        if name in _NOT_FILTERS:
            continue
        if isinstance(data, QueryDict):
            items = data.getlist(name)
        else:
            value = data[name]
            items = value if isinstance(value, list | tuple) else [value]
        values.setlist(name, [str(item) for item in items])
    return values


def _shown(field, value) -> str:
    """A filter's value as its field shows it: a choice's label, a village's name, 是/否, a date as 2026-03-01."""
    if isinstance(value, list | tuple):
        return "、".join(_shown(field, item) for item in value)
    if isinstance(value, Model):
        return str(value)  # without reading the field's whole queryset of choices
    choices = dict(getattr(field, "choices", None) or getattr(field.widget, "choices", None) or [])
    if isinstance(value, bool):
        for key in (value, str(value).lower(), str(value)):
            if key in choices:
                return str(choices[key])
        return "是" if value else "否"
    if isinstance(value, date):
        return f"{value:%Y-%m-%d}"
    if isinstance(value, Decimal) and value == value.to_integral_value():
        value = int(value)
    return str(choices.get(value, choices.get(str(value), value)))


# --- The registry ------------------------------------------------------------------------------

_exporters: dict[str, type[Exporter]] = {}


def exporter(cls: type[Exporter]) -> type[Exporter]:
    """Class decorator: register a list exporter under its key."""
    if not cls.key or not cls.name:
        raise TypeError(f"{cls.__qualname__} needs a key and a name")
    known = _exporters.get(cls.key)
    if known and (known.__module__, known.__qualname__) != (cls.__module__, cls.__qualname__):
        raise TypeError(f"Two exporters for {cls.key!r}: {known.__qualname__} and {cls.__qualname__}")
    _exporters[cls.key] = cls
    return cls


def exporter_for(key: str) -> type[Exporter]:
    try:
        return _exporters[key]
    except KeyError:
        raise LookupError(f"No exporter registered under {key!r}") from None


def exporter_keys() -> list[str]:
    return sorted(_exporters)


def exporter_of_job(params: dict) -> type[Exporter]:
    if key := params.get("exporter"):
        if key in _exporters:
            return _exporters[key]
    elif view := params.get("view"):
        # Queued before exporters were named: the job named the list page it came from.
        for cls in _exporters.values():
            if cls.list_view == view:
                return cls
    raise JobError("系统已不再支持这种导出，无法继续。请回到列表页重新导出。")


@job_runner("list-export", restart_permission=CLAIM_MANAGE)
def run_list_export_job(job, report) -> dict:
    """The background job of a long list export: the same exporter, filters and user as the click that asked."""
    exporter_class = exporter_of_job(job.params)
    export = exporter_class(job.created_by, QueryDict(job.params.get("query", "")))
    content = export.content(report=report)
    job_add_file(job, export.filename(), content)
    return {"rows": export.queryset().count()}

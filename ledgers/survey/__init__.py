"""The first read of an uploaded workbook, before anyone says which column is which (DOMAIN.md §13): what is
in it, in the township's own layout, for the mapping step (ledgers/mapping.py) and its preview.

`survey(path, kind, saved=..., villages=...)` reads every visible sheet (a hidden sheet is named, not read)
into a `SheetSurvey`:

- the title rows above the header, kept as text ("峪口镇峪口村农村集体经济合同清理台账", "填报单位：峪口镇经管站",
  "单位：万元"), and the sheet's place: the township and village the sheet name or the title names, found
  among `villages` (a name without its 村/镇 also matches; two candidates, or a sheet name and a title that
  disagree, are reported and give no default);
- the header: the row among the first header.HEADER_ROWS that scores best (how many of its cells
  mapping.suggest recognises, then how many look like labels), or two rows when a parent cell is merged
  over sub-columns (`承包期限` over `起`, `止`), header cells are merged down over both, or the lower row
  holds the units: `承包期限/起`, `四至/东至`, `合同金额/（万元）` (header.py);
- the units: a unit row (`单位：万元`, `金额单位：元 面积单位：亩`) and the unit a header states
  (mapping.header_unit), per column;
- the columns: index, letter, composed header, header_key, up to SAMPLES values from the data rows, unit,
  hidden, mapping.suggest_all's suggestion (with the county's `saved` mapping), and how many of its cells
  were filled from a merged cell;
- the data rows: counted, not kept. A cell merged down over rows (a village down the side) is filled
  into each row below it; the rows passed over are counted by reason, with their numbers (the row of
  column numbers, 合计/小计/总计 rows, signature footers, notes, blank rows, the template's 示例 rows).

`SheetSurvey.to_sheet(mapping)` reads the sheet a second time into the reading.Sheet the planners take
(columns in the kind's order; 乡镇 and 村 filled from the sheet's place when no column holds them; a period
in one cell split; the four sides joined into 四至; 万元 columns marked for conversion), so that
importer.preview and importer.commit run on it unchanged.

Memory stays modest: a survey keeps samples and counts; the rows are read again, streamed, by `to_sheet`.

The package: xlsx.py reads a sheet's XML (with expat, as openpyxl reads it but faster; every file first
passes reading.check_file), header.py finds the header and the unit row, rows.py tells data rows from the
rest and fills merged cells, gazetteer.py finds the sheet's place, convert.py makes the planners' Sheet.
The database is read only for the places (`villages`); the county's `saved` mapping is passed in.
"""
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import SimpleNamespace

from django.conf import settings
from openpyxl.utils import get_column_letter

from .. import formats
from .. import kinds as K
from ..mapping import Suggestion, column_type, header_key, header_unit, suggest, suggest_all
from ..reading import EXAMPLES_KEPT, UNCOMPUTED, BadFile, Sheet, check_file, text
from . import header as H
from .convert import Plan
from .gazetteer import Gazetteer, Place
from .rows import EXAMPLE, REASONS, Passed, classified, empty, listed
from .xlsx import XlsxBook

SAMPLES = 5               # values kept per column
DISTINCT = 60             # a column's text values counted (for the coded values a list does not know) up to so many


def open_book(path: Path, fmt: str = formats.XLSX, original_name: str = ""):
    """The workbook as the survey reads it: `.sheets` ((title, hidden)), `.rows(title)` (each source with
    `merges()`, `hidden_columns()`, `done()`, `size`, `close()`), `.close()`. An .xlsx by expat (xlsx.py),
    the other formats by formats.py."""
    if fmt == formats.XLSX:
        return XlsxBook(path)
    return formats.open_book(path, fmt, original_name=original_name)

__all__ = ["Column", "Passed", "Place", "SheetSurvey", "Survey", "survey"]


# --- What a survey finds -------------------------------------------------------------------------------


@dataclass
class Column:
    """One column of a sheet as the file has it. `index` counts from 0 (A is 0); `header` is composed over
    a two-row header (`承包期限/起`); `unit` is 元, 万元, 亩, 平方米 or 公顷, from the header itself or the
    unit row (`unit_from` says which); `filled` is how many data rows got this column's value from a cell
    merged down over them."""

    index: int
    letter: str
    header: str
    key: str
    samples: list = field(default_factory=list)
    hidden: bool = False
    unit: str | None = None
    unit_from: str = ""
    suggestion: object = None           # mapping.Suggestion
    filled: int = 0
    uncomputed: int = 0
    # Each text value and how often it occurs, for a column of at most DISTINCT of them (None: more).
    values: dict | None = field(default_factory=dict)

    def as_json(self) -> dict:
        found = {name: getattr(self, name) for name in ("index", "letter", "header", "key", "hidden", "unit",
                                                        "unit_from", "filled", "uncomputed", "values")}
        found["samples"] = [_sample(v) for v in self.samples]
        found["suggestion"] = asdict(self.suggestion) if self.suggestion is not None else None
        return found

    @classmethod
    def from_json(cls, data: dict) -> "Column":
        column = cls(**{k: v for k, v in data.items() if k != "suggestion"})
        column.suggestion = Suggestion(**data["suggestion"]) if data.get("suggestion") else None
        return column


@dataclass
class SheetSurvey:
    """One visible sheet: see the module's notes. `header_rows` are the header's first and last Excel rows;
    `rows` the data rows; `missing` the kind's required columns no header was given (乡镇 and 村 are not
    missing when the sheet's place gives them)."""

    name: str
    kind: str
    titles: list[str]
    header_rows: tuple[int, int]
    columns: list[Column]
    place: Place
    unit_row: str = ""
    money_unit: str | None = None
    area_unit: str | None = None
    missing: list[str] = field(default_factory=list)
    rows: int = 0
    passed: list[Passed] = field(default_factory=list)
    hidden_rows: Passed = field(default_factory=lambda: Passed("隐藏的行"))
    # For the second read: the file, the merged cells below the header (first row, column, last row), and
    # the column the total rows are told by.
    path: Path | None = None
    merged: list[tuple[int, int, int]] = field(default_factory=list, repr=False)
    first_index: int = 0
    fmt: str = formats.XLSX
    original_name: str = ""
    kept: object = field(default=None, repr=False)      # Kept: the rows read, when the survey keeps them

    _SIMPLE = ("name", "kind", "titles", "header_rows", "unit_row", "money_unit", "area_unit", "missing", "rows",
               "merged", "first_index", "fmt", "original_name")

    def as_json(self) -> dict:
        """What the survey found, as JSON (kept with the import, shown on the mapping page, and given back to
        the reader process to read the sheet by the confirmed mapping)."""
        found = {name: getattr(self, name) for name in self._SIMPLE}
        found["columns"] = [c.as_json() for c in self.columns]
        found["place"] = _place_json(self.place)
        found["passed"] = [asdict(p) for p in self.passed]
        found["hidden_rows"] = asdict(self.hidden_rows)
        found["notes"] = self.notes()
        return found

    @classmethod
    def from_json(cls, data: dict, path: Path) -> "SheetSurvey":
        found = cls(**{name: data[name] for name in cls._SIMPLE if name in data},
                    columns=[Column.from_json(c) for c in data["columns"]], place=_place_from(data["place"]))
        found.header_rows = tuple(found.header_rows)
        found.merged = [tuple(m) for m in found.merged]
        found.passed = [Passed(**p) for p in data.get("passed", [])]
        found.hidden_rows = Passed(**data.get("hidden_rows", {"reason": "隐藏的行"}))
        found.path = Path(path)
        return found

    def column(self, index: int) -> Column:
        return next(c for c in self.columns if c.index == index)

    def notes(self) -> list[str]:
        """What the preview says of the sheet before the mapping: the place, the merged cells filled, the
        rows passed over, hidden rows and columns, formulas without results."""
        found = []
        if self.place.village is not None or self.place.township is not None:
            found.append(f"本表的村：{self.place}" if self.place.village is not None else f"本表的乡镇：{self.place}")
        found.extend(self.place.notes)
        for column in self.columns:
            if column.filled:
                found.append(f"「{column.header}」{column.filled:,} 行为合并单元格，已按上一行填充")
        passed = [str(p) for p in self.passed if p.count]
        if passed:
            found.append("未作为数据读取：" + "；".join(passed))
        if self.hidden_rows.count:
            found.append(f"第 {listed(self.hidden_rows)} 行为隐藏的行，已照常读取")
        hidden = [f"{c.letter} 列「{c.header}」" for c in self.columns if c.hidden]
        if hidden:
            found.append(f"{'、'.join(hidden)}是隐藏的列")
        for column in self.columns:
            if column.uncomputed:
                found.append(f"「{column.header}」有 {column.uncomputed:,} 格公式未计算，请在 Excel 中重新计算并保存")
        return found

    def to_sheet(self, mapping: dict, *, village=None, words: dict | None = None, report=None) -> Sheet:
        """The sheet's data as reading.Sheet, for importer.preview and importer.commit: `mapping` is the
        confirmed {column index → the kind's column, a derived field (mapping.DERIVED), or None/"": not
        imported}. Without a 村 column every row is in `village` (by default the sheet's place); without a
        乡镇 column, in its township. Raises ValidationError for a mapping that cannot be read, BadFile for
        the file (as `survey`)."""
        plan = Plan(self, mapping, village, words)
        if self.kept is not None:
            book, rows = None, self.kept.replay()
        else:
            book = open_book(self.path, self.fmt, self.original_name)
            try:
                rows = book.rows(self.name)
            except BaseException:
                book.close()
                raise
        sheet = Sheet(name=self.name, header_row=self.header_rows[1], columns=plan.columns, unknown=plan.unknown,
                      notes=list(plan.notes), units=plan.units)
        limit = settings.LEDGER_MAX_ROWS
        try:
            for number, reason, cells, _filled, hidden in classified(rows, self.header_rows[1], self.first_index,
                                                                      self.merged):
                if reason is None or reason == EXAMPLE:
                    values = plan.values(number, cells, sheet.uncomputed if reason is None else [])
                    if reason == EXAMPLE:
                        if len(sheet.examples) < EXAMPLES_KEPT:
                            sheet.examples.append((number, values))
                        continue
                    sheet.rows.append((number, values))
                    if hidden:
                        plan.hidden.add(number)
                    if len(sheet.rows) + len(sheet.examples) > limit:
                        raise BadFile(f"数据超过每个文件 {limit:,} 行的上限；请按乡镇或村分成几个文件。")
                    if report and len(sheet.rows) % 2000 == 0:
                        report(rows.done(), rows.size, f"已读取 {len(sheet.rows):,} 行")
        finally:
            rows.close()
            if book is not None:
                book.close()
        sheet.notes.extend(plan.finish())
        return sheet


@dataclass
class Survey:
    """A workbook surveyed: its visible sheets with a header, the hidden sheets (not read), and the visible
    sheets passed over (name, why)."""

    path: Path
    kind: str
    sheets: list[SheetSurvey]
    hidden_sheets: list[str] = field(default_factory=list)
    passed_over: list[tuple[str, str]] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(s.rows for s in self.sheets)

    def sheet(self, name: str) -> SheetSurvey:
        return next(s for s in self.sheets if s.name == name)

    def as_json(self) -> dict:
        return {"kind": self.kind, "sheets": [s.as_json() for s in self.sheets], "hidden_sheets": self.hidden_sheets,
                "passed_over": [list(p) for p in self.passed_over]}

    @classmethod
    def from_json(cls, data: dict, path: Path) -> "Survey":
        return cls(path=Path(path), kind=data["kind"], sheets=[SheetSurvey.from_json(s, path) for s in data["sheets"]],
                   hidden_sheets=data.get("hidden_sheets", []),
                   passed_over=[tuple(p) for p in data.get("passed_over", [])])


ROW_BASE = 10_000_000     # a row's number in a workbook read into one Sheet: the sheet's base plus its row


def read_sheets(found: Survey, chosen: list, *, words: dict | None = None, report=None) -> Sheet:
    """The sheets `chosen` ((sheet name, confirmed mapping, village or None), in the file's order) read by
    their mappings into the one Sheet the planners take. With more than one, each row's number is its sheet's
    base (ROW_BASE apart) plus its row (Sheet.parts, reading.where), each sheet's 万元 columns its own
    (Sheet.sheet_units), its notes kept; the columns are every sheet's, in the kind's order."""
    read = [(found.sheet(name).to_sheet(mapping, village=village, words=words, report=report), name)
            for name, mapping, village in chosen]
    if len(read) == 1:
        return read[0][0]
    names = [c.name for c in K.KINDS[found.kind].read_columns]
    present = {c for sheet, _ in read for c in sheet.columns}
    columns = [name for name in names if name in present]
    combined = Sheet(name="、".join(name for _, name in read)[:100], header_row=read[0][0].header_row,
                     columns=columns)
    for k, (sheet, name) in enumerate(read):
        base = k * ROW_BASE
        combined.parts.append([name, base])
        at = [columns.index(c) for c in sheet.columns]

        def laid(values, at=at):
            row = [None] * len(columns)
            for position, value in zip(at, values, strict=True):
                row[position] = value
            return row

        combined.rows.extend((base + number, laid(values)) for number, values in sheet.rows)
        combined.examples.extend((base + number, laid(values)) for number, values in sheet.examples)
        combined.uncomputed.extend((base + number, column) for number, column in sheet.uncomputed)
        combined.notes.extend(sheet.notes)
        combined.unknown.extend(f"{name}：{u}" for u in sheet.unknown)
        if sheet.units:
            combined.sheet_units[name] = dict(sheet.units)
        sheet.rows = []
    return combined


def _sample(value):
    """A sample as JSON holds it: dates as text (2015-03-01), numbers and text as they are."""
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10] if not getattr(value, "hour", 0) and not getattr(value, "minute", 0) \
            else value.isoformat(sep=" ")
    if isinstance(value, float | int | str | bool) or value is None:
        return value
    return str(value)


class PlaceRef(SimpleNamespace):
    """A village or township as the reader process knows it: compared and hashed by its id and name, as the
    gazetteer compares model instances."""

    def __hash__(self):
        return hash((self.id, self.name))

    def __eq__(self, other):
        return isinstance(other, PlaceRef) and (self.id, self.name) == (other.id, other.name)


def place_object(data: dict | None):
    """A village or township as JSON ({id, name, township: {id, name}}) as an object with the attributes the
    survey reads (id, pk, name, township, township_id, is_township_body)."""
    if not data:
        return None
    township = place_object(data["township"]) if data.get("township") else None
    return PlaceRef(id=data["id"], pk=data["id"], name=data["name"], township=township,
                           township_id=township.id if township else None,
                           is_township_body=data.get("is_township_body", False))


def place_json(obj) -> dict | None:
    if obj is None:
        return None
    found = {"id": obj.pk, "name": obj.name}
    if getattr(obj, "township_id", None):
        found["township"] = {"id": obj.township.pk, "name": obj.township.name}
        found["is_township_body"] = bool(getattr(obj, "is_township_body", False))
    return found


def _place_json(place: Place) -> dict:
    return {"village": place_json(place.village), "township": place_json(place.township), "source": place.source,
            "notes": place.notes, "text": str(place)}


def _place_from(data: dict) -> Place:
    return Place(township=place_object(data.get("township")), village=place_object(data.get("village")),
                 source=data.get("source", ""), notes=data.get("notes", []))


def survey(path, kind: str, *, fmt: str = formats.XLSX, original_name: str = "", saved: dict | None = None,
           villages=None, report=None, keep_rows: bool = False) -> Survey:
    """Survey the workbook at `path` for a ledger of `kind` (see the module's notes). `saved`: the county's
    confirmed mapping (mapping.saved_mapping), for the suggestions; `villages`: the villages a sheet's place
    is looked for among (a Village queryset; by default every one); `report(done, total, message)` hears of
    the progress (bytes of the sheets' XML parsed). `fmt`: formats.py's name of the file's format (a CSV's
    one sheet is named after `original_name`). `keep_rows`: each sheet keeps the rows it read, for
    `to_sheet` to read them again without a second pass over the file. Raises BadFile, in Chinese, for a file
    that cannot be read, or none of whose sheets has a header."""
    path = Path(path)
    if kind not in K.KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    if fmt == formats.XLSX:
        check_file(path)
    if villages is None:
        from places.models import Village

        villages = Village.objects.all()
    places = Gazetteer(villages)
    book = open_book(path, fmt, original_name)
    found = Survey(path=path, kind=kind, sheets=[])
    try:
        visible = []
        for title, hidden in book.sheets:
            if hidden:
                found.hidden_sheets.append(title)
            else:
                visible.append(title)
        sizes = book.sizes(visible) if hasattr(book, "sizes") else {}
        total = sum(sizes.values()) or len(visible)
        before = 0
        for title in visible:
            rows = book.rows(title)
            if keep_rows:
                rows = Kept(rows)
            size = sizes.get(title, 1)
            progress = None
            if report:
                def progress(done, of, message, before=before, title=title, size=size):
                    report(before + round(size * done / max(of, 1)), total, f"工作表“{title}”：{message}")
            try:
                allowance = settings.LEDGER_MAX_ROWS - found.rows
                surveyed = _Surveyor(title, kind, saved, progress, allowance).read(rows)
            finally:
                before += size
                rows.close()
            if report:
                report(before, total, f"工作表“{title}”：已读取"
                                      + (f" {surveyed.rows:,} 行" if not isinstance(surveyed, str) else ""))
            if isinstance(surveyed, str):
                found.passed_over.append((title, surveyed))
                continue
            surveyed.path, surveyed.fmt, surveyed.original_name = path, fmt, original_name
            if keep_rows:
                surveyed.kept = rows
            surveyed.place = places.place(title, surveyed.titles)
            _finish(surveyed, saved)
            found.sheets.append(surveyed)
    finally:
        book.close()
    if not found.sheets:
        why = "；".join(f"工作表“{name}”{reason}" for name, reason in found.passed_over) or "没有可见的工作表"
        raise BadFile(f"没有找到表头：{why}。")
    return found


def _finish(found: SheetSurvey, saved: dict | None) -> None:
    """Suggestions (all columns together), units and what the sheet's place makes no longer missing."""
    # A hidden column with the header of a visible one is not read (the visible one is): not suggested either.
    visible = {c.key for c in found.columns if not c.hidden and c.key}
    shadowed = [c for c in found.columns if c.hidden and c.key in visible]
    read = [c for c in found.columns if c not in shadowed]
    proposal = suggest_all(found.kind, [(c.header, c.samples) for c in read], saved)
    for column in shadowed:
        column.suggestion = Suggestion(None, 1.0, "与可见的同名列重复，以可见的列为准")
    for column, suggestion in zip(read, proposal.suggestions, strict=True):
        column.suggestion = suggestion
    for column in found.columns:
        column.unit, column.unit_from = _unit(found, column, column.suggestion.column)
    given = set()
    if found.place.village is not None:
        given = {"村", "乡镇"}
    elif found.place.township is not None:
        given = {"乡镇"}
    found.missing = [name for name in proposal.missing if name not in given]


def _unit(found: SheetSurvey, column: Column, target: str | None) -> tuple[str | None, str]:
    """The column's unit: the header's own, else the unit row's for a money or area column."""
    own = header_unit(column.header)
    if own or H.states_unit(column.header):
        return own, "表头"
    what = column_type(found.kind, target) if target else ""
    if what == "money" and found.money_unit:
        return found.money_unit, f"表上方“{found.unit_row}”"
    if what == "number" and target.endswith("(亩)") and found.area_unit:
        return found.area_unit, f"表上方“{found.unit_row}”"
    return None, ""


class Kept:
    """A sheet's row source that keeps every row it yields (the survey's pass), and replays them for the
    second read (`to_sheet`) as the same kind of source."""

    def __init__(self, source, rows: list | None = None):
        self.source, self.rows = source, rows
        self.size = getattr(source, "size", 0)
        self._hidden = source.hidden_columns() if rows is not None else None
        self._merges = None
        self.read = 0

    def merges(self):
        if self._merges is None:
            self._merges = self.source.merges()
        return self._merges

    def hidden_columns(self):
        return self._hidden if self._hidden is not None else self.source.hidden_columns()

    def done(self) -> int:
        return self.read if self.rows is not None else self.source.done()

    def __iter__(self):
        if self.rows is not None:
            total = len(self.rows) or 1
            for number, (row, cells, hidden) in enumerate(self.rows, start=1):
                self.read = self.size * number // total
                yield row, cells, hidden
            return
        kept = self.kept_rows = []
        for item in self.source:
            kept.append(item)
            yield item

    def replay(self) -> "Kept":
        replay = Kept(self, getattr(self, "kept_rows", []))
        replay._merges = self.merges()
        return replay

    def close(self) -> None:
        if self.rows is None:
            self.source.close()


class _Surveyor:
    """One pass over a sheet's rows: the header among the first rows, then the data rows counted."""

    def __init__(self, name: str, kind: str, saved: dict | None, report, allowance: int):
        self.name, self.kind, self.saved, self.report = name, kind, saved, report
        self.allowance = allowance          # rows the file may still hold (LEDGER_MAX_ROWS)
        self._known: dict[str, bool] = {}

    def read(self, rows) -> SheetSurvey | str:
        """The sheet surveyed, or why it was passed over."""
        merges = rows.merges()
        iterator = iter(rows)
        head = []
        for number, cells, hidden in iterator:
            head.append((number, cells, hidden))
            if number > H.HEADER_ROWS:
                break
        if not any(any(not empty(c) for c in cells) for _, cells, _ in head):
            return "是空白的"
        grid = H.Grid(head, merges)
        chosen = H.find(grid, self._recognised)
        if chosen is None:
            return f"前 {H.HEADER_ROWS} 行中没有可识别的栏目名称"
        first, last, headers = chosen
        hidden_columns = rows.hidden_columns()
        columns = {i: Column(i, get_column_letter(i + 1), h, header_key(h), hidden=i in hidden_columns)
                   for i, h in enumerate(headers) if h}
        found = SheetSurvey(name=self.name, kind=self.kind, titles=grid.titles(first), header_rows=(first, last),
                            columns=[], place=Place(), first_index=min(columns))
        found.unit_row, found.money_unit, found.area_unit = H.unit_row(grid.cells_above(first))
        found.merged = [(top, left, bottom) for top, left, bottom, _ in merges if top > last and bottom > top]
        self._rows(found, columns, hidden_columns, rows, [r for r in head if r[0] > last], iterator)
        found.columns = [columns[i] for i in sorted(columns) if columns[i].header or columns[i].samples]
        return found

    def _recognised(self, text_: str) -> bool:
        if text_ not in self._known:
            self._known[text_] = suggest(self.kind, text_, saved=self.saved).confidence >= H.RECOGNISED
        return self._known[text_]

    def _rows(self, found: SheetSurvey, columns: dict, hidden_columns, rows, head: list, iterator) -> None:
        """Count the data rows and the rows passed over; keep each column's first samples (only the columns
        still short of them are looked at) and count its formulas without results."""
        passed = {reason: Passed(reason) for reason in REASONS}
        width = min(H.MAX_COLUMNS, max(columns) + 11)
        wanting = list(range(width))
        seen: dict[int, set] = {index: set() for index in wanting}
        counting = list(range(width))
        counts: dict[int, Counter | None] = {index: Counter() for index in counting}

        def column_at(index: int) -> Column:
            if index not in columns:
                columns[index] = Column(index, get_column_letter(index + 1), "", "", hidden=index in hidden_columns)
            return columns[index]

        for number, reason, cells, filled, hidden in classified(_chain(head, iterator), found.header_rows[1],
                                                                 found.first_index, found.merged):
            if reason is not None:
                passed[reason].add(number)
                continue
            found.rows += 1
            if found.rows > self.allowance:
                raise BadFile(f"数据超过每个文件 {settings.LEDGER_MAX_ROWS:,} 行的上限；请按乡镇或村分成几个文件。")
            if hidden:
                found.hidden_rows.add(number)
            for index in filled:
                column_at(index).filled += 1
            for index in counting:
                value = cells[index] if index < len(cells) else None
                if value.__class__ is str and value.strip():
                    tally = counts[index]
                    tally[value.strip()] += 1
                    if len(tally) > DISTINCT:
                        counting = [i for i in counting if i != index]
                        counts[index] = None
            size, full = len(cells), False
            for index in wanting:
                if index >= size:
                    break
                value = cells[index]
                if empty(value) or value is UNCOMPUTED:
                    continue
                value = value.strip() if isinstance(value, str) else value
                if text(value) not in seen[index]:
                    seen[index].add(text(value))
                    samples = column_at(index).samples
                    samples.append(value)
                    full = full or len(samples) == SAMPLES
            if full:
                wanting = [i for i in wanting if i not in columns or len(columns[i].samples) < SAMPLES]
            if UNCOMPUTED in cells:
                for index, value in enumerate(cells[:width]):
                    if value is UNCOMPUTED:
                        column_at(index).uncomputed += 1
            if self.report and found.rows % 2000 == 0:
                self.report(rows.done(), rows.size, f"已读取 {found.rows:,} 行")
        found.passed = [passed[reason] for reason in REASONS if passed[reason].count]
        for index, tally in counts.items():
            if tally is None:
                column_at(index).values = None
            elif tally:
                column_at(index).values = dict(tally.most_common())


def _chain(head: list, iterator):
    yield from head
    yield from iterator

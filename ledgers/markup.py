"""A ledger upload given back with its errors marked (DOMAIN.md §13): each cell the preview could not read
filled red, with a comment giving the reason(s), and a first sheet 错误清单 listing every error, so that
the township corrects its own file in Excel and uploads it again.

An .xlsx is the upload itself, opened with openpyxl (its layout, merged cells, formulas and other sheets
kept; openpyxl drops what it does not read, such as pictures and charts). An .xls, .et or .csv cannot be
written back: its rows, as formats.py reads them, are laid out in a new workbook, one sheet per sheet, each
value at the row number the preview named.

An error names the kind's field (`年承包费(元)`, `起始日期`, `四至`, `村`); its cell is in the file column
the sheet's confirmed mapping read that field from, or the column of the derived field that fills it
(mapping.DERIVED: 起始日期 and 终止日期 from 承包期限; 四至 from each of 东至…北至, all marked). A field no
column holds (the 村 taken from the sheet name) or an error of the whole row marks the row's first
non-empty cell from the first mapped column, its comment prefixed with the field (「村」). A comment names
the field whenever the cell's column is not that field itself. An error without a row is listed only.

A file downloaded before and uploaded again brings its marks along: they are removed first (the comments
by AUTHOR, the fill where it is still ours) and its old 错误清单 replaced, so that only this preview's
errors show.

`mark` takes plain data (no models), so that it can also run in the reader process (ledgers/reader.py).
"""
import logging
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from io import BytesIO
from math import ceil
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.hyperlink import Hyperlink

from core.files import private_storage
from core.xlsx import DATE_FORMAT, FORMULA_STARTS, Column, Sheet, _as_text, _write_sheet

from . import formats
from .mapping import DERIVED
from .reading import BadFile

log = logging.getLogger(__name__)

AUTHOR = "三资清化收"
LIST_SHEET = "错误清单"
LIST_TITLE = "错误清单："
SUFFIX = "_错误标注.xlsx"
# Excel's own "light red fill" (conditional formatting's 浅红填充).
RED_FILL = PatternFill("solid", fgColor="FFC7CE")
LINK_FONT = Font(color="0563C1", underline="single")
_NO_FILL = PatternFill()
_INVALID_TITLE = str.maketrans({c: "_" for c in "[]:*?/\\"})

GONE = "原上传文件已不在服务器上，无法生成标注文件。请重新上传台账。"
UNREADABLE = "原上传文件无法打开，无法生成标注文件。请按页面上列出的错误在 Excel 中逐一改正。"


class MarkupError(ValueError):
    """Why no marked file can be given, in Chinese, for the page to show."""


def marked_workbook(ledger_import) -> bytes:
    """The import's stored upload with its `problems` marked, as .xlsx bytes. Raises MarkupError."""
    from .reader import markup_isolated

    path = Path(private_storage().path(ledger_import.path))
    if not ledger_import.path or not path.is_file():
        raise MarkupError(GONE)
    target = Path(private_storage().path(private_storage().get_available_name(
        f"{ledger_import.path.rsplit('.', 1)[0]}.marked.xlsx")))
    try:
        return markup_isolated(path, target, fmt=ledger_import.fmt, mapping=ledger_import.mapping or {},
                               problems=ledger_import.problems or [], kind=ledger_import.kind,
                               error_count=ledger_import.error_count, original_name=ledger_import.original_name)
    except BadFile as error:
        raise MarkupError(str(error)) from None
    finally:
        target.unlink(missing_ok=True)


def download_name(ledger_import) -> str:
    """`峪口镇合同台账_错误标注.xlsx` for `峪口镇合同台账.xls`."""
    return f"{Path(ledger_import.original_name or '台账').stem}{SUFFIX}"


def mark(path: Path, *, fmt: str, mapping: dict, problems: list[dict], kind: str, error_count: int = 0,
         original_name: str = "") -> bytes:
    """The file at `path` (in `fmt`) with `problems` ({sheet, row, column, reason}) marked by `mapping`
    (LedgerImport.mapping), and the 错误清单 sheet first. Raises MarkupError."""
    try:
        if fmt == formats.XLSX:
            book, titles = _opened(path), None
        else:
            book, titles = _rebuilt(path, fmt, original_name)
    except BadFile as error:
        raise MarkupError(str(error)) from None
    except MemoryError:
        raise
    except Exception:
        # openpyxl refusing a workbook the survey's own reader could read.
        log.warning("ledger file %s could not be opened for marking", path, exc_info=True)
        raise MarkupError(UNREADABLE) from None
    sheets = _mapped_sheets(kind, mapping)
    chosen = [s for s in sheets.values() if not s.skip] or list(sheets.values())
    only = chosen[0].name if len(chosen) == 1 else ""
    cells: dict[tuple[str, int, int], list[str]] = defaultdict(list)
    merges: dict[str, _Merges] = {}
    rows = []
    for problem in problems:
        name = problem.get("sheet") or only
        title = (titles or {}).get(name, name)
        row, column, reason = problem.get("row"), problem.get("column") or "", problem.get("reason", "")
        spot = ""
        if row and name in sheets and title in book.sheetnames:
            worksheet = book[title]
            if title not in merges:
                merges[title] = _Merges(worksheet)
            for at, line in _targets(worksheet, merges[title], sheets[name], row, column, reason):
                lines = cells[(title, *at)]
                if line not in lines:
                    lines.append(line)
                spot = spot or f"{get_column_letter(at[1])}{at[0]}"
        rows.append([name or "", row or "", column, reason, spot, title])
    for (title, row, column), lines in cells.items():
        _annotate(book[title].cell(row=row, column=column), lines)
    _add_list(book, rows, error_count=max(error_count, len(problems)), original_name=original_name)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


# --- Where an error goes -------------------------------------------------------------------------------


@dataclass
class _Mapped:
    """One sheet's confirmed mapping: field → the file columns (1-based) it is read from, derived fields
    counted for the columns they fill; `fields` the field each column is mapped to; `first` and `last` the
    first and last mapped columns (the data area)."""

    name: str
    skip: bool
    columns: dict[str, list[int]] = field(default_factory=dict)
    fields: dict[int, str] = field(default_factory=dict)
    first: int = 1
    last: int = 1


def _mapped_sheets(kind: str, mapping: dict) -> dict[str, _Mapped]:
    fills = {d.name: d.fills for d in DERIVED.get(kind, ())}
    found = {}
    for chosen in mapping.get("sheets", []):
        sheet = _Mapped(chosen["name"], bool(chosen.get("skip")))
        for index, name in sorted(((int(i), f) for i, f in (chosen.get("columns") or {}).items() if f)):
            column = index + 1
            sheet.fields[column] = name
            for filled in (name, *fills.get(name, ())):
                sheet.columns.setdefault(filled, []).append(column)
        sheet.first, sheet.last = min(sheet.fields, default=1), max(sheet.fields, default=1)
        found[sheet.name] = sheet
    return found


class _Merges:
    """A sheet's merged ranges by column, for finding the range a cell is in without scanning them all (a
    ledger may merge a cell over every two rows)."""

    def __init__(self, worksheet):
        by_column = defaultdict(list)
        for merged in worksheet.merged_cells.ranges:
            for column in range(merged.min_col, merged.max_col + 1):
                by_column[column].append((merged.min_row, merged.max_row, merged.min_col))
        self.by_column = {c: sorted(spans) for c, spans in by_column.items()}
        self.starts = {c: [span[0] for span in spans] for c, spans in self.by_column.items()}

    def top(self, row: int, column: int) -> tuple[int, int] | None:
        """The top-left cell of the merged range holding (row, column), which shows (and carries the comment
        of) the whole range; None when it is not merged."""
        spans = self.by_column.get(column)
        if not spans:
            return None
        at = bisect_right(self.starts[column], row) - 1
        if at >= 0 and spans[at][1] >= row:
            return spans[at][0], spans[at][2]
        return None


def _targets(worksheet, merges: _Merges, sheet: _Mapped, row: int, column: str, reason: str):
    """(the cell as (row, column), the comment's line) for each cell an error marks."""
    columns = sheet.columns.get(column) if column else None
    if columns:
        spots = [(row, c, "" if sheet.fields[c] == column else column) for c in columns]
    else:
        spots = [(row, _first_filled(worksheet, row, sheet), column)]
    for at_row, at_column, named in spots:
        line = f"「{named}」{reason}" if named else reason
        top = merges.top(at_row, at_column)
        if top is not None and top[0] != at_row:
            line = f"第 {at_row} 行：{line}"
        yield top or (at_row, at_column), _clean(line)


def _first_filled(worksheet, row: int, sheet: _Mapped) -> int:
    """The row's first non-empty cell among the mapped columns' span (the first of them if all are empty)."""
    cells = worksheet._cells     # read without creating the empty cells openpyxl's cell() would
    for column in range(sheet.first, sheet.last + 1):
        cell = cells.get((row, column))
        if cell is not None and cell.value not in (None, ""):
            return column
    return sheet.first


def _annotate(cell, lines: list[str]) -> None:
    text = "\n".join(lines)
    if cell.comment is not None and cell.comment.author != AUTHOR:
        text = f"{text}\n——原批注：{cell.comment.text}"
    width = 260
    per_line = (width - 16) // 12      # a CJK character is about 12 px in the comment's default font
    height = 16 * sum(max(1, ceil(len(line) / per_line)) for line in text.split("\n")) + 16
    cell.comment = Comment(text, AUTHOR, height=min(height, 400), width=width)
    cell.fill = RED_FILL


def _clean(text: str) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", text)


# --- The workbook --------------------------------------------------------------------------------------


def _opened(path: Path) -> Workbook:
    """The upload itself, with the marks of an earlier download taken off."""
    # Not rich_text=True: it keeps a cell's mixed fonts but doubles the time a large ledger takes to open.
    book = load_workbook(path)
    for worksheet in list(book.worksheets):
        if _is_our_list(worksheet):
            book.remove(worksheet)
            continue
        for cell in worksheet._cells.values():
            if cell.comment is not None and cell.comment.author == AUTHOR:
                cell.comment = None
                if cell.fill == RED_FILL:
                    cell.fill = _NO_FILL
    return book


def _is_our_list(worksheet) -> bool:
    title = worksheet._cells.get((1, 1))
    return (worksheet.title.startswith(LIST_SHEET) and title is not None
            and str(title.value or "").startswith(LIST_TITLE))


def _rebuilt(path: Path, fmt: str, original_name: str) -> tuple[Workbook, dict[str, str]]:
    """An .xls, .et or .csv as a new workbook: each sheet's values as formats.py reads them, at their row
    numbers, with the merged ranges, hidden rows and hidden columns it reports. Also the title each sheet
    got (a CSV's name may be no valid sheet title)."""
    book = Workbook()
    book.remove(book.active)
    titles = {}
    with formats.open_book(path, fmt, original_name=original_name) as source:
        for name, hidden in source.sheets:
            worksheet = book.create_sheet(_title(name, book.sheetnames))
            titles[name] = worksheet.title
            if hidden:
                worksheet.sheet_state = "hidden"
            rows = source.rows(name)
            try:
                for number, values, hidden_row in rows:
                    for index, value in enumerate(values):
                        if value is not None:
                            _put(worksheet.cell(row=number, column=index + 1), value)
                    if hidden_row:
                        worksheet.row_dimensions[number].hidden = True
                for index in rows.hidden_columns():
                    worksheet.column_dimensions[get_column_letter(index + 1)].hidden = True
                for top, left, bottom, right in rows.merges() if hasattr(rows, "merges") else ():
                    if (top, left) != (bottom, right):
                        worksheet.merge_cells(start_row=top, start_column=left + 1, end_row=bottom,
                                              end_column=right + 1)
            finally:
                rows.close()
    if not book.worksheets:
        book.create_sheet("Sheet1")
    return book, titles


def _title(name: str, taken: list[str]) -> str:
    title = (name.translate(_INVALID_TITLE).strip("'") or "Sheet")[:31]
    base, n = title, 1
    while title in taken or title == LIST_SHEET:
        n += 1
        title = f"{base[:31 - len(str(n)) - 2]}({n})"
    return title


def _put(cell, value) -> None:
    if isinstance(value, str):
        cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if value.startswith(FORMULA_STARTS):
            _as_text(cell)     # a CSV's "=…" or "-" is text as typed, never a formula
        return
    if not isinstance(value, int | float | datetime | bool):
        value = str(value)
    cell.value = value
    if isinstance(value, datetime):
        cell.number_format = DATE_FORMAT if value.time() == datetime.min.time() else f"{DATE_FORMAT} hh:mm"


_LIST_COLUMNS = [Column("工作表", 14), Column("行", 8), Column("栏目", 16), Column("原因", 60),
                 Column("标注位置", 10)]


def _add_list(book: Workbook, rows: list[list], *, error_count: int, original_name: str) -> None:
    """错误清单, first and open: every error listed (工作表, 行, 栏目, 原因), and where it is marked, linked."""
    listed = len(rows)
    subtitle = f"共 {error_count:,} 处错误" + (f"，以下列出前 {listed:,} 处" if error_count > listed else "")
    subtitle += "；出错的单元格已标为红色，批注中写明原因。改正后可直接上传本文件。"
    worksheet = book.create_sheet(LIST_SHEET, 0)
    spec = Sheet(title=f"{LIST_TITLE}{original_name}", columns=_LIST_COLUMNS, subtitle=subtitle, total_label=None,
                 rows=[[_clean(str(v)) if isinstance(v, str) else v for v in row[:5]] for row in rows])
    _write_sheet(worksheet, spec)
    first = 4      # title, subtitle, header
    for offset, row in enumerate(rows):
        if row[4]:
            cell = worksheet.cell(row=first + offset, column=5)
            cell.hyperlink = Hyperlink(ref=cell.coordinate, location=f"{quote_sheetname(row[5])}!{row[4]}")
            cell.font = LINK_FONT
    # One sheet selected: a tab left selected with the new active one would group them in Excel.
    for other in book.worksheets:
        other.sheet_view.tabSelected = False
    book.active = worksheet
    worksheet.sheet_view.tabSelected = True

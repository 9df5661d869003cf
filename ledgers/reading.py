"""Reading the Excel ledgers townships keep, messy as they are.

Two layers, both free of the database:

- the file: is it really an .xlsx within the limits (not an .xls, not
  password-protected, not a zip bomb: every part's unpacked size is checked
  from the zip directory), which sheet holds the ledger, which row is the
  header (found by its names, below any title rows), which columns are known,
  and the data rows without blank, total (合计/小计) and example rows; the
  sheet's rows are read as its XML holds them (not as its stale `<dimension>`
  says), hidden rows and columns are noted, and a formula saved without its
  value is told from an empty cell. The web process never runs this layer on
  an upload: ledgers/reader.py runs it in a process of its own under a memory
  ceiling. It also notes which money columns are in 万元 (by the header,
  `合同总金额（万元）`, or a `单位：万元` row above it), skips the row of column
  numbers and 合计/小计 rows wherever the label stands, and keeps the rows
  marked 示例 apart (the planner tells the template's example from one typed over);
- the values: amounts (`12,345.00`, `1.2万`, `¥12345元`, number cells) that
  fit a money column, in 万元 converted to 元 exactly (and listed for the
  preview), areas in 亩, dates in every form the field writes them
  (`2015.3.1`, `2015年3月1日`, `201503`, `2015.03` as a number, Excel serials,
  `至今`; a month that ends a period is its last day) within core.bounds,
  periods in one cell (`2010.1.1-2030.12.31`, `20年`), ID numbers refused
  when Excel stored them as numbers, 是/否, coded names with their synonyms,
  bracketed notes and the suffixes ledgers add, and lists of problems.

A value that cannot be read raises `CellError` with the reason in Chinese;
the importer adds the row and the column.
"""
import calendar
import json
import math
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._reader import FORMULA_TAG, WorkSheetParser

from core.bounds import AMOUNT_MAX, DATE_MAX, DATE_MIN

# How far down the header row may sit (below title rows, notes and blank rows).
HEADER_SEARCH_ROWS = 30
# No part of a real workbook compresses better than this; a zip bomb does.
MAX_COMPRESSION_RATIO = 500
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_SIGNATURE = b"PK\x03\x04"
# The largest whole number a count column (PositiveIntegerField) holds on every database.
INTEGER_MAX = 2_147_483_647
UNCOMPUTED_REASON = "公式未计算，请在 Excel 中重新计算并保存"

_SPACE = re.compile(r"\s+")
_TOTAL = re.compile(r"^(合计|小计|总计|累计)")
# A cell that is nothing but a total's label (`本页小计`, `合计:`, `总计(元)`).
_TOTAL_CELL = re.compile(r"^(本页|本村|本组|本镇|全村|全镇|全乡|各村)?(合计|小计|总计|累计)(:|\(.*\))?$")
BLANK_MARKS = frozenset({"", "-", "--", "—", "——", "–", "/", "\\", "无数据"})
OPEN_END = frozenset({"至今", "长期", "不定期", "无期限", "未约定"})
EXAMPLE_MARKS = frozenset({"示例", "例", "样例", "填写示例"})
# A template has one example row; a file marking more than this many is not told apart row by row.
EXAMPLES_KEPT = 100
# Beside the numbers of a row of column numbers.
COLUMN_NUMBER_MARKS = frozenset({"栏次", "栏号", "列号", "甲", "乙", "丙", "丁"})
IGNORED_HEADERS = frozenset({"序号", "序", "No.", "NO.", "no."})
WAN = "万元"


class BadFile(Exception):
    """The file as a whole cannot be imported; the message says why, in Chinese. `check` names the limit
    that refused it ("size", "sheet", "strings", "part", "total", "ratio", "memory", "time"), if any."""

    def __init__(self, message: str, *, check: str = ""):
        super().__init__(message)
        self.check = check


class CellError(Exception):
    """One value cannot be read; the message is the reason, in Chinese."""


# --- Headers -----------------------------------------------------------------------


def normalize(text) -> str:
    """What a header or a coded value is compared by: full-width forms folded (`（` is `(`), no spaces or
    line breaks."""
    if text is None:
        return ""
    return _SPACE.sub("", unicodedata.normalize("NFKC", str(text)))


def without_note(text: str) -> str:
    """`税费尾欠(三提五统)` → `税费尾欠`; `面积(亩)` → `面积`."""
    return re.sub(r"\(.*\)$", "", text) if text.endswith(")") else text


# The units a header may name in brackets instead of its column's own: by the column's unit, what each
# means (a figure in 元 per year is in 元; one in 万元 is converted).
HEADER_UNITS = {"元": {"元": "元", "元/年": "元", "万元": WAN, "万元/年": WAN}, "亩": {"亩": "亩"}}
# `单位：万元` (`金额单位:元、亩`) in a title or unit row above the header.
_UNIT_ROW = re.compile(r"单位:?(万元|元)")


def unit_of(text) -> str:
    """The unit in brackets at the end of a header or a column's name: `合同总金额（万元）` → `万元`."""
    match = re.search(r"\(([^()]*)\)$", normalize(text))
    return match[1] if match else ""


# --- The file -----------------------------------------------------------------------

SHARED_STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
_WORKSHEET_PART = re.compile(r"^xl/worksheets/[^/]+\.xml$")
# What each kind of part is called in a refusal, and the setting that bounds its unpacked size.
PART_LIMITS = {"sheet": ("工作表", "LEDGER_MAX_SHEET_MB"), "strings": ("共享字符串表", "LEDGER_MAX_STRINGS_MB"),
               "part": ("部件", "LEDGER_MAX_PART_MB")}
# `[Content_Types].xml` is read in the request to find the shared strings; a real one is a few KB.
CONTENT_TYPES_LIMIT = 1024 * 1024
BOMB_ADVICE = "疑似“压缩炸弹”，已拒收。如确为台账，请分成几个文件上传。"


def check_file(path: Path, size: int | None = None) -> None:
    """Refuse, with a clear message, anything that is not an .xlsx within the limits. Reads only the
    zip directory (and the few KB of its content types), never the contents, so a zip bomb is refused
    before anything is unpacked.

    Each part's unpacked size is bounded by what reading it costs: a worksheet is streamed row by row
    (LEDGER_MAX_SHEET_MB), the shared strings are held in memory whole (LEDGER_MAX_STRINGS_MB), and so
    is every other part openpyxl parses (styles, workbook, relationships: LEDGER_MAX_PART_MB); the whole
    by LEDGER_MAX_UNPACKED_MB. The reader process's memory ceiling (ledgers/reader.py) stops whatever
    gets past these."""
    size = path.stat().st_size if size is None else size
    limit = settings.LEDGER_MAX_MB * 1024 * 1024
    if size == 0:
        raise BadFile("文件是空的。")
    if size > limit:
        raise BadFile(f"文件太大（{size / 1024 / 1024:.1f} MB），台账文件不能超过 {settings.LEDGER_MAX_MB} MB；"
                      "请按乡镇或村分成几个文件。", check="size")
    with open(path, "rb") as handle:
        head = handle.read(8)
    if head.startswith(OLE_SIGNATURE):
        raise BadFile(_ole_message(path))
    if not head.startswith(ZIP_SIGNATURE):
        raise BadFile("这不是 Excel 表格文件（.xlsx）。"
                      "请在 Excel 或 WPS 中打开台账，另存为“Excel 工作簿（.xlsx）”后上传。")
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            names = {member.filename for member in members}
            if "xl/workbook.xml" not in names:
                raise BadFile("这不是 Excel 表格文件（.xlsx），可能是 Word 文档或其他压缩包。")
            if any(member.flag_bits & 0x1 for member in members):
                raise BadFile("文件设置了密码，无法读取。请在 Excel 中取消密码后另存为 .xlsx 再上传。")
            _check_sizes(members, _shared_strings_parts(archive, names))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise BadFile("文件已损坏，无法打开。请在 Excel 中打开后重新另存为 .xlsx。") from None


def _shared_strings_parts(archive: zipfile.ZipFile, names: set[str]) -> set[str]:
    """The parts openpyxl loads whole as shared strings: the one the content types name (whatever it is
    called), and any part called so."""
    found = {name for name in names if "sharedstrings" in name.lower()}
    info = archive.getinfo("[Content_Types].xml") if "[Content_Types].xml" in names else None
    if info is None:
        return found
    if info.file_size > CONTENT_TYPES_LIMIT:
        raise BadFile(f"文件结构异常（内容类型表解压后有 {info.file_size / 1024 / 1024:,.0f} MB），" + BOMB_ADVICE,
                      check="part")
    from defusedxml.ElementTree import fromstring

    try:
        root = fromstring(archive.read(info))
    except Exception:
        raise BadFile("文件已损坏，无法打开。请在 Excel 中打开后重新另存为 .xlsx。") from None
    for element in root:
        if element.get("ContentType") == SHARED_STRINGS_TYPE and element.get("PartName"):
            found.add(element.get("PartName").lstrip("/"))
    return found


def part_limit(kind: str) -> int:
    return getattr(settings, PART_LIMITS[kind][1]) * 1024 * 1024


def _check_sizes(members: list[zipfile.ZipInfo], strings: set[str]) -> None:
    for member in members:
        if member.filename in strings:
            kind = "strings"
        else:
            kind = "sheet" if _WORKSHEET_PART.match(member.filename) else "part"
        if member.file_size > part_limit(kind):
            label, setting = PART_LIMITS[kind]
            raise BadFile(f"文件中的{label}（{member.filename}）解压后有 {member.file_size / 1024 / 1024:,.0f} MB，"
                          f"超过 {getattr(settings, setting)} MB 的上限，" + BOMB_ADVICE, check=kind)
    unpacked = sum(member.file_size for member in members)
    if unpacked > settings.LEDGER_MAX_UNPACKED_MB * 1024 * 1024:
        raise BadFile(f"文件解压后有 {unpacked / 1024 / 1024:,.0f} MB，"
                      f"超过 {settings.LEDGER_MAX_UNPACKED_MB} MB 的上限，" + BOMB_ADVICE, check="total")
    if any(member.file_size > 1024 * 1024 and member.file_size > MAX_COMPRESSION_RATIO * max(member.compress_size, 1)
           for member in members):
        raise BadFile(f"文件解压后有 {unpacked / 1024 / 1024:,.0f} MB，压缩比远超正常台账，" + BOMB_ADVICE,
                      check="ratio")


def _ole_message(path: Path) -> str:
    """An OLE2 file is either a password-protected workbook or an old .xls (or another Office file)."""
    import olefile

    try:
        with olefile.OleFileIO(str(path)) as ole:
            streams = {"/".join(entry) for entry in ole.listdir(streams=True, storages=True)}
    except Exception:
        streams = set()
    if {"EncryptionInfo", "EncryptedPackage"} & streams:
        return ("文件设置了打开密码，无法读取。"
                "请在 Excel 中打开，取消密码（文件 → 信息 → 保护工作簿）后另存为 .xlsx 再上传。")
    if {"Workbook", "Book"} & streams:
        return "这是旧版 Excel 文件（.xls），无法读取。请用 Excel 打开后“另存为” Excel 工作簿（.xlsx）再上传。"
    return "这不是 Excel 表格文件（.xlsx）。如是旧版 .xls，请用 Excel 另存为 .xlsx 后上传。"


@dataclass
class Sheet:
    """The data of one ledger sheet: where its header is, which known columns it has, and its rows
    (Excel row number, one raw value per known column); the cells holding a formula saved without its
    result (row, column name; their values read as None), and notes on the file for the preview
    (hidden rows and columns)."""

    name: str
    header_row: int
    columns: list[str]                    # the kind's column names, in the order of `rows` values
    unknown: list[str] = field(default_factory=list)
    rows: list[tuple[int, list]] = field(default_factory=list)
    uncomputed: list[tuple[int, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Money columns written in 万元: column name → (unit, where the file says so).
    units: dict[str, tuple[str, str]] = field(default_factory=dict)
    # Rows marked as the template's example (示例), kept apart: see `typed_over`.
    examples: list[tuple[int, list]] = field(default_factory=list)

    def dump(self, handle) -> None:
        """Write as JSON lines (a header line, then one line per row) to a binary file object."""
        head = {"name": self.name, "header_row": self.header_row, "columns": self.columns, "unknown": self.unknown,
                "uncomputed": self.uncomputed, "notes": self.notes, "units": self.units,
                "examples": [[number, [_encode(v) for v in values]] for number, values in self.examples]}
        handle.write(json.dumps(head, ensure_ascii=False).encode() + b"\n")
        for number, values in self.rows:
            handle.write(json.dumps([number, [_encode(v) for v in values]], ensure_ascii=False).encode() + b"\n")

    @classmethod
    def load(cls, handle) -> "Sheet":
        """Read what `dump` wrote, a line at a time (a file kept before a field existed lacks it)."""
        head = json.loads(handle.readline())
        sheet = cls(name=head["name"], header_row=head["header_row"], columns=head["columns"],
                    unknown=head["unknown"], uncomputed=[tuple(cell) for cell in head.get("uncomputed", [])],
                    notes=head.get("notes", []),
                    units={name: tuple(unit) for name, unit in head.get("units", {}).items()},
                    examples=[(number, [_decode(v) for v in values]) for number, values in head.get("examples", [])])
        for line in handle:
            number, values = json.loads(line)
            sheet.rows.append((number, [_decode(v) for v in values]))
        return sheet


def _encode(value):
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    if isinstance(value, Decimal):
        return {"n": str(value)}
    return value


def _decode(value):
    if isinstance(value, dict):
        if "t" in value:
            return datetime.fromisoformat(value["t"])
        if "d" in value:
            return date.fromisoformat(value["d"])
        return Decimal(value["n"])
    return value


def match_headers(cells, columns, hidden=frozenset()) -> tuple[dict[int, str], list[str]]:
    """Which cell of a row holds which known column (by the column's names), and the unknown headers.

    A header may leave out its column's unit (`面积` for `面积(亩)`) or name another unit of the same
    measure (`合同总金额（万元）` for `合同总额(元)`; `header_units` says which figures to convert). A hidden
    column (by its index in `hidden`) that repeats a visible column's header gives way to it, wherever it
    stands: people hide an old copy of a column and type the new one beside it."""
    lookup = {}
    for column in columns:
        for name in (column.name, *column.aliases):
            lookup.setdefault(normalize(name), column.name)
    bases = {}
    for column in columns:
        for name in (column.name, *column.aliases):
            bases.setdefault(without_note(normalize(name)), column.name)
    found, unknown = {}, []
    order = [i for i in range(len(cells)) if i not in hidden] + [i for i in range(len(cells)) if i in hidden]
    for index in order:
        cell = cells[index]
        text = normalize(cell)
        if not text:
            continue
        name = lookup.get(text)
        if name is None and not text.endswith(")"):
            # `面积` for `面积(亩)`: a header without its unit is still that column.
            name = bases.get(text)
        elif name is None:
            # `合同总金额(万元)` for `合同总额(元)`: a header naming another unit of the same measure.
            candidate = bases.get(without_note(text))
            if candidate is not None and unit_of(text) in HEADER_UNITS.get(unit_of(candidate), {}):
                name = candidate
        if name is None:
            shown = str(cell).strip()
            if text not in IGNORED_HEADERS and shown not in unknown:
                unknown.append(shown)
            continue
        if name in found.values():
            if index not in hidden:     # a hidden one is named in the preview's notes
                unknown.append(f"{str(cell).strip()}（重复的列）")
            continue
        found[index] = name
    return dict(sorted(found.items())), unknown


class _Uncomputed:
    """The value of a formula cell saved without its result (by a program; Excel always saves the result)."""

    def __repr__(self):
        return "UNCOMPUTED"


UNCOMPUTED = _Uncomputed()


class _Parser(WorkSheetParser):
    """openpyxl's own worksheet parser (3.1, pinned in pyproject.toml) that tells a formula without its
    result from an empty cell: with `data_only` both would read as None, and the ledger would lose an
    amount without a word."""

    def parse_cell(self, element):
        cell = super().parse_cell(element)
        if cell["value"] is None and element.find(FORMULA_TAG) is not None:
            cell["value"] = UNCOMPUTED
        return cell


def _true(value) -> bool:
    return value in ("1", "true", "True")


class _Rows:
    """A worksheet's rows as (Excel row number, values, hidden), parsed straight from its XML.

    Read-only openpyxl stops at the last row the sheet's `<dimension>` declares, and programs leave it
    stale (`A1:Q2` over thousands of rows): here every row the XML holds is read. The row and column
    attributes openpyxl's read-only sheet drops say which are hidden."""

    def __init__(self, sheet):
        book = sheet.parent
        # How openpyxl 3.1's read-only worksheet opens its part (ReadOnlyWorksheet._cells_by_row).
        self.source = sheet._get_source()
        self.size = book._archive.getinfo(sheet._worksheet_path).file_size
        self.parser = _Parser(self.source, sheet._shared_strings, data_only=True, epoch=book.epoch,
                              date_formats=book._date_formats, timedelta_formats=book._timedelta_formats)

    def __iter__(self):
        dimensions = self.parser.row_dimensions
        for number, cells in self.parser.parse():
            # Taken out as read: a long sheet's row heights are not kept.
            attrs = dimensions.pop(str(number), None)
            values = [None] * max((cell["column"] for cell in cells), default=0)
            for cell in cells:
                values[cell["column"] - 1] = cell["value"]
            yield number, values, attrs is not None and _true(attrs.get("hidden"))

    def hidden_columns(self) -> frozenset[int]:
        """The indexes (from 0) of the hidden columns, known once the first row is read (`<cols>` precedes
        the data)."""
        hidden = set()
        for attrs in self.parser.column_dimensions.values():
            if _true(attrs.get("hidden")):
                first = int(attrs["min"])
                # A range reaching Excel's last column (people hide all unused columns) is cut at the header.
                hidden.update(range(first - 1, min(int(attrs.get("max", first)), first + 16384)))
        return frozenset(hidden)

    def done(self) -> int:
        """How many bytes of the sheet's XML were parsed."""
        try:
            return self.source.tell()
        except (OSError, ValueError):
            return 0

    def close(self) -> None:
        self.source.close()


def read_sheet(path: Path, columns, *, report=None) -> Sheet:
    """Find the ledger in the workbook and read its rows (raw values of the known columns).

    `columns` are the kind's columns (objects with `name`, `aliases`, `required`). The first sheet whose
    first rows hold a header with every required column is read; otherwise the best header found is
    reported with the required columns it lacks. `report(done, total, message)` hears of the progress
    (bytes of the sheet's XML parsed).
    """
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except MemoryError:
        raise
    except Exception:
        raise BadFile("文件无法打开，可能已损坏或不是 Excel 工作簿。请在 Excel 中打开后另存为 .xlsx。") from None
    try:
        best = None   # (matched count, sheet title, missing names)
        for sheet in book.worksheets:
            if getattr(sheet, "sheet_state", "visible") != "visible":
                continue
            found = _read_one(sheet, columns, report)
            if isinstance(found, Sheet):
                return found
            if found and (best is None or found[0] > best[0]):
                best = found
        if best is None:
            raise BadFile("没有找到表头行：前 {} 行中没有可识别的列名。应有的列名：{}。".format(
                HEADER_SEARCH_ROWS, "、".join(c.name for c in columns)))
        _, title, missing = best
        raise BadFile(f"工作表“{title}”的表头缺少必填的列：{'、'.join(missing)}。")
    finally:
        book.close()


def _read_one(sheet, columns, report):
    rows = _Rows(sheet)
    try:
        return _find_and_read(sheet.title, rows, columns, report)
    except (BadFile, MemoryError):
        raise
    except Exception:
        # Broken XML, a cell address no sheet has, a damaged zip entry: the file, not the program.
        raise BadFile(f"工作表“{sheet.title}”已损坏或结构异常，无法读取。"
                      "请在 Excel 中打开后重新另存为 .xlsx 再上传。") from None
    finally:
        rows.close()


def _find_and_read(title: str, rows: _Rows, columns, report):
    required = [c.name for c in columns if c.required]
    best = None
    above = None    # the `单位：万元` of a title or unit row
    iterator = iter(rows)
    for number, cells, _ in iterator:
        if number > HEADER_SEARCH_ROWS:
            break
        cells = [None if cell is UNCOMPUTED else cell for cell in cells]
        above = _unit_row(cells) or above
        hidden = rows.hidden_columns()
        found, unknown = match_headers(cells, columns, hidden)
        if len(found) < 2:
            continue
        missing = [name for name in required if name not in found.values()]
        if missing:
            if best is None or len(found) > best[0]:
                best = (len(found), title, missing)
            continue
        sheet = _read_rows(title, rows, iterator, number, found, unknown, report)
        sheet.notes = _hidden_notes(title, cells, hidden, found, columns) + sheet.notes
        sheet.units = header_units(cells, found, above)
        return sheet
    return best


def _unit_row(cells) -> tuple[str, str] | None:
    """(unit, as written) of a `单位：万元` (`单位：元、亩`) in a row above the header."""
    for cell in cells:
        if isinstance(cell, str) and "单位" in cell:
            match = _UNIT_ROW.search(normalize(cell))
            if match:
                return match[1], str(cell).strip()
    return None


def header_units(cells, found: dict[int, str], above: tuple[str, str] | None = None) -> dict[str, tuple[str, str]]:
    """The money columns whose figures are in 万元: by their header (`合同总金额（万元）`), or, for a header
    naming no unit (`合同金额`), by the unit row above it (`单位：万元`). A header naming 元 is in 元 whatever
    the unit row says."""
    units = {}
    for index, name in found.items():
        if unit_of(name) != "元":
            continue
        written = unit_of(cells[index])
        if written:
            if HEADER_UNITS["元"].get(written) == WAN:
                units[name] = (WAN, f"表头为“{str(cells[index]).strip()}”")
        elif above and above[0] == WAN:
            units[name] = (WAN, f"表头“{str(cells[index]).strip()}”未注明单位，表上方注明“{above[1]}”")
    return units


def _read_rows(title: str, rows: _Rows, iterator, header_row: int, found: dict[int, str], unknown: list[str],
               report) -> Sheet:
    limit = settings.LEDGER_MAX_ROWS
    indexes = sorted(found)
    names = [found[i] for i in indexes]
    data, uncomputed, hidden_rows, examples = [], [], [], []
    first_cell_index = min(indexes)
    for number, cells, hidden in iterator:
        values = [cells[i] if i < len(cells) else None for i in indexes]
        if all(_blank(v) for v in values):
            continue
        if _is_total(cells, first_cell_index) or _is_column_numbers(cells):
            continue
        # A row marked 示例 is kept apart: the planner tells the template's example from one typed over.
        example = _is_example(cells, first_cell_index)
        for i, value in enumerate(values):
            if value is UNCOMPUTED:
                if not example:
                    uncomputed.append((number, names[i]))
                values[i] = None
            elif isinstance(value, str):
                values[i] = value.strip()
        if example:
            if len(examples) < EXAMPLES_KEPT:
                examples.append((number, values))
            continue
        if hidden:
            hidden_rows.append(number)
        data.append((number, values))
        if len(data) + len(examples) > limit:
            raise BadFile(f"数据超过每个文件 {limit:,} 行的上限；请按乡镇或村分成几个文件。")
        if report and len(data) % 2000 == 0:
            report(rows.done(), rows.size, f"已读取 {len(data):,} 行")
    notes = []
    if hidden_rows:
        shown = "、".join(str(n) for n in hidden_rows[:20]) + (f" 等 {len(hidden_rows):,} 行" if len(hidden_rows) > 20
                                                              else " 行")
        notes.append(f"工作表“{title}”的第 {shown}是隐藏的行，已照常读取；如不应导入，请在 Excel 中删除这些行。")
    return Sheet(name=title, header_row=header_row, columns=names, unknown=unknown, rows=data,
                 uncomputed=uncomputed, notes=notes, examples=examples)


def _hidden_notes(title: str, header: list, hidden: frozenset[int], found: dict[int, str], columns) -> list[str]:
    """The hidden columns under a header: which were read, and which gave way to a visible one of the same column."""
    read, skipped = [], []
    for index in sorted(hidden):
        if index >= len(header) or _blank(header[index]):
            continue
        where = f"{get_column_letter(index + 1)} 列「{str(header[index]).strip()}」"
        if index in found:
            read.append(where)
        elif set(match_headers([header[index]], columns)[0].values()) & set(found.values()):
            skipped.append(where)
    notes = []
    if skipped:
        notes.append(f"工作表“{title}”的 {'、'.join(skipped)}是隐藏的列，与可见的同名列重复，以可见的列为准，未读取。")
    if read:
        notes.append(f"工作表“{title}”的 {'、'.join(read)}是隐藏的列，已照常读取。")
    return notes


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and normalize(value) == "")


def _leading(cells, first_index: int) -> str:
    leading = [c for c in cells[: first_index + 3] if not _blank(c)]
    return normalize(leading[0]) if leading else ""


def _is_total(cells, first_index: int) -> bool:
    """A 合计/小计/总计 row: its first cell starts so (`合计（3户）`), or any of its cells is such a label
    (`本页小计`, `合计：`), wherever it stands (townships write it under the name, the village or the amount)."""
    if _TOTAL.match(_leading(cells, first_index)):
        return True
    return any(isinstance(cell, str) and "计" in cell and len(cell) <= 12 and _TOTAL_CELL.match(normalize(cell))
               for cell in cells)


def _is_column_numbers(cells) -> bool:
    """The row of column numbers under a header (1, 2, 3, …; `栏次`, `甲`, `乙` beside them): three or more,
    from 1, one after another, and nothing else."""
    numbers = []
    for cell in cells:
        if _blank(cell):
            continue
        if isinstance(cell, bool):
            return False
        if isinstance(cell, (int, float)) and float(cell).is_integer():
            numbers.append(int(cell))
        elif isinstance(cell, str) and normalize(cell).isdigit():
            numbers.append(int(normalize(cell)))
        elif not (isinstance(cell, str) and normalize(cell) in COLUMN_NUMBER_MARKS):
            return False
    return len(numbers) >= 3 and numbers == list(range(1, len(numbers) + 1))


def _is_example(cells, first_index: int) -> bool:
    """A row marked as the template's example (序号 “示例”)."""
    return _leading(cells, first_index) in EXAMPLE_MARKS


EXAMPLE_TYPED_OVER = "此行标为“示例”，但内容与模板的示例不同，已作为数据导入；如确是示例，请删除此行"


def typed_over(sheet: Sheet, example: dict) -> list[tuple[int, list]]:
    """Of the rows marked 示例, those that are not the template's example: the example row typed over with a
    real record, its mark left in place. They are data (the planner reads them, and says so); a row the same
    as the kind's example (`example`: column → value, as the template writes it) is not."""
    found = []
    for number, values in sheet.examples:
        if any(_shown(value) != _shown(example.get(name)) for name, value in zip(sheet.columns, values, strict=True)):
            found.append((number, values))
    return found


def _shown(value) -> str:
    """A value as the template shows it: what an example cell and its reading are compared by."""
    if is_blank(value):
        return ""
    if isinstance(value, date):
        return f"{value:%Y-%m-%d}"
    return normalize(text(value))


# --- Values -------------------------------------------------------------------------


def is_blank(value) -> bool:
    if value is None:
        return True
    if not isinstance(value, str):
        return False
    stripped = value.strip()
    # Every blank mark is at most three characters long: longer text is never blank.
    return not stripped or (len(stripped) <= 3 and normalize(stripped) in BLANK_MARKS)


def text(value) -> str:
    """A cell as text: a number cell holding a code (`1001`, `1001.0`) reads as `1001`."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d}"
    return str(value).strip()


def code(value) -> str:
    """A record number or code: text without any spaces."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", text(value)))


def _quoted(value) -> str:
    return f'"{text(value)}"'


def amount(value, *, what: str = "金额", unit: str = "元") -> Decimal | None:
    """An amount that fits a money column (an area column for 亩): `1e30` or 27 digits is the row's error,
    not the database's at the commit.

    `unit="万元"`: the column is in 万元 and the amount comes back in 元, exactly: a bare figure (a number
    cell, `7.5`, `531.76`) is 万元 (75,000.00, 5,317,600.00 元); a figure that names its own unit
    (`75000元`, `7.5万`) is read by it."""
    if is_blank(value):
        return None
    if unit == WAN:
        figure = bare_figure(value)
        if figure is not None:
            return _amount(_from_wan(figure, value), value, what, "元", "（本列以万元为单位）")
        unit = "元"
    return _amount(value, value, what, unit, "")


def _amount(value, original, what: str, unit: str, note: str) -> Decimal:
    # Imported here: the reader process (ledgers/reader.py) reads files only and starts faster without it.
    from core.money import parse_amount

    too_large = f"{what}过大，不能超过 {AMOUNT_MAX[unit]:,.2f} {unit}"
    try:
        found = parse_amount(value, unit=unit)
    except ValidationError as error:
        reason = {"negative": f"{what}不能为负数", "precision": f"{what}超过两位小数", "too_large": too_large}.get(
            error.code, f"无法识别的{what}")
        raise CellError(f"{reason} {_quoted(original)}{note}") from None
    except InvalidOperation:
        # Only digits reach the arithmetic: it fails on more of them than a Decimal carries.
        raise CellError(f"{too_large} {_quoted(original)}{note}") from None
    if found > AMOUNT_MAX[unit]:
        raise CellError(f"{too_large} {_quoted(original)}{note}")
    return found


_BARE_FIGURE = re.compile(r"^\d+(\.\d+)?$")
_FLOAT_NOISE = Decimal("0.000001")


def bare_figure(value) -> Decimal | None:
    """The figure of a cell that names no unit (a number cell, `7.5`, `1,234.5`), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        # An Excel number cell arrives as a float: taken as the digits it shows, never computed with.
        return Decimal(repr(value)) if math.isfinite(value) else None
    if not isinstance(value, str):
        return None
    cleaned = re.sub(r"[\s,¥]", "", unicodedata.normalize("NFKC", value))
    return Decimal(cleaned) if _BARE_FIGURE.match(cleaned) else None


def _from_wan(figure: Decimal, original) -> Decimal:
    """万元 to 元, exactly; a number cell's binary noise within a millionth of a cent is that cent."""
    found = figure * 10000
    if isinstance(original, float) and found.copy_abs() <= AMOUNT_MAX["元"]:
        cent = found.quantize(Decimal("0.01"))
        if abs(found - cent) < _FLOAT_NOISE:
            return cent
    return found


class Conversions:
    """Amounts read in 万元 into a column in 元, per column: the preview lists them (the column, how many,
    the cells with what each became), so that no figure changes silently.

    `units` is the sheet's: the columns whose figures are written in 万元, with where the file says so."""

    LISTED = 5      # cells named in a column's warning

    def __init__(self, units: dict | None):
        self.units = units or {}
        self.cells: dict[str, list] = {}
        self.counts: dict[str, int] = {}

    def amount(self, value, column: str, row: int) -> Decimal | None:
        """Planner.read's parser for a money column: `read(row, values, name, conversions.amount, name, row)`."""
        unit = self.units.get(column, ("元", ""))[0]
        found = amount(value, unit=unit)
        if unit == WAN and found is not None and bare_figure(value) is not None:
            self.counts[column] = self.counts.get(column, 0) + 1
            listed = self.cells.setdefault(column, [])
            if len(listed) < self.LISTED:
                listed.append(f"第 {row} 行 {converted(value, found)}")
        return found

    def warnings(self) -> list[tuple[str, str]]:
        """(column, what the preview says of its conversions)."""
        found = []
        for column, count in self.counts.items():
            more = " 等" if count > len(self.cells[column]) else ""
            found.append((column, f"{self.units[column][1]}，已按万元换算为元，共 {count:,} 格："
                                  f"{'；'.join(self.cells[column])}{more}"))
        return found


def converted(value, found: Decimal) -> str:
    """`7.5 万元 → 75,000.00 元`."""
    return f"{text(value)} 万元 → {found:,.2f} 元"


def area(value) -> Decimal | None:
    return amount(value, what="面积", unit="亩")


def integer(value) -> int | None:
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise CellError(f"应为整数 {_quoted(value)}")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    else:
        cleaned = normalize(value).replace(",", "").removesuffix("户").removesuffix("人").removesuffix("份")
        if not cleaned.isdigit():
            raise CellError(f"应为整数 {_quoted(value)}")
        number = int(cleaned)
    if number < 0:
        raise CellError(f"不能为负数 {_quoted(value)}")
    if number > INTEGER_MAX:
        raise CellError(f"数字过大，不能超过 {INTEGER_MAX:,} {_quoted(value)}")
    return number


_YMD = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
_YM = re.compile(r"^(\d{4})[-/.年](\d{1,2})月?$")
_DIGITS8 = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_DIGITS6 = re.compile(r"^(\d{4})(\d{2})$")
_YEAR = re.compile(r"^(\d{4})年?$")
_SERIAL = re.compile(r"^\d{4,5}(\.\d+)?$")
# The application's one range of dates (core.bounds): what lies outside is a typing error, and would not
# survive the date arithmetic of the rules.
EARLIEST, LATEST = DATE_MIN, DATE_MAX


_DAYS: dict = {}


def day(value, *, open_end: bool = False, end: bool = False) -> date | None:
    """A date as ledgers write it (see `_day`); text already read once is not read again."""
    if isinstance(value, str):
        key = (value, open_end, end)
        if key in _DAYS:
            found = _DAYS[key]
            if isinstance(found, CellError):
                raise found
            return found
        try:
            found = _day(value, open_end=open_end, end=end)
        except CellError as error:
            found = error
        if len(_DAYS) > 100_000:
            _DAYS.clear()
        _DAYS[key] = found
        if isinstance(found, CellError):
            raise found
        return found
    return _day(value, open_end=open_end, end=end)


def _day(value, *, open_end: bool = False, end: bool = False) -> date | None:
    """A date as ledgers write it. `至今` (and blank) is an open end where `open_end` allows it. A month
    alone (`2025.12`, `2025年12月`) reads as its first day, a year alone as 1 January; where the date ends
    a period (`end`), as the month's last day and 31 December: a contract `至2025年12月` runs through
    December."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return _check_day(value.date(), value)
    if isinstance(value, date):
        return _check_day(value, value)
    if isinstance(value, bool):
        raise CellError(f"无法识别的日期 {_quoted(value)}")
    if isinstance(value, (int, float)):
        return _from_number(value, value, end)
    raw = normalize(value)
    raw = re.sub(r"(\d)[T]?\d{1,2}:\d{2}(:\d{2})?$", r"\1", raw)
    if raw in BLANK_MARKS:
        return None
    if raw in OPEN_END:
        if open_end:
            return None
        raise CellError(f"此处不能填“{raw}” {_quoted(value)}")
    for pattern in (_YMD, _DIGITS8):
        match = pattern.match(raw)
        if match:
            return _make(int(match[1]), int(match[2]), int(match[3]), value)
    for pattern in (_YM, _DIGITS6):
        match = pattern.match(raw)
        if match:
            return _month(int(match[1]), int(match[2]), value, end)
    match = _YEAR.match(raw)
    if match and EARLIEST.year <= int(match[1]) <= LATEST.year:
        return _make(int(match[1]), 12, 31, value) if end else _make(int(match[1]), 1, 1, value)
    if _SERIAL.match(raw):
        return _from_number(Decimal(raw), value, end)
    raise CellError(f"无法识别的日期 {_quoted(value)}")


def _from_number(number, original, end: bool = False) -> date:
    if number != number:
        raise CellError(f"无法识别的日期 {_quoted(original)}")
    whole = int(number)
    if whole == number:
        digits = str(whole)
        if len(digits) == 8:
            return _make(int(digits[:4]), int(digits[4:6]), int(digits[6:]), original)
        if len(digits) == 6:
            return _month(int(digits[:4]), int(digits[4:]), original, end)
        if EARLIEST.year <= whole <= LATEST.year:
            # A year alone (old ledgers date tax-era claims so): its first day (its last, ending a period).
            return _make(whole, 12, 31, original) if end else _make(whole, 1, 1, original)
    elif isinstance(number, float) and EARLIEST.year <= whole <= LATEST.year:
        # `2015.03` typed into a number cell: a year and a month, not an Excel serial of 1905.
        return _float_month(number, original, end)
    if 1 <= number <= 80000:
        # An Excel serial day number (1900 date system; 60 is Excel's fictitious 1900-02-29).
        base = date(1899, 12, 30) if whole >= 61 else date(1899, 12, 31)
        return _check_day(base + timedelta(days=whole), original)
    raise CellError(f"无法识别的日期 {_quoted(original)}")


def _float_month(number: float, original, end: bool) -> date:
    """A year and a month typed as a number. The cell keeps the number, not what was typed: `2015.10` is
    stored as 2015.1, so a single decimal 1 may be January or October and is refused; `2015.3` can only be
    March (there is no month 30)."""
    year, _, decimals = repr(number).partition(".")
    if decimals == "1":
        raise CellError(f"{year}.1 无法区分是1月还是10月，请写作 {year}-01 或 {year}-10（日期单元格存成了数字）")
    if len(decimals) > 2 or not decimals.isdigit() or not 1 <= int(decimals) <= 12:
        raise CellError(f"无法识别的日期 {_quoted(original)}（年月请写作 {year}-03 的形式）")
    return _month(int(year), int(decimals), original, end)


def _month(year: int, month: int, original, end: bool) -> date:
    if end and 1 <= month <= 12 and 1 <= year:
        return _make(year, month, calendar.monthrange(year, month)[1], original)
    return _make(year, month, 1, original)


def _make(year: int, month: int, day_: int, original) -> date:
    try:
        return _check_day(date(year, month, day_), original)
    except ValueError:
        raise CellError(f"日期不存在 {_quoted(original)}") from None


def _check_day(value: date, original) -> date:
    if not EARLIEST <= value <= LATEST:
        raise CellError(f"日期超出合理范围（须在 {EARLIEST:%Y-%m-%d} 至 {LATEST:%Y-%m-%d} 之间） {_quoted(original)}")
    return value


# What stands between the two dates of a period in one cell: `至`, `到`, `~`, dashes of every length.
_PERIOD_SEPARATOR = re.compile(r"[至到~\-—–―]+")
_YEARS = re.compile(r"^(\d{1,3}|[一二两三四五六七八九十百]+)年(整|期)?$")
_CHINESE_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def period(value, start: date | None = None) -> tuple[date | None, date | None]:
    """(start, end) of a period written in one cell: `2010.1.1-2030.12.31`, `2010.01.01至2030.12.31`,
    `2010—2030` (1 January to 31 December), `2010年3月-2025年2月` (to the month's last day), `2010.3.1-至今`
    (an open end), or a length from `start`: `20年`, `二十年` (to the day before the twentieth anniversary).
    Raises CellError naming the value."""
    if is_blank(value):
        return None, None
    if isinstance(value, (bool, date)):
        raise CellError(f"应为起止日期，如 2010.1.1-2030.12.31 或 20年 {_quoted(value)}")
    if isinstance(value, (int, float)):
        if float(value).is_integer() and 1 <= value <= 999:
            return _years_from(int(value), start, value)
        raise CellError(f"应为起止日期，如 2010.1.1-2030.12.31 或 20年 {_quoted(value)}")
    raw = normalize(value)
    if raw in OPEN_END:
        return None, None
    match = _YEARS.match(raw)
    if match:
        return _years_from(_small_number(match[1], value), start, value)
    raw = raw.removesuffix("止")
    if raw.endswith("起") and not _PERIOD_SEPARATOR.search(raw):
        return _day_in(raw[:-1], value), None
    raw = re.sub(r"起(?=[至到~\-—–―])", "", raw)
    for word in OPEN_END:
        # `2010.3.1-至今`, `2010.3.1至今`: the 至 of 至今 is no separator.
        if raw.endswith(word) and len(raw) > len(word):
            return _day_in(raw[:-len(word)].rstrip("至到~-—–―"), value), None
    # Dates may be written with dashes themselves (`2010-01-01-2030-12-31`): the period splits where both
    # sides read as dates.
    splits = []
    for separator in _PERIOD_SEPARATOR.finditer(raw):
        left, right = raw[:separator.start()], raw[separator.end():]
        if not left or not right:
            continue
        try:
            splits.append((day(left), day(right, open_end=True, end=True)))
        except CellError:
            continue
    if not splits:
        raise CellError(f"无法识别的起止日期 {_quoted(value)}"
                        "（请写作 2010.1.1-2030.12.31、2010年3月至2030年2月或 20年）")
    begins, ends = splits[0]
    if begins and ends and ends <= begins:
        raise CellError(f"止日不晚于起日 {_quoted(value)}")
    return begins, ends


def _day_in(raw: str, original) -> date | None:
    try:
        return day(raw)
    except CellError:
        raise CellError(f"无法识别的起始日期 {_quoted(original)}") from None


def _small_number(written: str, original) -> int:
    """`20` or `二十`, `三十`, `十五`, `七十`."""
    if written.isdigit():
        return int(written)
    tens, _, units = written.partition("十")
    if "十" not in written and len(written) == 1 and written in _CHINESE_DIGITS:
        return _CHINESE_DIGITS[written]
    if "十" in written and all(c in _CHINESE_DIGITS for c in tens + units) and len(tens) <= 1 and len(units) <= 1:
        return (_CHINESE_DIGITS[tens] if tens else 1) * 10 + (_CHINESE_DIGITS[units] if units else 0)
    raise CellError(f"无法识别的年限 {_quoted(original)}")


def _years_from(years: int, start: date | None, original) -> tuple[date, date]:
    if start is None:
        raise CellError(f"只写了年限，没有起始日期，无法算出终止日期 {_quoted(original)}（请填写起始日期，"
                        "或写作 2010.1.1-2030.12.31）")
    if not 1 <= years <= 99:
        raise CellError(f"年限应在 1 至 99 年之间 {_quoted(original)}")
    try:
        anniversary = start.replace(year=start.year + years)
    except ValueError:
        anniversary = date(start.year + years, 3, 1)     # from 29 February
    return start, _check_day(anniversary - timedelta(days=1), original)


YES = frozenset({"是", "√", "✓", "✔", "Y", "YES", "有", "已履行", "已封存", "封存", "TRUE", "1"})
NO = frozenset({"否", "×", "✗", "✘", "N", "NO", "无", "未履行", "未封存", "FALSE", "0"})


def yes_no(value) -> bool:
    if isinstance(value, bool):
        return value
    if is_blank(value):
        return False
    raw = normalize(value).upper()
    if raw in YES:
        return True
    if raw in NO:
        return False
    raise CellError(f"应填“是”或“否” {_quoted(value)}")


class Vocabulary:
    """A coded column's names: each canonical name with its synonyms (DOMAIN.md §14). `suffixes` are words
    a ledger adds to a name (`三提五统尾欠`, `农业税尾欠款`): a value is also its name with them taken off."""

    def __init__(self, names: dict[str, tuple[str, ...]], *, suffixes: tuple[str, ...] = ()):
        self.names = list(names)
        self.suffixes = tuple(sorted((normalize(s) for s in suffixes), key=len, reverse=True))
        self._seen = {}
        self._lookup = {}
        for canonical, synonyms in names.items():
            for name in (canonical, *synonyms):
                self._lookup[normalize(name)] = canonical

    def find(self, value) -> str | None:
        """The canonical name, also for a name followed by a bracketed note (`税费尾欠（三提五统）`)."""
        if isinstance(value, str) and value in self._seen:
            return self._seen[value]
        found = self._find(value)
        if isinstance(value, str) and len(self._seen) < 10000:
            self._seen[value] = found
        return found

    def _find(self, value) -> str | None:
        raw = normalize(value)
        if raw in self._lookup:
            return self._lookup[raw]
        bare = without_note(raw)
        if bare != raw and bare in self._lookup:
            return self._lookup[bare]
        while self.suffixes:
            shorter = next((bare[: -len(s)] for s in self.suffixes if bare.endswith(s) and len(bare) > len(s)), bare)
            if shorter == bare:
                return None
            bare = shorter
            if bare in self._lookup:
                return self._lookup[bare]
        return None

    def read(self, value, default: str | None = None) -> str | None:
        if is_blank(value):
            return default
        found = self.find(value)
        if found is None:
            raise CellError(f"无法识别的值 {_quoted(value)}（可填：{'、'.join(self.names)}）")
        return found


ID_AS_NUMBER = "证件号码被存成了数字，末几位已丢失，请把该列设为文本后重新填写"
_SCIENTIFIC = re.compile(r"^\d(\.\d+)?E\+?\d+$")


def id_cell(value):
    """An ID number's cell, refused when it holds a number: Excel keeps 15 significant digits, so an 18-digit
    身份证号 typed into a number cell lost its last three (and one whose check digit still passes is someone
    else's), as did one shown as `1.41128E+17` and copied as text. A first-generation number of 15 digits
    survives and reads as text."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float, Decimal)):
        if value == value and abs(value) != float("inf") and float(value).is_integer() and 0 < value < 10**15:
            return text(value)
        # As Excel's formula bar shows it: the digits it kept, then zeros.
        shown = format(Decimal(repr(value)), "f") if isinstance(value, float) else str(value)
        raise CellError(f"{ID_AS_NUMBER} \"{shown}\"")
    if isinstance(value, str) and _SCIENTIFIC.match(normalize(value).upper()):
        raise CellError(f"{ID_AS_NUMBER} {_quoted(value)}")
    return value


_LIST_SEPARATORS = re.compile(r"[、，,;；\n\r]+")


def split_list(value) -> list[str]:
    """`P01、P03` / `未签书面合同；价格明显偏低` / one per line → the items."""
    if is_blank(value):
        return []
    raw = unicodedata.normalize("NFKC", text(value))
    return [part.strip() for part in _LIST_SEPARATORS.split(raw) if part.strip() and part.strip() not in BLANK_MARKS]

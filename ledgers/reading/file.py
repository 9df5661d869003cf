"""The ledger file itself: is it really an .xlsx within the limits (not an .xls, not password-protected, not a
zip bomb: every part's unpacked size is checked from the zip directory), which sheet holds the ledger, which row is
the header (found by its names, below any title rows), which columns are known, and the data rows without blank,
total (合计/小计) and example rows; the sheet's rows are read as its XML holds them (not as its stale
`<dimension>` says), hidden rows and columns are noted, and a formula saved without its value is told from an
empty cell. The web process never runs this on an upload: ledgers/reader.py runs it in a process of its own under
a memory ceiling. It also notes which money columns are in 万元 (by the header, `合同总金额（万元）`, or a
`单位：万元` row above it), skips the row of column numbers and 合计/小计 rows wherever the label stands, and keeps
the rows marked 示例 apart (the planner tells the template's example from one typed over).

The Sheet it reads into is what the planners take, also from the survey (ledgers/survey) of a township's own
layout.
"""
import json
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._reader import FORMULA_TAG, WorkSheetParser

from .values import (
    _TOTAL,
    _TOTAL_CELL,
    _UNIT_ROW,
    COLUMN_NUMBER_MARKS,
    EXAMPLE_MARKS,
    EXAMPLES_KEPT,
    HEADER_SEARCH_ROWS,
    HEADER_UNITS,
    IGNORED_HEADERS,
    MAX_COMPRESSION_RATIO,
    OLE_SIGNATURE,
    WAN,
    ZIP_SIGNATURE,
    is_blank,
    normalize,
    text,
    unit_of,
    where,
    whole_number,
    without_note,
)


class BadFile(Exception):
    """The file as a whole cannot be imported; the message says why, in Chinese. `check` names the limit
    that refused it ("size", "sheet", "strings", "part", "total", "ratio", "memory", "time"), if any."""

    def __init__(self, message: str, *, check: str = ""):
        super().__init__(message)
        self.check = check


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
    # A workbook read sheet by sheet into one Sheet: [sheet name, base] for each, a row's number being the
    # base plus its row in that sheet (see `where`). Empty for one sheet, whose numbers are its rows.
    parts: list = field(default_factory=list)
    sheet_units: dict = field(default_factory=dict)

    def where(self, number: int | None) -> tuple[str, int | None]:
        return where(self.parts, number)

    def dump(self, handle) -> None:
        """Write as JSON lines (a header line, then one line per row) to a binary file object."""
        head = {"name": self.name, "header_row": self.header_row, "columns": self.columns, "unknown": self.unknown,
                "uncomputed": self.uncomputed, "notes": self.notes, "units": self.units, "parts": self.parts,
                "sheet_units": self.sheet_units,
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
                    examples=[(number, [_decode(v) for v in values]) for number, values in head.get("examples", [])],
                    parts=head.get("parts", []),
                    sheet_units={name: {c: tuple(u) for c, u in units.items()}
                                 for name, units in head.get("sheet_units", {}).items()})
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
        if whole_number(cell) is not None:
            numbers.append(whole_number(cell))
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



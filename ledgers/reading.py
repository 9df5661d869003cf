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
  ceiling;
- the values: amounts (`12,345.00`, `1.2万`, `¥12345元`, number cells) that
  fit a money column, areas in 亩, dates in every form the field writes them
  (`2015.3.1`, `2015年3月1日`, `201503`, Excel serials, `至今`) within
  core.bounds, 是/否, coded names with their synonyms and bracketed notes,
  and lists of problems.

A value that cannot be read raises `CellError` with the reason in Chinese;
the importer adds the row and the column.
"""
import json
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
BLANK_MARKS = frozenset({"", "-", "--", "—", "——", "–", "/", "\\", "无数据"})
OPEN_END = frozenset({"至今", "长期", "不定期", "无期限", "未约定"})
EXAMPLE_MARKS = frozenset({"示例", "例", "样例", "填写示例"})
IGNORED_HEADERS = frozenset({"序号", "序", "No.", "NO.", "no."})


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

    def dump(self, handle) -> None:
        """Write as JSON lines (a header line, then one line per row) to a binary file object."""
        head = {"name": self.name, "header_row": self.header_row, "columns": self.columns, "unknown": self.unknown,
                "uncomputed": self.uncomputed, "notes": self.notes}
        handle.write(json.dumps(head, ensure_ascii=False).encode() + b"\n")
        for number, values in self.rows:
            handle.write(json.dumps([number, [_encode(v) for v in values]], ensure_ascii=False).encode() + b"\n")

    @classmethod
    def load(cls, handle) -> "Sheet":
        """Read what `dump` wrote, a line at a time (a file kept before a field existed lacks it)."""
        head = json.loads(handle.readline())
        sheet = cls(name=head["name"], header_row=head["header_row"], columns=head["columns"],
                    unknown=head["unknown"], uncomputed=[tuple(cell) for cell in head.get("uncomputed", [])],
                    notes=head.get("notes", []))
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

    A hidden column (by its index in `hidden`) that repeats a visible column's header gives way to it,
    wherever it stands: people hide an old copy of a column and type the new one beside it."""
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
    iterator = iter(rows)
    for number, cells, _ in iterator:
        if number > HEADER_SEARCH_ROWS:
            break
        cells = [None if cell is UNCOMPUTED else cell for cell in cells]
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
        return sheet
    return best


def _read_rows(title: str, rows: _Rows, iterator, header_row: int, found: dict[int, str], unknown: list[str],
               report) -> Sheet:
    limit = settings.LEDGER_MAX_ROWS
    indexes = sorted(found)
    names = [found[i] for i in indexes]
    serial = next((i for i, (_, name) in enumerate(sorted(found.items())) if name == "序号"), None)
    data, uncomputed, hidden_rows = [], [], []
    first_cell_index = min(indexes)
    for number, cells, hidden in iterator:
        values = [cells[i] if i < len(cells) else None for i in indexes]
        if all(_blank(v) for v in values):
            continue
        if _is_total_or_example(cells, first_cell_index, serial):
            continue
        for i, value in enumerate(values):
            if value is UNCOMPUTED:
                uncomputed.append((number, names[i]))
                values[i] = None
            elif isinstance(value, str):
                values[i] = value.strip()
        if hidden:
            hidden_rows.append(number)
        data.append((number, values))
        if len(data) > limit:
            raise BadFile(f"数据超过每个文件 {limit:,} 行的上限；请按乡镇或村分成几个文件。")
        if report and len(data) % 2000 == 0:
            report(rows.done(), rows.size, f"已读取 {len(data):,} 行")
    notes = []
    if hidden_rows:
        shown = "、".join(str(n) for n in hidden_rows[:20]) + (f" 等 {len(hidden_rows):,} 行" if len(hidden_rows) > 20
                                                              else " 行")
        notes.append(f"工作表“{title}”的第 {shown}是隐藏的行，已照常读取；如不应导入，请在 Excel 中删除这些行。")
    return Sheet(name=title, header_row=header_row, columns=names, unknown=unknown, rows=data,
                 uncomputed=uncomputed, notes=notes)


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


def _is_total_or_example(cells, first_index: int, serial) -> bool:
    """A 合计/小计 row, or the example row of a template (序号 “示例”), is not data."""
    leading = [c for c in cells[: first_index + 3] if not _blank(c)]
    if not leading:
        return False
    head = normalize(leading[0])
    return bool(_TOTAL.match(head)) or head in EXAMPLE_MARKS


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
    not the database's at the commit."""
    # Imported here: the reader process (ledgers/reader.py) reads files only and starts faster without it.
    from core.money import parse_amount

    if is_blank(value):
        return None
    too_large = f"{what}过大，不能超过 {AMOUNT_MAX[unit]:,.2f} {unit}"
    try:
        found = parse_amount(value, unit=unit)
    except ValidationError as error:
        reason = {"negative": f"{what}不能为负数", "precision": f"{what}超过两位小数", "too_large": too_large}.get(
            error.code, f"无法识别的{what}")
        raise CellError(f"{reason} {_quoted(value)}") from None
    except InvalidOperation:
        # Only digits reach the arithmetic: it fails on more of them than a Decimal carries.
        raise CellError(f"{too_large} {_quoted(value)}") from None
    if found > AMOUNT_MAX[unit]:
        raise CellError(f"{too_large} {_quoted(value)}")
    return found


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


def day(value, *, open_end: bool = False) -> date | None:
    """A date as ledgers write it (see `_day`); text already read once is not read again."""
    if isinstance(value, str):
        key = (value, open_end)
        if key in _DAYS:
            found = _DAYS[key]
            if isinstance(found, CellError):
                raise found
            return found
        try:
            found = _day(value, open_end=open_end)
        except CellError as error:
            found = error
        if len(_DAYS) > 100_000:
            _DAYS.clear()
        _DAYS[key] = found
        if isinstance(found, CellError):
            raise found
        return found
    return _day(value, open_end=open_end)


def _day(value, *, open_end: bool = False) -> date | None:
    """A date as ledgers write it. `至今` (and blank) is an open end where `open_end` allows it; a month
    alone reads as its first day, a year alone as 1 January."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return _check_day(value.date(), value)
    if isinstance(value, date):
        return _check_day(value, value)
    if isinstance(value, bool):
        raise CellError(f"无法识别的日期 {_quoted(value)}")
    if isinstance(value, (int, float)):
        return _from_number(value, value)
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
            return _make(int(match[1]), int(match[2]), 1, value)
    match = _YEAR.match(raw)
    if match and EARLIEST.year <= int(match[1]) <= LATEST.year:
        return _make(int(match[1]), 1, 1, value)
    if _SERIAL.match(raw):
        return _from_number(Decimal(raw), value)
    raise CellError(f"无法识别的日期 {_quoted(value)}")


def _from_number(number, original) -> date:
    if number != number:
        raise CellError(f"无法识别的日期 {_quoted(original)}")
    whole = int(number)
    if whole == number:
        digits = str(whole)
        if len(digits) == 8:
            return _make(int(digits[:4]), int(digits[4:6]), int(digits[6:]), original)
        if len(digits) == 6:
            return _make(int(digits[:4]), int(digits[4:]), 1, original)
        if EARLIEST.year <= whole <= LATEST.year:
            # A year alone (old ledgers date tax-era claims so): its first day.
            return _make(whole, 1, 1, original)
    if 1 <= number <= 80000:
        # An Excel serial day number (1900 date system; 60 is Excel's fictitious 1900-02-29).
        base = date(1899, 12, 30) if whole >= 61 else date(1899, 12, 31)
        return _check_day(base + timedelta(days=whole), original)
    raise CellError(f"无法识别的日期 {_quoted(original)}")


def _make(year: int, month: int, day_: int, original) -> date:
    try:
        return _check_day(date(year, month, day_), original)
    except ValueError:
        raise CellError(f"日期不存在 {_quoted(original)}") from None


def _check_day(value: date, original) -> date:
    if not EARLIEST <= value <= LATEST:
        raise CellError(f"日期超出合理范围（须在 {EARLIEST:%Y-%m-%d} 至 {LATEST:%Y-%m-%d} 之间） {_quoted(original)}")
    return value


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
    """A coded column's names: each canonical name with its synonyms (DOMAIN.md §14)."""

    def __init__(self, names: dict[str, tuple[str, ...]]):
        self.names = list(names)
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
        return None

    def read(self, value, default: str | None = None) -> str | None:
        if is_blank(value):
            return default
        found = self.find(value)
        if found is None:
            raise CellError(f"无法识别的值 {_quoted(value)}（可填：{'、'.join(self.names)}）")
        return found


_LIST_SEPARATORS = re.compile(r"[、，,;；\n\r]+")


def split_list(value) -> list[str]:
    """`P01、P03` / `未签书面合同；价格明显偏低` / one per line → the items."""
    if is_blank(value):
        return []
    raw = unicodedata.normalize("NFKC", text(value))
    return [part.strip() for part in _LIST_SEPARATORS.split(raw) if part.strip() and part.strip() not in BLANK_MARKS]

"""Every format a ledger comes in, read to one shape.

Townships keep their ledgers as Excel workbooks (.xlsx, and the old .xls that many offices still save),
as WPS tables (.et), or export them from other software as CSV: GBK from older programs and Excel's
"CSV (逗号分隔)", UTF-8 (with or without a BOM) from newer ones and Excel's "CSV UTF-8".

- `detect(path, original_name)` tells which one a file is by its content, and by its name only where the
  content cannot tell (an .et is an .xls inside); whatever cannot be a ledger (a PDF, a photograph, a Word
  document, a password-protected workbook, an HTML page saved as .xls) is refused with a BadFile naming it.
  It reads a few KB (a CSV's encoding check reads the whole file, a chunk at a time) and, for an .xlsx,
  runs reading.check_file (sizes from the zip directory): it may run in the web process;
- `open_book(path, fmt)` is the file, `book.sheets` its worksheets as (title, hidden) in the order of the
  file, and `book.rows(title)` one sheet's rows: (row number as the program shows it, values, hidden).
  `sheets(path, fmt)` and `rows(path, fmt, title)` do the same for one call.

The values are what reading.py's parsers take, whatever the format: text as str, numbers as int (a whole
number) or float, dates as datetime, an empty cell as None (and none after a row's last value). An .xlsx
is read by reading._Rows (so a formula saved without its result is reading.UNCOMPUTED there); an .xls or
.et by python-calamine (its cached formula results). A CSV's fields stay text, as typed: the parsers read
`12,345.00`, `2015.3.1` and an 18-digit ID number better from what was typed than Excel would have
kept; its row number is the record's (a field holding a line break is one row, as Excel shows it).

A row source also says which columns are hidden (`hidden_columns()`, indexes from 0) and how far it has
read (`done()` of `size`, in its own unit), so reading.py's header search and progress take any of them.
calamine loads a whole sheet (an .xls holds at most 65,536 rows): like everything that reads an upload,
this runs in the reader process (ledgers/reader.py), under its memory ceiling.
"""
import codecs
import csv
import io
import struct
import zipfile
from datetime import date, datetime
from pathlib import Path

from django.conf import settings

from .reading import OLE_SIGNATURE, UNCOMPUTED, ZIP_SIGNATURE, BadFile, _ole_message, _Rows, check_file

XLSX, XLS, ET, CSV = "xlsx", "xls", "et", "csv"
FORMATS = (XLSX, XLS, ET, CSV)

ACCEPTED = "Excel 工作簿（.xlsx、.xls）、WPS 表格（.et）或 CSV 文件"
SAVE_AS = "请在 Excel 或 WPS 中打开，另存为“Excel 工作簿（.xlsx）”后上传。"
DAMAGED = "文件已损坏，无法打开。请在 Excel 中打开后重新另存为 .xlsx。"
NOT_A_TABLE = f"这不是表格文件，无法读取。台账可以是{ACCEPTED}。"
ENCRYPTED = ("文件设置了打开密码，无法读取。"
             "请在 Excel 中打开，取消密码（文件 → 信息 → 保护工作簿）后另存为 .xlsx 再上传。")
XLS_UNREADABLE = ("这个旧版 Excel 文件（.xls）无法读取，可能已损坏或版本过旧。"
                  "请用 Excel 或 WPS 打开后另存为 .xlsx 再上传。")
ET_UNREADABLE = ("这个 WPS 表格文件（.et）无法直接读取。请在 WPS 中打开，点“文件 → 另存为”，"
                 "文件类型选“Excel 工作簿（*.xlsx）”，保存后上传 .xlsx 文件。")
XLSX_UNREADABLE = "文件无法打开，可能已损坏或不是 Excel 工作簿。请在 Excel 中打开后另存为 .xlsx。"
CSV_RESAVE = "请在 Excel 或 WPS 中打开，另存为“CSV UTF-8（逗号分隔）”或 Excel 工作簿（.xlsx）后上传。"
CSV_ENCODING = "无法识别 CSV 文件的文字编码（应为 UTF-8 或 GBK）。" + CSV_RESAVE

# How much of a text file the encoding guess and the delimiter sniffing look at.
SAMPLE_BYTES = 256 * 1024
SNIFF_CHARS = 32 * 1024
DELIMITERS = ",\t;"
_ENCODING_NAMES = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8", "utf-16": "UTF-16", "gb18030": "GBK"}
# calamine gives a number as float; one Excel would save as a whole number (up to its 15 digits) is an
# int, as openpyxl reads it from an .xlsx.
_WHOLE_MAX = 10**15


# --- Telling the format ---------------------------------------------------------------------------

_IMAGES = ((b"\x89PNG\r\n\x1a\n", "PNG"), (b"\xff\xd8\xff", "JPEG"), (b"GIF87a", "GIF"), (b"GIF89a", "GIF"),
           (b"II*\x00", "TIFF"), (b"MM\x00*", "TIFF"))


def detect(path: Path, original_name: str = "") -> str:
    """What the file is, "xlsx", "xls", "et" or "csv": by its content, and by `original_name` (as uploaded)
    only to tell a WPS .et from an .xls. Raises BadFile, in Chinese, for anything else."""
    path = Path(path)
    name = (original_name or path.name).lower()
    _check_size(path.stat().st_size)
    with open(path, "rb") as handle:
        head = handle.read(4096)
    if head.startswith(ZIP_SIGNATURE):
        _refuse_other_zip(path)
        check_file(path)    # bombs, encrypted parts, the limits: what an .xlsx must pass
        return XLSX
    if head.startswith(OLE_SIGNATURE):
        return _detect_ole(path, name)
    _refuse_binary(head)
    encoding = csv_encoding(path)
    if encoding is None:
        if name.endswith(".et"):
            raise BadFile(ET_UNREADABLE)
        if name.endswith((".xlsx", ".xls", ".xlsm")):
            raise BadFile(DAMAGED)
        if name.endswith((".csv", ".txt")) and b"\x00" not in head:
            raise BadFile(CSV_ENCODING)
        raise BadFile(NOT_A_TABLE)
    _refuse_markup(head, encoding)
    return CSV


def _check_size(size: int) -> None:
    # As reading.check_file words it, for every format.
    if size == 0:
        raise BadFile("文件是空的。")
    if size > settings.LEDGER_MAX_MB * 1024 * 1024:
        raise BadFile(f"文件太大（{size / 1024 / 1024:.1f} MB），台账文件不能超过 {settings.LEDGER_MAX_MB} MB；"
                      "请按乡镇或村分成几个文件。", check="size")


def _refuse_other_zip(path: Path) -> None:
    """A zip that is another Office or OpenDocument file than an .xlsx, named for what it is."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            kind = archive.read("mimetype")[:100] if "mimetype" in names else b""
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, KeyError):
        return  # check_file words a damaged zip
    if "xl/workbook.xml" in names:
        return
    if "word/document.xml" in names:
        raise BadFile(f"这是 Word 文档（.docx），不是表格文件。台账可以是{ACCEPTED}。")
    if "ppt/presentation.xml" in names:
        raise BadFile(f"这是 PowerPoint 演示文稿，不是表格文件。台账可以是{ACCEPTED}。")
    if "xl/workbook.bin" in names:
        raise BadFile("这是 Excel 二进制工作簿（.xlsb），无法读取。" + SAVE_AS)
    if kind.startswith(b"application/vnd.oasis.opendocument.spreadsheet"):
        raise BadFile("这是 OpenDocument 表格（.ods），无法读取。" + SAVE_AS)


def _detect_ole(path: Path, name: str) -> str:
    """An OLE2 file: an .xls or .et (a Workbook stream), a password-protected .xlsx, or a Word or
    PowerPoint file of the old kind."""
    import olefile

    try:
        with olefile.OleFileIO(str(path)) as ole:
            streams = {"/".join(entry).lower(): entry for entry in ole.listdir(streams=True, storages=True)}
            book = next((streams[s] for s in ("workbook", "book") if s in streams), None)
            start = ole.openstream(book).read(4096) if book else b""
    except Exception:
        raise BadFile(DAMAGED) from None
    if {"encryptioninfo", "encryptedpackage"} & set(streams):
        raise BadFile(_ole_message(path))
    if book:
        # An .et is a BIFF workbook like an .xls; only the name tells them apart (and what to advise).
        fmt = ET if name.endswith(".et") else XLS
        if not start.startswith(struct.pack("<H", _BOF)):
            raise BadFile(ET_UNREADABLE if fmt == ET else XLS_UNREADABLE)
        if _biff_encrypted(start):
            raise BadFile(ENCRYPTED)
        return fmt
    if "worddocument" in streams:
        raise BadFile(f"这是 Word 文档（.doc），不是表格文件。台账可以是{ACCEPTED}。")
    if "powerpoint document" in streams:
        raise BadFile(f"这是 PowerPoint 演示文稿，不是表格文件。台账可以是{ACCEPTED}。")
    raise BadFile(NOT_A_TABLE)


def _refuse_binary(head: bytes) -> None:
    if head.startswith(b"%PDF"):
        raise BadFile(f"这是 PDF 文件，不是表格文件，其中的表格无法读取。请上传台账的原表格：{ACCEPTED}。")
    kind = next((kind for signature, kind in _IMAGES if head.startswith(signature)), None)
    if kind is None and head[:2] == b"BM" and head[6:10] == b"\x00" * 4:
        kind = "BMP"
    if kind is None and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        kind = "WEBP"
    if kind is None and head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"mif1"):
        kind = "HEIC"
    if kind:
        raise BadFile(f"这是一张图片（{kind}），不是表格文件；纸质台账的照片或扫描件无法导入。台账可以是{ACCEPTED}。")
    if head.startswith(b"{\\rtf"):
        raise BadFile(f"这是 RTF 文档，不是表格文件。台账可以是{ACCEPTED}。")


def _refuse_markup(head: bytes, encoding: str) -> None:
    """A web page or an XML spreadsheet (Excel 2003) that programs save with an .xls name: text, but no CSV."""
    text = head.decode(encoding, errors="ignore").lstrip("\ufeff \t\r\n").lower()
    if not text.startswith("<"):
        return
    if "urn:schemas-microsoft-com:office:spreadsheet" in text:
        raise BadFile("这是 XML 格式的表格（Excel 2003 XML），无法读取。" + SAVE_AS)
    if text.startswith(("<!doctype html", "<html")) or "<table" in text:
        raise BadFile("这是网页格式（HTML）的表格，常见于从业务系统导出、扩展名为 .xls 的文件，"
                      "并不是真正的 Excel 文件。" + SAVE_AS)
    raise BadFile(NOT_A_TABLE)


# --- CSV: encoding and delimiter ------------------------------------------------------------------


def csv_encoding(path: Path) -> str | None:
    """The codec a text file is written in: "utf-8-sig" (a BOM), "utf-16" (a BOM: Excel's Unicode text),
    "utf-8" (the whole file decodes so), "gb18030" (GBK and its extension; charset-normalizer judges the
    text plausible), or None: not text, or in none of these.

    Only GBK is tried after UTF-8: a ledger from a village is written in simplified Chinese, and on a few
    lines of it a free guess takes GBK for Big5 or a Korean code page."""
    from charset_normalizer import from_bytes

    with open(path, "rb") as handle:
        sample = handle.read(SAMPLE_BYTES)
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in sample:
        return None
    if _all_utf8(path):
        return "utf-8"
    return "gb18030" if from_bytes(sample, cp_isolation=["gb18030"]).best() is not None else None


def _all_utf8(path: Path) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(1024 * 1024):
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def csv_dialect(path: Path) -> tuple[str, str]:
    """(encoding, delimiter) of a CSV file. Raises BadFile when its encoding is none of those read."""
    encoding = csv_encoding(path)
    if encoding is None:
        raise BadFile(CSV_ENCODING)
    with open(path, "rb") as handle:
        sample = codecs.getincrementaldecoder(encoding)(errors="replace").decode(handle.read(SAMPLE_BYTES))
    return encoding, _delimiter(sample[:SNIFF_CHARS])


def _delimiter(sample: str) -> str:
    """Comma, tab or semicolon: as csv.Sniffer judges the sample (cut at a line's end), else the one most
    often found outside quotes in its first lines; a comma when there is none."""
    cut = sample.rfind("\n")
    sample = sample[:cut] if cut > 0 else sample
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        pass
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for char in sample[:4096]:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def encoding_name(encoding: str) -> str:
    """What the preview calls a codec: `UTF-8`, `GBK`."""
    return _ENCODING_NAMES.get(encoding, encoding)


# --- Reading --------------------------------------------------------------------------------------


def open_book(path: Path, fmt: str, *, original_name: str = ""):
    """The file as a book: `.sheets`, `.rows(title)`, `.close()`; a context manager. A CSV's one sheet is
    called after `original_name` (as Excel names it), else after the file. Raises BadFile."""
    path = Path(path)
    if fmt == XLSX:
        return _XlsxBook(path)
    if fmt in (XLS, ET):
        return _CalamineBook(path, fmt)
    if fmt == CSV:
        return _CsvBook(path, Path(original_name).stem if original_name else path.stem)
    raise ValueError(f"unknown format {fmt!r}")


def sheets(path: Path, fmt: str, *, original_name: str = "") -> list[tuple[str, bool]]:
    """(title, hidden) of every worksheet, in the file's order (chart sheets left out)."""
    with open_book(path, fmt, original_name=original_name) as book:
        return list(book.sheets)


def rows(path: Path, fmt: str, title: str):
    """The rows of one sheet: an iterator of (row number, values, hidden) that also has `hidden_columns()`,
    `done()`, `size` and `close()` (closing the file too), like reading._Rows. Raises BadFile."""
    book = open_book(path, fmt)
    try:
        source = book.rows(title)
    except BaseException:
        book.close()
        raise
    source.book = book
    return source


class _Book:
    sheets: list[tuple[str, bool]]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self) -> None:
        pass

    def _title(self, title: str) -> None:
        if title not in {name for name, _ in self.sheets}:
            raise BadFile(f"文件中没有名为“{title}”的工作表。")


class _Source:
    """What the row sources share: iteration that turns a broken sheet into a BadFile, and closing."""

    book = None
    title = ""
    unreadable = ""

    def __iter__(self):
        return self

    def __next__(self):
        try:
            return self._next()
        except (StopIteration, BadFile, MemoryError):
            raise
        except Exception:
            raise BadFile(f"工作表“{self.title}”已损坏或结构异常，无法读取。" + self.unreadable) from None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self) -> None:
        if self.book is not None:
            self.book.close()
            self.book = None


def _trimmed(values: list) -> list:
    while values and values[-1] is None:
        values.pop()
    return values


# .xlsx: the existing reader, as read_sheet uses it.


class _XlsxBook(_Book):
    def __init__(self, path: Path):
        from openpyxl import load_workbook

        try:
            self.workbook = load_workbook(path, read_only=True, data_only=True)
        except MemoryError:
            raise
        except Exception:
            raise BadFile(XLSX_UNREADABLE) from None
        self.sheets = [(sheet.title, getattr(sheet, "sheet_state", "visible") != "visible")
                       for sheet in self.workbook.worksheets]

    def rows(self, title: str) -> "_XlsxRows":
        self._title(title)
        return _XlsxRows(self.workbook[title])

    def close(self) -> None:
        self.workbook.close()


class _XlsxRows(_Source):
    unreadable = "请在 Excel 中打开后重新另存为 .xlsx 再上传。"

    def __init__(self, sheet):
        self.title = sheet.title
        self.source = _Rows(sheet)
        self.size = self.source.size
        self._rows = iter(self.source)

    def _next(self):
        number, values, hidden = next(self._rows)
        return number, _trimmed([None if value == "" else value for value in values]), hidden

    def hidden_columns(self) -> frozenset[int]:
        return self.source.hidden_columns()

    def done(self) -> int:
        return self.source.done()

    def close(self) -> None:
        self.source.close()
        super().close()


# .xls and .et: python-calamine, with the hidden rows and columns from the BIFF records.


class _CalamineBook(_Book):
    def __init__(self, path: Path, fmt: str):
        import python_calamine

        self.path, self.fmt = path, fmt
        self.unreadable = ET_UNREADABLE if fmt == ET else XLS_UNREADABLE
        self._stream = _biff_stream(path)
        # calamine, reading from a file, takes an encrypted .xls for no workbook at all: told here.
        if _biff_encrypted(self._stream[:4096]):
            raise BadFile(ENCRYPTED)
        try:
            # From the open file, not the path: calamine picks its reader by the name's extension, and an
            # upload is stored under a name of its own; from a file it tells the format by the content.
            with open(path, "rb") as handle:
                self.workbook = python_calamine.CalamineWorkbook.from_filelike(handle)
            metadata = self.workbook.sheets_metadata
        except python_calamine.PasswordError:
            raise BadFile(ENCRYPTED) from None
        except MemoryError:
            raise
        except Exception:
            raise BadFile(self.unreadable) from None
        self.sheets = [(sheet.name, sheet.visible != python_calamine.SheetVisibleEnum.Visible)
                       for sheet in metadata if sheet.typ == python_calamine.SheetTypeEnum.WorkSheet]
        if not metadata:
            # Every workbook has a sheet: calamine found none in records it could not make sense of.
            self.close()
            raise BadFile(self.unreadable)
        self._hidden = None

    def rows(self, title: str) -> "_CalamineRows":
        self._title(title)
        try:
            sheet = self.workbook.get_sheet_by_name(title)
        except MemoryError:
            raise
        except Exception:
            raise BadFile(f"工作表“{title}”无法读取。" + self.unreadable) from None
        if self._hidden is None:
            self._hidden = _biff_hidden(self._stream)
            self._stream = b""
        hidden_rows, hidden_columns = self._hidden.get(title, (frozenset(), frozenset()))
        return _CalamineRows(sheet, title, hidden_rows, hidden_columns, self.unreadable)

    def close(self) -> None:
        workbook, self.workbook = getattr(self, "workbook", None), None
        if workbook is not None:
            try:
                workbook.close()
            except Exception:
                pass    # already closed


class _CalamineRows(_Source):
    def __init__(self, sheet, title: str, hidden_rows: frozenset[int], hidden_columns: frozenset[int],
                 unreadable: str):
        self.title, self.unreadable, self.sheet = title, unreadable, sheet
        self.hidden_rows, self._hidden_columns = hidden_rows, hidden_columns
        # calamine 0.9 yields rows from the sheet's first row, but cells from its first used column.
        self.offset = sheet.start[1] if sheet.start else 0
        self.size = sheet.end[0] + 1 if sheet.end else 0
        self.number = 0
        self._rows = sheet.iter_rows()

    def _next(self):
        cells = next(self._rows)
        self.number += 1
        values = [None] * self.offset + [_calamine_value(cell) for cell in cells]
        return self.number, _trimmed(values), self.number in self.hidden_rows

    def hidden_columns(self) -> frozenset[int]:
        return self._hidden_columns

    def merges(self) -> list[tuple[int, int, int, int]]:
        """(first row, first column, last row, last column) of each merged range, rows from 1 and columns
        from 0, as survey.xlsx.XmlRows.merges gives them."""
        try:
            ranges = self.sheet.merged_cell_ranges or []
        except Exception:
            return []
        return [(top + 1, left, bottom + 1, right) for (top, left), (bottom, right) in ranges]

    def done(self) -> int:
        return self.number


def _calamine_value(value):
    """A cell as the .xlsx reader gives it: None for empty, a whole number as int, a date as datetime."""
    if value == "":
        return None
    if isinstance(value, float) and value.is_integer() and abs(value) < _WHOLE_MAX:
        return int(value)
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day)
    return value


_BOF, _EOF, _BOUNDSHEET, _CODEPAGE, _FILEPASS, _ROW, _COLINFO = 0x0809, 0x000A, 0x0085, 0x0042, 0x002F, 0x0208, 0x007D


def _records(data: bytes, start: int = 0):
    """(type, offset of the body, body length) of the BIFF records from `start`."""
    position = start
    while position + 4 <= len(data):
        kind, length = struct.unpack_from("<HH", data, position)
        yield kind, position + 4, length
        position += 4 + length


def _biff_encrypted(data: bytes) -> bool:
    """Whether a BIFF workbook is encrypted, as Excel saves an .xls with an open password: its FILEPASS record
    follows the first BOF."""
    records = _records(data)
    first, second = next(records, (None, 0, 0)), next(records, (None, 0, 0))
    return first[0] == _BOF and second[0] == _FILEPASS


def _biff_stream(path: Path) -> bytes:
    """The Workbook (BIFF5: Book) stream of an .xls or .et; empty if there is none to be read."""
    import olefile

    try:
        with olefile.OleFileIO(str(path)) as ole:
            streams = {"/".join(entry).lower(): entry for entry in ole.listdir()}
            name = next(streams[s] for s in ("workbook", "book") if s in streams)
            return ole.openstream(name).read()
    except MemoryError:
        raise
    except Exception:
        return b""


def _biff_hidden(data: bytes) -> dict[str, tuple[frozenset[int], frozenset[int]]]:
    """Sheet title → (hidden row numbers from 1, hidden column indexes from 0), from the ROW and COLINFO
    records of an .xls (BIFF8, or BIFF5 named in its code page). calamine does not tell them; a stream these
    records cannot be read from has none."""
    try:
        return _hidden_in(data)
    except MemoryError:
        raise
    except Exception:
        return {}


def _hidden_in(data: bytes) -> dict[str, tuple[frozenset[int], frozenset[int]]]:
    version = struct.unpack_from("<H", data, 4)[0] if len(data) >= 6 else 0
    codepage, boundsheets = "cp1252", []
    for kind, at, length in _records(data):
        if kind == _CODEPAGE and length >= 2:
            number = struct.unpack_from("<H", data, at)[0]
            codepage = {1200: "utf-16-le", 936: "gbk", 1252: "cp1252"}.get(number, f"cp{number}")
        elif kind == _BOUNDSHEET:
            offset = struct.unpack_from("<I", data, at)[0]
            boundsheets.append((offset, _sheet_name(data[at + 6:at + length], version, codepage)))
        elif kind == _EOF:
            break
    found = {}
    for offset, title in boundsheets:
        rows, columns = set(), set()
        for kind, at, length in _records(data, offset):
            if kind == _ROW and length >= 13 and data[at + 12] & 0x20:
                rows.add(struct.unpack_from("<H", data, at)[0] + 1)
            elif kind == _COLINFO and length >= 10 and struct.unpack_from("<H", data, at + 8)[0] & 0x1:
                first, last = struct.unpack_from("<HH", data, at)
                # A range reaching the last column (people hide all unused columns) is cut, as for an .xlsx.
                columns.update(range(first, min(last, 255) + 1))
            elif kind == _EOF:
                break
        found[title] = (frozenset(rows), frozenset(columns))
    return found


def _sheet_name(body: bytes, version: int, codepage: str) -> str:
    count = body[0]
    if version >= 0x0600:   # BIFF8: a flag byte, then Latin-1 bytes or UTF-16
        wide = body[1] & 0x1
        raw = body[2:2 + count * (2 if wide else 1)]
        return raw.decode("utf-16-le" if wide else "latin-1")
    return body[1:1 + count].decode(codepage, errors="replace")


# CSV: one sheet of text.


class _CsvBook(_Book):
    def __init__(self, path: Path, title: str):
        self.path = path
        self.encoding, self.delimiter = csv_dialect(path)
        self.sheets = [(title, False)]

    def rows(self, title: str = "") -> "_CsvRows":
        # Its one sheet, whatever it is called: `rows(path, fmt, title)` does not know the original name.
        return _CsvRows(self.path, title or self.sheets[0][0], self.encoding, self.delimiter)


class _CsvRows(_Source):
    unreadable = CSV_RESAVE

    def __init__(self, path: Path, title: str, encoding: str, delimiter: str):
        self.title, self.encoding = title, encoding
        self.handle = open(path, "rb")
        self.size = path.stat().st_size
        # newline="": a quoted field's line break is the csv module's to keep.
        self.text = io.TextIOWrapper(self.handle, encoding=encoding, newline="")
        self.reader = csv.reader(self.text, delimiter=delimiter)
        self.number = 0

    def _next(self):
        try:
            fields = next(self.reader)
        except UnicodeDecodeError:
            raise BadFile(f"CSV 文件第 {self.reader.line_num + 1} 行附近有无法按 {encoding_name(self.encoding)} "
                          "编码读取的文字。" + CSV_RESAVE) from None
        except csv.Error:
            # In practice a quote never closed: the rest of the file ran into one field past the csv limit.
            raise BadFile(f"CSV 文件第 {self.reader.line_num} 行附近格式有误（可能有未配对的引号），无法读取。"
                          + CSV_RESAVE) from None
        self.number += 1
        return self.number, _trimmed([field or None for field in fields]), False

    def hidden_columns(self) -> frozenset[int]:
        return frozenset()

    def merges(self) -> list:
        return []

    def done(self) -> int:
        try:
            return self.handle.tell()
        except (OSError, ValueError):
            return 0

    def close(self) -> None:
        self.text.close()
        super().close()


__all__ = ["ACCEPTED", "CSV", "ET", "FORMATS", "UNCOMPUTED", "XLS", "XLSX", "csv_dialect", "csv_encoding", "detect",
           "encoding_name", "open_book", "rows", "sheets"]

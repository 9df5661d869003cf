"""A worksheet's rows read straight from the workbook's XML with expat, streamed a chunk at a time: the values
openpyxl's read-only worksheet gives (reading._Rows), in a third of the time on a county's sheet of 37,519
rows (6.2 s against 16.8 s on the development machine; a quarter where the texts are inline strings).

reading._Rows hands each row to openpyxl's WorkSheetParser, which builds an element tree and openpyxl's
objects for every cell (and every inline or shared string): on a sheet of 37,519 rows that is most of the
time an import takes to read. Here expat calls a handler per element and the handlers keep only the values,
converted as openpyxl's parse_cell (data_only) converts them: shared strings, numbers (int or float), the
dates of date-formatted cells in the workbook's epoch, booleans, ISO dates, error codes as text, and a
formula saved without its result as reading.UNCOMPUTED. The workbook itself is opened by openpyxl's
read-only loader (sheets, their states and parts, styles), with the shared strings read by expat too.
tests/test_ledger_survey.py holds both readers to the same rows, with inline and shared strings and with
prefixed element names.

Robust as reading.py is: the caller checks the file with reading.check_file first (survey does), which
bounds every part's unpacked size; a document type declaration (and so any entity) is refused; XML that does
not parse, a cell address no sheet has, a shared string that is not there is a BadFile naming the sheet;
merged ranges are bounded.
"""
import re
import zipfile
from pathlib import Path
from xml.parsers import expat

from django.conf import settings
from openpyxl.reader.excel import SHARED_STRINGS, ExcelReader
from openpyxl.utils import column_index_from_string
from openpyxl.utils.datetime import from_excel, from_ISO8601

from ..reading import UNCOMPUTED, BadFile

UNREADABLE = "请在 Excel 中打开后重新另存为 .xlsx 再上传。"


def load(path: Path):
    """The workbook as openpyxl's load_workbook(read_only=True, data_only=True) opens it."""
    try:
        reader = _Reader(path, read_only=True, data_only=True)
        reader.read()
        return reader.wb
    except MemoryError:
        raise
    except Exception:
        raise BadFile("文件无法打开，可能已损坏或不是 Excel 工作簿。请在 Excel 中打开后另存为 .xlsx。") from None


class XlsxBook:
    """An .xlsx as the survey reads it (survey.open_book): `sheets` as (title, hidden), `rows(title)` as
    XmlRows, `sizes(titles)` of their XML, `close()`."""

    def __init__(self, path: Path):
        self.book = load(path)
        self.sheets = [(sheet.title, getattr(sheet, "sheet_state", "visible") != "visible")
                       for sheet in self.book.worksheets]

    def rows(self, title: str) -> "XmlRows":
        sheet = next((s for s in self.book.worksheets if s.title == title), None)
        if sheet is None:
            raise BadFile(f"文件中没有名为“{title}”的工作表。")
        return XmlRows(self.book, sheet)

    def sizes(self, titles) -> dict[str, int]:
        return {s.title: self.book._archive.getinfo(s._worksheet_path).file_size
                for s in self.book.worksheets if s.title in titles}

    def close(self) -> None:
        self.book.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


_MAIN = ("http://schemas.openxmlformats.org/spreadsheetml/2006/main", "http://purl.oclc.org/ooxml/spreadsheetml/main")
_LOCAL = ("row", "c", "v", "f", "is", "t", "rPh", "col", "si")
_MERGE = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?mergeCell\s[^>]*?ref="([A-Z]+[0-9]+(?::[A-Z]+[0-9]+)?)"')
_REF = re.compile(r"^([A-Z]{1,3})([0-9]+)$")
CHUNK = 256 * 1024
_COLUMNS: dict[str, int] = {}
_TRUE = ("1", "true", "True")


def _column(letters: str) -> int:
    """`A` → 0, `AB` → 27."""
    index = _COLUMNS.get(letters)
    if index is None:
        index = _COLUMNS[letters] = column_index_from_string(letters) - 1
    return index


def _range(ref: str) -> tuple[int, int, int, int]:
    first, _, last = ref.partition(":")
    (top, left), (bottom, right) = _cell(first), _cell(last or first)
    return min(top, bottom), min(left, right), max(top, bottom), max(left, right)


def _cell(ref: str) -> tuple[int, int]:
    match = _REF.match(ref)
    if match is None:
        raise ValueError(ref)
    return int(match[2]), _column(match[1])


def _parser(tags: dict, start, end, data):
    """An expat parser that refuses a document type declaration (so no entity is ever expanded). Names are
    not resolved against their namespaces (that costs a third of the time): the root element says which
    prefix the spreadsheet namespace has (none, or `x:` as some programs write it), and `tags` (name as
    written → local name) is filled from it before `start` hears of any element."""
    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.buffer_size = CHUNK
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = parser.EntityDeclHandler = _no_doctype

    def root(_name, attrs):
        prefix = next((key.removeprefix("xmlns").lstrip(":") for key, value in attrs.items()
                       if key.startswith("xmlns") and value in _MAIN), None)
        if prefix is None:
            raise BadFile("文件中的表格不是 Excel 工作簿的格式。" + UNREADABLE)
        tags.update({f"{prefix}:{tag}" if prefix else tag: tag for tag in _LOCAL})
        parser.StartElementHandler = start

    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = root, end, data
    return parser


def _no_doctype(*_):
    raise BadFile("文件中含有文档类型声明，已拒收。" + UNREADABLE)


class _Reader(ExcelReader):
    """openpyxl's read-only loading (3.1, pinned), with the shared strings read by expat: the same texts
    (openpyxl's `Text.content`: the runs without their phonetic guides, `x005F_` taken out), several times
    faster than building openpyxl's objects for each."""

    def read_strings(self):
        part = self.package.find(SHARED_STRINGS)
        if part is None:
            return
        strings, parts, inside = [], [], [0, False]      # the <si> being read; [depth in <rPh>, in a <t>]
        tags: dict[str, str] = {}

        def start(name, _attrs):
            tag = tags.get(name)
            if tag == "t" and not inside[0]:
                inside[1] = True
            elif tag == "rPh":
                inside[0] += 1
            elif tag == "si":
                parts.clear()

        def end(name):
            tag = tags.get(name)
            if tag == "t":
                inside[1] = False
            elif tag == "rPh":
                inside[0] -= 1
            elif tag == "si":
                strings.append("".join(parts).replace("x005F_", ""))

        def data(content):
            if inside[1]:
                parts.append(content)

        parser = _parser(tags, start, end, data)
        with self.archive.open(part.PartName[1:]) as source:
            while chunk := source.read(CHUNK):
                parser.Parse(chunk, False)
        parser.Parse(b"", True)
        self.shared_strings = strings


class XmlRows:
    """A worksheet's rows as (Excel row number, values, hidden), parsed with expat from the workbook's zip,
    a chunk at a time: the values openpyxl's read-only worksheet gives (reading._Rows), every row the XML
    holds, formulas without results as UNCOMPUTED. `merges()` reads the merged ranges (at the end of the
    XML) first; `hidden_columns()` is known once the first row is read."""

    def __init__(self, book, sheet):
        self.title = sheet.title
        self.archive = book._archive
        self.part = sheet._worksheet_path
        self.size = self.archive.getinfo(self.part).file_size
        self.strings = sheet._shared_strings
        self.dates, self.durations, self.epoch = book._date_formats, book._timedelta_formats, book.epoch
        self.source = None
        self.read = 0
        self._hidden: set[int] = set()

    def merges(self) -> list[tuple[int, int, int, int]]:
        """(first row, first column, last row, last column) of each merged range: rows from 1, columns from 0.
        Read from the raw XML (a merged range is `<mergeCell ref="A1:Y1"/>`, and nothing else there holds
        that tag: text has its `<` escaped)."""
        found, tail = [], b""
        limit = 4 * settings.LEDGER_MAX_ROWS + 1000
        try:
            with self.archive.open(self.part) as source:
                while chunk := source.read(CHUNK * 4):
                    data = tail + chunk
                    end = 0
                    if b"mergeCell" in data:
                        for match in _MERGE.finditer(data):
                            found.append(_range(match[1].decode()))
                            end = match.end()
                        if len(found) > limit:
                            raise BadFile(f"工作表“{self.title}”的合并单元格超过 {limit:,} 处，结构异常。" + UNREADABLE)
                    tail = data[max(end, len(data) - 512):]
        except (zipfile.BadZipFile, OSError, EOFError, ValueError):
            raise BadFile(f"工作表“{self.title}”已损坏或结构异常，无法读取。" + UNREADABLE) from None
        return found

    def hidden_columns(self) -> frozenset[int]:
        return frozenset(self._hidden)

    def done(self) -> int:
        return self.read

    def close(self) -> None:
        if self.source is not None:
            self.source.close()
            self.source = None

    def __iter__(self):
        try:
            yield from self._rows()
        except (BadFile, MemoryError):
            raise
        except Exception:
            raise BadFile(f"工作表“{self.title}”已损坏或结构异常，无法读取。" + UNREADABLE) from None

    def _rows(self):  # noqa: C901 - the handlers share their state as closures: the fastest Python has
        """Each value as openpyxl's WorkSheetParser.parse_cell (data_only) and reading._Parser make it."""
        strings, durations, epoch = self.strings, self.durations, self.epoch
        dates = {str(style) for style in self.dates}
        hidden_columns, letters_of, column_of = self._hidden, _COLUMNS, _column
        tags: dict[str, str] = {}
        done = []
        number, row_hidden, values, column = 0, False, [], -1
        kind, style, formula, value, inline, phonetic, target = "n", None, False, None, None, 0, 0

        def start(name, attrs):
            nonlocal number, row_hidden, values, column, kind, style, formula, value, inline, phonetic, target
            tag = tags.get(name)
            if tag == "c":
                ref = attrs.get("r")
                if ref:
                    letters = ref.rstrip("0123456789")
                    column = letters_of.get(letters)
                    if column is None:
                        column = column_of(letters)
                else:
                    column += 1
                kind = attrs.get("t", "n")
                style = attrs.get("s")
                formula, value, inline = False, None, None
            elif tag == "v":
                value, target = "", 1
            elif tag == "t":
                if inline is not None and not phonetic:
                    target = 2
            elif tag == "f":
                formula = True
            elif tag == "is":
                inline = []
            elif tag == "rPh":
                phonetic += 1
            elif tag == "row":
                r = attrs.get("r")
                number = int(float(r)) if r else number + 1
                row_hidden = attrs.get("hidden") in _TRUE
                values, column = [], -1
            elif tag == "col" and attrs.get("hidden") in _TRUE:
                first = int(attrs["min"])
                # A range reaching Excel's last column (all unused columns hidden) is cut, as reading._Rows does.
                hidden_columns.update(range(first - 1, min(int(attrs.get("max", first)), first + 16384)))

        def data(content):
            nonlocal value
            if target == 1:
                value += content
            elif target == 2:
                inline.append(content)

        def end(name):
            nonlocal target, phonetic
            tag = tags.get(name)
            if tag == "c":
                found = value or None
                if kind == "inlineStr":
                    found = "".join(inline) if inline is not None else None
                elif found is None:
                    pass
                elif kind == "n":
                    found = float(found) if ("." in found or "E" in found or "e" in found) else int(found)
                    if style in dates:
                        try:
                            found = from_excel(found, epoch, timedelta=int(style) in durations)
                        except (OverflowError, ValueError):
                            found = "#VALUE!"
                elif kind == "s":
                    found = strings[int(found)]
                elif kind == "b":
                    found = bool(int(found))
                elif kind == "d":
                    found = from_ISO8601(found)
                # "str" (a formula's text) and "e" (an error such as #N/A) stay as written.
                if found is None and formula:
                    found = UNCOMPUTED
                size = len(values)
                if column == size:
                    values.append(found)
                elif column > size:
                    values.extend([None] * (column - size))
                    values.append(found)
                else:
                    values[column] = found
            elif tag == "v" or tag == "t":
                target = 0
            elif tag == "rPh":
                phonetic -= 1
            elif tag == "row":
                done.append((number, values, row_hidden))

        parser = _parser(tags, start, end, data)
        self.source = self.archive.open(self.part)
        while chunk := self.source.read(CHUNK):
            self.read += len(chunk)
            parser.Parse(chunk, False)
            if done:
                yield from done
                done.clear()
        parser.Parse(b"", True)
        yield from done

"""Printed lists: every row a list page's filters select, as an A4 PDF (`?format=pdf` on a RecordListView).

A printed list holds what the list's Excel export holds: the rows and columns of its exporter
(core.exports), read through the same scoped selector and filterset. `list_document` reads them and
writes every cell as it is printed (amounts `12,800.00`, dates `2026-03-01`); `render_list_pdf` is a pure
renderer of that document (STYLE rule 8) through `templates/pdf/list.html`.

The layout follows the cells: each column is as wide as most of its cells need (a long note wraps, an
amount or a date never does), the type is made as large as the page allows, and a list too wide for an
upright page is printed across (landscape). The header row repeats on every page; the totals of the money
columns close the list.

WeasyPrint lays out some hundred rows a second and holds the whole table while it does (half a gigabyte for
a thousand rows of the contracts list's 23 columns), so a long list is laid out a part of some PART_CELLS
cells at a time; each part but the last hands its last, seldom full, page to the next, and the parts are
joined. The page numbers (第 n 页 共 N 页), which no part knows, are then laid over each page from a document
of footers alone. A list longer than PDF_LIST_INLINE_ROWS is printed by a background job (`list-pdf`); one
longer than PDF_LIST_MAX_ROWS is not printed at all (`too_long_message`).
"""
import functools
import gc
import io
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.http import QueryDict
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from pypdf import PdfReader, PdfWriter

from core.exports import Exporter, exporter_of_job
from core.jobs import JobError, job_add_file, job_runner
from core.money import format_area, format_yuan
from core.permissions import CLAIM_MANAGE

from . import fonts, render_document

JOB_KIND = "list-pdf"
TEMPLATE = "pdf/list.html"
PART_CELLS = 12000                   # cells laid out at a time (see the module's docstring)
PART_LEAST_ROWS = 200                # always several pages: a part ends by handing its last page to the next

MM = 72 / 25.4                       # points in a millimetre
MARGIN_MM = 13                       # left and right
WIDTH_PT = {"portrait": (210 - 2 * MARGIN_MM) * MM, "landscape": (297 - 2 * MARGIN_MM) * MM}
LARGEST_PT, SMALLEST_PT = 10.5, 6.5  # the type of the table
UPRIGHT_SMALLEST_PT = 9              # an upright page whose type would be smaller is turned across
UPRIGHT_MOST_COLUMNS = 9
PADDING_EM = 0.5                     # a cell's padding and rules (templates/pdf/list.html)
WRAP_MOST_EM = 12                    # a column of long texts is not made wider than this: they wrap
WRAP_LEAST_EM = 2.2
SHORT_EM = 5                         # a column whose cells are all this short is never wrapped (资源发包)
CODE_MOST_EM = 13                    # nor one of codes (合同编号, 证件号码, 电话) this wide at most


@dataclass(frozen=True)
class PrintedColumn:
    title: str
    money: bool = False
    figures: bool = False    # amounts, areas, counts, shares: right-aligned, never wrapped
    nowrap: bool = False     # dates and figures
    width: float = 0         # percent of the table's width


@dataclass(frozen=True)
class Layout:
    orientation: str         # "portrait" or "landscape"
    font_pt: float
    widths: list[float]      # percent of the table's width, one a column


@dataclass
class ListDocument:
    """A list as it is printed: every cell already a string."""

    name: str                # 合同清单
    place: str               # the printing user's scope: 峪口镇
    conditions: list[str]    # 清理状态：已认定
    printed_by: str
    printed_at: datetime
    columns: list[PrintedColumn]
    rows: list[list[str]]
    totals: list[str] | None     # the closing row: 合计 and the sums of the money columns
    layout: Layout

    @property
    def title(self) -> str:
        """合同清单 · 峪口镇 · 清理状态：已认定"""
        return " · ".join([self.name, self.place, *self.conditions])

    @property
    def count(self) -> int:
        return len(self.rows)

    @property
    def filename(self) -> str:
        return f"{self.name}-{timezone.localtime(self.printed_at):%Y%m%d-%H%M}.pdf"


# --- Reading -----------------------------------------------------------------------------------------


def list_document(export: Exporter, *, report: Callable | None = None, now: datetime | None = None) -> ListDocument:
    """The document of one list: its exporter's columns and every row its filters select, printed."""
    columns = export.columns()
    money = [c.money for c in columns]
    totals = [Decimal(0) if m else None for m in money]
    figures = [True] * len(columns)
    dated = [True] * len(columns)
    rows = []
    for row in export.all_rows(report, every=2000, doing="已读出"):
        printed = []
        for index, column in enumerate(columns):
            value = row[index] if index < len(row) else None
            if money[index] and isinstance(value, Decimal | int) and not isinstance(value, bool):
                totals[index] += value
            if value is not None and value != "":
                figures[index] &= isinstance(value, Decimal | int | float) and not isinstance(value, bool)
                dated[index] &= isinstance(value, date)
            printed.append(printed_cell(value, money=column.money, percent=column.percent))
        rows.append(printed)
    # A column with no value at all is neither figures nor dates.
    filled = [any(row[i] for row in rows) for i in range(len(columns))]
    printed_columns = [
        PrintedColumn(c.title, money=c.money, figures=c.money or c.percent or (figures[i] and filled[i]),
                      nowrap=c.money or c.percent or ((figures[i] or dated[i]) and filled[i]))
        for i, c in enumerate(columns)]
    closing = None
    if rows and any(money):
        closing = [format_yuan(total) if total is not None else "" for total in totals]
        closing[0] = closing[0] or "合计"
    layout = list_layout(printed_columns, rows + ([closing] if closing else []))
    printed_columns = [PrintedColumn(c.title, c.money, c.figures, c.nowrap, width)
                       for c, width in zip(printed_columns, layout.widths, strict=True)]
    return ListDocument(name=export.printed_title(), place=export.user.scope_name, conditions=export.conditions(),
                        printed_by=str(export.user), printed_at=now or timezone.now(), columns=printed_columns,
                        rows=rows, totals=closing, layout=layout)


def printed_cell(value, *, money: bool = False, percent: bool = False) -> str:
    """A cell as printed: amounts with separators and two decimals, areas with two decimals, dates as 2026-03-01."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if percent and isinstance(value, Decimal | int | float):
        return f"{Decimal(str(value)) * 100:.2f}%"
    if money and isinstance(value, Decimal | int | float):
        return format_yuan(value)
    if isinstance(value, Decimal):
        return format_area(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, datetime):
        return f"{timezone.localtime(value) if timezone.is_aware(value) else value:%Y-%m-%d %H:%M}"
    if isinstance(value, date):
        return f"{value:%Y-%m-%d}"
    return str(value)


# --- Layout ------------------------------------------------------------------------------------------


@functools.cache
def _latin_ems() -> dict[str, float]:
    """The advance of each printable ASCII character in the documents' face, in ems."""
    from fontTools.ttLib import TTCollection, TTFont

    file, index = fonts.require_face()
    face = TTCollection(file, lazy=True).fonts[index] if file.lower().endswith(".ttc") else TTFont(file, lazy=True)
    cmap, advances, em = face.getBestCmap(), face["hmtx"], face["head"].unitsPerEm
    return {chr(code): advances[cmap[code]][0] / em for code in range(0x20, 0x7F) if code in cmap}


def text_ems(text: str) -> float:
    """How wide a text is set, in ems of its type: a Latin letter, figure or sign as wide as the face sets it
    (a figure about half an em, a capital two thirds), anything else (Chinese) a whole em."""
    latin = _latin_ems()
    return sum(latin.get(c, 1.0) for c in text)


def _is_code(cell: str) -> bool:
    """A number, a code, an ID or a phone number: one token with figures in it, which must not be broken."""
    return not any(c.isspace() for c in cell) and any(c.isdigit() for c in cell)


def _widths(column: PrintedColumn, cells: list[str]) -> tuple[float, float]:
    """(the width a column wants, the least it can do with), in ems.

    A heading may take two lines. Figures, dates and short words (资源发包, 已认定) are never broken: they want
    their widest cell and can do with nothing less; codes (合同编号, 证件号码) want their widest and can do with
    what most of them need. Longer texts want what most of their cells need, so that a few long notes wrap
    rather than widen the column for all, and can wrap further still.
    """
    heading = max(text_ems(column.title) / 2, min(text_ems(column.title), 2))
    filled = [cell for cell in cells if cell]
    widths = sorted(text_ems(cell) for cell in filled)
    widest = widths[-1] if widths else 0
    most = widths[int(len(widths) * 0.9)] if widths else 0
    if column.nowrap or widest <= SHORT_EM:
        want = max(heading, widest) + PADDING_EM
        return want, want
    if all(map(_is_code, filled)) and widest <= CODE_MOST_EM:
        # A rare long code may break, so that a crowded list keeps room for its texts.
        return max(heading, widest) + PADDING_EM, max(heading, most) + PADDING_EM
    want = max(heading, min(most, WRAP_MOST_EM), WRAP_LEAST_EM) + PADDING_EM
    # Half the cells (a name, 孙三女) stay on one line where they can.
    return want, max(heading, min(widths[len(widths) // 2], SHORT_EM), WRAP_LEAST_EM) + PADDING_EM


def list_layout(columns: list[PrintedColumn], rows: Iterable[list[str]]) -> Layout:
    """The page's orientation, the type's size and each column's width for these cells."""
    rows = list(rows)
    wants, leasts = zip(*(_widths(column, [row[i] for row in rows]) for i, column in enumerate(columns)),
                        strict=True) if columns else ((), ())
    wants, leasts = list(wants), list(leasts)
    total = sum(wants) or 1
    upright = WIDTH_PT["portrait"] / total
    if upright >= UPRIGHT_SMALLEST_PT and len(columns) <= UPRIGHT_MOST_COLUMNS:
        orientation, font = "portrait", min(upright, LARGEST_PT)
    else:
        orientation, font = "landscape", min(WIDTH_PT["landscape"] / total, LARGEST_PT)
    if font < SMALLEST_PT:
        # Too wide even in small type: what must not break keeps its width, the longer texts share the rest
        # (in proportion to what they want, never below what they can do with) and wrap.
        font = SMALLEST_PT
        room = WIDTH_PT[orientation] / font
        flexible = [i for i in range(len(columns)) if wants[i] > leasts[i]]
        while flexible:
            fixed = sum(w for i, w in enumerate(wants) if i not in flexible)
            share = (room - fixed) / sum(wants[i] for i in flexible)
            if share >= 1:
                break
            floor = [i for i in flexible if wants[i] * share < leasts[i]]
            for i in floor or flexible:
                wants[i] = leasts[i] if floor else wants[i] * share
            flexible = [i for i in flexible if i not in floor] if floor else []
        total = sum(wants)
    font = math.floor(font * 10) / 10
    return Layout(orientation, font, [round(w * 100 / total, 3) for w in wants])


# --- Rendering ---------------------------------------------------------------------------------------


def css_string(text: str, limit: int = 90) -> SafeString:
    """`text` as the inside of a CSS string in a <style> element: every character that could end the string,
    the rule or the element written as a hex escape."""
    if len(text) > limit:
        text = text[:limit - 1] + "…"
    return mark_safe("".join(c if c.isalnum() or c in " ·：:（）()、，,.-_/" else f"\\{ord(c):06x}" for c in text))


def _context(document: ListDocument, rows: list[list[str]], offset: int, *, last: bool, numbered: bool) -> dict:
    """What the template prints of `rows`, which begin at row `offset` of the list (the first part has the
    heading, the last the totals)."""
    layout = document.layout
    return {
        "document": document,
        "title": document.title,
        "rows": rows,
        "offset": offset,
        "first": offset == 0,
        "last": last,
        "numbered": numbered,
        "orientation": layout.orientation,
        "font_pt": layout.font_pt,
        "running_title": css_string(document.title),
        "running_date": css_string(f"截至 {timezone.localtime(document.printed_at):%Y-%m-%d %H:%M}"),
        "printed_at": _moment(document.printed_at),
        "subtitle": " · ".join([document.place, *document.conditions]),
        "aligned": [(i + 1, c) for i, c in enumerate(document.columns) if c.figures or c.nowrap],
    }


def _moment(value: datetime) -> str:
    """`2026年3月1日 14:05`"""
    value = timezone.localtime(value)
    return f"{value.year}年{value.month}月{value.day}日 {value:%H:%M}"


def render_list_pdf(document: ListDocument, *, report: Callable | None = None) -> bytes:
    """The PDF of a list: in one piece when it is short; else part by part, joined and numbered.

    A part's last page is seldom full: unless it ends the list, it is dropped and its rows begin the next
    part (each row carries its index as an anchor, which tells the first row of a page), so that no page in
    the middle of a long list is left half empty."""
    rows = document.rows
    part_rows = max(PART_LEAST_ROWS, PART_CELLS // max(len(document.columns), 1))
    if len(rows) <= part_rows:
        html = render_to_string(TEMPLATE, _context(document, rows, 0, last=True, numbered=True))
        return render_document(html).write_pdf()
    parts, pages, start = [], 0, 0
    while start < len(rows):
        end = min(start + part_rows, len(rows))
        if report:
            report(start, len(rows), f"正在排版第 {start + 1:,}–{end:,} 行，共 {len(rows):,} 行")
        last = end == len(rows)
        html = render_to_string(TEMPLATE, _context(document, rows[start:end], start, last=last, numbered=False))
        # As for letters (debts.letters.pdf): a part is hundreds of thousands of objects, and collecting
        # cycles over and over while they pile up costs a quarter of the time; they go once, at the end.
        collecting = gc.isenabled()
        gc.disable()
        try:
            part = render_document(html)
            kept = part.pages
            if not last and len(kept) > 1:
                carried = [int(anchor[4:]) for anchor in kept[-1].anchors if anchor.startswith("row-")]
                if carried:
                    kept, end = kept[:-1], min(carried)
            parts.append(part.copy(kept).write_pdf())
            pages += len(kept)
            del part, kept
        finally:
            if collecting:
                gc.enable()
            gc.collect()
        start = end
    if report:
        report(len(rows), len(rows), f"正在编页码，共 {pages:,} 页")
    return _numbered(parts, pages, document)


def _numbered(parts: list[bytes], pages: int, document: ListDocument) -> bytes:
    """The parts joined, each page with 第 n 页 共 N 页 laid over it from a document of footers alone."""
    footers = PdfReader(io.BytesIO(render_document(render_to_string("pdf/list_footers.html", {
        "pages": range(pages), "orientation": document.layout.orientation})).write_pdf()))
    writer = PdfWriter()
    index = 0
    for part in parts:
        for page in PdfReader(io.BytesIO(part)).pages:
            added = writer.add_page(page)
            added.merge_page(footers.pages[index])
            added.compress_content_streams()  # merging writes the page's content out uncompressed
            index += 1
    # Parts that print the same characters carry the same cut of the face: written once.
    writer.compress_identical_objects(remove_duplicates=True)
    writer.add_metadata({"/Title": document.title, "/Author": document.printed_by})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# --- Long lists: the job -------------------------------------------------------------------------------


def too_long_message(count: int) -> str:
    return (f"符合条件的记录共 {count:,} 条，超过一次打印的上限 {settings.PDF_LIST_MAX_ROWS:,} 条。"
            "请增加查询条件（如选择村、状态）分批打印，或导出 Excel。")


@job_runner(JOB_KIND, restart_permission=CLAIM_MANAGE)
def run_list_pdf_job(job, report) -> dict:
    """The background job of a long printed list: the same exporter, filters and user as the click that asked."""
    export = exporter_of_job(job.params)(job.created_by, QueryDict(job.params.get("query", "")))
    document = list_document(export, report=report)
    if document.count > settings.PDF_LIST_MAX_ROWS:
        raise JobError(too_long_message(document.count))
    pdf = render_list_pdf(document, report=report)
    job_add_file(job, document.filename, pdf)
    return {"rows": document.count}

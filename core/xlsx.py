"""Spreadsheets for download and for the ledgers townships keep: one writer, plain rows in, .xlsx bytes out."""
from copy import copy
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

MONEY_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"
PERCENT_FORMAT = "0.00%"
_THIN = Side(style="thin", color="999999")


@dataclass(frozen=True)
class Column:
    title: str
    width: int = 14
    money: bool = False      # two decimals, thousands separators, summed in the total row
    percent: bool = False    # a share between 0 and 1 shown as a percentage (never summed)


@dataclass(frozen=True)
class Sheet:
    """One sheet of a workbook: a title row, an optional subtitle, the header, the rows and a total row."""

    title: str
    columns: list[Column]
    rows: list[list]
    subtitle: str = ""
    total_label: str | None = "合计"
    name: str = ""           # the tab's name; the title's first 31 characters when empty


def build_xlsx(*, title: str, columns: list[Column], rows: list[list], subtitle: str = "",
               total_label: str | None = "合计") -> bytes:
    """One sheet: a title row, an optional subtitle, the header, the rows and a total row for money columns.

    Amounts stay numbers (Decimal written exactly), so the sheet can be summed and sorted in Excel.
    """
    return build_workbook([Sheet(title, columns, rows, subtitle, total_label)])


def build_workbook(sheets: list[Sheet]) -> bytes:
    """Several sheets in one workbook, each laid out as `build_xlsx` lays out its one."""
    book = Workbook()
    book.remove(book.active)
    for spec in sheets:
        _write_sheet(book.create_sheet((spec.name or spec.title)[:31]), spec)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def _write_sheet(sheet, spec: Sheet) -> None:
    columns, rows, total_label = spec.columns, spec.rows, spec.total_label
    width = len(columns)
    sheet.append([spec.title])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet["A1"].font = Font(size=14, bold=True)
    sheet["A1"].alignment = Alignment(horizontal="center")
    header_row = 2
    if spec.subtitle:
        sheet.append([spec.subtitle])
        sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
        header_row = 3
    sheet.append([c.title for c in columns])
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(row=header_row, column=index)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="EEEEEE")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    for row in rows:
        # Shares keep their four decimals; amounts are written to the cent.
        sheet.append([v if c.percent else _cell_value(v) for v, c in zip(row, columns, strict=False)])
    last = sheet.max_row
    if total_label and any(c.money for c in columns) and rows:
        total = [total_label] + [None] * (width - 1)
        sheet.append(total)
        for index, column in enumerate(columns, start=1):
            if column.money:
                letter = get_column_letter(index)
                sheet.cell(row=last + 1, column=index, value=f"=SUM({letter}{header_row + 1}:{letter}{last})")
            sheet.cell(row=last + 1, column=index).font = Font(bold=True)
    for row in sheet.iter_rows(min_row=header_row, max_row=sheet.max_row, max_col=width):
        for cell, column in zip(row, columns, strict=False):
            cell.border = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
            if cell.row <= last and isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
                _as_text(cell)
            if column.money and cell.row > header_row:
                cell.number_format = MONEY_FORMAT
            elif column.percent and cell.row > header_row:
                cell.number_format = PERCENT_FORMAT
            elif isinstance(cell.value, (date, datetime)):
                cell.number_format = DATE_FORMAT
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)


# A text cell starting with one of these would be run as a formula by a spreadsheet program.
FORMULA_STARTS = ("=", "+", "-", "@")


def _as_text(cell) -> None:
    """Keep a formula-looking text as text: string type, and Excel's own "typed with a leading quote" mark."""
    cell.data_type = "s"
    cell.quotePrefix = True


def _cell_value(value):
    if isinstance(value, Decimal):
        # openpyxl writes Decimal as a number; keep cents exact.
        return value.quantize(Decimal("0.01"))
    return value


def stream_workbook(sheets: list[Sheet], *, borders_up_to: int = 5000) -> bytes:
    """The same layout as `build_workbook`, written row by row (openpyxl's write-only mode) so that a list of
    tens of thousands of rows takes seconds and little memory. `rows` may be any iterable. Cells are
    bordered while a sheet is small; beyond `borders_up_to` rows only the header is.
    """
    book = Workbook(write_only=True)
    for spec in sheets:
        _stream_sheet(book, spec, borders_up_to)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def _styled(sheet, value, *, font=None, fill=None, alignment=None, border=None, number_format=None):
    cell = WriteOnlyCell(sheet, value=value)
    if font:
        cell.font = font
    if fill:
        cell.fill = fill
    if alignment:
        cell.alignment = alignment
    if border:
        cell.border = border
    if number_format:
        cell.number_format = number_format
    return cell


class _Styles:
    """Data cells share a few styles (border, number format, text mark): each is registered with the
    workbook once and copied onto the cells that use it, which keeps a long export fast."""

    def __init__(self, sheet):
        self.sheet, self.cache = sheet, {}

    def cell(self, value, *, border=None, number_format=None, text=False):
        key = (border is not None, number_format, text)
        style = self.cache.get(key)
        if style is None:
            model = _styled(self.sheet, None, border=border, number_format=number_format)
            if text:
                model.quotePrefix = True
            style = self.cache[key] = model._style
        cell = WriteOnlyCell(self.sheet, value=value)
        cell._style = copy(style)
        if text:
            cell.data_type = "s"
        return cell


def _stream_sheet(book, spec: Sheet, borders_up_to: int) -> None:
    sheet = book.create_sheet((spec.name or spec.title)[:31])
    columns, width = spec.columns, len(spec.columns)
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    box = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
    sheet.append([_styled(sheet, spec.title, font=Font(size=14, bold=True), alignment=Alignment(horizontal="center"))])
    sheet.merged_cells.add(f"A1:{get_column_letter(width)}1")
    header_row = 2
    if spec.subtitle:
        sheet.append([spec.subtitle])
        sheet.merged_cells.add(f"A2:{get_column_letter(width)}2")
        header_row = 3
    sheet.freeze_panes = f"A{header_row + 1}"
    head = dict(font=Font(bold=True), fill=PatternFill("solid", fgColor="EEEEEE"), border=box,
                alignment=Alignment(horizontal="center", vertical="center", wrap_text=True))
    sheet.append([_styled(sheet, c.title, **head) for c in columns])
    money = [c.money for c in columns]
    percent = [c.percent for c in columns]
    styles = _Styles(sheet)
    count = 0
    for row in spec.rows:
        count += 1
        border = box if count <= borders_up_to else None
        cells = []
        for index, value in enumerate(row):
            value = value if index < width and percent[index] else _cell_value(value)
            if isinstance(value, str):
                value = ILLEGAL_CHARACTERS_RE.sub("", value)
            if value is None or value == "":
                cells.append(styles.cell(None, border=border) if border else None)
            elif index < width and money[index]:
                cells.append(styles.cell(value, border=border, number_format=MONEY_FORMAT))
            elif index < width and percent[index]:
                cells.append(styles.cell(value, border=border, number_format=PERCENT_FORMAT))
            elif isinstance(value, str) and value.startswith(FORMULA_STARTS):
                cells.append(styles.cell(value, border=border, text=True))
            elif isinstance(value, (date, datetime)):
                cells.append(styles.cell(value, border=border, number_format=DATE_FORMAT))
            elif border:
                cells.append(styles.cell(value, border=border))
            else:
                cells.append(value)
        sheet.append(cells)
    if spec.total_label and any(money) and count:
        first, last = header_row + 1, header_row + count
        total = []
        for index, column in enumerate(columns):
            letter = get_column_letter(index + 1)
            value = spec.total_label if index == 0 else (f"=SUM({letter}{first}:{letter}{last})" if column.money
                                                           else None)
            total.append(_styled(sheet, value, font=Font(bold=True), border=box,
                                 number_format=MONEY_FORMAT if column.money else None))
        sheet.append(total)


@dataclass(frozen=True)
class TemplateColumn:
    title: str
    width: int = 12
    required: bool = False
    choices: tuple[str, ...] = ()    # a drop-down list on the data rows
    note: str = ""


def build_template(*, title: str, columns: list[TemplateColumn], example: list, rows_with_lists: int = 5000,
                   first_column: str = "序号") -> bytes:
    """A ledger template: a title row, the header (required columns marked in red), one example row
    (its first cell says 示例, so an import skips it), drop-down lists for the coded columns, and a
    sheet of notes naming each column, whether it is required and what it accepts."""
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    every = [TemplateColumn(first_column, 6)] + list(columns)
    sheet.append([title])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(every))
    sheet["A1"].font = Font(size=14, bold=True)
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet.append([c.title for c in every])
    for index, column in enumerate(every, start=1):
        cell = sheet.cell(row=2, column=index)
        cell.font = Font(bold=True, color="C00000" if column.required else "000000")
        cell.fill = PatternFill("solid", fgColor="EEEEEE")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.append(["示例"] + list(example))
    for cell in sheet[3]:
        cell.font = Font(italic=True, color="808080")
        if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
            _as_text(cell)
    sheet.freeze_panes = "A3"
    lists = book.create_sheet("选项")
    lists.sheet_state = "hidden"
    for index, column in enumerate(every, start=1):
        if not column.choices:
            continue
        letter = get_column_letter(index)
        for row, choice in enumerate(column.choices, start=1):
            lists.cell(row=row, column=index, value=choice)
        validation = DataValidation(type="list", formula1=f"选项!${letter}$1:${letter}${len(column.choices)}",
                                    allow_blank=True, showErrorMessage=False)
        validation.add(f"{letter}3:{letter}{rows_with_lists}")
        sheet.add_data_validation(validation)
    notes = book.create_sheet("填写说明")
    notes.append(["列名", "必填", "可填的值", "说明"])
    for column in columns:
        notes.append([column.title, "是" if column.required else "", "、".join(column.choices), column.note])
    notes.append([])
    notes.append(["表头行须保留列名（可在其上方加标题行）；“序号”列、空行、合计行和示例行不导入。"])
    for letter, width in zip("ABCD", (16, 6, 40, 60), strict=True):
        notes.column_dimensions[letter].width = width
    for cell in notes[1]:
        cell.font = Font(bold=True)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def xlsx_response(content: bytes, filename: str):
    from django.http import HttpResponse
    from django.utils.http import content_disposition_header

    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    response["Cache-Control"] = "private, no-store"
    return response

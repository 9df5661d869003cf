"""Spreadsheets for download and for the ledgers townships keep: one writer, plain rows in, .xlsx bytes out."""
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

MONEY_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"
_THIN = Side(style="thin", color="999999")


@dataclass(frozen=True)
class Column:
    title: str
    width: int = 14
    money: bool = False      # two decimals, thousands separators, summed in the total row


def build_xlsx(*, title: str, columns: list[Column], rows: list[list], subtitle: str = "",
               total_label: str | None = "合计") -> bytes:
    """One sheet: a title row, an optional subtitle, the header, the rows and a total row for money columns.

    Amounts stay numbers (Decimal written exactly), so the sheet can be summed and sorted in Excel.
    """
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    width = len(columns)
    sheet.append([title])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet["A1"].font = Font(size=14, bold=True)
    sheet["A1"].alignment = Alignment(horizontal="center")
    header_row = 2
    if subtitle:
        sheet.append([subtitle])
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
        sheet.append([_cell_value(v) for v in row])
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
            if column.money and cell.row > header_row:
                cell.number_format = MONEY_FORMAT
            elif isinstance(cell.value, (date, datetime)):
                cell.number_format = DATE_FORMAT
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def _cell_value(value):
    if isinstance(value, Decimal):
        # openpyxl writes Decimal as a number; keep cents exact.
        return value.quantize(Decimal("0.01"))
    return value


def xlsx_response(content: bytes, filename: str):
    from django.http import HttpResponse
    from django.utils.http import content_disposition_header

    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    response["Cache-Control"] = "private, no-store"
    return response

"""The rows below a ledger's header: which are data and which are not, and cells merged down over rows filled.

A row is told by its own cells, before any filling: blank; the row of column numbers (1, 2, 3…, `栏次`);
a 合计/小计/总计 row wherever its label stands (reading._is_total); a signature footer (`制表人：张三　审核人：
李四`, `负责人签字`, `填报日期：…`); a note (`注：…`); the template's 示例 row (kept apart, as reading.py keeps
it). A cell merged down over rows (a village down the side) gives its value to the same column of each row
below it in the range, where that cell is blank.
"""
import re
from dataclasses import dataclass, field

from ..reading import COLUMN_NUMBER_MARKS, _is_column_numbers, _is_example, _is_total, normalize

LISTED = 20               # row numbers kept per reason a row was passed over

# Why a row is not data (the preview shows the reason and the rows).
BLANK, NUMBERS, TOTAL, FOOTER, NOTE, EXAMPLE = "空行", "栏号行", "合计行", "签字行", "说明行", "示例行"
REASONS = (NUMBERS, TOTAL, FOOTER, NOTE, EXAMPLE, BLANK)

# `制表人：张三`, `审核人:`, `负责人签字`, `填报日期：2026年5月`, `单位负责人（签字）：`.
_FOOTER = re.compile(r"^(单位负责人|负责人|制表人|填表人|填报人|审核人|复核人|经办人|主管领导|分管领导|制表|审核|复核|"
                     r"制表日期|填表日期|填报日期|报送日期)(签字|签名|签章|\(签字\)|\(签名\)|\(签章\)|\(盖章\))?(:|$)")
# `注：1.金额单位为元`, `说明：…`, `填表说明`.
_NOTE = re.compile(r"^(注|说明|填表说明|附注)\d*(:|\.|、|$)")


@dataclass
class Passed:
    """Rows passed over for one reason: how many, and the first LISTED of them."""

    reason: str
    count: int = 0
    rows: list[int] = field(default_factory=list)

    def add(self, number: int) -> None:
        self.count += 1
        if len(self.rows) < LISTED:
            self.rows.append(number)

    def __str__(self):
        return f"{self.reason} {self.count:,} 行（第 {listed(self)} 行）"


def listed(passed: Passed) -> str:
    return "、".join(str(n) for n in passed.rows) + (" 等" if passed.count > len(passed.rows) else "")


def classified(rows, header_end: int, first_index: int, merged: list[tuple[int, int, int]]):
    """The rows below the header: (number, why it is not data or None, cells, columns filled from a merged
    cell, hidden). A cell merged down over rows (first row, column, last row) fills the rows below its first;
    a row is told by its own cells, before any filling."""
    starts: dict[int, list[tuple[int, int]]] = {}
    for top, left, bottom in merged:
        starts.setdefault(top, []).append((left, bottom))
    active: list[list] = []       # [column, last row, value]
    for number, cells, hidden in rows:
        if number <= header_end:
            continue
        why = reason(cells, first_index)
        filled = []
        if active:
            active = [a for a in active if a[1] >= number]
            copied = False
            for column, _, value in active:
                if value is None:
                    continue
                if column >= len(cells):
                    cells, copied = cells + [None] * (column + 1 - len(cells)), True
                if empty(cells[column]):
                    if not copied:
                        # The row as read stays as it was (the survey may keep it, to be read again).
                        cells, copied = list(cells), True
                    cells[column] = value
                    filled.append(column)
        for column, bottom in starts.pop(number, ()):
            value = cells[column] if column < len(cells) else None
            active.append([column, bottom, None if empty(value) else value])
        yield number, why, cells, filled, hidden


def empty(value) -> bool:
    """reading._blank, quicker: None, or text of nothing but spaces."""
    return value is None or (value.__class__ is str and not value.strip())


def reason(cells: list, first_index: int) -> str | None:
    """Why a row below the header is not data, or None. Each of reading.py's tests runs only where the row
    could pass it (a total has a 计 somewhere; an example's mark is short text near the start)."""
    present = [c for c in cells if c is not None and (c.__class__ is not str or c.strip())]
    if not present:
        return BLANK
    first = present[0]
    leading = normalize(first) if isinstance(first, str) else ""
    if (not leading or leading.isdigit() or leading in COLUMN_NUMBER_MARKS) and _is_column_numbers(cells):
        return NUMBERS
    if any(c.__class__ is str and "计" in c for c in present) and _is_total(cells, first_index):
        return TOTAL
    if _FOOTER.match(leading) or (len(present) <= 6 and any(
            isinstance(c, str) and _FOOTER.match(normalize(c)) for c in present)):
        return FOOTER
    if len(present) <= 3 and _NOTE.match(leading):
        return NOTE
    if len(leading) <= 4 and _is_example(cells, first_index):
        return EXAMPLE
    return None

"""A ledger's header, found without knowing the township's layout: among the first HEADER_ROWS rows, the one
whose cells mapping.suggest recognises most (then the one with more cells that look like column names, then
the higher), over the merged cells of those rows (a merged cell reads as its first cell in each cell it
covers, and counts once).

Two rows make one header when a cell merged across columns has sub-headers under it (`承包期限` over `起`,
`止`; `四至` over `东至`…`北至`), when cells of the upper row are merged down into the lower, or when the
lower row holds nothing but units (`（万元）` under 合同金额): `承包期限/起`, `四至/东至`, `合同金额/（万元）`.
The lower row must hold nothing but such labels, so a data row under a merged header cell is never taken
for one.

Above the header: the title rows as text, and the unit row (`单位：万元`, `金额单位：元 面积单位：亩`).
"""
import re

from ..mapping import _UNIT_BRACKET
from ..reading import UNCOMPUTED, normalize, text
from .rows import empty

HEADER_ROWS = 15          # the header's first row is among these
RECOGNISED = 0.8          # a suggestion at least this sure counts as a recognised header cell
MIN_RECOGNISED = 2        # a header has at least this many recognised cells
MAX_COLUMNS = 1024        # columns looked at (a stray value in column XFD is not a column)

# `单位：万元`, `单位：元、亩`, `金额单位：元 面积单位：亩`, `（单位：万元）` in a title.
_UNIT_WORD = r"(?:万元|元|亩|平方米|公顷)"
_UNITS = re.compile(rf"(金额|面积)?单位:?({_UNIT_WORD}(?:[、,/和及]{_UNIT_WORD})*)")
_WRITTEN_UNITS = re.compile(rf"(?:金额|面积)?单位\s*[:：]?\s*{_UNIT_WORD}(?:\s*[、,，/和及]\s*{_UNIT_WORD})*")
MONEY_UNITS, AREA_UNITS = ("万元", "元"), ("亩", "平方米", "公顷")


def find(grid: "Grid", recognised) -> tuple[int, int, list[str]] | None:
    """(first row, last row, composed header per column) of the best scoring header, or None. `recognised(text)`
    says whether mapping.suggest knows a header cell."""
    best, chosen = None, None
    for number in grid.numbers:
        if number > HEADER_ROWS:
            break
        candidates = [(number, number, grid.filled(number))]
        if grid.parent(number):
            candidates.append((number, number + 1, composed(grid.filled(number), grid.filled(number + 1))))
        for first, last, headers in candidates:
            texts = [h for h in headers if h]
            if first == last:
                texts = grid.distinct(number)      # a merged cell counts once
            labels = sum(1 for t in texts if label(t))
            known = sum(1 for t in dict.fromkeys(texts) if recognised(t))
            if labels < 2 or known < MIN_RECOGNISED:
                continue
            score = (known, last > first, labels, -first)
            if best is None or score > best:
                best, chosen = score, (first, last, headers)
    return chosen


def states_unit(header: str) -> bool:
    """Whether a header names a unit in brackets (`租金（元/月）` does, `欠款金额（本金）` does not): one that does
    is not in the unit row's unit."""
    return bool(_UNIT_BRACKET.search(normalize(header)))


def label(text_: str) -> bool:
    """Looks like a column's name: short text without figures or a colon (not a title, a unit row or data)."""
    raw = normalize(text_)
    return 0 < len(raw) <= 30 and not any(ch.isdigit() for ch in raw) and ":" not in raw


# A cell of nothing but a unit, as a header's second row writes it: `（万元）`, `元/年`, `(单位:亩)`.
_UNIT_ALONE = re.compile(rf"^\(?(单位:?)?{_UNIT_WORD}(/(年|亩|月))?\)?$")
_FIGURE = re.compile(r"^[\d.,，\-/年月日万元¥%()]+$")


def _sub_label(text_: str) -> bool:
    """A cell of a header's lower row: text that is not a figure or a date (`起`, `东至`, `2024年` is one)."""
    raw = normalize(text_)
    if _UNIT_ALONE.match(raw):
        return True
    return bool(raw) and ":" not in raw and len(raw) <= 30 and (not _FIGURE.match(raw) or raw.endswith("年"))


def composed(top: list[str], bottom: list[str]) -> list[str]:
    """Two header rows as one: `承包期限/起`; a cell merged down over both rows (the same text) once."""
    width = max(len(top), len(bottom))
    top, bottom = top + [""] * (width - len(top)), bottom + [""] * (width - len(bottom))
    found = []
    for upper, lower in zip(top, bottom, strict=True):
        if not lower or lower == upper:
            found.append(upper)
        elif not upper:
            found.append(lower)
        else:
            found.append(f"{upper}/{lower}")
    return found


def unit_row(cells: list[str]) -> tuple[str, str | None, str | None]:
    """(as written, money unit, area unit) of the `单位：…` in the cells above the header."""
    written, money, area = "", None, None
    for cell in cells:
        for match in _UNITS.finditer(normalize(cell)):
            for unit in re.findall(_UNIT_WORD, match[2]):
                if unit in MONEY_UNITS and match[1] != "面积" and money is None:
                    money = unit
                elif unit in AREA_UNITS and match[1] != "金额" and area is None:
                    area = unit
            if not written:
                shown = list(_WRITTEN_UNITS.finditer(cell))
                written = cell[shown[0].start():shown[-1].end()] if shown else cell.strip()
    return written, money, area


class Grid:
    """The first rows of a sheet with their merged cells: each cell of a merged range reads as its first
    cell (a parent header over its sub-columns, a header merged down over two rows)."""

    def __init__(self, head: list, merges: list):
        self.rows = {number: cells for number, cells, _ in head}
        self.numbers = sorted(self.rows)
        self.anchor: dict[tuple[int, int], tuple[int, int]] = {}
        self.merges = [m for m in merges if m[0] <= self.numbers[-1]]
        for top, left, bottom, right in self.merges:
            for r in range(top, min(bottom, self.numbers[-1]) + 1):
                for c in range(left, min(right, left + MAX_COLUMNS) + 1):
                    self.anchor[(r, c)] = (top, left)

    def value(self, row: int, column: int) -> str:
        row, column = self.anchor.get((row, column), (row, column))
        cells = self.rows.get(row, ())
        value = cells[column] if column < len(cells) else None
        return "" if empty(value) or value is UNCOMPUTED else re.sub(r"\s*\n\s*", "", text(value)).strip()

    def width(self, row: int) -> int:
        merged = [right + 1 for top, _, bottom, right in self.merges if top <= row <= bottom]
        return min(MAX_COLUMNS, max([len(self.rows.get(row, ())), *merged]))

    def filled(self, row: int) -> list[str]:
        return [self.value(row, c) for c in range(self.width(row))]

    def distinct(self, row: int) -> list[str]:
        """The row's texts, a merged cell once."""
        found, seen = [], set()
        for c in range(self.width(row)):
            anchor = self.anchor.get((row, c), (row, c))
            if anchor not in seen:
                seen.add(anchor)
                value = self.value(row, c)
                if value:
                    found.append(value)
        return found

    def parent(self, row: int) -> bool:
        """Whether `row` is the upper row of a two-row header: it has labels of its own, the row below holds
        nothing but labels, and either that row is all units (`（万元）` under 合同金额), or a cell of `row` is
        merged down into it, or a cell merged across sub-columns has two labels or more under it."""
        below = self.rows.get(row + 1)
        if below is None or sum(1 for t in self.distinct(row) if label(t)) < 2:
            return False
        written = [v for v in below if not empty(v)]
        if not written or any(not (isinstance(v, str) and _sub_label(v)) for v in written):
            return False
        if all(_UNIT_ALONE.match(normalize(v)) for v in written):
            return True
        for top, left, bottom, right in self.merges:
            if top != row:
                continue
            if bottom > row:
                return True
            under = [below[c] for c in range(left, min(right + 1, len(below)))]
            if right > left and sum(1 for v in under if not empty(v)) >= 2:
                return True
        return False

    def cells_above(self, header: int) -> list[str]:
        return [text_ for number in self.numbers if number < header for text_ in self.distinct(number)]

    def titles(self, header: int) -> list[str]:
        """The rows above the header as text, each merged cell once."""
        return [" ".join(texts) for number in self.numbers if number < header and (texts := self.distinct(number))]

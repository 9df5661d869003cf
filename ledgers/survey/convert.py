"""From a surveyed sheet and the user's confirmed mapping to the reading.Sheet the planners take, so that
importer.preview and importer.commit run on a township's own layout unchanged.

The mapping is {column index → a column of the kind, a derived field (mapping.DERIVED), or None: not
imported}. The Sheet's columns are the kind's, in its order; a period in one cell (承包期限) is split into
起始日期 and 终止日期 (reading.period), the four sides (东至…北至) joined into 四至 as it is written (`东至路，
南至渠`); 乡镇 and 村, when no column holds them, are the sheet's place (or the village the user chose) in every
row; a money column in 万元, by its header or the unit row, is marked for the planner to convert and list
(Sheet.units, worded as reading.header_units words it). The notes say where each of these came from.
"""
from datetime import date
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from openpyxl.utils import get_column_letter

from .. import kinds as K
from ..mapping import DERIVED, column_type, header_key, header_unit, targets
from ..reading import AREA_UNITS, IGNORED_HEADERS, UNCOMPUTED, WAN, CellError, is_blank, normalize, period, text
from .header import states_unit
from .rows import Passed, listed

if TYPE_CHECKING:
    from . import SheetSurvey


class Plan:
    """How a confirmed mapping turns the file's cells into the kind's columns."""

    def __init__(self, found: "SheetSurvey", mapping: dict, village, words: dict | None = None):
        self.found = found
        kind = found.kind
        names = set(targets(kind))
        derived = {d.name: d for d in DERIVED.get(kind, ())}
        by_index, taken = {}, {}
        for index, name in mapping.items():
            index = int(index)
            if not name:
                continue
            if name not in names:
                raise ValidationError(f"{K.KINDS[kind].label}台账没有“{name}”一栏。")
            if index not in {c.index for c in found.columns}:
                raise ValidationError(f"工作表“{found.name}”没有第 {get_column_letter(index + 1)} 列。")
            fills = derived[name].fills if name in derived and derived[name].how == "period" else (name,)
            for column in fills:
                if column in taken:
                    first, second = get_column_letter(taken[column] + 1), get_column_letter(index + 1)
                    raise ValidationError(f"“{column}”对应了两列：{first} 列和 {second} 列。")
                taken[column] = index
            by_index[index] = name
        self.by_index = by_index
        self.periods = [i for i, n in by_index.items() if n in derived and derived[n].how == "period"]
        self.sides = sorted((i for i, n in by_index.items() if n in derived and derived[n].how == "side"),
                            key=lambda i: "东南西北".index(by_index[i][0]))
        present = {n for n in by_index.values() if n not in derived}
        for index in self.periods:
            present.update(derived[by_index[index]].fills)
        if self.sides:
            present.add("四至")
        self.notes = []
        self.constant = self._place(present, village)
        present.update(self.constant)
        self.columns = [c.name for c in K.KINDS[kind].read_columns if c.name in present]
        self.position = {name: i for i, name in enumerate(self.columns)}
        self.direct = [(i, self.position[n]) for i, n in sorted(by_index.items()) if n in self.position]
        # Coded values the user or the county mapped (field → {written, normalised: name}), by position.
        self.words = {self.position[n]: w for n, w in (words or {}).items() if n in self.position and w}
        self.unknown = [c.header for c in found.columns
                        if c.index not in by_index and c.header and header_key(c.header) not in IGNORED_HEADERS]
        self.units = self._units()
        self.hidden = Passed("隐藏的行")
        self.unsplit, self.unsplit_reason = Passed("无法拆分的期限"), ""
        self._mapped_notes()

    def _place(self, present: set, village) -> dict:
        """The kind's place columns no file column holds, and the value every row gets: the `village` chosen
        for the sheet, else the sheet's place."""
        found, place = self.found, self.found.place
        if village is not None:
            township, source = village.township, "导入时所选的村"
        else:
            village, township, source = place.village, place.township, place.source
        constant = {}
        if "村" not in present:
            if village is None:
                raise ValidationError(f"工作表“{found.name}”没有“村”一栏，工作表名和标题中也没有找到村："
                                      "请指定本表的村，或指定哪一列是村。")
            constant["村"] = village.name
            self.notes.append(f"工作表“{found.name}”没有“村”一栏，各行的村取自{source}：{township.name}{village.name}。")
        if "乡镇" not in present:
            if township is None:
                raise ValidationError(f"工作表“{found.name}”没有“乡镇”一栏，工作表名和标题中也没有找到乡镇："
                                      "请指定本表的乡镇，或指定哪一列是乡镇。")
            constant["乡镇"] = township.name
            if "村" in present:
                self.notes.append(f"工作表“{found.name}”没有“乡镇”一栏，各行的乡镇取自{source}：{township.name}。")
        return constant

    def _units(self) -> dict[str, tuple[str, str]]:
        """The money columns written in 万元 (as reading.header_units words it), and a note for an area not
        in 亩 (it is not converted)."""
        found, units = self.found, {}
        for index, name in self.by_index.items():
            column = found.column(index)
            if name not in self.position:
                continue
            what = column_type(found.kind, name)
            own = header_unit(column.header)
            if what == "money":
                if own == WAN:
                    units[name] = (WAN, f"表头为“{column.header}”")
                elif not states_unit(column.header) and found.money_unit == WAN:
                    units[name] = (WAN, f"表头“{column.header}”未注明单位，表上方注明“{found.unit_row}”")
            elif name.endswith("(亩)"):
                unit = own or found.area_unit
                if unit in AREA_UNITS:
                    where = "表头" if own else f"表上方“{found.unit_row}”"
                    units[name] = (unit, f"{where}注明以{unit}为单位（“{column.header}”）")
        return units

    def _mapped_notes(self) -> None:
        found = self.found
        for index in sorted(self.by_index):
            column = found.column(index)
            if column.filled:
                self.notes.append(f"工作表“{found.name}”的「{column.header}」{column.filled:,} 行为合并单元格，"
                                  "已按上一行填充。")
        keys = {found.column(i).key for i in self.by_index}
        for column in found.columns:
            if column.hidden and column.index not in self.by_index and column.key in keys:
                self.notes.append(f"工作表“{found.name}”的 {column.letter} 列「{column.header}」是隐藏的列，"
                                  "与可见的同名列重复，以可见的列为准，未读取。")
        hidden = [f"{c.letter} 列「{c.header}」" for c in found.columns if c.hidden and c.index in self.by_index]
        if hidden:
            self.notes.append(f"工作表“{found.name}”的 {'、'.join(hidden)}是隐藏的列，已照常读取。")

    def values(self, number: int, cells: list, uncomputed: list) -> list:
        values = [None] * len(self.columns)
        size = len(cells)
        for index, position in self.direct:
            value = cells[index] if index < size else None
            if value is UNCOMPUTED:
                uncomputed.append((number, self.columns[position]))
                value = None
            elif isinstance(value, str):
                value = value.strip()
                said = self.words.get(position)
                if said:
                    value = said.get(normalize(value), value)
            values[position] = value
        for name, value in self.constant.items():
            values[self.position[name]] = value
        for index in self.periods:
            self._period(number, cells[index] if index < size else None, values, uncomputed)
        if self.sides:
            self._sides(cells, values, uncomputed, number)
        return values

    def _period(self, number: int, raw, values: list, uncomputed: list) -> None:
        """A period in one cell into 起始日期 and 终止日期 (a date alone is the start). What cannot be read goes
        to 起始日期 as written, for the planner to refuse with the row; the period's own reason is noted."""
        start, end = self.position["起始日期"], self.position["终止日期"]
        if raw is UNCOMPUTED:
            uncomputed.append((number, "起始日期"))
            return
        if isinstance(raw, date):
            values[start] = raw
            return
        try:
            values[start], values[end] = period(raw)
        except CellError as error:
            values[start] = raw.strip() if isinstance(raw, str) else raw
            self.unsplit.add(number)
            self.unsplit_reason = self.unsplit_reason or str(error)

    def _sides(self, cells: list, values: list, uncomputed: list, number: int) -> None:
        """东至/南至/西至/北至 in columns of their own, joined as 四至 is written (`东至路，南至渠`); a 四至 column
        of the file, where it holds something, comes first."""
        at = self.position["四至"]
        if not is_blank(values[at]):
            return
        parts = []
        for index in self.sides:
            value = cells[index] if index < len(cells) else None
            if value is UNCOMPUTED:
                uncomputed.append((number, "四至"))
                continue
            if is_blank(value):
                continue
            side, written = self.by_index[index], text(value)
            parts.append(written if written.startswith(side[0]) else f"{side}{written}")
        values[at] = "，".join(parts) or None

    def finish(self) -> list[str]:
        """The notes only the rows could tell: periods not split, hidden rows (as reading.py words them)."""
        notes = []
        name = self.found.name
        if self.unsplit.count:
            headers = "、".join(f"「{self.found.column(i).header}」" for i in self.periods)
            notes.append(f"工作表“{name}”的{headers}有 {self.unsplit.count:,} 行无法拆分为起止日期"
                         f"（第 {listed(self.unsplit)} 行），如：{self.unsplit_reason}；已原样放入“起始日期”。")
        if self.hidden.count:
            more = f" 等 {self.hidden.count:,} 行" if self.hidden.count > len(self.hidden.rows) else " 行"
            notes.append(f"工作表“{name}”的第 {'、'.join(str(n) for n in self.hidden.rows)}{more}是隐藏的行，"
                         "已照常读取；如不应导入，请在 Excel 中删除这些行。")
        return notes

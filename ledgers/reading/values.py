"""The values of a ledger's cells, as the field writes them: amounts (`12,345.00`, `1.2万`, `¥12345元`, number
cells) that fit a money column, in 万元 converted to 元 exactly (and listed for the preview), areas in 亩, dates
in every form the field writes them (`2015.3.1`, `2015年3月1日`, `201503`, `2015.03` as a number, Excel serials,
`至今`; a month that ends a period is its last day) within core.bounds, periods in one cell
(`2010.1.1-2030.12.31`, `20年`), ID numbers refused when Excel stored them as numbers, 是/否, coded names with
their synonyms, bracketed notes and the suffixes ledgers add, and lists of problems.

A value that cannot be read raises `CellError` with the reason in Chinese; the importer adds the row and the
column.
"""
import calendar
import math
import re
import unicodedata
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError

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
# A cell that is nothing but a total's label (`本页小计`, `合计:`, `总计(元)`).
_TOTAL_CELL = re.compile(r"^(本页|本村|本组|本镇|全村|全镇|全乡|各村)?(合计|小计|总计|累计)(:|\(.*\))?$")
BLANK_MARKS = frozenset({"", "-", "--", "—", "——", "–", "/", "\\", "无数据"})
OPEN_END = frozenset({"至今", "长期", "不定期", "无期限", "未约定"})
EXAMPLE_MARKS = frozenset({"示例", "例", "样例", "填写示例"})
# A template has one example row; a file marking more than this many is not told apart row by row.
EXAMPLES_KEPT = 100
# Beside the numbers of a row of column numbers.
COLUMN_NUMBER_MARKS = frozenset({"栏次", "栏号", "列号", "甲", "乙", "丙", "丁"})
IGNORED_HEADERS = frozenset({"序号", "序", "No.", "NO.", "no."})
WAN = "万元"


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


# The units a header may name in brackets instead of its column's own: by the column's unit, what each
# means (a figure in 元 per year is in 元; one in 万元 is converted).
HEADER_UNITS = {"元": {"元": "元", "元/年": "元", "万元": WAN, "万元/年": WAN}, "亩": {"亩": "亩"}}
# `单位：万元` (`金额单位:元、亩`) in a title or unit row above the header.
_UNIT_ROW = re.compile(r"单位:?(万元|元)")


def unit_of(text) -> str:
    """The unit in brackets at the end of a header or a column's name: `合同总金额（万元）` → `万元`."""
    match = re.search(r"\(([^()]*)\)$", normalize(text))
    return match[1] if match else ""


def where(parts: list, number: int | None) -> tuple[str, int | None]:
    """(the sheet's name, its row) of a row number of a Sheet made of `parts`; ("", number) when there are
    none."""
    if number is None or not parts:
        return "", number
    for name, base in reversed(parts):
        if number >= base:
            return name, number - base
    return "", number


# --- Values -------------------------------------------------------------------------


def whole_number(value) -> int | None:
    """The integer a number cell holds (2015.0 → 2015), or None for a fraction, a non-finite value or anything
    else; compared as a Decimal, never as a binary float."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return None
    if isinstance(value, int):
        return value
    exact = value if isinstance(value, Decimal) else Decimal(repr(value))
    return int(exact) if exact.is_finite() and exact == exact.to_integral_value() else None


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
    not the database's at the commit.

    `unit="万元"`: the column is in 万元 and the amount comes back in 元, exactly: a bare figure (a number
    cell, `7.5`, `531.76`) is 万元 (75,000.00, 5,317,600.00 元); a figure that names its own unit
    (`75000元`, `7.5万`) is read by it."""
    if is_blank(value):
        return None
    if unit == WAN:
        figure = bare_figure(value)
        if figure is not None:
            return _amount(_from_wan(figure, value), value, what, "元", "（本列以万元为单位）")
        unit = "元"
    return _amount(value, value, what, unit, "")


def _amount(value, original, what: str, unit: str, note: str) -> Decimal:
    # Imported here: the reader process (ledgers/reader.py) reads files only and starts faster without it.
    from core.money import parse_amount

    too_large = f"{what}过大，不能超过 {AMOUNT_MAX[unit]:,.2f} {unit}"
    try:
        found = parse_amount(value, unit=unit)
    except ValidationError as error:
        reason = {"negative": f"{what}不能为负数", "precision": f"{what}超过两位小数", "too_large": too_large}.get(
            error.code, f"无法识别的{what}")
        raise CellError(f"{reason} {_quoted(original)}{note}") from None
    except InvalidOperation:
        # Only digits reach the arithmetic: it fails on more of them than a Decimal carries.
        raise CellError(f"{too_large} {_quoted(original)}{note}") from None
    if found > AMOUNT_MAX[unit]:
        raise CellError(f"{too_large} {_quoted(original)}{note}")
    return found


_BARE_FIGURE = re.compile(r"^\d+(\.\d+)?$")
_FLOAT_NOISE = Decimal("0.000001")


def bare_figure(value) -> Decimal | None:
    """The figure of a cell that names no unit (a number cell, `7.5`, `1,234.5`), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        # An Excel number cell arrives as a float: taken as the digits it shows, never computed with.
        return Decimal(repr(value)) if math.isfinite(value) else None
    if not isinstance(value, str):
        return None
    cleaned = re.sub(r"[\s,¥]", "", unicodedata.normalize("NFKC", value))
    return Decimal(cleaned) if _BARE_FIGURE.match(cleaned) else None


def _from_wan(figure: Decimal, original) -> Decimal:
    """万元 to 元, exactly; a number cell's binary noise within a millionth of a cent is that cent."""
    found = figure * 10000
    if isinstance(original, float) and found.copy_abs() <= AMOUNT_MAX["元"]:
        cent = found.quantize(Decimal("0.01"))
        if abs(found - cent) < _FLOAT_NOISE:
            return cent
    return found


class Conversions:
    """Amounts read in 万元 into a column in 元, per column: the preview lists them (the column, how many,
    the cells with what each became), so that no figure changes silently.

    `units` is the sheet's: the columns whose figures are written in 万元, with where the file says so. A
    Sheet made of several sheets (`parts`) has them per sheet (`sheet_units`: sheet name → units)."""

    LISTED = 5      # cells named in a column's warning

    def __init__(self, units: dict | None, parts: list | None = None, sheet_units: dict | None = None):
        self.units = units or {}
        self.parts, self.sheet_units = parts or [], sheet_units or {}
        self.cells: dict[tuple, list] = {}
        self.counts: dict[tuple, int] = {}

    @classmethod
    def of(cls, sheet) -> "Conversions":
        return cls(sheet.units, sheet.parts, sheet.sheet_units)

    def amount(self, value, column: str, row: int) -> Decimal | None:
        """Planner.read's parser for a money column: `read(row, values, name, conversions.amount, name, row)`."""
        return self._read(value, column, row, "元")

    def area(self, value, column: str, row: int) -> Decimal | None:
        """Planner.read's parser for an area column (亩), one in 平方米 or 公顷 converted."""
        return self._read(value, column, row, "亩")

    def _read(self, value, column: str, row: int, own: str) -> Decimal | None:
        name, at = where(self.parts, row)
        units = self.sheet_units.get(name, self.units) if name else self.units
        unit, why = units.get(column, (own, ""))
        found = amount(value, unit=unit) if own == "元" else area(value, unit=unit)
        if unit != own and found is not None and bare_figure(value) is not None:
            key = (name, column, why, unit, own)
            self.counts[key] = self.counts.get(key, 0) + 1
            listed = self.cells.setdefault(key, [])
            if len(listed) < self.LISTED:
                listed.append(f"第 {at} 行 {converted(value, found, unit, own)}")
        return found

    def warnings(self) -> list[tuple[str, str]]:
        """(column, what the preview says of its conversions)."""
        found = []
        for key, count in self.counts.items():
            name, column, why, unit, own = key
            cells = self.cells[key]
            more = " 等" if count > len(cells) else ""
            sheet = f"工作表“{name}”：" if name else ""
            found.append((column, f"{sheet}{why}，已按{unit}换算为{own}，共 {count:,} 格："
                                  f"{'；'.join(cells)}{more}"))
        return found


def converted(value, found: Decimal, unit: str = WAN, own: str = "元") -> str:
    """`7.5 万元 → 75,000.00 元`, `800 平方米 → 1.20 亩`."""
    return f"{text(value)} {unit} → {found:,.2f} {own}"


# 亩 in one 平方米 and one 公顷 (1 亩 = 10000/15 平方米; 1 公顷 = 15 亩).
PER_SQUARE_METRE = Decimal(15) / Decimal(10000)
PER_HECTARE = Decimal(15)
AREA_UNITS = {"平方米": PER_SQUARE_METRE, "公顷": PER_HECTARE}


def area(value, unit: str = "亩") -> Decimal | None:
    """An area in 亩. `unit` 平方米 or 公顷: the column is in that unit, and a bare figure (a number cell,
    `800`) is converted to 亩 to the hundredth (half up), as the column keeps it; a figure naming its own
    unit (`12.5亩`) is read by it."""
    if unit in AREA_UNITS and not is_blank(value):
        figure = bare_figure(value)
        if figure is not None:
            mu = (figure * AREA_UNITS[unit]).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            return _amount(mu, value, "面积", "亩", f"（本列以{unit}为单位）")
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


def day(value, *, open_end: bool = False, end: bool = False) -> date | None:
    """A date as ledgers write it (see `_day`); text already read once is not read again."""
    if isinstance(value, str):
        key = (value, open_end, end)
        if key in _DAYS:
            found = _DAYS[key]
            if isinstance(found, CellError):
                raise found
            return found
        try:
            found = _day(value, open_end=open_end, end=end)
        except CellError as error:
            found = error
        if len(_DAYS) > 100_000:
            _DAYS.clear()
        _DAYS[key] = found
        if isinstance(found, CellError):
            raise found
        return found
    return _day(value, open_end=open_end, end=end)


def _day(value, *, open_end: bool = False, end: bool = False) -> date | None:
    """A date as ledgers write it. `至今` (and blank) is an open end where `open_end` allows it. A month
    alone (`2025.12`, `2025年12月`) reads as its first day, a year alone as 1 January; where the date ends
    a period (`end`), as the month's last day and 31 December: a contract `至2025年12月` runs through
    December."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return _check_day(value.date(), value)
    if isinstance(value, date):
        return _check_day(value, value)
    if isinstance(value, bool):
        raise CellError(f"无法识别的日期 {_quoted(value)}")
    if isinstance(value, (int, float)):
        return _from_number(value, value, end)
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
            return _month(int(match[1]), int(match[2]), value, end)
    match = _YEAR.match(raw)
    if match and EARLIEST.year <= int(match[1]) <= LATEST.year:
        return _make(int(match[1]), 12, 31, value) if end else _make(int(match[1]), 1, 1, value)
    if _SERIAL.match(raw):
        return _from_number(Decimal(raw), value, end)
    raise CellError(f"无法识别的日期 {_quoted(value)}")


def _from_number(number, original, end: bool = False) -> date:
    if number != number:
        raise CellError(f"无法识别的日期 {_quoted(original)}")
    whole = int(number)
    if whole == number:
        digits = str(whole)
        if len(digits) == 8:
            return _make(int(digits[:4]), int(digits[4:6]), int(digits[6:]), original)
        if len(digits) == 6:
            return _month(int(digits[:4]), int(digits[4:]), original, end)
        if EARLIEST.year <= whole <= LATEST.year:
            # A year alone (old ledgers date tax-era claims so): its first day (its last, ending a period).
            return _make(whole, 12, 31, original) if end else _make(whole, 1, 1, original)
    elif isinstance(number, float) and EARLIEST.year <= whole <= LATEST.year:
        # `2015.03` typed into a number cell: a year and a month, not an Excel serial of 1905.
        return _float_month(number, original, end)
    if 1 <= number <= 80000:
        # An Excel serial day number (1900 date system; 60 is Excel's fictitious 1900-02-29).
        base = date(1899, 12, 30) if whole >= 61 else date(1899, 12, 31)
        return _check_day(base + timedelta(days=whole), original)
    raise CellError(f"无法识别的日期 {_quoted(original)}")


def _float_month(number: float, original, end: bool) -> date:
    """A year and a month typed as a number. The cell keeps the number, not what was typed: `2015.10` is
    stored as 2015.1, so a single decimal 1 may be January or October and is refused; `2015.3` can only be
    March (there is no month 30)."""
    year, _, decimals = repr(number).partition(".")
    if decimals == "1":
        raise CellError(f"{year}.1 无法区分是1月还是10月，请写作 {year}-01 或 {year}-10（日期单元格存成了数字）")
    if len(decimals) > 2 or not decimals.isdigit() or not 1 <= int(decimals) <= 12:
        raise CellError(f"无法识别的日期 {_quoted(original)}（年月请写作 {year}-03 的形式）")
    return _month(int(year), int(decimals), original, end)


def _month(year: int, month: int, original, end: bool) -> date:
    if end and 1 <= month <= 12 and 1 <= year:
        return _make(year, month, calendar.monthrange(year, month)[1], original)
    return _make(year, month, 1, original)


def _make(year: int, month: int, day_: int, original) -> date:
    try:
        return _check_day(date(year, month, day_), original)
    except ValueError:
        raise CellError(f"日期不存在 {_quoted(original)}") from None


def _check_day(value: date, original) -> date:
    if not EARLIEST <= value <= LATEST:
        raise CellError(f"日期超出合理范围（须在 {EARLIEST:%Y-%m-%d} 至 {LATEST:%Y-%m-%d} 之间） {_quoted(original)}")
    return value


# What stands between the two dates of a period in one cell: `至`, `到`, `~`, dashes of every length.
_PERIOD_SEPARATOR = re.compile(r"[至到~\-—–―]+")
_YEARS = re.compile(r"^(\d{1,3}|[一二两三四五六七八九十百]+)年(整|期)?$")
_CHINESE_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def period(value, start: date | None = None) -> tuple[date | None, date | None]:
    """(start, end) of a period written in one cell: `2010.1.1-2030.12.31`, `2010.01.01至2030.12.31`,
    `2010—2030` (1 January to 31 December), `2010年3月-2025年2月` (to the month's last day), `2010.3.1-至今`
    (an open end), or a length from `start`: `20年`, `二十年` (to the day before the twentieth anniversary).
    Raises CellError naming the value."""
    if is_blank(value):
        return None, None
    if isinstance(value, (bool, date)):
        raise CellError(f"应为起止日期，如 2010.1.1-2030.12.31 或 20年 {_quoted(value)}")
    if isinstance(value, (int, float)):
        years = whole_number(value)
        if years is not None and 1 <= years <= 999:
            return _years_from(years, start, value)
        raise CellError(f"应为起止日期，如 2010.1.1-2030.12.31 或 20年 {_quoted(value)}")
    raw = normalize(value)
    if raw in OPEN_END:
        return None, None
    match = _YEARS.match(raw)
    if match:
        return _years_from(_small_number(match[1], value), start, value)
    raw = raw.removesuffix("止")
    if raw.endswith("起") and not _PERIOD_SEPARATOR.search(raw):
        return _day_in(raw[:-1], value), None
    raw = re.sub(r"起(?=[至到~\-—–―])", "", raw)
    for word in OPEN_END:
        # `2010.3.1-至今`, `2010.3.1至今`: the 至 of 至今 is no separator.
        if raw.endswith(word) and len(raw) > len(word):
            return _day_in(raw[:-len(word)].rstrip("至到~-—–―"), value), None
    # Dates may be written with dashes themselves (`2010-01-01-2030-12-31`): the period splits where both
    # sides read as dates.
    splits = []
    for separator in _PERIOD_SEPARATOR.finditer(raw):
        left, right = raw[:separator.start()], raw[separator.end():]
        if not left or not right:
            continue
        try:
            splits.append((day(left), day(right, open_end=True, end=True)))
        except CellError:
            continue
    if not splits:
        raise CellError(f"无法识别的起止日期 {_quoted(value)}"
                        "（请写作 2010.1.1-2030.12.31、2010年3月至2030年2月或 20年）")
    begins, ends = splits[0]
    if begins and ends and ends <= begins:
        raise CellError(f"止日不晚于起日 {_quoted(value)}")
    return begins, ends


def _day_in(raw: str, original) -> date | None:
    try:
        return day(raw)
    except CellError:
        raise CellError(f"无法识别的起始日期 {_quoted(original)}") from None


def _small_number(written: str, original) -> int:
    """`20` or `二十`, `三十`, `十五`, `七十`."""
    if written.isdigit():
        return int(written)
    tens, _, units = written.partition("十")
    if "十" not in written and len(written) == 1 and written in _CHINESE_DIGITS:
        return _CHINESE_DIGITS[written]
    if "十" in written and all(c in _CHINESE_DIGITS for c in tens + units) and len(tens) <= 1 and len(units) <= 1:
        return (_CHINESE_DIGITS[tens] if tens else 1) * 10 + (_CHINESE_DIGITS[units] if units else 0)
    raise CellError(f"无法识别的年限 {_quoted(original)}")


def _years_from(years: int, start: date | None, original) -> tuple[date, date]:
    if start is None:
        raise CellError(f"只写了年限，没有起始日期，无法算出终止日期 {_quoted(original)}（请填写起始日期，"
                        "或写作 2010.1.1-2030.12.31）")
    if not 1 <= years <= 99:
        raise CellError(f"年限应在 1 至 99 年之间 {_quoted(original)}")
    try:
        anniversary = start.replace(year=start.year + years)
    except ValueError:
        anniversary = date(start.year + years, 3, 1)     # from 29 February
    return start, _check_day(anniversary - timedelta(days=1), original)


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
    """A coded column's names: each canonical name with its synonyms (DOMAIN.md §14). `suffixes` are words
    a ledger adds to a name (`三提五统尾欠`, `农业税尾欠款`): a value is also its name with them taken off."""

    def __init__(self, names: dict[str, tuple[str, ...]], *, suffixes: tuple[str, ...] = ()):
        self.names = list(names)
        self.suffixes = tuple(sorted((normalize(s) for s in suffixes), key=len, reverse=True))
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
        while self.suffixes:
            shorter = next((bare[: -len(s)] for s in self.suffixes if bare.endswith(s) and len(bare) > len(s)), bare)
            if shorter == bare:
                return None
            bare = shorter
            if bare in self._lookup:
                return self._lookup[bare]
        return None

    def read(self, value, default: str | None = None) -> str | None:
        if is_blank(value):
            return default
        found = self.find(value)
        if found is None:
            raise CellError(f"无法识别的值 {_quoted(value)}（可填：{'、'.join(self.names)}）")
        return found


ID_AS_NUMBER = "证件号码被存成了数字，末几位已丢失，请把该列设为文本后重新填写"
_SCIENTIFIC = re.compile(r"^\d(\.\d+)?E\+?\d+$")


def id_cell(value):
    """An ID number's cell, refused when it holds a number: Excel keeps 15 significant digits, so an 18-digit
    身份证号 typed into a number cell lost its last three (and one whose check digit still passes is someone
    else's), as did one shown as `1.41128E+17` and copied as text. A first-generation number of 15 digits
    survives and reads as text."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float, Decimal)):
        whole = whole_number(value)
        if whole is not None and 0 < whole < 10**15:
            return text(value)
        # As Excel's formula bar shows it: the digits it kept, then zeros.
        shown = format(Decimal(repr(value)), "f") if isinstance(value, float) else str(value)
        raise CellError(f"{ID_AS_NUMBER} \"{shown}\"")
    if isinstance(value, str) and _SCIENTIFIC.match(normalize(value).upper()):
        raise CellError(f"{ID_AS_NUMBER} {_quoted(value)}")
    return value


_LIST_SEPARATORS = re.compile(r"[、，,;；\n\r]+")


def split_list(value) -> list[str]:
    """`P01、P03` / `未签书面合同；价格明显偏低` / one per line → the items."""
    if is_blank(value):
        return []
    raw = unicodedata.normalize("NFKC", text(value))
    return [part.strip() for part in _LIST_SEPARATORS.split(raw) if part.strip() and part.strip() not in BLANK_MARKS]

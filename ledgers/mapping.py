"""Which column of a kind each column of a township's own ledger means (DOMAIN.md §13): the engine of the
mapping step between upload and preview. No pages here, and no file reading: the reading step hands over
each column's header (multi-row headers composed with "/": `承包期限/起`, `四至/东至`) and a few of its
values, and gets back a suggestion per header that the user confirms or corrects.

A header is compared by `header_key`: normalised, without its unit in brackets (read apart by
`header_unit`, so that `合同总金额（万元）` is the contract total in 万元). A suggestion is, in this order:

- the county's confirmed mapping for that key (`ColumnMapping`, confidence 1.0, "本县已确认");
- a name or alias of the kind's column (kinds.py): 1.0;
- a word of the synonym dictionary below: 0.95; a word listed as not imported gives "ignore" (None) with
  the same confidence;
- else the closest of all those words by rapidfuzz (`_fuzzy`), at or above FUZZY_THRESHOLD, scaled to at
  most 0.9, for headers of three characters or more; the column's values move the score: values of the
  column's type raise it, values of another type lower it (a column of dates is not 签订形式). Names and
  synonyms are not second-guessed by values;
- else, for a column no word suggests whose values are unmistakable (ID numbers, phone numbers,
  periods), the one column of the kind holding such values, at 0.6;
- else None: the column is not imported.

`suggest_all` maps a sheet's headers together, never giving one column to two of them, and names the
required columns none of them got. `unknown_codes` lists the values of a coded column its vocabulary
does not read, for the user to map once ("资源类 ×9 → 资源发包"). `remember` keeps the confirmed mapping
per county (`ColumnMapping`), read back by `saved_mapping` and `saved_values`.

Some fields of a file are no one column of the kind (`DERIVED`): a period in one cell (承包期限,
`2010.1.1-2030.12.31` or `20年`) that the reading step splits into 起始日期 and 终止日期, and the four
sides of 四至 written in columns of their own, which it joins into the one 四至.

A decision taken here: 发包方/甲方 in a contracts ledger is not imported. It names the village collective
itself ("峪口村股份经济合作社"), which the places lookup does not read as a village; the village comes from
the 村 column, the sheet name or the title.
"""
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from functools import cache, lru_cache

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from rapidfuzz import fuzz, process

from core.audit import acting_as

from . import kinds as K
from .models import ColumnMapping
from .planning import Rights
from .reading import (
    NO,
    YES,
    CellError,
    Vocabulary,
    amount,
    is_blank,
    normalize,
    split_list,
    text,
    whole_number,
    without_note,
)

IGNORE = ""                   # the column of a header that is not imported (as saved)
EXACT, SYNONYM, SAVED = 1.0, 0.95, 1.0
FUZZY_THRESHOLD = 75          # WRatio score (0–100) below which a header is not suggested
FUZZY_CEILING = 0.9           # a fuzzy suggestion is never as sure as a synonym
SAMPLE_RAISE, SAMPLE_LOWER = 10, 20
SAMPLES_ONLY = 0.6            # an unnamed column known by its values alone
SAMPLE_SHARE = 0.8            # the share of a column's values that must be of one type for it to count
SAVED_REASON = "本县已确认"
NOTHING_CLOSE = "没有相近的栏目"


# --- The words ------------------------------------------------------------------------------------------
# Beyond the kinds' own names and aliases (kinds.py). Compared by header_key, so that units in brackets,
# full-width forms and spaces do not matter. A word names one column of a kind; an entry of IGNORED is a
# column that is not imported, under the reason shown to the user.

COMMON = {
    "乡镇": ("乡", "镇", "乡镇名称", "乡(镇)", "镇(乡)", "所属乡镇", "所在乡镇", "乡镇(街道)"),
    "村": ("村名", "村名称", "村别", "行政村", "所属村", "所在村", "村(社区)", "村委会"),
    "证件号码": ("身份证", "乙方身份证号", "乙方身份证号码", "身份证号码/统一社会信用代码", "证件号码/信用代码",
             "信用代码", "承包方身份证号", "债务人身份证号", "债权人身份证号", "公民身份号码"),
    "联系电话": ("联系方式", "电话号码", "手机", "手机号码", "乙方电话"),
    "备注": ("说明", "备注说明", "附注"),
}

SYNONYMS = {
    "places": {
        "县": ("县名", "县(市、区)", "县区", "所属县"),
        "组": ("村民小组", "小组", "组名", "社"),
        "户数": ("户", "总户数", "农户数"),
        "人口": ("人数", "总人口", "人口数"),
        "耕地面积(亩)": ("耕地",),
        "林地面积(亩)": ("林地",),
        "集体经济组织": ("经济合作社", "股份经济合作社", "合作社", "合作社名称", "集体经济组织全称"),
        "应有合同数": ("合同数", "合同份数", "应有合同份数"),
    },
    "parcels": {
        "地块编号": ("资源编号", "地块代码", "宗地编号", "编号"),
        "地名": ("资源名称", "地块名称", "坐落", "位置", "土名", "小地名"),
        "资源类型": ("资源类别", "地类", "土地类别", "土地类型", "地块类型", "类别"),
        "台账面积(亩)": ("账面面积",),
        "实测面积(亩)": ("测量面积", "丈量面积"),
        "四至": ("四至范围", "四至界限"),
        "东至": ("东", "四至/东", "东邻"),
        "南至": ("南", "四至/南", "南邻"),
        "西至": ("西", "四至/西", "西邻"),
        "北至": ("北", "四至/北", "北邻"),
        "状态": ("发包状态", "使用状态", "利用现状", "现状"),
    },
    "contracts": {
        "合同编号": ("合同号", "合同编码", "编号"),
        "合同类型": ("合同类别", "合同性质", "经营方式"),
        "承包方": ("乙方", "姓名", "承租方", "承租人", "承包户", "承包户姓名", "承包者", "租赁方", "受让方", "乙方姓名",
                "乙方名称"),
        "标的类型": ("标的物类型", "资源资产类型", "资源类型", "资源类别", "地类", "类别"),
        "标的名称": ("标的", "标的物", "资源名称", "资产名称", "承包标的", "坐落", "地块名称", "地名", "位置"),
        "地块编号": ("资源编号", "地块代码", "宗地编号"),
        "面积(亩)": ("发包面积", "租赁面积"),
        "实测面积(亩)": ("测量面积",),
        "起始日期": ("起", "起始", "开始时间", "起租日期", "承包起始时间", "承包期限/起"),
        "终止日期": ("止", "终止", "到期日期", "到期时间", "截止日期", "承包终止时间", "承包期限/止"),
        "承包期限": ("起止时间", "起止日期", "承包期", "承包起止时间", "合同期限", "租赁期限", "承包年限", "期限"),
        "年承包费(元)": ("承包费", "租金", "每年承包费", "承包费标准", "年收费"),
        "合同总额(元)": ("合同总价", "总金额", "合同价款", "合同总价款", "承包总额", "承包费总额", "总价款"),
        "签订形式": ("合同形式", "签订方式", "合同签订形式"),
        "民主程序": ("是否经村民代表会议", "是否经村民代表会议讨论", "是否履行民主程序", "是否经民主程序",
                 "是否经民主决策", "民主决策", "村民代表会议", "四议两公开"),
        "清理状态": ("清理进度", "清查状态", "状态"),
        "存在问题": ("问题", "主要问题", "存在的问题", "问题类型"),
        "处置方式": ("处置意见", "处理方式", "处置措施", "整改措施", "规范方式"),
    },
    "claims": {
        "债权编号": ("编号", "债权号", "债权代码"),
        "债务人": ("欠款人", "姓名", "欠款单位", "欠款人姓名", "欠款户", "债务单位", "债务方", "借款人"),
        "形成原因": ("欠款原因", "债权形成原因", "原因", "欠款事由", "款项性质"),
        "关联合同编号": ("合同编号", "关联合同", "合同号"),
        "发生日期": ("发生时间", "形成日期", "形成时间", "欠款日期", "借款日期"),
        "到期日期": ("到期时间", "应还日期", "约定还款日期"),
        "金额(元)": ("原欠金额", "欠款金额", "原欠款", "欠款", "欠款总额", "应收款", "本金", "债权额"),
        "账内账外": ("是否账内", "是否入账", "入账情况", "账内/账外"),
        "已清收金额(元)": ("已收回", "已清收", "收回金额", "清收金额", "已回收"),
        "清收方式": ("收回方式", "清收途径"),
        "清收日期": ("收回日期", "清收时间", "收回时间"),
        "是否封存": ("封存",),
    },
    "debts": {
        "债务编号": ("编号", "债务号", "债务代码"),
        "债权人": ("出借人", "债权单位", "债权方", "欠款对象"),
        "形成原因": ("债务形成原因", "原因", "借款原因", "欠款原因"),
        "发生日期": ("发生时间", "形成日期", "形成时间", "借款日期"),
        "金额(元)": ("原欠金额", "欠款金额", "借款金额", "应付金额", "欠款", "债务额"),
        "已化解金额(元)": ("已化解", "已偿还", "已还款", "已偿还金额", "已还金额", "化解金额"),
        "化解方式": ("偿还方式", "还款方式"),
        "化解日期": ("偿还日期", "还款日期", "化解时间"),
    },
}

IGNORED = {
    "*": {
        "序号和签字不是台账的数据": ("序号", "序", "No.", "填表人", "审核人", "制表人", "负责人签字", "签字"),
    },
    "contracts": {
        "发包方即本村集体：村取自“村”一栏、工作表名或标题": ("发包方", "甲方", "发包方名称", "甲方名称", "发包单位",
                                           "发包人"),
        "合同台账没有签订日期一栏": ("签订日期", "签订时间", "签约日期"),
    },
}


@dataclass(frozen=True)
class Derived:
    """A field of the file that is no one column of the kind: the reading step turns it into the columns it
    fills. `how`: "period" — one cell (`2010.1.1-2030.12.31`, `20年`) split into start and end; "side" — one
    side of 四至, joined with the others into the one column."""

    name: str
    fills: tuple[str, ...]
    how: str


DERIVED = {
    "contracts": (Derived("承包期限", ("起始日期", "终止日期"), "period"),),
    "parcels": tuple(Derived(side, ("四至",), "side") for side in ("东至", "南至", "西至", "北至")),
}


# --- Headers ----------------------------------------------------------------------------------------------

_UNITS = {"元": "元", "万元": "万元", "亩": "亩", "公顷": "公顷",
          "平方米": "平方米", "平米": "平方米", "平方": "平方米", "m2": "平方米"}   # ㎡ and m² are m2 once normalised
# A unit the importer converts, per year or per 亩 (元/年, 元/亩 are 元); per month is not a yearly fee and
# is not read as one.
_PER = ("年", "亩")
# What a bracket holds when it holds a unit (and is left out of the key): the units above, and the few
# others ledgers write (人, 户, 份, 年, 个) alone or per something.
_UNIT_WORD = r"(?:万元|元|亩|平方米|平米|平方|m2|公顷|人|户|份|个|年|月)"
_UNIT_BRACKET = re.compile(rf"\((?:单位:?)?{_UNIT_WORD}(?:/{_UNIT_WORD})*\)")
_BRACKET = re.compile(r"\(([^()]*)\)")


def header_key(text_) -> str:
    """The header as it is compared and saved: normalised (full-width forms folded, no spaces or line
    breaks), without a unit in brackets or a trailing colon; a composed header keeps its "/" parts, without
    empty parts or a part repeated from the row above (a merged cell read twice)."""
    key = _UNIT_BRACKET.sub("", normalize(text_)).rstrip(":")
    parts = []
    for part in key.split("/"):
        part = part.rstrip(":")
        if part and (not parts or parts[-1] != part):
            parts.append(part)
    return "/".join(parts)


def header_unit(text_) -> str | None:
    """The unit a header states in brackets (or as `单位：万元`): 元, 万元, 亩 or 平方米; 元/年 and 元/亩 are
    元. None when it states none, or one the importer does not convert (元/月)."""
    raw = normalize(text_)
    for inside in [*_BRACKET.findall(raw), raw]:
        inside = inside.removeprefix("单位").lstrip(":")
        unit, _, per = inside.partition("/")
        if unit in _UNITS and (not per or per in _PER):
            return _UNITS[unit]
        if inside != raw and unit in _UNITS:
            return None
    return None


# --- Values -----------------------------------------------------------------------------------------------

_ID = re.compile(r"^(\d{17}[\dX]|\d{15}|[0-9A-HJ-NP-RTUWXY]{2}\d{6}[0-9A-HJ-NP-RTUWXY]{10})$")
_PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
_DATE = r"\d{4}(?:[-/.年]\d{1,2}(?:[-/.月]\d{1,2}日?|月)?)"
_IS_DATE = re.compile(rf"^{_DATE}$")
_END = rf"(?:{_DATE}|\d{{4}}年?|至今)"
_PERIOD = re.compile(rf"^(?:{_DATE}|\d{{4}}年?)(?:(?:-|~|—|–|至|到){_END}|至今)$|^\d{{1,3}}年$")
VALUE_TYPES = {"id": "证件号码", "phone": "电话号码", "date": "日期", "period": "起止期限", "number": "数字",
               "text": "文字"}
# Value types that name a column by themselves (when the kind has one column of that type).
TELLING = ("id", "phone", "period")
COUNT_COLUMNS = frozenset({"户数", "人口", "应有合同数"})


def value_type(value) -> str | None:
    """What one value looks like: "id", "phone", "date", "period", "number", "text"; None when blank."""
    if is_blank(value):
        return None
    if isinstance(value, date):
        return "date"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        whole = whole_number(value)
        digits = str(whole) if whole is not None else ""
        if len(digits) in (15, 18):
            return "id"           # an ID number typed as a number (its last digits may be lost)
        return "phone" if _PHONE.match(digits) else "number"
    raw = normalize(value).upper()
    if _ID.match(raw):
        return "id"
    if _PHONE.match(raw):
        return "phone"
    if _IS_DATE.match(raw):
        return "date"
    if _PERIOD.match(raw):
        return "period"
    try:
        amount(re.sub(r"/(年|亩)$", "", raw))
        return "number"
    except CellError:
        return "text"


def samples_type(samples) -> str | None:
    """The type most of a column's values share (SAMPLE_SHARE of those not blank), else None."""
    found = Counter(t for t in map(value_type, samples) if t is not None)
    if not found:
        return None
    kind, count = found.most_common(1)[0]
    return kind if count >= SAMPLE_SHARE * sum(found.values()) else None


def column_type(kind: str, column: str) -> str:
    """What a column holds: "id", "phone", "date", "period", "money", "number", "yesno", "code" or "text"."""
    derived = _derived(kind).get(column)
    if derived is not None:
        return "period" if derived.how == "period" else "text"
    col = K.KINDS[kind].column(column)
    if column == K.ID_NUMBER.name:
        return "id"
    if column == "联系电话":
        return "phone"
    if column.endswith("日期"):
        return "date"
    if col.money:
        return "money"
    if column.endswith("(亩)") or column in COUNT_COLUMNS:
        return "number"
    if col.choices:
        return "yesno" if col.choices == K.YES_NO else "code"
    return "text"


def _fit(values: str | None, column: str) -> int:
    """+1: the values are what the column holds; -1: they are not; 0: cannot tell."""
    if values is None:
        return 0
    if values == "number":
        return 1 if column in ("money", "number") else 0
    if values == "text":
        return -1 if column in ("money", "number", "date", "id", "phone", "period") else 0
    return 1 if values == column else -1


# --- Suggestions ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    column: str | None        # a column of the kind, a DERIVED field, or None: not imported
    confidence: float         # 0–1
    reason: str


@dataclass(frozen=True)
class Proposal:
    """A sheet's headers mapped together: one suggestion per header, in their order, no column twice; and
    the kind's required columns that no header got (the village may still come from the sheet name or the
    title)."""

    suggestions: list[Suggestion]
    missing: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Words:
    exact: dict          # key → (column, word)
    synonyms: dict       # key → (column or None, word, reason)
    fuzzy: list          # (key, column or None, word, reason)


@cache
def _derived(kind: str) -> dict[str, Derived]:
    return {d.name: d for d in DERIVED.get(kind, ())}


def targets(kind: str) -> list[str]:
    """What a header of this kind may be mapped to: the kind's columns (and those only read from a file: its
    序号), then its derived fields."""
    return [c.name for c in K.KINDS[kind].read_columns] + list(_derived(kind))


@cache
def _words(kind: str) -> _Words:
    exact, synonyms, fuzzy = {}, {}, []
    for col in K.KINDS[kind].read_columns:
        for word in (col.name, *col.aliases):
            exact.setdefault(header_key(word), (col.name, word))
    for name in _derived(kind):
        exact.setdefault(header_key(name), (name, name))
    names = set(targets(kind))
    listed = {**{c: w for c, w in COMMON.items() if c in names}, **SYNONYMS.get(kind, {})}
    for column, words in listed.items():
        for word in words:
            synonyms.setdefault(header_key(word), (column, word, f"同义词“{word}”"))
    for where in ("*", kind):
        for why, words in IGNORED.get(where, {}).items():
            for word in words:
                # 序号 is a column of the kinds that keep it (Kind.read_also): there it is read, not ignored.
                if header_key(word) not in exact:
                    synonyms.setdefault(header_key(word), (None, word, f"不导入：{why}"))
    # A word of one character (起, 东, 户) matches only as it is: compared loosely it is in too many headers.
    for key, (column, word) in exact.items():
        if len(key) > 1:
            fuzzy.append((key, column, word, ""))
    for key, (column, word, reason) in synonyms.items():
        if len(key) > 1:
            fuzzy.append((key, column, word, reason.removeprefix("不导入：") if column is None else ""))
    return _Words(exact, synonyms, fuzzy)


def _check_words():
    for kind, listed in SYNONYMS.items():
        unknown = set(listed) - set(targets(kind))
        assert not unknown, f"{kind}: no such column {unknown}"


_check_words()


def _variants(key: str) -> list[list[str]]:
    """The forms a key is looked up by, whole first, then its last part (`承包期限/起` is 起); each with and
    without a note in brackets (`承包方(乙方)`)."""
    whole = list(dict.fromkeys([key, without_note(key)]))
    last = key.rsplit("/", 1)[-1]
    parts = list(dict.fromkeys([last, without_note(last)])) if last != key else []
    return [whole, parts]


def _ranked(kind: str, header, samples=(), saved: dict | None = None) -> list[Suggestion]:
    """Every suggestion for a header, best first, each column once."""
    key = header_key(header)
    words = _words(kind)
    names = set(targets(kind))
    values = samples_type(samples)
    ranked = []
    if key and saved and key in saved and (saved[key] == IGNORE or saved[key] in names):
        ranked.append(Suggestion(saved[key] or None, SAVED, SAVED_REASON))
    if key and not ranked:
        for forms in _variants(key):
            hit = next((words.exact[f] for f in forms if f in words.exact), None)
            if hit:
                ranked.append(Suggestion(hit[0], EXACT, "栏目名称一致"))
                break
            hit = next((words.synonyms[f] for f in forms if f in words.synonyms), None)
            if hit:
                ranked.append(Suggestion(hit[0], SYNONYM, hit[2]))
                break
    if key:
        ranked.extend(_fuzzy(kind, key, values))
    if not ranked and values in TELLING:
        matching = [c for c in targets(kind) if column_type(kind, c) == values]
        if len(matching) == 1:
            ranked.append(Suggestion(matching[0], SAMPLES_ONLY, f"内容为{VALUE_TYPES[values]}"))
    seen, unique = set(), []
    for suggestion in ranked:
        if suggestion.column not in seen:
            seen.add(suggestion.column)
            unique.append(suggestion)
        if suggestion.column is None:
            break             # an ignored header is not offered anything below it
    return unique


# Remembered per header: a workbook repeats its headers on every sheet, and the survey tries every cell of the
# rows that could be a header.
@lru_cache(maxsize=4096)
def _fuzzy(kind: str, key: str, values: str | None) -> tuple[Suggestion, ...]:
    """The columns whose words are close to the key: by WRatio, which favours a word found inside the
    header (`土地坐落` holds 坐落), or by plain likeness when the header is the shorter (`承包` is in 承包方
    and in 承包面积 alike); of two columns as close, the one whose word is more like the whole header comes
    first (`已还款金额` is 已还款 before 金额). The column's values move the score (`_fit`)."""
    best = {}
    # A header of one or two characters (名称, 承包) is a name, a synonym or nothing: two characters alike
    # say too little.
    forms = [f for f in [key] + ([key.rsplit("/", 1)[-1]] if "/" in key else []) if len(f) >= 3]
    if not forms:
        return ()
    words = _words(kind)
    cut = FUZZY_THRESHOLD - SAMPLE_RAISE
    # WRatio is never below ratio: the words within reach by WRatio, found in one pass in C, are all that can
    # pass; each is then scored as below, in the dictionary's order.
    keys = [entry[0] for entry in words.fuzzy]
    near = sorted({index for form in forms
                   for _, _, index in process.extract(form, keys, scorer=fuzz.WRatio, score_cutoff=cut,
                                                      limit=None)})
    for word_key, column, word, why in (words.fuzzy[i] for i in near):
        likeness = max(fuzz.ratio(form, word_key) for form in forms)
        score = max(fuzz.WRatio(form, word_key) if len(form) >= len(word_key) else fuzz.ratio(form, word_key)
                    for form in forms)
        if score < FUZZY_THRESHOLD - SAMPLE_RAISE:
            continue
        hint = ""
        if column is not None:
            fit = _fit(values, column_type(kind, column))
            score += SAMPLE_RAISE if fit > 0 else -SAMPLE_LOWER if fit < 0 else 0
            hint = f"，内容为{VALUE_TYPES[values]}" if fit else ""
        score = min(score, 100)
        if score >= FUZZY_THRESHOLD and (score, likeness) > best.get(column, (0, 0))[:2]:
            reason = f"与“{word}”相近（{score:.0f}%）{hint}" + (f"；不导入：{why}" if column is None else "")
            best[column] = (score, likeness, reason)
    ordered = sorted(best.items(), key=lambda item: (-item[1][0], -item[1][1]))
    return tuple(Suggestion(column, round(FUZZY_CEILING * score / 100, 2), reason)
                 for column, (score, _, reason) in ordered)


def suggest(kind: str, header, samples=(), saved: dict | None = None) -> Suggestion:
    """The column a header most likely means (see the module's notes). `samples`: a few of the column's
    values; `saved`: the county's confirmed mapping (`saved_mapping`)."""
    ranked = _ranked(kind, header, samples, saved)
    return ranked[0] if ranked else Suggestion(None, 0.0, NOTHING_CLOSE)


def suggest_all(kind: str, headers_with_samples, saved: dict | None = None) -> Proposal:
    """Suggestions for a sheet's headers, `[(header, samples), ...]`, that never give one column to two
    headers: the surer header wins (the one further left when equally sure) and the other gets its next
    suggestion, or None. A period claims the columns it fills, so it never stands beside them."""
    items = list(headers_with_samples)
    ranked = [_ranked(kind, header, samples, saved) for header, samples in items]
    derived = _derived(kind)
    position = [0] * len(items)
    result: list[Suggestion | None] = [None] * len(items)
    taken: dict[str, int] = {}

    def claims(column):
        d = derived.get(column)
        return {column, *(d.fills if d and d.how == "period" else ())}

    waiting = list(range(len(items)))
    while waiting:
        index = min(waiting, key=lambda i: (-_current(ranked[i], position[i]).confidence, i))
        suggestion = _current(ranked[index], position[index])
        if suggestion.column is None or not (claims(suggestion.column) & taken.keys()):
            result[index] = suggestion
            waiting.remove(index)
            for column in claims(suggestion.column) if suggestion.column else ():
                taken[column] = index
            continue
        position[index] += 1
        if position[index] >= len(ranked[index]):
            winner = items[taken[next(iter(claims(suggestion.column) & taken.keys()))]][0]
            result[index] = Suggestion(None, 0.0, f"“{suggestion.column}”已对应“{normalize(winner)}”")
            waiting.remove(index)
    covered = set(taken)
    missing = [name for name in K.KINDS[kind].required if name not in covered]
    return Proposal(result, missing)


def _current(ranked: list[Suggestion], position: int) -> Suggestion:
    return ranked[position] if position < len(ranked) else Suggestion(None, 0.0, NOTHING_CLOSE)


# --- Coded values -----------------------------------------------------------------------------------------

YES_NO = Vocabulary({"是": tuple(YES | {w.lower() for w in YES}), "否": tuple(NO | {w.lower() for w in NO})})
# The vocabulary each coded column is read by (kinds.py), and the columns holding a list of them.
CODED = {
    ("parcels", "资源类型"): K.PARCEL_KINDS, ("parcels", "状态"): K.PARCEL_STATES,
    ("contracts", "合同类型"): K.CONTRACT_KINDS, ("contracts", "标的类型"): K.SUBJECT_KINDS,
    ("contracts", "签订形式"): K.CONTRACT_FORMS, ("contracts", "民主程序"): YES_NO,
    ("contracts", "清理状态"): K.CONTRACT_STATES, ("contracts", "存在问题"): K.PROBLEMS,
    ("contracts", "处置方式"): K.DISPOSITIONS,
    ("claims", "形成原因"): K.CLAIM_ORIGINS, ("claims", "账内账外"): K.BOOK_FLAGS,
    ("claims", "清收方式"): K.CLAIM_ENTRY_KINDS, ("claims", "是否封存"): YES_NO,
    ("debts", "形成原因"): K.DEBT_ORIGINS, ("debts", "化解方式"): K.DEBT_ENTRY_KINDS,
}
LISTS = frozenset({("contracts", "存在问题")})
_CODE = re.compile(r"^P\d{2}")


class CountyVocabulary:
    """A coded column's vocabulary with the county's own words for its names (`known`: written value →
    name); read as the vocabulary is (`find`, `read`). A name the vocabulary no longer has is left out."""

    def __init__(self, base: Vocabulary, known: dict):
        self.base = base
        self.names = base.names
        self.known = {normalize(w): n for w, n in known.items() if n in base.names and normalize(w)}

    def find(self, value) -> str | None:
        found = self.base.find(value)
        if found is None:
            raw = normalize(value)
            found = self.known.get(raw) or self.known.get(without_note(raw))
        return found

    def read(self, value, default: str | None = None) -> str | None:
        try:
            return self.base.read(value, default)
        except CellError:
            found = self.find(value)
            if found is None:
                raise
            return found


def vocabulary(kind: str, column: str, known: dict | None = None) -> Vocabulary | CountyVocabulary | None:
    """What a coded column is read by: its vocabulary (kinds.py), with the county's own words when `known`
    (written value → name, as `saved_values` gives them). None for a column that is not coded."""
    base = CODED.get((kind, column))
    return CountyVocabulary(base, known) if base is not None and known else base


def _reads(vocab, item: str) -> bool:
    if vocab.find(item) is not None:
        return True
    head, sep, _ = item.replace("：", ":").partition(":")
    leading = _CODE.match(normalize(item).upper())
    return bool(sep and vocab.find(head)) or bool(leading and leading[0] in vocab.names)


def unknown_codes(kind: str, column: str, values, known: dict | None = None) -> list[tuple[str, int]]:
    """The values of a coded column its vocabulary cannot read (nor the county's `known` words), each
    once, as first written, with how often it occurs: most frequent first, then in order of appearance.
    A list column (存在问题) is counted by its items. Empty for a column that is not coded."""
    vocab = vocabulary(kind, column, known)
    if vocab is None:
        return []
    counts, shown = Counter(), {}
    for value in values:
        if is_blank(value):
            continue
        items = split_list(value) if (kind, column) in LISTS else [text(value).strip()]
        for item in items:
            if not _reads(vocab, item):
                counts[normalize(item)] += 1
                shown.setdefault(normalize(item), item)
    order = list(shown)
    return [(shown[k], counts[k]) for k in sorted(order, key=lambda k: (-counts[k], order.index(k)))]


# --- Saved mappings ---------------------------------------------------------------------------------------


def saved_mapping(county, kind: str) -> dict[str, str]:
    """The county's confirmed mapping of a kind: header key → column ("" when not imported)."""
    rows = ColumnMapping.objects.filter(county=county, kind=kind).values_list("header_key", "column")
    return dict(rows)


def saved_values(county, kind: str) -> dict[str, dict[str, str]]:
    """The county's own words for coded values, by column: written value (normalised) → name."""
    found: dict[str, dict[str, str]] = {}
    for column, values in ColumnMapping.objects.filter(county=county, kind=kind).exclude(column=IGNORE).values_list(
            "column", "values"):
        if values:
            found.setdefault(column, {}).update(values)
    return found


@transaction.atomic
def remember(*, county, kind: str, user, mapping: dict, values: dict | None = None) -> list[ColumnMapping]:
    """Save a confirmed mapping for the county: `mapping` is header as written → column ("" or None: not
    imported); `values` is column → {written value: name} for the coded values the user mapped. A header
    saved before is updated (its value words kept and added to, unless its column changed); the rows that
    changed are returned. Who may import the kind may save its mapping, for the own county only."""
    if kind not in K.KINDS:
        raise ValidationError("未知的台账类型。")
    if not Rights.of(user).may_import(kind):
        raise PermissionDenied(f"您的角色不能导入{K.KINDS[kind].label}台账。")
    if user.scope_level != "all" and user.county_id != county.pk:
        raise PermissionDenied("该县不在您的管理范围内。")
    wanted = _checked(kind, mapping, values or {})
    existing = {row.header_key: row for row in ColumnMapping.objects.select_for_update().filter(
        county=county, kind=kind, header_key__in=list(wanted))}
    changed = []
    with acting_as(user):
        for key, (column, words) in wanted.items():
            row = existing.get(key)
            if row is None:
                row, created = ColumnMapping.objects.get_or_create(
                    county=county, kind=kind, header_key=key,
                    defaults={"column": column, "values": words, "updated_by": user})
                if created:
                    changed.append(row)
                    continue
            merged = {**row.values, **words} if row.column == column else words
            if (row.column, row.values) != (column, merged):
                row.column, row.values, row.updated_by = column, merged, user
                row.save()
                changed.append(row)
    return changed


def _checked(kind: str, mapping: dict, values: dict) -> dict[str, tuple[str, dict]]:
    """header key → (column, value words), refused with the reason when a column, a name or a header is
    not right."""
    names = targets(kind)
    wanted: dict[str, tuple[str, dict]] = {}
    for header, column in mapping.items():
        key, column = header_key(header), column or IGNORE
        if not key:
            continue
        if len(key) > ColumnMapping._meta.get_field("header_key").max_length:
            raise ValidationError(f"表头过长：“{key[:20]}…”")
        if column != IGNORE and column not in names:
            raise ValidationError(f"{K.KINDS[kind].label}台账没有“{column}”一栏。")
        if key in wanted and wanted[key][0] != column:
            raise ValidationError(f"表头“{key}”对应了两个栏目。")
        wanted[key] = (column, {})
    for column, words in values.items():
        vocab = CODED.get((kind, column))
        if vocab is None:
            raise ValidationError(f"“{column}”一栏没有代码。")
        for name in words.values():
            if name not in vocab.names:
                raise ValidationError(f"“{column}”一栏没有“{name}”（可填：{'、'.join(vocab.names)}）。")
    for key, (column, _) in wanted.items():
        if column in values:
            wanted[key] = (column, {normalize(w): n for w, n in values[column].items() if normalize(w)})
    return wanted

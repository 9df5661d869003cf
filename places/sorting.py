"""The order people read place names in: villages by pinyin, groups by their number (一组, 二组 … 十组, 十一组),
not by character code (which puts 三组 before 二组 and 十一组 before 二组).

`name_sort_key` is stored with each township, village and group (`sort_key`, ordered by it, then by name to
part homophones) so that the database orders them, lists and pages alike; a writer that inserts rows in bulk,
past `save()`, sets it itself.
"""
import re
import unicodedata

from pypinyin import lazy_pinyin

SORT_KEY_MAX = 300
_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
           "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}
_RUN = re.compile(r"\d+|[零〇一二两三四五六七八九十百千]+")
# A run of Chinese numerals is the place's number only where it numbers it: after 第, or before one of these
# words, or at the end (东一村, 十一组, 第三村民小组, 三队). Elsewhere it is part of a name: 三岔村, 十里铺, 二道沟.
_NUMBERED_BY = "组队社村号片区街巷排"
# Every token (a syllable, a number) is this wide, padded with 0, and the key holds only a-z and 0-9: it then
# sorts alike byte by byte (SQLite) and under a locale's collation (PostgreSQL), which skips punctuation.
_WIDTH = 6


def chinese_number(text: str) -> int | None:
    """A number written in Chinese numerals: 十 → 10, 十一 → 11, 二十三 → 23, 一百零五 → 105, 两千 → 2000, and
    digit by digit as in 一二 → 12 or 二〇二六 → 2026; None for anything else."""
    if not text or any(ch not in _DIGITS and ch not in _UNITS for ch in text):
        return None
    if not any(ch in _UNITS for ch in text):
        return int("".join(str(_DIGITS[ch]) for ch in text))
    total, digit, last_unit = 0, None, 10_000
    for ch in text:
        if ch in _DIGITS:
            if digit is not None and _DIGITS[ch] != 0:
                return None                      # 二三十: two digits before one unit
            digit = _DIGITS[ch] or None
        else:
            unit = _UNITS[ch]
            if unit >= last_unit:
                return None                      # 十十, 十百: units must fall
            total += (1 if digit is None else digit) * unit
            digit, last_unit = None, unit
    return total + (digit or 0)


def name_sort_key(name: str) -> str:
    """A key that sorts names as people read them: syllable by syllable in pinyin, with a number that numbers
    the place read as a number.

    `东二村` → `dong00000002cun000`; `十一组` → `000011zu0000`; `三岔村` → `san000cha000cun000`. A number sorts
    before a syllable, a syllable before a longer one it begins (西安 before 先), a name before a longer one
    it begins.
    """
    text = unicodedata.normalize("NFKC", name or "").strip()
    tokens: list[str] = []
    position = 0
    for match in _RUN.finditer(text):
        run, before = match.group(), text[position:match.start()]
        after = text[match.end():match.end() + 1]
        number = int(run) if run.isdigit() else None
        if number is None and (before.endswith("第") or not after or after in _NUMBERED_BY):
            number = chinese_number(run)
        if number is None:
            continue                              # part of the name: read as pinyin with the text around it
        tokens += _syllables(before.removesuffix("第"))
        tokens.append(f"{min(number, 10 ** _WIDTH - 1):0{_WIDTH}d}")
        position = match.end()
    tokens += _syllables(text[position:])
    return "".join(tokens)[:SORT_KEY_MAX]


def _syllables(text: str) -> list[str]:
    tokens = []
    for item in lazy_pinyin(text, errors="default"):
        word = re.sub(r"[^a-z0-9]", "", item.lower())
        # A syllable fits the width (zhuang is the longest); letters that are not pinyin go one by one.
        chunks = [word] if len(word) <= _WIDTH else list(word)
        tokens += [chunk.ljust(_WIDTH, "0") for chunk in chunks if chunk]
    return tokens

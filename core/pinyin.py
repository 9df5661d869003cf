"""Pinyin keys for searching Chinese names by initials (`zs` finds 张三)."""
from pypinyin import Style, lazy_pinyin


def pinyin_initials(text: str) -> str:
    """First letters of each syllable; characters that are not Chinese are kept as typed."""
    letters = lazy_pinyin(text or "", style=Style.FIRST_LETTER, errors="default")
    return "".join(letters).lower().replace(" ", "")


def pinyin_full(text: str) -> str:
    return "".join(lazy_pinyin(text or "", errors="default")).lower().replace(" ", "")


def search_keys(text: str) -> str:
    """Both keys in one field, separated so a search for either form matches."""
    return f"{pinyin_initials(text)} {pinyin_full(text)}"

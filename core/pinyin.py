"""Pinyin keys for searching Chinese names by initials (`zs` finds 张三)."""
from pypinyin import Style, lazy_pinyin


def pinyin_initials(text: str) -> str:
    """First letters of each syllable; characters that are not Chinese are kept as typed."""
    letters = lazy_pinyin(text or "", style=Style.FIRST_LETTER, errors="default")
    return "".join(letters).lower().replace(" ", "")


def pinyin_full(text: str) -> str:
    return "".join(lazy_pinyin(text or "", errors="default")).lower().replace(" ", "")


# The length of the `search_keys` columns (villages.Village, Party, contracts.Contract).
SEARCH_KEYS_MAX = 400


def search_keys(text: str) -> str:
    """Both keys in one field, separated so a search for either form matches.

    Cut to SEARCH_KEYS_MAX: a long name in full pinyin (a contract's title and party together run to 1,800
    letters) would otherwise fail the save with a length error about a column nobody typed. The initials come
    first and are kept whole; only the tail of the full pinyin is lost to searching.
    """
    return f"{pinyin_initials(text)} {pinyin_full(text)}"[:SEARCH_KEYS_MAX]

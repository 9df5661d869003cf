"""A sheet's own township and village, as its name or its title names them ("峪口村", "峪口镇峪口村农村集体经济
合同清理台账", "填报单位：峪口镇经管站"): looked for among the villages in the database, by their full names or
without their 镇/乡 or 村 (`峪口` is 峪口村, but not where it is 峪口镇's own name). A name two villages share,
a sheet name and a title that name different villages, or a village not in the township the title names, give
no village, and a note saying so for the user to choose.
"""
from dataclasses import dataclass, field

from ..reading import normalize

TOWNSHIP_SUFFIXES = ("街道办事处", "街道", "镇", "乡")
VILLAGE_SUFFIXES = ("村委会", "社区", "村")


@dataclass
class Place:
    """The sheet's own township and village, as its name or title says, and where that was read
    ("工作表名“峪口村”", "标题“峪口镇峪口村农村集体经济合同清理台账”"). `notes`: what could not be decided."""

    township: object = None             # places.models.Township
    village: object = None              # places.models.Village
    source: str = ""
    notes: list[str] = field(default_factory=list)

    def __str__(self):
        if self.village is not None:
            return f"{self.village.township.name}{self.village.name}（取自{self.source}）"
        if self.township is not None:
            return f"{self.township.name}（取自{self.source}）"
        return ""


class Gazetteer:
    """The townships and villages a sheet's name or title may name: by their full names, or without
    their 镇/乡 or 村 (`峪口` for 峪口村, not where it is 峪口镇's)."""

    def __init__(self, villages):
        self.villages = list(villages.select_related("township") if hasattr(villages, "select_related")
                             else villages)
        self.townships = list({v.township_id: v.township for v in self.villages}.values())

    def townships_in(self, text_: str) -> list:
        found = []
        for township in self.townships:
            full = normalize(township.name)
            if full in text_ or _bare_in(_bare(full, TOWNSHIP_SUFFIXES), text_, "村社"):
                found.append(township)
        return found

    def villages_in(self, text_: str) -> list:
        hits = []
        for village in self.villages:
            full = normalize(village.name)
            if full in text_:
                hits.append((full, village))
            elif not village.is_township_body and _bare_in(bare := _bare(full, VILLAGE_SUFFIXES), text_, "镇乡街县"):
                hits.append((bare, village))
        # 下峪口村 holds 峪口村: the longer name is the one written.
        return [v for name, v in hits if not any(name != other and name in other for other, _ in hits)]

    def place(self, sheet_name: str, titles: list[str]) -> Place:
        sources = [(f"工作表名“{sheet_name}”", normalize(sheet_name))] + [
            (f"标题“{title}”", normalize(title)) for title in titles]
        by_source = [(where, self.villages_in(t), self.townships_in(t)) for where, t in sources]
        in_name, in_titles = by_source[0][1], [v for _, vs, _ in by_source[1:] for v in vs]
        townships = list(dict.fromkeys(t for _, _, ts in by_source for t in ts))
        place = Place()
        if in_name and in_titles and not set(in_name) & set(in_titles):
            place.notes.append(f"工作表名“{sheet_name}”与标题所说的村不同（{_names(in_name)}；{_names(in_titles)}），"
                               "请指定本表的村")
            candidates = []
        else:
            candidates = list(dict.fromkeys([v for v in in_name if not in_titles or v in in_titles] or in_titles))
        if candidates and townships:
            within = [v for v in candidates if v.township in townships]
            if not within:
                place.notes.append(f"“{_names(townships)}”没有“{_names(candidates)}”，请指定本表的村")
            candidates = within
        if len(candidates) > 1:
            same = len({v.name for v in candidates}) == 1
            place.notes.append((f"“{candidates[0].name}”对应多个村：" if same else "工作表名和标题中有多个村：")
                               + "、".join(f"{v.township.name}{v.name}" for v in candidates) + "，请指定本表的村")
        elif candidates:
            place.village, place.township = candidates[0], candidates[0].township
            place.source = next(where for where, vs, _ in by_source if place.village in vs)
            return place
        if len(townships) == 1:
            place.township = townships[0]
            place.source = next(where for where, _, ts in by_source if place.township in ts)
        elif len(townships) > 1:
            place.notes.append(f"工作表名和标题中有多个乡镇：{_names(townships)}，请指定本表的乡镇")
        return place


def _bare(name: str, suffixes: tuple[str, ...]) -> str:
    for suffix in suffixes:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def _bare_in(bare: str, text_: str, not_before: str) -> bool:
    """`bare` (two characters or more) stands in the text, not followed by one of `not_before` (峪口 of 峪口村
    is no township's)."""
    if len(bare) < 2:
        return False
    start = text_.find(bare)
    while start >= 0:
        after = text_[start + len(bare): start + len(bare) + 1]
        if not after or after not in not_before:
            return True
        start = text_.find(bare, start + 1)
    return False


def _names(places) -> str:
    return "、".join(dict.fromkeys(p.name for p in places))

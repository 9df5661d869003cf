"""The mapping step between a surveyed file and its preview (DOMAIN.md §13): what the survey suggests for each
sheet, whether it is sure enough to go on without asking, the coded values no list knows, and the user's
answer checked and turned into what the reader process reads the sheets by.

An import's `mapping` (LedgerImport.mapping) is JSON:

    {"sheets": [{"name": "峪口村", "columns": {"3": "合同编号", "5": "承包期限", "7": ""}, "village": 12,
                 "skip": false}, …],
     "values": {"经营方式": {"资源类": "资源发包"}},
     "auto": true}

`columns` maps each column index (as text, JSON's keys) to a field of the kind (mapping.targets) or "" (not
imported); `village` is the village every row of the sheet is in when no column says (None: the column or
the sheet's place says); `values` the coded values the user mapped, by field; `auto` that nobody was asked.
"""
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from . import kinds as K
from .mapping import CODED, DERIVED, LISTS, header_key, targets, unknown_codes
from .reading import normalize
from .survey import Survey, place_json
from .survey.convert import Plan

SURE = 0.9          # a suggestion at least this sure is taken without asking (a synonym is 0.95, a saved one 1.0)


@dataclass
class Unknown:
    """A coded value of a sheet's column that the kind's list and the county's words do not know."""

    field: str
    value: str
    count: int
    sheets: list[str] = field(default_factory=list)


def proposed(surveyed: dict, user) -> dict:
    """The mapping the survey suggests: each column its suggestion, each sheet the village its name or title
    names, else the user's own village (a village accountant's)."""
    own = getattr(user, "village_id", None)
    sheets = []
    for sheet in surveyed["sheets"]:
        columns = {str(c["index"]): (c["suggestion"] or {}).get("column") or "" for c in sheet["columns"]}
        for column in shadowed(sheet):
            columns[str(column["index"])] = ""
        place = sheet["place"].get("village")
        village = place["id"] if place else (own if not _has(columns, "村") else None)
        sheets.append({"name": sheet["name"], "columns": columns, "village": village, "skip": False})
    return {"sheets": sheets, "values": {}, "auto": True}


def shadowed(sheet: dict) -> list[dict]:
    """The hidden columns of a sheet whose header a visible column also has: the visible one is read."""
    visible = {c["key"] for c in sheet["columns"] if not c["hidden"] and c["key"]}
    return [c for c in sheet["columns"] if c["hidden"] and c["key"] in visible]


def _has(columns: dict, name: str) -> bool:
    return name in columns.values()


def doubts(surveyed: dict, mapping: dict, kind: str, known: dict | None = None, settled=frozenset()) -> list[str]:
    """Why the mapping cannot be taken without asking (empty: it can): a header guessed with less than SURE,
    a required column no header has, a sheet with no village, a coded value no list knows. `settled`: the
    (sheet name, column index) the user has said, not in doubt whatever was suggested."""
    found = []
    by_name = {s["name"]: s for s in surveyed["sheets"]}
    for chosen in mapping["sheets"]:
        if chosen.get("skip"):
            continue
        sheet = by_name[chosen["name"]]
        hidden = {c["index"] for c in shadowed(sheet)}
        for column in sheet["columns"]:
            suggestion = column["suggestion"] or {}
            if column["index"] in hidden or (sheet["name"], column["index"]) in settled:
                continue
            # A guess is asked about; a header nothing resembles is left out, and the preview says so.
            if column["header"] and suggestion.get("column") and suggestion.get("confidence", 0) < SURE:
                found.append(f"工作表“{sheet['name']}”{column['letter']} 列「{column['header']}」"
                             f"可能是“{suggestion['column']}”")
        given = set(chosen["columns"].values())
        for name in sheet["missing"]:
            if name not in given and not (chosen.get("village") and name in ("村", "乡镇")):
                found.append(f"工作表“{sheet['name']}”没有“{name}”一栏")
        columns = chosen["columns"].values()
        if "村" not in columns and not chosen.get("village"):
            found.append(f"工作表“{sheet['name']}”没有“村”一栏，工作表名和标题中也没有找到村")
    for unknown in unknowns(surveyed, mapping, kind, known):
        found.append(f"“{unknown.field}”中的“{unknown.value}”（{unknown.count:,} 处）不在可选项中")
    return found


def unknowns(surveyed: dict, mapping: dict, kind: str, known: dict | None = None) -> list[Unknown]:
    """The coded values of the mapped columns that neither the kind's list, the county's words (`known`: field
    → {written: name}) nor the user's (`mapping["values"]`) know: each once, counted over every sheet."""
    said = words(mapping, known)
    by_name = {s["name"]: s for s in surveyed["sheets"]}
    found: dict[tuple[str, str], Unknown] = {}
    for chosen in mapping["sheets"]:
        if chosen.get("skip"):
            continue
        sheet = by_name[chosen["name"]]
        for column in sheet["columns"]:
            name = chosen["columns"].get(str(column["index"]))
            if not name or (kind, name) not in CODED:
                continue
            values = column.get("values")
            if values is None:
                found.setdefault((name, ""), Unknown(name, f"{column['letter']} 列的值种类过多", 0))
                continue
            for value, _ in unknown_codes(kind, name, list(values), said.get(name)):
                key = (name, normalize(value))
                item = found.setdefault(key, Unknown(name, value, 0))
                item.count += sum(c for v, c in values.items() if normalize(v) == key[1])
                if sheet["name"] not in item.sheets:
                    item.sheets.append(sheet["name"])
    return list(found.values())


def choices(kind: str) -> list[tuple[str, str]]:
    """What a column may be mapped to, for the page: "" (not imported), the kind's columns, the derived
    fields (承包期限 split into its dates; 东至 … 北至 joined into 四至)."""
    derived = {d.name: d for d in DERIVED.get(kind, ())}
    found = [("", "不导入")]
    for name in targets(kind):
        if name in derived:
            d = derived[name]
            label = f"{name}（拆分为{'、'.join(d.fills)}）" if d.how == "period" else f"{name}（合并为{d.fills[0]}）"
        elif name in {c.name for c in K.KINDS[kind].read_also}:
            label = f"{name}（系统生成编号时记入备注）"
        else:
            label = name + ("（必填）" if name in K.KINDS[kind].required else "")
        found.append((name, label))
    return found


def checked(surveyed: dict, path, mapping: dict, kind: str, villages: dict) -> dict:
    """The user's mapping, refused with a ValidationError naming the sheet and the column when a sheet reads
    one field from two columns, names a field the kind has not, has no village, or every sheet is skipped.
    `villages`: id → Village the user may choose."""
    found = Survey.from_json(surveyed, path)
    if all(s.get("skip") for s in mapping["sheets"]):
        raise ValidationError("请至少导入一个工作表。")
    for chosen in mapping["sheets"]:
        if chosen.get("skip"):
            continue
        village = chosen.get("village")
        if village and int(village) not in villages:
            raise ValidationError(f"工作表“{chosen['name']}”：所选的村不在您的管理范围内。")
        try:
            Plan(found.sheet(chosen["name"]), {int(i): f for i, f in chosen["columns"].items()},
                 villages[int(village)] if village else None)
        except ValidationError as error:
            raise ValidationError(f"工作表“{chosen['name']}”：" + "；".join(error.messages)) from None
    for name, words in mapping.get("values", {}).items():
        vocab = CODED.get((kind, name))
        if vocab is None or (kind, name) in LISTS:
            raise ValidationError(f"“{name}”一栏没有代码。")
        for value, target in words.items():
            if target not in vocab.names:
                raise ValidationError(f"“{name}”中的“{value}”：请选择{'、'.join(vocab.names)}之一。")
    return mapping


def words(mapping: dict, known: dict | None) -> dict:
    """The coded values to read as the user or the county said: field → {written (normalised): name}."""
    found = {}
    for name in {*(known or {}), *mapping.get("values", {})}:
        merged = {**(known or {}).get(name, {}), **mapping.get("values", {}).get(name, {})}
        found[name] = {normalize(w): n for w, n in merged.items() if normalize(w)}
    return found


def reader_request(surveyed: dict, mapping: dict, villages: dict) -> list:
    """The sheets to read, for the reader process: [name, {index: field}, village as JSON or None]."""
    chosen = []
    for sheet in mapping["sheets"]:
        if sheet.get("skip"):
            continue
        village = villages.get(int(sheet["village"])) if sheet.get("village") else None
        chosen.append([sheet["name"], {i: f for i, f in sheet["columns"].items() if f}, place_json(village)])
    return chosen


def remembered(surveyed: dict, mapping: dict) -> dict:
    """What the county keeps of a confirmed mapping (mapping.remember): each header as written → its field."""
    by_name = {s["name"]: s for s in surveyed["sheets"]}
    found = {}
    for chosen in mapping["sheets"]:
        if chosen.get("skip"):
            continue
        for column in by_name[chosen["name"]]["columns"]:
            if column["header"] and header_key(column["header"]):
                found[column["header"]] = chosen["columns"].get(str(column["index"]), "")
    return found

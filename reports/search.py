"""The navigation's search box: one text looked for in contracts, claims, debts and parties within the user's
scope, the results grouped by type with their counts, a few of each shown, and a link to the full list.

What is matched: a record's number, the name of the party it names (and a contract's title, a claim's or
debt's origin note, as their lists match them), pinyin (initials `zs` or full `zhangsan`) of those names, and
a whole ID number (身份证号 or 统一社会信用代码) typed exactly. Part of an ID number is never looked for here,
whoever searches: a prominent box that turned up people by a few digits would spell out numbers shown masked.
"""
import re
from dataclasses import dataclass

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.urls import reverse
from django.utils.http import urlencode

from contracts.selectors import contract_list
from core.idnumbers import whole_id_number
from debts.selectors import claim_list, debt_list
from villages.selectors import party_list

MAX_LENGTH = 50
PER_GROUP = 10
_LETTERS = re.compile(r"^[a-z]+$")

HINT = "可搜索合同、债权、债务的编号，当事人姓名或名称、姓名拼音或首字母（如 zs），或完整的身份证号、统一社会信用代码。"


@dataclass(frozen=True)
class Group:
    key: str
    title: str
    count: int
    records: list
    list_url: str

    @property
    def more(self) -> int:
        return self.count - len(self.records)


@dataclass(frozen=True)
class Results:
    text: str = ""
    problem: str = ""     # why the text was not searched for
    groups: tuple[Group, ...] = ()

    @property
    def total(self) -> int:
        return sum(group.count for group in self.groups)


def clean_text(raw) -> tuple[str, str]:
    """(the text to look for, "") or ("", what is wrong with it, in words for the user)."""
    text = " ".join(str(raw or "").split())
    if not text:
        return "", "请输入要搜索的内容。"
    if len(text) > MAX_LENGTH:
        return "", f"搜索内容太长（{len(text)} 个字），最多 {MAX_LENGTH} 个字：请只输入编号、姓名或证件号。"
    if not any(c.isalnum() for c in text):
        return "", "搜索内容只有标点或符号，请输入文字、数字或拼音字母。"
    if len(text) == 1 and text.isascii():
        return "", "只输入一个字母或数字会找到太多记录，请至少输入两个。"
    return text, ""


@dataclass(frozen=True)
class _Terms:
    text: str
    letters: str        # the text as pinyin letters, or "" when it is not
    id_number: str      # the whole ID number the text is, normalised, or ""

    @classmethod
    def of(cls, text: str) -> "_Terms":
        lowered = text.lower().replace(" ", "")
        return cls(text, lowered if _LETTERS.match(lowered) else "", whole_id_number(text) or "")

    def matching(self, *, names: tuple[str, ...], party: str, keys: tuple[str, ...] = ()) -> Q:
        """Any of the `names` fields containing the text, the party's name, the pinyin `keys` (the party's
        own included) holding the letters, or the party's ID number being the whole one typed."""
        condition = Q()
        for field in (*names, f"{party}name" if party else "name"):
            condition |= Q(**{f"{field}__icontains": self.text})
        if self.letters:
            for field in (*keys, f"{party}search_keys" if party else "search_keys"):
                condition |= Q(**{f"{field}__icontains": self.letters})
        if self.id_number:
            condition |= Q(**{f"{party}id_number" if party else "id_number": self.id_number})
        return condition


def _group(key: str, title: str, queryset: QuerySet, exact: Q, list_name: str, text: str) -> Group:
    """Exact matches (a whole number, a whole name) first; the count is asked only when more than a group's
    worth is found."""
    ranked = queryset.annotate(rank=Case(When(exact, then=Value(0)), default=Value(1), output_field=IntegerField()))
    ordering = ["rank", *queryset.query.order_by]
    records = list(ranked.order_by(*ordering)[:PER_GROUP + 1])
    count = len(records) if len(records) <= PER_GROUP else queryset.order_by().count()
    return Group(key, title, count, records[:PER_GROUP], f"{reverse(list_name)}?{urlencode({'q': text})}")


def search(user, raw) -> Results:
    text, problem = clean_text(raw)
    if problem:
        return Results(str(raw or "").strip()[:MAX_LENGTH], problem)
    terms = _Terms.of(text)
    contracts = contract_list(user).prefetch_related(None).filter(
        terms.matching(names=("number", "title"), party="counterparty__", keys=("search_keys",)))
    claims = claim_list(user).filter(terms.matching(names=("number", "origin_note"), party="debtor__"))
    debts = debt_list(user).filter(terms.matching(names=("number", "origin_note"), party="creditor__"))
    parties = party_list(user).filter(terms.matching(names=(), party="")).order_by("name", "village__sort_key", "pk")
    number = Q(number__iexact=text)
    return Results(text, "", (
        _group("contracts", "合同", contracts, number, "contracts:contract-list", text),
        _group("claims", "债权", claims, number, "debts:claim-list", text),
        _group("debts", "债务", debts, number, "debts:debt-list", text),
        _group("parties", "当事人", parties, Q(name__iexact=text), "villages:party-list", text),
    ))

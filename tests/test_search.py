"""The navigation's search box: contracts, claims, debts and parties in the user's scope, grouped, a few of each."""
from decimal import Decimal

import pytest
from django.urls import reverse

from contracts.factories import ContractFactory
from core.idnumbers import mask_id_number
from debts.factories import ClaimFactory, DebtFactory
from reports.search import MAX_LENGTH, PER_GROUP, search
from villages.factories import PartyFactory, make_resident_id

SEARCH = reverse("reports:search")


@pytest.fixture
def records(personas):
    """张三 of 峪口村 with a contract, a claim and a debt; 张三丰 of 积翠村 (the other township) with the same;
    李四 of 土屋村 (峪口镇), with a contract only."""
    p = personas
    zhang = PartyFactory(village=p.yukou, name="张三", id_number=make_resident_id(501, birth="19800101"))
    ContractFactory(village=p.yukou, number="YK-2026-001", title="前坪机动地承包合同", counterparty=zhang)
    ClaimFactory(village=p.yukou, number="ZQ-YK-001", debtor=zhang, principal=Decimal("1200.00"))
    DebtFactory(village=p.yukou, number="ZW-YK-001", creditor=zhang)
    feng = PartyFactory(village=p.jicui, name="张三丰", id_number=make_resident_id(502, birth="19800101"))
    ContractFactory(village=p.jicui, number="JC-2026-001", counterparty=feng)
    ClaimFactory(village=p.jicui, number="ZQ-JC-001", debtor=feng)
    DebtFactory(village=p.jicui, number="ZW-JC-001", creditor=feng)
    li = PartyFactory(village=p.tuwu, name="李四", id_number=make_resident_id(503, birth="19800101"))
    ContractFactory(village=p.tuwu, number="TW-2026-001", counterparty=li)
    return p


def found(user, text) -> dict[str, list[str]]:
    results = search(user, text)
    assert not results.problem, results.problem
    return {group.key: [getattr(r, "number", None) or r.name for r in group.records] for group in results.groups}


def test_the_cadre_finds_a_party_and_everything_of_theirs_by_name(records, client_for):
    assert found(records.cadre, "张三") == {"contracts": ["YK-2026-001"], "claims": ["ZQ-YK-001"],
                                           "debts": ["ZW-YK-001"], "parties": ["张三"]}
    response = client_for(records.cadre).get(SEARCH, {"q": "张三"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "共找到 4 条记录" in html and "积翠" not in html and "张三丰" not in html
    for group in response.context["results"].groups:
        assert group.count == 1 and group.list_url.endswith("?q=%E5%BC%A0%E4%B8%89")
    assert 'href="/contracts/?q=%E5%BC%A0%E4%B8%89"' in html


def test_the_outsider_finds_nothing_of_another_township(records, client_for):
    assert found(records.outsider, "张三") == {"contracts": ["JC-2026-001"], "claims": ["ZQ-JC-001"],
                                              "debts": ["ZW-JC-001"], "parties": ["张三丰"]}
    assert found(records.outsider, "YK-2026") == {"contracts": [], "claims": [], "debts": [], "parties": []}
    zhang_id = records.yukou.parties.get(name="张三").id_number
    assert search(records.outsider, zhang_id).total == 0
    html = client_for(records.outsider).get(SEARCH, {"q": "李四"}).content.decode()
    assert "共找到 0 条记录" in html and "TW-2026-001" not in html


def test_the_county_office_finds_across_the_county_whole_names_first(records):
    assert found(records.county_office, "张三")["parties"] == ["张三", "张三丰"]
    assert found(records.county_office, "张三丰")["parties"] == ["张三丰"]


def test_the_accountant_finds_only_in_their_village(records):
    assert found(records.accountant, "2026-001") == {"contracts": ["YK-2026-001"], "claims": [], "debts": [],
                                                     "parties": []}
    assert found(records.accountant, "李四")["parties"] == []


def test_pinyin_initials_and_full_pinyin_find_the_party(records):
    for text in ("zs", "ZS", "zhangsan", "zhang san"):
        assert found(records.cadre, text)["parties"] == ["张三"], text
    assert found(records.cadre, "zs")["contracts"] == ["YK-2026-001"]
    assert found(records.cadre, "qpjdd")["contracts"] == ["YK-2026-001"]     # the title's initials


def test_a_whole_id_number_finds_the_party_whoever_searches_but_never_a_part_of_one(records, client_for):
    number = records.yukou.parties.get(name="张三").id_number
    for user in (records.cadre, records.accountant, records.collector, records.inspector):
        assert found(user, number) == {"contracts": ["YK-2026-001"], "claims": ["ZQ-YK-001"],
                                       "debts": ["ZW-YK-001"], "parties": ["张三"]}
        # As typed from a card, in groups.
        spaced = f"{number[:6]} {number[6:14]} {number[14:]}"
        assert found(user, spaced)["parties"] == ["张三"]
        for part in (number[:6], number[:14], number[-6:], number[:17]):
            assert search(user, part).total == 0, (user, part)
    # The collector sees the number masked on the results, the cadre in full.
    assert mask_id_number(number) in client_for(records.collector).get(SEARCH, {"q": "张三"}).content.decode()
    assert number not in client_for(records.collector).get(SEARCH, {"q": "张三"}).content.decode()
    assert number in client_for(records.cadre).get(SEARCH, {"q": "张三"}).content.decode()


def test_a_group_shows_a_few_and_links_to_the_full_list(records, client_for):
    p = records
    for n in range(PER_GROUP + 2):
        ContractFactory(village=p.yukou, number=f"PL-{n:02d}", title="批量发包合同")
    ContractFactory(village=p.yukou, number="PL", title="批量发包合同")
    results = search(p.cadre, "PL")
    contracts = next(g for g in results.groups if g.key == "contracts")
    assert contracts.count == PER_GROUP + 3 and len(contracts.records) == PER_GROUP
    assert contracts.records[0].number == "PL"          # the whole number first
    client = client_for(p.cadre)
    html = client.get(SEARCH, {"q": "PL"}).content.decode()
    assert f"还有 {contracts.more} 条" in html and "查看全部 13 条" in html
    listed = client.get(contracts.list_url)
    assert listed.context["paginator"].count == PER_GROUP + 3


@pytest.mark.parametrize("text, problem", [
    ("", "请输入要搜索的内容"),
    ("   ", "请输入要搜索的内容"),
    ("张" * (MAX_LENGTH + 1), "搜索内容太长"),
    ("%%%", "只有标点或符号"),
    ("——。，", "只有标点或符号"),
    ("z", "至少输入两个"),
])
def test_a_query_that_cannot_be_searched_gets_a_hint_not_an_error(records, client_for, text, problem):
    client = client_for(records.cadre)
    response = client.get(SEARCH, {"q": text})
    assert response.status_code == 200
    assert problem in response.context["results"].problem
    assert problem in response.content.decode()


def test_odd_characters_are_searched_for_as_typed(records):
    ContractFactory(village=records.yukou, number="50%_A", title="特殊编号")
    assert found(records.cadre, "50%_a")["contracts"] == ["50%_A"]
    assert found(records.cadre, "0%")["contracts"] == ["50%_A"]
    assert search(records.cadre, "<script>").total == 0
    assert search(records.cadre, "9" * 30).total == 0


def test_a_nul_in_the_query_is_refused_with_a_page_in_chinese(records, client_for):
    response = client_for(records.cadre).get(SEARCH, {"q": "a\x00b"})
    assert response.status_code == 400 and "空字符" in response.content.decode()


def test_the_inspector_searches_and_changes_nothing(records, client_for):
    client = client_for(records.inspector)
    assert client.get(SEARCH, {"q": "张三"}).context["results"].total == 8
    assert client.post(SEARCH, {"q": "张三"}).status_code in (403, 405)


def test_the_search_takes_a_fixed_number_of_queries(records, client_for, django_assert_max_num_queries):
    p = records
    client = client_for(p.cadre)
    client.get(SEARCH, {"q": "张三"})
    for n in range(PER_GROUP * 2):
        party = PartyFactory(village=p.yukou, name=f"张三{n}")
        ContractFactory(village=p.yukou, counterparty=party)
        ClaimFactory(village=p.yukou, debtor=party)
    # Four groups of at most two queries (the records, and the count when there are more), the session, the
    # user, and the navigation's badge (six counts) and scope.
    with django_assert_max_num_queries(20):
        response = client.get(SEARCH, {"q": "张三"})
    more = PER_GROUP * 2
    assert [g.count for g in response.context["results"].groups] == [1 + more, 1 + more, 1, 1 + more]


def test_the_search_box_keeps_what_was_typed(records, client_for):
    html = client_for(records.cadre).get(SEARCH, {"q": "张三"}).content.decode()
    assert 'name="q" maxlength="50"' in html and 'value="张三"' in html

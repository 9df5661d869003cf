"""待办: per role, within scope, each count the length of the list it links to, counted in a few queries."""
from datetime import date

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from work_data import ESCALATIONS, UNIT, make_imports, make_work

from contracts.factories import ContractFactory
from contracts.services import contract_start_investigation, investigation_save
from reports.todo import todo_for, todo_of

TOWNSHIP_KINDS = ["contract-investigate", "contract-report", "contract-determine", "contract-dispose",
                  "contract-complete", "letters-to-serve", "disputes", "mediation-due", "claims-lapsing",
                  "ledger-imports"]


@pytest.fixture
def work(personas):
    """A unit of work in each of 峪口村 and 土屋村 (峪口镇) and in 积翠村 (积翠镇); two uploads of the cadre
    waiting, one of the accountant's."""
    p = personas
    make_work(p.yukou, p.cadre, "YK")
    make_work(p.tuwu, p.cadre, "TW")
    make_work(p.jicui, p.outsider, "JC")
    make_imports(p.cadre)
    make_imports(p.accountant, waiting=1)
    return p


def counts(todo) -> dict[str, int]:
    return {item.kind.key: item.count for item in todo.items}


def times(n: int, *keys) -> dict[str, int]:
    return {key: UNIT[key] * n for key in keys}


def test_each_role_counts_the_work_it_does_within_its_scope(work, client_for):
    p = work
    # The township: its two villages; no county approvals, no escalations to settle.
    assert counts(todo_of(p.cadre)) == {
        **times(2, "contract-investigate", "contract-report", "contract-determine", "contract-dispose",
                "contract-complete", "letters-to-serve", "disputes", "mediation-due", "claims-lapsing"),
        "ledger-imports": 2}
    assert [item.kind.key for item in todo_of(p.cadre).items] == TOWNSHIP_KINDS
    # The county: every village; it approves, and settles the escalated cases besides.
    county = counts(todo_of(p.county_office))
    assert county["contract-approve"] == 3 * UNIT["contract-approve"]
    assert county["contract-complete"] == 3 * (UNIT["contract-complete"] + ESCALATIONS)
    assert county["contract-investigate"] == 6 and county["disputes"] == 3 and county["claims-lapsing"] == 3
    assert county["ledger-imports"] == 0          # uploads wait for whoever made them
    # The village accountant: the field work of their own village.
    assert counts(todo_of(p.accountant)) == {
        **times(1, "contract-investigate", "contract-report", "letters-to-serve", "mediation-due",
                "claims-lapsing"),
        "ledger-imports": 1}
    # The collector serves letters and collects, in the township.
    assert counts(todo_of(p.collector)) == times(2, "letters-to-serve", "mediation-due", "claims-lapsing")
    # The administrator imports ledgers and nothing else.
    assert counts(todo_of(p.admin)) == {"ledger-imports": 0}
    make_imports(p.admin, waiting=1)
    assert counts(todo_of(p.admin)) == {"ledger-imports": 1}


def test_the_outsider_sees_only_the_work_of_their_own_township(work, client_for):
    todo = counts(todo_of(work.outsider))
    assert todo == {**times(1, "contract-investigate", "contract-report", "contract-determine", "contract-dispose",
                            "contract-complete", "letters-to-serve", "disputes", "mediation-due",
                            "claims-lapsing"), "ledger-imports": 0}
    client = client_for(work.outsider)
    assert "峪口" not in client.get(reverse("reports:todo")).content.decode()
    # Every list it links to holds 积翠村's records only, as many as counted.
    for item in todo_of(work.outsider).items:
        response = client.get(item.url)
        listed = response.content.decode()
        assert "YK-" not in listed and "TW-" not in listed, item.kind.key


def test_the_inspector_has_nothing_to_do_and_watches_read_only(work, client_for):
    todo = todo_of(work.inspector)
    assert todo.items == () and todo.total == 0
    assert {item.kind.key: item.count for item in todo.watched} == {
        "contract-approve": 3, "disputes": 3, "mediation-due": 6, "claims-lapsing": 3}
    client = client_for(work.inspector)
    page = client.get(reverse("reports:todo"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "只读" in html and "todo-item" not in html
    assert 'id="nav-todo">待办</a>' in html          # no badge: nothing waits for the inspector
    assert client.get(reverse("reports:todo-badge")).content.decode() == ""
    assert client.post(reverse("reports:todo")).status_code in (403, 405)


def test_every_count_is_the_length_of_the_list_it_links_to(work, client_for):
    for who in ("cadre", "county_office", "accountant", "collector", "outsider"):
        user = getattr(work, who)
        client = client_for(user)
        for item in todo_of(user).items:
            response = client.get(item.url)
            assert response.status_code == 200, item.url
            if item.kind.key == "ledger-imports":
                listed = len(response.context["waiting"])
            else:
                listed = response.context["paginator"].count
            assert listed == item.count, f"{who} {item.kind.key}: {listed} listed, {item.count} counted"


def test_a_step_done_moves_the_contract_to_the_next_one(personas):
    p = personas
    contract = ContractFactory(village=p.yukou)
    assert counts(todo_of(p.accountant))["contract-investigate"] == 1
    contract_start_investigation(user=p.accountant, contract=contract)
    assert counts(todo_of(p.accountant))["contract-investigate"] == 0
    assert counts(todo_of(p.accountant))["contract-report"] == 1
    investigation_save(user=p.accountant, contract=contract, data={
        "investigated_on": date(2026, 11, 20), "investigators": "薛文斌", "parcel_check": "实地踏勘",
        "findings": "属实"})
    assert counts(todo_of(p.accountant))["contract-report"] == 0
    assert counts(todo_of(p.cadre))["contract-determine"] == 1


def test_the_page_lists_each_kind_with_its_count_and_link(work, client_for):
    response = client_for(work.cadre).get(reverse("reports:todo"))
    assert response.status_code == 200
    html = response.content.decode()
    total = sum(counts(todo_of(work.cadre)).values())
    assert f'title="待办事项 {total} 项">{total}</span>' in html
    assert "待认定" in html and "/contracts/?step=determine" in html
    assert "/claims/?lapse_within=30" in html and "/mediation/?due_within=7" in html
    assert "待县级审批" not in html


def test_the_counts_take_a_few_queries_however_much_work_waits(personas, django_assert_max_num_queries):
    # One query for the contracts, one for each of the letters, disputes, mediation, claims and uploads.
    with django_assert_max_num_queries(6):
        todo_of(personas.county_office)
    make_work(personas.yukou, personas.cadre, "YK")
    with django_assert_max_num_queries(6):
        assert todo_of(personas.county_office).total > 0
    # Someone not signed in costs nothing.
    with django_assert_max_num_queries(0):
        todo_of(AnonymousUser())


def test_the_counts_are_made_once_per_request(personas):
    request = RequestFactory().get("/")
    request.user = personas.cadre
    with CaptureQueriesContext(connection) as first:
        todo_for(request)
    with CaptureQueriesContext(connection) as again:
        assert todo_for(request).total == todo_for(request).total
    assert len(first) > 0 and len(again) == 0


def queries_of(client, url) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_badge_is_counted_after_the_page_so_no_page_waits_for_it(personas, client_for):
    p = personas
    make_imports(p.county_office)
    client = client_for(p.county_office)
    badge = reverse("reports:todo-badge")
    html = client.get(reverse("reports:help")).content.decode()
    assert f'<span hx-get="{badge}" hx-trigger="load" hx-swap="outerHTML"></span>' in html
    assert "待办事项" not in html
    response = client.get(badge)
    assert response["Cache-Control"] == "no-store"
    assert response.content.decode().strip() == (
        '<span class="badge rounded-pill text-bg-warning" title="待办事项 2 项">2</span>')
    # The six counts and the session's own reads, nothing per row.
    assert queries_of(client, badge) <= 6 + 3
    # The to-do page shows its badge at once, from the counts it lists.
    assert 'title="待办事项 2 项">2</span>' in client.get(reverse("reports:todo")).content.decode()
    assert client.post(badge).status_code == 405
    assert Client().get(badge).status_code == 302


def test_with_nothing_waiting_the_page_says_so(personas, client_for):
    client = client_for(personas.cadre)
    html = client.get(reverse("reports:todo")).content.decode()
    assert "暂无待办事项" in html
    assert 'id="nav-todo">待办</a>' in html
    assert client.get(reverse("reports:todo-badge")).content.decode() == ""


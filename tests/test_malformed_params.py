"""Every page, opened with a malformed value in each query parameter it reads, answers without a server error.

The pages are walked from the resolver with the machinery of test_url_scope (the same routes, paths and
records). Which parameters a page reads is found by asking it: the page is opened once with the request's
query dictionary recording every key looked up (filtersets, forms and views' own `request.GET` reads alike),
then opened again with each of those keys set to each malformed value. A page added tomorrow is covered
the same way, and so is a parameter added to an existing page.
"""
from contextlib import contextmanager

import pytest
import test_url_scope
from django.core.handlers import wsgi
from django.http import QueryDict
from django.test import Client
from django.urls import resolve, reverse
from test_url_scope import PUBLIC, ROUTES, build_path

# test_url_scope's fixture, one record of every kind in 积翠村, used here under the same name.
jicui_records = test_url_scope.jicui_records

MALFORMED = [
    "a\x00b",              # PostgreSQL refuses NUL in text
    "9" * 30,              # no integer column, timedelta or date holds it
    "-1",
    "abc",
    "9999-99-99",
    "0000-01-01",
    "9999-12-31",          # a real date whose year + 3 is not
    "x" * 5000,
    "²",                   # str.isdigit() says yes, int() says no
    "1e400",
]
# Keys the probe itself adds, or that only steer the page's form of output.
NOT_PARAMETERS = {"_probe"}
# What a probe answer must be for the page to count as seen by that user.
SEEN = {200, 302}
# The kinds the picker (/pick/<what>/) answers; test_url_scope fills <what> with one it refuses (404).
PICKER_KINDS = ("parties", "parcels", "assets")


class RecordingQueryDict(QueryDict):
    """A query dictionary that notes every key looked up in it (`get`, `[]`, `getlist`, `in`)."""

    read: set[str] = set()

    def __getitem__(self, key):
        RecordingQueryDict.read.add(key)
        return super().__getitem__(key)

    def getlist(self, key, default=None):
        RecordingQueryDict.read.add(key)
        return super().getlist(key, default)

    def __contains__(self, key):
        RecordingQueryDict.read.add(key)
        return super().__contains__(key)


@contextmanager
def recording(monkeypatch):
    RecordingQueryDict.read = set()
    with monkeypatch.context() as patch:
        patch.setattr(wsgi, "QueryDict", RecordingQueryDict)
        yield RecordingQueryDict.read


def parameters_read(client, path, monkeypatch) -> tuple[int, set[str]]:
    """The probe's status and the query keys the page looked up. A non-empty query string binds filtersets,
    so that their fields read the query too."""
    with recording(monkeypatch) as read:
        status = client.get(path, {"_probe": "1"}).status_code
    return status, set(read) - NOT_PARAMETERS


def answer(client, path, query) -> str | None:
    """None when the page answered below 500; else what went wrong."""
    try:
        status = client.get(path, query).status_code
    except Exception as error:  # the test client re-raises a view's exception: that is the 500
        return f"{type(error).__name__}: {str(error)[:120]}"
    return f"HTTP {status}" if status >= 500 else None


def paths_for(route, records) -> list[str]:
    path = build_path(route, records)
    kwargs = resolve(path).kwargs
    if "what" in kwargs:
        return [reverse(route.name, kwargs={**kwargs, "what": what}) for what in PICKER_KINDS]
    return [path]


def clients(personas):
    """The users to try, from the narrowest who sees 积翠村's records to the administrator."""
    for user in (personas.outsider, personas.county_office, personas.admin):
        client = Client()
        client.force_login(user)
        yield client


def first_seeing(route, path, personas, monkeypatch):
    """(client, keys read, statuses): the first of our users the page answers 200 or 302, else the first for
    whom it read parameters (`/ledgers/template.xlsx` answers 404 to a missing `?kind=`)."""
    probes = []
    for client in [Client()] if route.name in PUBLIC else clients(personas):
        status, read = parameters_read(client, path, monkeypatch)
        probes.append((client, read, status))
        if status in SEEN:
            return client, read, [p[2] for p in probes]
    reading = [p for p in probes if p[1]]
    return (*(reading[0][:2] if reading else (None, set())), [p[2] for p in probes])


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_malformed_query_values_never_cause_a_server_error(route, personas, jicui_records, monkeypatch):
    failures, fuzzed = [], 0
    for path in paths_for(route, jicui_records):
        client, read, statuses = first_seeing(route, path, personas, monkeypatch)
        if client is not None and read:
            fuzzed += 1
            failures += malformed_answers(client, path, read)
    if not fuzzed:
        pytest.skip(f"{route.route} takes no GET from our users ({statuses}) or reads no query parameter")
    assert not failures, "\n".join(failures)


def malformed_answers(client, path, read) -> list[str]:
    failures = []
    for value in MALFORMED:
        for key in sorted(read):
            if problem := answer(client, path, {key: value}):
                failures.append(f"{path}?{key}={value[:20]!r}: {problem}")
        # All at once too, with any export asked for, as a bookmarked filtered export would send them.
        together = {key: value for key in read} | ({"format": "xlsx"} if "format" in read else {})
        if problem := answer(client, path, together):
            failures.append(f"{path} with all of {sorted(read)} = {value[:20]!r}: {problem}")
    return failures


def test_the_walk_finds_the_parameters_pages_read(personas, client_for, jicui_records, monkeypatch):
    """The probe sees what the pages read: a filterset's fields, a view's own reads, a dashboard's period."""
    client = client_for(personas.outsider)
    _, contract_list = parameters_read(client, reverse("contracts:contract-list"), monkeypatch)
    _, audit = parameters_read(client_for(personas.county_office), reverse("core:audit-log"), monkeypatch)
    _, options = parameters_read(client, reverse("villages:group-options"), monkeypatch)
    assert {"q", "village", "expiring", "page", "format"} <= contract_list
    assert {"q", "actor", "model", "action"} <= audit
    assert "village" in options
    _, picker = parameters_read(client, reverse("contracts:pick", args=["parties"]), monkeypatch)
    _, template = parameters_read(client, reverse("ledgers:template"), monkeypatch)
    assert {"q", "village"} <= picker and "kind" in template


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("where", ["value", "key"])
def test_a_nul_character_is_answered_400_in_chinese(personas, client_for, method, where):
    data = {"q": "张\x00三"} if where == "value" else {"q\x00": "张三"}
    response = getattr(client_for(personas.cadre), method)(reverse("villages:party-list"), data)
    assert response.status_code == 400
    assert "空字符" in response.content.decode()


def test_a_nul_character_never_reaches_the_login_checks(db, client):
    response = client.post(reverse("login"), {"username": "cadre\x00", "password": "x"})
    assert response.status_code == 400

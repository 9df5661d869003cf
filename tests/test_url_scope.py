"""Every URL of the project, walked from the resolver: another township's records are invisible (404) to a
township cadre, and the read-only inspector can change nothing (403) anywhere.

A new page is covered the day it is added: its URL is found by the resolver, and an argument this test
cannot fill makes it fail until the record type is named in RECORD_FOR_PREFIX below.
"""
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from contracts import services as contract_services
from contracts.factories import ContractFactory, ResolutionFactory
from core.models import Job, Role
from debts import services as debt_services
from debts import votes as debt_votes
from debts.factories import ClaimFactory, DebtFactory, MoneyResolutionFactory
from debts.letters import services as letter_services
from debts.models import DisputeTask, Entry
from debts.receipts import services as receipt_services
from fixtures.personas import UserFactory
from ledgers.models import LedgerImport
from places.factories import GroupFactory, ProvinceFactory
from places.models import County
from reports import services as report_services
from villages.factories import AssetFactory, ParcelFactory, PartyFactory

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
STATE_CHANGING = ("post", "put", "patch", "delete")

# Pages anyone may open (the fresh form token too), or that act only on the user's own account.
PUBLIC = {"login", "logout", "password_change", "password_change_done", "core:csrf-token"}
# Pages that act on the user's own account only: the inspector may use them.
OWN_ACCOUNT = {"logout", "password_change"}


@dataclass(frozen=True)
class Route:
    name: str
    route: str
    pattern: object


def all_routes() -> list[Route]:
    found = []

    def walk(patterns, prefix="", namespace=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
                walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
            elif isinstance(pattern, URLPattern):
                found.append(Route(namespace + (pattern.name or ""), prefix + str(pattern.pattern), pattern))

    walk(get_resolver().url_patterns)
    # The admin site has its own permission system (staff only) and is tested in test_admin.py.
    return [r for r in found if not r.name.startswith("admin:") and not r.route.startswith("admin/")]


# The record a URL's <pk> names, by the URL's path; the longest matching prefix wins.
RECORD_FOR_PREFIX = {
    "villages/": "village", "groups/": "group", "parties/": "party", "parcels/": "parcel", "assets/": "asset",
    "contracts/": "contract", "instalments/": "instalment", "attachments/": "attachment", "evidence/": "evidence",
    "resolutions/": "resolution", "claims/": "claim", "legal/": "legal", "entries/": "entry", "debts/": "debt",
    "mediation/": "mediation", "letters/": "letter", "letters/desk/": "letter", "letters/disputes/": "dispute",
    "jobs/": "job", "ledgers/imports/": "ledger_import", "covers/": "cover", "discount-rules/": "discount_rule",
    "reports/province/": "province", "reports/county/": "county", "reports/township/": "township",
    "reports/village/": "village",
    "reports/progress-data/": "township", "reports/risk/village/": "village", "reports/risk/cases/": "risk_case",
    "reports/risk/tasks/": "risk_task", "reports/risk/relatives/": "cadre_relative", "reports/income/": "income",
    "receipts/": "receipt",
}


def record_key(route: str) -> str | None:
    matches = [prefix for prefix in RECORD_FOR_PREFIX if route.startswith(prefix)]
    return RECORD_FOR_PREFIX[max(matches, key=len)] if matches else None


def build_path(route: Route, records: dict) -> str:
    kwargs = {}
    for name in route.pattern.pattern.converters:
        if name == "pk":
            key = record_key(route.route)
            assert key, f"{route.name} ({route.route}): say which record its <pk> is in RECORD_FOR_PREFIX"
            kwargs[name] = records[key].pk
        elif name == "village_pk":
            kwargs[name] = records["village"].pk
        elif name == "index":
            kwargs[name] = 0
        elif name == "what":
            kwargs[name] = "party"
        elif name == "level":
            kwargs[name] = "township"
        elif name == "job":
            kwargs[name] = records["job"].pk
        else:
            raise AssertionError(f"{route.name} ({route.route}): teach this test the argument <{name}>")
    return reverse(route.name, kwargs=kwargs)


@pytest.fixture
def jicui_records(personas):
    """One record of every kind in 积翠村 (积翠镇), made the way its township cadre makes them."""
    p, user, village = personas, personas.outsider, personas.jicui
    province = ProvinceFactory(name="山西省")
    County.objects.filter(pk=p.county.pk).update(province=province)
    party = PartyFactory(village=village, name="外镇人")
    contract = ContractFactory(village=village, counterparty=party)
    claim = ClaimFactory(village=village, debtor=party, principal=Decimal("5000.00"))
    resolution = ResolutionFactory(village=village)
    entry = debt_services.entry_record(user=user, claim=claim, kind="现金收回", amount=Decimal("100.00"),
                                       entered_on=date(2026, 3, 1))
    letter = letter_services.letter_issue_for_claim(user=user, claim=claim, kind="对账函", as_of=date(2026, 3, 2))
    letter_services.letter_answer(user=user, letter=letter, result="有异议", answered_on=date(2026, 3, 10),
                                  disputed_amount=Decimal("100.00"), reason="少算")
    # 积翠村 has no income to speak of: a red 空壳村, put under a plan by its township.
    risk_case = report_services.risk_case_open(user=user, village=village, risk_class="空壳", problems="无集体收入",
                                               tasks=[("盘活闲置资产", "村支书", date(2026, 12, 31))])
    job = Job.objects.create(kind="letters", title="积翠村对账函", params={}, created_by=user, county_id=p.county.pk,
                             township_id=p.jicui_town.pk, files=[{"name": "x.pdf", "path": "jobs/x.pdf", "size": 1}])
    return {
        "village": village, "group": GroupFactory(village=village), "party": party,
        "parcel": ParcelFactory(village=village), "asset": AssetFactory(village=village),
        "contract": contract, "claim": claim, "debt": DebtFactory(village=village), "resolution": resolution,
        "instalment": contract_services.instalment_add(user=user, contract=contract, due_date=date(2026, 1, 1),
                                                       amount=Decimal("800.00")),
        "attachment": contract_services.attachment_add(user=user, contract=contract, kind="合同文本",
                                                       upload=SimpleUploadedFile("合同.pdf", PDF)),
        "evidence": contract_services.resolution_evidence_add(user=user, resolution=resolution, kind="会议记录",
                                                              upload=SimpleUploadedFile("会议记录.pdf", PDF)),
        "entry": entry, "receipt": receipt_services.receipt_issue(user=user, entry=entry)[0],
        "cover": debt_votes.resolution_cover_add(user=user, resolution=MoneyResolutionFactory(village=village),
                                                    claim=claim),
        "discount_rule": debt_votes.discount_rule_create(
            user=user, resolution=ResolutionFactory(village=village, subject="折扣规则", title="提前缴清折扣"),
            tiers=[[10, 30], [20, 20]], origins=[], valid_from=date(2026, 3, 1), valid_to=date(2026, 12, 31)),
        "legal": debt_services.legal_action_create(user=user, village=village, kind="诉讼", claims=[claim],
                                                   body="方山县人民法院", filed_on=date(2026, 4, 1)),
        "mediation": debt_services.mediation_create(
            user=user, village=village, number="TJ-1", claims=[claim], mediator="调解员",
            agreement_date=date(2026, 4, 2), plan=[(date(2026, 6, 1), Decimal("1000.00"))]),
        "letter": letter, "dispute": DisputeTask.objects.get(letter=letter), "job": job,
        "ledger_import": LedgerImport.objects.create(
            kind="contracts", original_name="积翠村合同台账.xlsx", path="ledgers/x.xlsx", size=1, sha256="0" * 64,
            state=LedgerImport.State.READY, created_by=user, county_id=p.county.pk, township_id=p.jicui_town.pk),
        "province": province, "county": p.county, "township": p.jicui_town, "risk_case": risk_case,
        "risk_task": risk_case.tasks.get(),
        "cadre_relative": report_services.cadre_relative_flag(user=user, party=party, relation="村主任之弟"),
        "income": report_services.income_record_create(user=user, data=dict(
            village=village, kind="项目收益", received_on=date(2026, 3, 1), amount=Decimal("100.00"), note="光伏")),
    }


ROUTES = all_routes()
WITH_RECORD = [r for r in ROUTES if r.pattern.pattern.converters and r.name not in PUBLIC]


def test_the_walk_finds_the_pages_of_every_app():
    names = {r.name.split(":")[0] for r in ROUTES if ":" in r.name}
    assert {"villages", "contracts", "debts", "letters", "core"} <= names
    assert len(WITH_RECORD) > 40


@pytest.mark.parametrize("route", WITH_RECORD, ids=lambda r: r.name)
def test_another_townships_record_is_not_found(route, personas, client_for, jicui_records):
    path = build_path(route, jicui_records)
    client = client_for(personas.cadre)
    before = Entry.objects.count()
    answers = {method: getattr(client, method)(path).status_code for method in ("get", *STATE_CHANGING)}
    # 405: the page takes no such method at all; every method it does take finds nothing.
    assert set(answers.values()) <= {404, 405} and 404 in answers.values(), f"{path}: {answers}"
    assert Entry.objects.count() == before


def province_office(records):
    return UserFactory(username="province", role=Role.PROVINCE, province=records["province"])


# The read-only roles: the county's inspector, and the province office above the county.
READERS = {"inspector": lambda p, records: p.inspector, "province_office": lambda p, records: province_office(records)}
# A county's settings pages do not exist for a user with no county of its own (test_settings_pages): 404.
NO_PAGE_FOR = {"province_office": {"contracts:rule-settings", "reports:settings"}}


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("route", [r for r in ROUTES if r.name not in OWN_ACCOUNT and r.name not in PUBLIC],
                         ids=lambda r: r.name)
def test_the_read_only_roles_change_nothing_anywhere(route, reader, personas, client_for, jicui_records):
    path = build_path(route, jicui_records)
    client = client_for(READERS[reader](personas, jicui_records))
    before = Entry.objects.count()
    refused = (403, 404, 405) if route.name in NO_PAGE_FOR.get(reader, ()) else (403, 405)
    for method in STATE_CHANGING:
        status = getattr(client, method)(path, {"amount": "1.00", "kind": "现金收回"}).status_code
        assert status in refused, f"{method.upper()} {path} answered {status}"
    assert Entry.objects.count() == before


def test_public_pages_are_only_the_sign_in_ones(db, client):
    """Without a session every other page sends the visitor to the login page."""
    for route in ROUTES:
        if route.name in PUBLIC or route.pattern.pattern.converters:
            continue
        response = client.get(reverse(route.name))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], route.name

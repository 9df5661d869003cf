"""Two copies of one page sent at the same moment (a double click on a slow line) write once: the second waits
on the first's one-time key and, once that commits, is sent to what the first recorded.

Each write is slowed while it holds its key, so that both copies have passed every check of the form before
either commits: only the key's unique index stands between them. PostgreSQL only (scripts/test.sh), like
tests/test_ledger_concurrency.py: SQLite serialises whole transactions.
"""
import time
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from threads import run_at_once

from contracts import services as contract_services
from contracts.factories import ContractFactory
from contracts.models import Instalment
from core.models import SubmissionKey
from debts import services as debt_services
from debts.factories import ClaimFactory
from debts.models import Entry
from fixtures.personas import build_personas
from fixtures.posting import form_key

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="concurrent transactions need PostgreSQL; SQLite serialises whole transactions"),
    pytest.mark.django_db(transaction=True),
]

ON = date(2025, 5, 10)


def send_at_once(posts, timeout=60):
    """Run every post together, each in its own thread with its own connection; their responses."""
    responses, refusals, errors = run_at_once(posts, timeout)
    assert refusals + errors == []
    return responses


def slowed(monkeypatch, module, name):
    """The service, holding its transaction (and the key) a moment after it has written."""
    service = getattr(module, name)

    def slow(*args, **kwargs):
        result = service(*args, **kwargs)
        time.sleep(0.3)
        return result

    monkeypatch.setattr(module, name, slow)


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_two_copies_of_one_cash_page_at_the_same_moment_record_one_entry(monkeypatch):
    personas = build_personas()
    claim = ClaimFactory(village=personas.yukou)
    url = reverse("debts:claim-entry", args=[claim.pk])
    clients = [logged_in(personas.accountant) for _ in range(2)]
    data = {"kind": "现金收回", "amount": "1,234.56", "entered_on": ON.isoformat(),
            "submission_key": form_key(clients[0], url)}
    slowed(monkeypatch, debt_services, "entry_record")

    responses = send_at_once([lambda c=c: c.post(url, data) for c in clients])

    entry = Entry.objects.get()
    assert [r.status_code for r in responses] == [302, 302]
    assert {r.url for r in responses} == {f"{claim.get_absolute_url()}#entry-{entry.pk}"}
    assert debt_services.claim_balance(claim) == Decimal("8765.44")
    assert SubmissionKey.objects.count() == 1


def test_two_different_pages_at_the_same_moment_record_two_entries(monkeypatch):
    """The control: the same setup writes twice when the pages are two."""
    personas = build_personas()
    claim = ClaimFactory(village=personas.yukou)
    url = reverse("debts:claim-entry", args=[claim.pk])
    clients = [logged_in(personas.accountant) for _ in range(2)]
    data = [{"kind": "现金收回", "amount": "1,234.56", "entered_on": ON.isoformat(),
             "submission_key": form_key(c, url)} for c in clients]
    slowed(monkeypatch, debt_services, "entry_record")

    responses = send_at_once([lambda c=c, d=d: c.post(url, d) for c, d in zip(clients, data, strict=True)])

    assert [r.status_code for r in responses] == [302, 302]
    assert Entry.objects.count() == 2
    assert debt_services.claim_balance(claim) == Decimal("7530.88")


def test_two_copies_of_one_instalment_payment_at_the_same_moment_record_it_once(monkeypatch):
    personas = build_personas()
    contract = ContractFactory(village=personas.yukou)
    instalment = Instalment.objects.create(contract=contract, due_date=date(2026, 3, 1), amount=Decimal("3500.00"))
    url = reverse("contracts:instalment-pay", args=[instalment.pk])
    clients = [logged_in(personas.accountant) for _ in range(2)]
    data = {"amount": "1,500.25", "paid_on": ON.isoformat(),
            "submission_key": form_key(clients[0], contract.get_absolute_url(), action=url)}
    slowed(monkeypatch, contract_services, "instalment_record_payment")

    responses = send_at_once([lambda c=c: c.post(url, data) for c in clients])

    assert [r.status_code for r in responses] == [302, 302]
    assert {r.url for r in responses} == {f"{contract.get_absolute_url()}#instalment-{instalment.pk}"}
    assert Instalment.objects.get(pk=instalment.pk).paid_amount == Decimal("1500.25")

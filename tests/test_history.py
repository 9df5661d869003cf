"""Records as they stood at a moment, read back from the audit trail (core.history)."""
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from contracts.factories import ContractFactory
from core.audit import acting_as
from core.history import state_at
from villages.factories import PartyFactory


def test_a_fee_changed_since_reads_as_it_was_and_a_changed_link_keeps_its_present_record(personas):
    contract = ContractFactory(village=personas.yukou, annual_fee=Decimal("2059.30"))
    moment = timezone.now()
    other = PartyFactory(village=personas.yukou, name="李四")
    with acting_as(personas.cadre):
        contract.annual_fee = Decimal("3000.00")
        contract.counterparty = other
        contract.save()
    then = state_at(contract, moment)
    assert then.annual_fee == Decimal("2059.30")
    # The trail names the former party by its text only: the link is not turned back, and reading it works.
    assert then.counterparty == other
    assert state_at(contract, moment + timedelta(days=1)).annual_fee == Decimal("3000.00")
    contract.refresh_from_db()
    assert contract.annual_fee == Decimal("3000.00")

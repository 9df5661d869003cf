"""Rows ticked on the claim and contract lists, acted on together: one collector for the claims, their export,
the contracts' 认定书 or 调查报告 printed as one PDF. The ids sent are exactly the rows acted on; one id outside
the user's scope refuses the whole selection (404) and changes nothing; the inspector sees no boxes and is
refused (403)."""
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from contracts.factories import ContractFactory
from contracts.models import Determination
from core.models import Job
from debts.factories import ClaimFactory
from debts.models import Claim

CLAIMS = reverse("debts:claim-list")
CONTRACTS = reverse("contracts:contract-list")
COLLECTOR = reverse("debts:claims-collector")
BUNDLE = reverse("contracts:documents-bundle")
BAR = "data-bulk-bar"


@pytest.fixture
def jobs_wait(monkeypatch):
    """Print jobs are made but not run: what they will print is in their parameters."""
    from core import jobs

    monkeypatch.setattr(jobs, "_enqueue", lambda job: None)


def exported_numbers(response) -> set[str]:
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    return {cell for row in rows for cell in row if isinstance(cell, str) and cell.startswith(("ZQ-", "HT-"))}


def determined(contract, personas):
    Determination.objects.create(contract=contract, facts="经调查核实。", determined_by=personas.cadre,
                                 determined_at=timezone.now())
    return contract


# --- Who sees the boxes ----------------------------------------------------------------------------------


@pytest.mark.parametrize("who, boxes", [("cadre", True), ("county_office", True), ("accountant", False),
                                        ("collector", False), ("inspector", False)])
def test_only_those_who_may_assign_collectors_tick_claims(personas, client_for, who, boxes):
    claim = ClaimFactory(village=personas.yukou)
    page = client_for(getattr(personas, who)).get(CLAIMS).content.decode()
    assert claim.number in page
    assert (f'name="claim" value="{claim.pk}"' in page) is boxes
    assert (BAR in page) is boxes and ("指定清收人" in page) is boxes
    assert ('data-bulk-page="claim-bulk"' in page) is boxes


@pytest.mark.parametrize("who, boxes", [("cadre", True), ("accountant", True), ("county_office", True),
                                        ("collector", False), ("inspector", False)])
def test_only_those_who_may_print_documents_tick_contracts(personas, client_for, who, boxes):
    contract = ContractFactory(village=personas.yukou)
    page = client_for(getattr(personas, who)).get(CONTRACTS).content.decode()
    assert contract.number in page
    assert (f'name="contract" value="{contract.pk}"' in page) is boxes
    assert (BAR in page) is boxes and ("打印所选认定书" in page) is boxes and ("打印所选调查报告" in page) is boxes


def test_the_bar_is_hidden_until_a_row_is_ticked_and_its_export_reads_by_get(personas, client_for):
    ContractFactory(village=personas.yukou)
    page = client_for(personas.cadre).get(CONTRACTS).content.decode()
    bar = page[page.index('<form id="contract-bulk"'):]
    bar = bar[:bar.index("</form>")]
    assert " hidden>" in bar and 'method="post"' in bar and 'name="csrfmiddlewaretoken"' in bar
    assert 'formmethod="get" name="format" value="xlsx"' in bar
    assert "<script" not in page.split("<main", 1)[1].split("</main>", 1)[0]


# --- 指定清收人 ------------------------------------------------------------------------------------------


def test_the_ticked_claims_and_only_they_get_the_collector(personas, client_for):
    claims = [ClaimFactory(village=personas.yukou) for _ in range(3)]
    client = client_for(personas.cadre)
    page = client.get(COLLECTOR, {"claim": [claims[0].pk, claims[2].pk]}).content.decode()
    assert "已勾选 <b>2</b> 笔债权" in page and claims[1].number not in page
    client.post(COLLECTOR, {"claim": [claims[0].pk, claims[2].pk], "collector": personas.accountant.pk})
    assert [Claim.objects.get(pk=c.pk).collector for c in claims] == [personas.accountant, None, personas.accountant]


def test_one_claim_of_another_township_refuses_the_whole_selection(personas, client_for):
    ours, theirs = ClaimFactory(village=personas.yukou), ClaimFactory(village=personas.jicui)
    client = client_for(personas.cadre)
    assert client.get(COLLECTOR, {"claim": [ours.pk, theirs.pk]}).status_code == 404
    response = client.post(COLLECTOR, {"claim": [ours.pk, theirs.pk], "collector": personas.accountant.pk})
    assert response.status_code == 404 and theirs.number not in response.content.decode()
    # An id that names no claim at all is refused the same way.
    assert client.post(COLLECTOR, {"claim": [ours.pk, 99999999], "collector": personas.accountant.pk}
                       ).status_code == 404
    assert not Claim.objects.filter(collector__isnull=False).exists()


def test_the_inspector_may_not_assign_a_collector(personas, client_for):
    claim = ClaimFactory(village=personas.yukou)
    client = client_for(personas.inspector)
    assert client.post(COLLECTOR, {"claim": [claim.pk], "collector": personas.accountant.pk}).status_code == 403
    assert Claim.objects.get(pk=claim.pk).collector is None


# --- 导出所选 --------------------------------------------------------------------------------------------


def test_the_ticked_claims_and_only_they_are_exported(personas, client_for):
    claims = [ClaimFactory(village=personas.yukou) for _ in range(3)]
    client = client_for(personas.cadre)
    response = client.get(CLAIMS, {"claim": [claims[0].pk, claims[1].pk], "format": "xlsx"})
    assert exported_numbers(response) == {claims[0].number, claims[1].number}
    assert "勾选的 2 条" in "".join(str(c) for row in load_workbook(BytesIO(response.content)).active.iter_rows(
        values_only=True) for c in row if c)
    # Without a selection the export is the whole list, as before.
    assert exported_numbers(client.get(CLAIMS, {"format": "xlsx"})) == {c.number for c in claims}


def test_the_ticked_contracts_and_only_they_are_exported(personas, client_for):
    contracts = [ContractFactory(village=personas.yukou) for _ in range(3)]
    response = client_for(personas.accountant).get(CONTRACTS, {"contract": [contracts[2].pk], "format": "xlsx"})
    assert exported_numbers(response) == {contracts[2].number}


def test_an_export_of_rows_out_of_scope_is_refused(personas, client_for):
    ours, theirs = ContractFactory(village=personas.yukou), ContractFactory(village=personas.jicui)
    client = client_for(personas.cadre)
    response = client.get(CONTRACTS, {"contract": [ours.pk, theirs.pk], "format": "xlsx"})
    assert response.status_code == 404 and theirs.number.encode() not in response.content
    claim = ClaimFactory(village=personas.jicui)
    assert client.get(CLAIMS, {"claim": [claim.pk], "format": "xlsx"}).status_code == 404
    assert not Job.objects.exists()


def test_a_selection_with_no_id_in_it_exports_nothing(personas, client_for):
    ClaimFactory(village=personas.yukou)
    response = client_for(personas.cadre).get(CLAIMS, {"claim": ["x", "²"], "format": "xlsx"}, follow=True)
    assert "请先在列表中勾选要导出的记录" in response.content.decode()
    assert not response["Content-Type"].startswith("application/vnd.openxmlformats")


# --- 打印所选认定书 / 调查报告 ---------------------------------------------------------------------------------


def test_the_ticked_contracts_and_only_they_are_printed(personas, client_for, jobs_wait):
    contracts = [determined(ContractFactory(village=personas.yukou), personas) for _ in range(3)]
    fresh = ContractFactory(village=personas.yukou)           # not determined yet: no 认定书
    client = client_for(personas.cadre)
    response = client.post(BUNDLE, {"contract": [contracts[0].pk, contracts[2].pk, fresh.pk], "kind": "determination"},
                           follow=True)
    job = Job.objects.get(kind="contract-documents")
    assert sorted(job.params["contracts"]) == sorted([contracts[0].pk, contracts[2].pk])
    assert "所选合同中有 1 份尚无合同认定书" in response.content.decode()


def test_one_contract_of_another_township_refuses_the_whole_print(personas, client_for, jobs_wait):
    ours = determined(ContractFactory(village=personas.yukou), personas)
    theirs = determined(ContractFactory(village=personas.jicui), personas)
    client = client_for(personas.cadre)
    assert client.post(BUNDLE, {"contract": [ours.pk, theirs.pk], "kind": "determination"}).status_code == 404
    assert not Job.objects.exists()


@pytest.mark.parametrize("who", ["inspector", "collector"])
def test_readers_may_not_print_many_contracts_at_once(personas, client_for, jobs_wait, who):
    contract = determined(ContractFactory(village=personas.yukou), personas)
    response = client_for(getattr(personas, who)).post(BUNDLE, {"contract": [contract.pk], "kind": "investigation"})
    assert response.status_code == 403 and not Job.objects.exists()

"""The registries apps fill from their own AppConfig.ready: list exporters and job runners."""
from io import BytesIO

import pytest
from django.http import QueryDict
from django.urls import reverse
from openpyxl import load_workbook

from contracts.factories import ContractFactory
from core import jobs
from core.exports import exporter_for, exporter_keys
from core.models import Job
from villages.factories import PartyFactory, make_resident_id

ID = make_resident_id(7)


def sheet_rows(content):
    return [list(r) for r in load_workbook(BytesIO(content)).worksheets[0].iter_rows(values_only=True)]


@pytest.fixture
def counterparty(personas):
    zhang = PartyFactory(village=personas.yukou, name="张三", id_number=ID)
    for number, kind in (("YK-001", "资源发包"), ("YK-002", "资产租赁"), ("YK-003", "资源发包")):
        ContractFactory(village=personas.yukou, number=number, kind=kind, counterparty=zhang)
    ContractFactory(village=personas.tuwu, number="TW-001")
    ContractFactory(village=personas.jicui, number="JC-001")
    return zhang


def test_every_list_page_has_its_exporter_registered_by_its_app():
    assert set(exporter_keys()) >= {"places", "parcels", "contracts", "claims", "debts", "parties", "assets",
                                    "resolutions", "letters", "mediation"}


@pytest.mark.parametrize("who, query", [
    ("cadre", "q=YK&kind=资源发包"),
    ("cadre", ""),
    ("collector", ""),                 # ID numbers masked
    ("outsider", ""),                  # another township
])
def test_an_exporter_built_from_a_user_and_filters_gives_the_rows_of_the_list_pages_export(
        personas, client_for, counterparty, who, query):
    user = getattr(personas, who)
    page = sheet_rows(client_for(user).get(reverse("contracts:contract-list") + f"?{query}&format=xlsx").content)
    export = exporter_for("contracts")(user, QueryDict(query))
    # The subtitle carries the minute of the export; everything from the header down must match.
    assert sheet_rows(export.content())[2:] == page[2:]
    assert export.queryset().count() == len([r for r in page[3:] if r[0] != "合计"])


def test_an_exporter_takes_plain_filter_values_too(personas, counterparty):
    from_dict = exporter_for("parties")(personas.cadre, {"q": "张三", "page": "3", "format": "xlsx"})
    from_query = exporter_for("parties")(personas.cadre, QueryDict("q=张三"))
    assert list(from_dict.queryset()) == list(from_query.queryset()) == [counterparty]


def test_a_job_runner_registered_by_its_app_runs(personas, jobs_run_here, counterparty):
    assert set(jobs.job_kinds()) >= {"letters", "list-export", "ledger-preview", "ledger-commit",
                                     "progress_report"}
    job = jobs.job_create(user=personas.cadre, kind="list-export", title="导出合同台账",
                          params=exporter_for("contracts")(personas.cadre, {"q": "YK"}).job_params())
    job.refresh_from_db()
    assert job.state == Job.State.DONE and job.counts == {"rows": 3}
    assert [f["name"].split("-")[0] for f in job.files] == ["合同台账"]


def test_a_list_export_queued_by_the_old_version_still_runs(personas, counterparty):
    job = Job.objects.create(kind="list-export", title="导出合同台账", created_by=personas.cadre,
                             params={"view": "contracts:contract-list", "query": "q=YK-00&format=xlsx"})
    jobs.run(job.pk)
    job.refresh_from_db()
    assert job.state == Job.State.DONE and job.counts == {"rows": 3}


def test_a_list_export_of_a_list_that_no_longer_exports_fails_with_a_message(personas):
    job = Job.objects.create(kind="list-export", title="导出", created_by=personas.cadre,
                             params={"view": "villages:nothing-list", "query": ""})
    jobs.run(job.pk)
    job.refresh_from_db()
    assert job.state == Job.State.FAILED and "请回到列表页重新导出" in job.error


def test_an_unknown_job_kind_is_refused_and_an_old_row_of_one_fails_clearly(personas):
    with pytest.raises(ValueError):
        jobs.job_create(user=personas.cadre, kind="no-such-kind", title="?", params={})
    job = Job.objects.create(kind="no-such-kind", title="旧任务", created_by=personas.cadre, params={})
    jobs.run(job.pk)
    job.refresh_from_db()
    assert job.state == Job.State.FAILED and "系统已不再支持此类任务（no-such-kind）" in job.error


def test_a_runner_registered_with_the_decorator_runs_and_its_counts_are_kept(personas, monkeypatch):
    monkeypatch.setattr(jobs, "_runners", dict(jobs._runners))
    seen = []

    @jobs.job_runner("test-echo")
    def echo(job, report):
        report(1, 2, "一半")
        seen.append(job.params["word"])
        return {"words": 1}

    job = jobs.job_create(user=personas.cadre, kind="test-echo", title="回声", params={"word": "好"},
                          enqueue=False)
    jobs.run(job.pk)
    job.refresh_from_db()
    assert seen == ["好"] and job.state == Job.State.DONE and job.counts == {"words": 1}


def test_two_runners_for_one_kind_are_refused(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    monkeypatch.setattr(jobs, "_runners", dict(jobs._runners))
    with pytest.raises(ImproperlyConfigured):
        jobs.job_runner("list-export")(lambda job, report: None)


def test_a_job_may_be_restarted_by_its_creator_or_by_whoever_holds_its_kinds_restart_permission(personas):
    for kind in ("letters", "list-export", "ledger-preview", "ledger-commit", "progress_report"):
        job = Job(kind=kind, created_by=personas.accountant)
        assert jobs.may_restart(personas.accountant, job), kind
        assert jobs.may_restart(personas.cadre, job), kind            # holds claim.manage
        assert not jobs.may_restart(personas.collector, job), kind

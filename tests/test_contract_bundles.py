"""Many contracts' 认定书 or 调查报告 printed as one PDF by a job: a village's, or those ticked on the list."""
import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from core.models import Job
from tests.test_contract_documents import case  # noqa: F401 - the fixture is used by name

pytestmark = pytest.mark.usefixtures("jobs_run_here")
URL = reverse("contracts:documents-bundle")


def bundle_text(client, job) -> str:
    job.refresh_from_db()
    assert job.state == Job.State.DONE, job.error
    response = client.get(reverse("core:job-file", args=[job.pk, 0]))
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return "".join("".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(content)).pages)


@pytest.mark.parametrize("who", ["cadre", "accountant"])
def test_a_villages_determinations_print_as_one_pdf_for_those_who_work_on_them(personas, case, client_for,  # noqa: F811
                                                                                 who):
    client = client_for(getattr(personas, who))
    page = client.get(personas.yukou.get_absolute_url()).content.decode()
    assert "全部合同认定书（一个 PDF）" in page
    response = client.post(URL, {"village": personas.yukou.pk, "kind": "determination"})
    job = Job.objects.get(kind="contract-documents")
    assert response.status_code == 302 and response.url == reverse("core:job-detail", args=[job.pk])
    text = bundle_text(client, job)
    assert text.count("合同认定书") >= 1 and "YK-2019-007" in text and "张建国" in text
    assert job.counts["documents"] == 1


def test_ticked_contracts_only_and_the_undetermined_ones_are_said_to_have_none(personas, case, client_for):  # noqa: F811
    from contracts.factories import ContractFactory

    client = client_for(personas.cadre)
    fresh = ContractFactory(village=personas.yukou, number="YK-2026-099")
    response = client.post(URL, {"contract": [fresh.pk], "kind": "determination"}, follow=True)
    assert "所选合同没有可打印的合同认定书" in response.content.decode()
    assert not Job.objects.exists()
    client.post(URL, {"contract": [fresh.pk, case.contract.pk, "x"], "kind": "investigation"})
    assert "张建国" in bundle_text(client, Job.objects.get())


def test_outsiders_get_nothing_of_another_township(personas, case, client_for):  # noqa: F811
    client = client_for(personas.outsider)
    assert client.post(URL, {"village": personas.yukou.pk, "kind": "determination"}).status_code == 404
    assert client.post(URL, {"contract": [case.contract.pk], "kind": "determination"}).status_code == 404
    assert not Job.objects.exists()
    assert client.get(URL).status_code == 405


def test_the_inspector_reads_each_document_but_starts_no_print_job(personas, case, client_for):  # noqa: F811
    client = client_for(personas.inspector)
    assert "全部合同认定书（一个 PDF）" not in client.get(personas.yukou.get_absolute_url()).content.decode()
    assert client.post(URL, {"village": personas.yukou.pk, "kind": "determination"}).status_code == 403
    assert client.post(URL, {"contract": [case.contract.pk], "kind": "determination"}).status_code == 403
    assert not Job.objects.exists()
    assert client.get(reverse("contracts:determination-pdf", args=[case.contract.pk])).status_code == 200

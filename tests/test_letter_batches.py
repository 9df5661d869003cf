"""A letter batch cut into chunks that run as Celery tasks: numbered once before the fan-out, each chunk a file
that a retried task leaves as it was, joined by a last task; the same files with or without a worker."""
import io
import re
import threading
from datetime import date
from decimal import Decimal

import pytest
from pypdf import PdfReader

from core import jobs
from core.files import private_storage
from core.models import Job
from debts.factories import ClaimFactory
from debts.letters import jobs as letter_jobs
from debts.letters import services as letters
from debts.models import Letter
from villages.factories import PartyFactory

AS_OF = date(2026, 11, 20)


@pytest.fixture
def small_chunks(monkeypatch):
    # 土屋村's two letters (printed first) and 峪口村's seven make four chunks: one, then a village cut in three.
    monkeypatch.setattr("debts.letters.pdf.CHUNK_SIZE", 3)


@pytest.fixture
def debtors(personas):
    for village, names in ((personas.yukou, "甲乙丙丁戊己庚"), (personas.tuwu, "辛壬")):
        for n, name in enumerate(names):
            ClaimFactory(village=village, debtor=PartyFactory(village=village, name=f"{name}某"),
                         principal=Decimal("1000.00") + n)


def wait_for(job: Job) -> Job:
    for _ in range(3000):
        job.refresh_from_db()
        if job.finished:
            return job
        threading.Event().wait(0.1)
    pytest.fail(f"job still {job.state}: {job.message}")


def file_texts(job: Job) -> dict[str, list[str]]:
    """Each result PDF's pages as text, numbers masked (two batches of the same letters differ only there)."""
    texts = {}
    for entry in job.files:
        if entry["name"].endswith(".pdf"):
            with private_storage().open(entry["path"], "rb") as handle:
                pages = PdfReader(io.BytesIO(handle.read())).pages
            texts[entry["name"]] = [re.sub(r"-\d{4}-\d{4}", "-####-####", "".join(page.extract_text().split()))
                                    for page in pages]
    return texts


def numbers_in(job: Job, name_part: str) -> list[str]:
    entry = next(f for f in job.files if name_part in f["name"])
    with private_storage().open(entry["path"], "rb") as handle:
        pages = PdfReader(io.BytesIO(handle.read())).pages
    return [m.group(1) for page in pages if (m := re.search(r"编号：(\S+?-\d{4}-\d{4})",
                                                              "".join(page.extract_text().split())))]


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_batch_on_a_real_worker_numbers_each_village_from_one_without_gap_or_duplicate(
        personas, debtors, small_chunks, task_worker):
    job = wait_for(letters.letters_job_create(user=personas.cadre, villages=[personas.yukou, personas.tuwu],
                                              kind="对账函", as_of=AS_OF))

    assert job.state == Job.State.DONE, job.error
    assert (job.counts["letters"], job.done, job.total) == (9, 4, 4)
    issued = Letter.objects.filter(job=job)
    for village, count in ((personas.yukou, 7), (personas.tuwu, 2)):
        assert sorted(issued.filter(village=village).values_list("seq", flat=True)) == list(range(1, count + 1))
    assert len(set(issued.values_list("number", flat=True))) == 9
    printed = numbers_in(job, "-全部-")
    assert sorted(printed) == sorted(issued.values_list("number", flat=True))
    assert numbers_in(job, "-峪口村-") == [n for n in printed if "峪口村" in n]
    assert numbers_in(job, "-土屋村-") == [n for n in printed if "土屋村" in n]
    assert any(f["name"].endswith(".xlsx") for f in job.files)
    assert not letter_jobs.work_folder(job.pk).exists()


def test_a_chunk_run_twice_leaves_one_output_and_the_same_numbers(personas, debtors, small_chunks, monkeypatch):
    sent = {}
    monkeypatch.setattr(jobs, "_send", lambda chunks, join: sent.update(chunks=chunks, join=join))
    job = letters.letters_job_create(user=personas.cadre, villages=[personas.yukou, personas.tuwu], kind="对账函",
                                     as_of=AS_OF, enqueue=False)
    jobs.run(job.pk)
    job.refresh_from_db()
    assert job.state == Job.State.RUNNING and len(sent["chunks"]) == 4 and job.total == 4
    numbers = dict(Letter.objects.filter(job=job).values_list("pk", "number"))
    folder = letter_jobs.work_folder(job.pk)

    assert letter_jobs.letters_chunk_render(job_id=job.pk, index=0) == 2      # 土屋村's two
    first = next(folder.glob("00000-*.pdf"))
    written = first.stat().st_mtime_ns
    # A worker killed half way through the same chunk left a partial file behind; the task runs again.
    (folder / f".{first.name}.99999.part").write_bytes(b"%PDF-half")
    assert letter_jobs.letters_chunk_render(job_id=job.pk, index=0) == 2

    assert [p.name for p in folder.glob("00000-*.pdf")] == [first.name] and first.stat().st_mtime_ns == written
    job.refresh_from_db()
    assert (job.done, job.total) == (1, 4) and "1 / 4" in job.message
    for index in range(4):
        letter_jobs.letters_chunk_render(job_id=job.pk, index=index)
    letter_jobs.letters_chunk_render(job_id=job.pk, index=2)     # delivered once more after the others
    assert len(list(folder.glob("*.pdf"))) == 4

    counts = letter_jobs.letters_batch_join(job_id=job.pk)
    assert counts["letters"] == 9 and letter_jobs.letters_batch_join(job_id=job.pk) is None   # joined once
    job.refresh_from_db()
    assert job.state == Job.State.DONE and (job.done, job.progress) == (4, 100)
    assert dict(Letter.objects.filter(job=job).values_list("pk", "number")) == numbers
    assert len(numbers_in(job, "-全部-")) == 9
    # A chunk delivered once more after the join finds its batch done and changes nothing.
    assert letter_jobs.letters_chunk_render(job_id=job.pk, index=1) == 0
    job.refresh_from_db()
    assert job.state == Job.State.DONE and not folder.exists()


def test_the_join_waits_while_a_chunk_is_missing(personas, debtors, small_chunks, monkeypatch):
    monkeypatch.setattr(jobs, "_send", lambda chunks, join: None)
    job = letters.letters_job_create(user=personas.cadre, villages=[personas.yukou], kind="对账函", as_of=AS_OF,
                                     enqueue=False)
    jobs.run(job.pk)
    letter_jobs.letters_chunk_render(job_id=job.pk, index=0)

    with pytest.raises(letter_jobs.ChunksMissing):
        letter_jobs.letters_batch_join(job_id=job.pk)
    job.refresh_from_db()
    assert job.state == Job.State.RUNNING


def test_a_failing_chunk_fails_the_job_with_the_message_offering_a_rerun(personas, debtors, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("debts.letters.jobs.render_chunk_file", broken)
    job = letters.letters_job_create(user=personas.cadre, villages=[personas.yukou], kind="对账函", as_of=AS_OF,
                                     enqueue=False)
    jobs.run(job.pk)
    job.refresh_from_db()

    assert job.state == Job.State.FAILED and "重新运行" in job.error and "disk" not in job.error


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_batch_run_here_and_one_on_the_worker_give_the_same_files(personas, debtors, small_chunks, task_worker):
    here = letters.letters_job_create(user=personas.cadre, villages=[personas.yukou, personas.tuwu], kind="对账函",
                                      as_of=AS_OF, enqueue=False)
    jobs.run(here.pk)        # in this process, every chunk one after another, as with no broker
    here = wait_for(here)
    there = wait_for(letters.letters_job_create(user=personas.cadre, villages=[personas.yukou, personas.tuwu],
                                                kind="对账函", as_of=AS_OF, include_recent=True))

    assert here.state == there.state == Job.State.DONE, there.error
    assert (here.counts["letters"], here.counts["pages"]) == (there.counts["letters"], there.counts["pages"])
    assert [f["name"] for f in here.files] == [f["name"] for f in there.files]
    assert file_texts(here) == file_texts(there)
    assert sorted(Letter.objects.filter(job=there, village=personas.yukou).values_list("seq", flat=True)) == list(
        range(8, 15))

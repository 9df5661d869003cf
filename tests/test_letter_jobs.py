"""Choosing who gets a letter, gap-free numbering, the batch job (eager and on a real worker), its pages and command."""
import io
import threading
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.urls import reverse

from contracts.factories import ResolutionFactory
from core.models import Job
from debts import services
from debts.factories import ClaimFactory
from debts.letters import services as letters
from debts.models import Letter, LetterSequence
from places.factories import GroupFactory
from villages.factories import PartyFactory

AS_OF = date(2026, 11, 20)


def fake_chunk(letter_ids, font, target, *, freeze=False):
    """A stand-in for rendering a chunk: two blank pages a letter, and the manifest the real one writes."""
    import json

    import pikepdf

    found = {letter.pk: letter for letter in Letter.objects.filter(pk__in=letter_ids).select_related(
        "village__township")}
    ordered = [found[pk] for pk in letter_ids]
    pdf = pikepdf.new()
    for _ in range(2 * len(ordered)):
        pdf.add_blank_page()
    target.parent.mkdir(parents=True, exist_ok=True)
    pdf.save(target)
    manifest = {"pages": [2] * len(ordered),
                "villages": [[v.village_id, v.village.name, v.village.township.name] for v in ordered]}
    target.with_suffix(".json").write_text(json.dumps(manifest))
    return manifest


@pytest.fixture
def fake_render(monkeypatch):
    """A stand-in for the PDF renderer where the pages themselves are not under test."""
    monkeypatch.setattr("debts.letters.jobs.render_chunk_file", fake_chunk)


@pytest.fixture
def start_job(monkeypatch):
    """Create a letters job and run it right here, whatever broker is configured
    (the worker path has its own test below)."""
    from core import jobs

    monkeypatch.setattr(jobs, "_enqueue", lambda job: jobs.run(job.pk))

    def start(**kwargs):
        job = letters.letters_job_create(**kwargs)
        job.refresh_from_db()
        return job
    return start


@pytest.fixture
def debtors(personas):
    one, two = GroupFactory(village=personas.yukou, name="一组"), GroupFactory(village=personas.yukou, name="二组")
    zhang = PartyFactory(village=personas.yukou, name="张三", group=two, search_keys="zs zhangsan")
    li = PartyFactory(village=personas.yukou, name="李四", group=one, search_keys="ls lisi")
    wang = PartyFactory(village=personas.tuwu, name="王五", search_keys="ww wangwu")
    ClaimFactory(village=personas.yukou, debtor=zhang, principal=Decimal("3500.00"))
    ClaimFactory(village=personas.yukou, debtor=zhang, principal=Decimal("1200.50"), origin="借款")
    ClaimFactory(village=personas.yukou, debtor=li, principal=Decimal("800.00"))
    ClaimFactory(village=personas.tuwu, debtor=wang, principal=Decimal("99.00"))
    # Never in a letter: a sealed tax-era claim and a fully cleared one.
    sealed = ClaimFactory(village=personas.yukou, debtor=li, principal=Decimal("450.00"), origin="税费尾欠")
    services.claim_seal(user=personas.cadre, claim=sealed, reason="三提五统")
    cleared = ClaimFactory(village=personas.yukou, debtor=PartyFactory(village=personas.yukou, name="赵六"))
    services.entry_record(user=personas.cadre, claim=cleared, kind="现金收回", amount=cleared.principal,
                          entered_on=date(2026, 1, 5))
    return {"zhang": zhang, "li": li, "wang": wang}


def test_one_group_per_debtor_per_village_without_sealed_or_cleared_claims(personas, debtors):
    groups = letters.select_groups(user=personas.cadre, villages=[personas.yukou, personas.tuwu], today=AS_OF)
    names = [(g.village.name, g.debtor.name, g.total) for g in groups]
    # 土屋村 before 峪口村 is not promised; within 峪口村, 一组 (李四) comes before 二组 (张三).
    assert ("峪口村", "李四", Decimal("800.00")) in names and ("峪口村", "张三", Decimal("4700.50")) in names
    assert names.index(("峪口村", "李四", Decimal("800.00"))) < names.index(("峪口村", "张三", Decimal("4700.50")))
    assert ("土屋村", "王五", Decimal("99.00")) in names
    assert all(g.debtor.name != "赵六" for g in groups)
    li = next(g for g in groups if g.debtor.name == "李四")
    assert [c.origin for c, _ in li.claims] == ["承包费拖欠"]  # the sealed 税费尾欠 is left out


def test_minimum_balance_applies_to_the_debtors_total(personas, debtors):
    groups = letters.select_groups(user=personas.cadre, villages=[personas.yukou, personas.tuwu],
                                   min_balance=Decimal("1000"), today=AS_OF)
    assert [g.debtor.name for g in groups] == ["张三"]


def test_numbers_are_gap_free_per_village_and_year(personas, debtors):
    groups = letters.select_groups(user=personas.cadre, villages=[personas.yukou, personas.tuwu], today=AS_OF)
    assert letters.issue_letters(user=personas.cadre, groups=groups, kind="对账函", as_of=AS_OF) == 3
    yukou = list(Letter.objects.filter(village=personas.yukou).order_by("seq").values_list("number", flat=True))
    assert yukou == ["峪口-峪口村-2026-0001", "峪口-峪口村-2026-0002"]
    assert Letter.objects.get(village=personas.tuwu).number == "峪口-土屋村-2026-0001"
    letters.issue_letters(user=personas.cadre, groups=groups[:1], kind="清缴通知书", as_of=AS_OF)
    assert LetterSequence.objects.get(village=groups[0].village, year=2026).last == (
        3 if groups[0].village == personas.yukou else 2)
    letter = Letter.objects.get(number="峪口-峪口村-2026-0002")
    assert letter.total == Decimal("4700.50") and letter.items.count() == 2


def test_a_restarted_job_issues_no_letter_twice(personas, debtors, fake_render, start_job):
    job = start_job(user=personas.cadre, villages=[personas.yukou], kind="对账函", as_of=AS_OF)
    assert job.state == Job.State.DONE and (job.counts["letters"], job.counts["pages"]) == (2, 4)
    groups = letters.select_groups(user=personas.cadre, villages=[personas.yukou], today=AS_OF)
    assert letters.issue_letters(user=personas.cadre, groups=groups, kind="对账函", as_of=AS_OF, job=job) == 0
    assert Letter.objects.filter(job=job).count() == 2


def test_a_failed_job_resumes_where_it_stopped(personas, debtors, monkeypatch, start_job):
    from core import jobs

    calls = {"n": 0}

    def render_chunk_file(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise OSError("disk full")
        return fake_chunk(*args, **kwargs)

    monkeypatch.setattr("debts.letters.jobs.render_chunk_file", render_chunk_file)
    job = start_job(user=personas.cadre, villages=[personas.yukou], kind="对账函", as_of=AS_OF)
    assert job.state == Job.State.FAILED and "重新运行" in job.error and "disk" not in job.error
    numbers = list(Letter.objects.filter(job=job).values_list("number", flat=True))
    assert len(numbers) == 2
    jobs.job_restart(user=personas.cadre, job=job)
    job.refresh_from_db()
    assert job.state == Job.State.DONE
    assert list(Letter.objects.filter(job=job).values_list("number", flat=True)) == numbers


def test_a_job_whose_worker_died_is_taken_up_again_once_its_heartbeat_stops(personas, debtors, fake_render,
                                                                           settings, client_for):
    """A worker killed mid-batch leaves its job "running". While it still reports progress nobody may take it
    over; once it has been silent for JOB_STALE_SECONDS it can be restarted, and it finishes what was begun."""
    from datetime import timedelta

    from django.utils import timezone

    from core import jobs

    settings.JOB_STALE_SECONDS = 600
    job = letters.letters_job_create(user=personas.cadre, villages=[personas.yukou], kind="对账函", as_of=AS_OF,
                                     enqueue=False)
    groups = letters.select_groups(user=personas.cadre, villages=[personas.yukou], today=AS_OF)
    letters.issue_letters(user=personas.cadre, groups=groups[:1], kind="对账函", as_of=AS_OF, job=job)
    now = timezone.now()
    Job.objects.filter(pk=job.pk).update(state=Job.State.RUNNING, started_at=now - timedelta(hours=2),
                                         heartbeat_at=now - timedelta(seconds=60))
    jobs.run(job.pk)        # a second delivery of the task while the first still beats: left alone
    job.refresh_from_db()
    assert job.state == Job.State.RUNNING
    with pytest.raises(jobs.JobError):
        jobs.job_restart(user=personas.cadre, job=job)
    page = client_for(personas.cadre).get(reverse("core:job-detail", args=[job.pk])).content.decode()
    assert "重新运行" not in page
    Job.objects.filter(pk=job.pk).update(heartbeat_at=now - timedelta(seconds=601))
    job.refresh_from_db()
    page = client_for(personas.cadre).get(reverse("core:job-detail", args=[job.pk])).content.decode()
    assert "没有任何进展" in page and "重新运行" in page
    jobs.job_restart(user=personas.cadre, job=job)     # sent to a worker once the test's transaction commits:
    jobs.run(job.pk)                                   # here it runs in place
    job.refresh_from_db()
    assert job.state == Job.State.DONE and (job.counts["letters"], job.counts["pages"]) == (2, 4)
    assert sorted(Letter.objects.filter(job=job).values_list("seq", flat=True)) == [1, 2]


def test_a_job_with_nothing_to_send_fails_with_a_chinese_message(personas, fake_render, start_job):
    job = start_job(user=personas.cadre, villages=[personas.yukou], kind="对账函", as_of=AS_OF)
    assert job.state == Job.State.FAILED and "没有需要出具函件的债权" in job.error


def test_only_the_township_or_county_start_batches_and_only_within_scope(personas, debtors):
    from django.core.exceptions import PermissionDenied, ValidationError

    with pytest.raises(PermissionDenied):
        letters.letters_job_create(user=personas.accountant, villages=[personas.yukou], kind="对账函")
    with pytest.raises(ValidationError):
        letters.letters_job_create(user=personas.outsider, villages=[personas.yukou], kind="对账函")
    assert not Job.objects.exists()


def test_job_pages_and_downloads_are_scoped(personas, debtors, fake_render, client_for, start_job):
    job = start_job(user=personas.cadre, villages=[personas.yukou], kind="对账函", as_of=AS_OF)
    page = client_for(personas.county_office).get(reverse("core:job-detail", args=[job.pk])).content.decode()
    assert "已完成" in page and "签收清单" in page
    download = client_for(personas.cadre).get(reverse("core:job-file", args=[job.pk, 0]))
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")
    assert client_for(personas.outsider).get(reverse("core:job-detail", args=[job.pk])).status_code == 404
    assert client_for(personas.outsider).get(reverse("core:job-file", args=[job.pk, 0])).status_code == 404
    assert client_for(personas.accountant).get(reverse("core:job-detail", args=[job.pk])).status_code == 404
    polled = client_for(personas.cadre).get(reverse("core:job-detail", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert "<html" not in polled.content.decode() and "job-status" in polled.content.decode()


def test_the_excel_list_holds_masked_ids_and_amounts(personas, debtors, fake_render, start_job):
    from io import BytesIO

    from openpyxl import load_workbook

    from core.files import private_storage

    job = start_job(user=personas.cadre, villages=[personas.yukou], kind="对账函", as_of=AS_OF)
    entry = next(f for f in job.files if f["name"].endswith(".xlsx"))
    with private_storage().open(entry["path"], "rb") as handle:
        rows = list(load_workbook(BytesIO(handle.read())).active.iter_rows(values_only=True))
    zhang = next(r for r in rows if r[1] == "张三")
    assert zhang[0].startswith("峪口-峪口村-2026-") and "*" in zhang[2] and Decimal(str(zhang[3])) == Decimal("4700.5")
    assert debtors["zhang"].id_number not in str(rows)


def test_make_letters_prints_counts_and_refuses_an_unknown_township(personas, debtors, fake_render, tmp_path):
    out = StringIO()
    call_command("make_letters", township="峪口镇", kind="reconciliation", out=str(tmp_path / "a.pdf"), stdout=out)
    assert out.getvalue().strip() == "letters: 3, pages: 6"
    assert (tmp_path / "a.pdf").read_bytes().startswith(b"%PDF")
    with pytest.raises(CommandError, match="没有名为“桃花镇”的乡镇"):
        call_command("make_letters", township="桃花镇", kind="reconciliation", out=str(tmp_path / "b.pdf"))
    with pytest.raises(CommandError, match="函件类型"):
        call_command("make_letters", township="峪口镇", kind="invoice", out=str(tmp_path / "b.pdf"))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_jobs_at_once_never_share_or_skip_a_number(personas):
    parties = [PartyFactory(village=personas.yukou, name=f"户{n}") for n in range(40)]
    for party in parties:
        ClaimFactory(village=personas.yukou, debtor=party)
    groups = letters.select_groups(user=personas.cadre, villages=[personas.yukou], today=AS_OF)
    halves = [groups[0::2], groups[1::2]]
    barrier, errors = threading.Barrier(2), []

    def issue(part):
        try:
            barrier.wait()
            letters.issue_letters(user=personas.cadre, groups=part, kind="对账函", as_of=AS_OF)
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=issue, args=(half,)) for half in halves]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sorted(Letter.objects.values_list("seq", flat=True)) == list(range(1, 41))


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_an_eager_run_and_a_worker_run_issue_the_same_letters(personas, task_worker):
    """The job runs on the worker (a real one on Redis when configured) with the real renderer; the same
    letters rendered here, in this process, read exactly the same, page for page."""
    from pypdf import PdfReader

    from core.files import private_storage
    from debts.letters.pdf import render_batch

    ResolutionFactory(village=personas.yukou)
    for name, amount in [("甲", "1200.00"), ("乙", "350.50"), ("丙", "88.08")]:
        ClaimFactory(village=personas.yukou, debtor=PartyFactory(village=personas.yukou, name=name),
                     principal=Decimal(amount))
    expected = letters.select_groups(user=personas.cadre, villages=[personas.yukou], today=AS_OF)
    job = letters.letters_job_create(user=personas.cadre, villages=[personas.yukou], kind="对账函", as_of=AS_OF)
    for _ in range(1200):
        job.refresh_from_db()
        if job.finished:
            break
        threading.Event().wait(0.1)
    assert job.state == Job.State.DONE, job.error
    assert (job.counts["letters"], job.counts["pages"]) == (3, 3)
    assert job.counts["url"] == reverse("letters:letter-list") + f"?job={job.pk}"
    issued = list(Letter.objects.filter(job=job).order_by("seq"))
    assert [(letter.debtor.name, letter.total) for letter in issued] == [
        (group.debtor.name, group.total) for group in expected]

    def text(pdf: bytes) -> list[str]:
        return ["".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]

    whole = next(f for f in job.files if f["name"].startswith("对账函-全部"))
    with private_storage().open(whole["path"], "rb") as handle:
        from_worker = text(handle.read())
    here = text(render_batch([letter.pk for letter in issued], workers=1).whole)
    assert from_worker == here
    assert len(here) == 3 and all(letter.number in "".join(here) for letter in issued)

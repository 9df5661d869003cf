"""The letters job: select and number a batch in one go, then print it in chunks that run as Celery tasks
on whatever workers are connected (in this process when there is no broker), joined by a last task into
the whole batch, one file per village and the sign-out workbook.

The chunks are files under the job's folder, named by what they hold and written whole or not at all, so
a chunk whose worker died is simply run again: numbers were handed out before the fan-out and a chunk
never touches them.
"""
import hashlib
import json
import logging
import os
import shutil
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.urls import reverse

from core.idnumbers import mask_id_number
from core.jobs import (
    JobError,
    job_add_file,
    job_add_path,
    job_chunk_done,
    job_fail,
    job_fan_out,
    job_finish,
    job_runner,
)
from core.models import Job
from core.permissions import CLAIM_MANAGE
from core.scoping import villages_for
from core.xlsx import Column, Sheet, stream_workbook
from debts.models import Letter

from .pdf import batch_face, join_chunk_files, plan_chunks, render_chunk_file
from .selectors import in_print_order, recent_letters, select_groups
from .services import issue_letters

log = logging.getLogger(__name__)


@job_runner("letters", restart_permission=CLAIM_MANAGE)
def run_letter_job(job, report) -> dict:
    """The job's runner: select and number (resumably), then fan the printing out in chunks."""
    params, user = job.params, job.created_by
    villages = villages_for(user).filter(pk__in=params["villages"])
    as_of = date.fromisoformat(params["as_of"])
    min_balance = Decimal(params["min_balance"]) if params.get("min_balance") else None
    run_out = []
    groups = select_groups(user=user, villages=villages, min_balance=min_balance, origins=params.get("origins") or (),
                           age=params.get("age") or "", today=as_of, kind=params["kind"], left_out=run_out)
    # One debtor whose total no letter can hold is left out and named on the job; the others get their letters.
    skipped = [g.too_large_message() for g in groups if g.too_large]
    if run_out:
        skipped.append(f"{len(run_out)} 笔债权已过诉讼时效，未列入清缴通知书（通知书会写明时效中断，对这些债权不实）；"
                       f"请改发对账函，请债务人书面确认：" + "、".join(f"{c.village.name} {c.number} {c.debtor.name}"
                                                           for c in run_out[:20])
                       + ("等" if len(run_out) > 20 else ""))
    groups = [g for g in groups if not g.too_large]
    already = Letter.objects.filter(job=job).exists()
    if not params.get("include_recent"):
        # Letters of this very job are not "recent": a restarted job goes on with its own debtors.
        recent = {key: letter for key, letter in recent_letters(groups, params["kind"]).items()
                  if letter.job_id != job.pk}
        if recent:
            skipped.append(f"{len(recent)} 户近期已收到{params['kind']}，本批未再出具：" + "、".join(
                f"{letter.debtor.name}（{letter.number}）" for letter in list(recent.values())[:20])
                + ("等" if len(recent) > 20 else ""))
            groups = [g for g in groups if (g.village.pk, g.debtor.pk) not in recent]
    if not groups and not already:
        raise JobError("；".join(skipped) or "所选范围内没有需要出具函件的债权（已封存、已结清的不出具）。")
    started = time.perf_counter()
    issue_letters(user=user, groups=groups, kind=params["kind"], as_of=as_of, job=job, report=report)
    numbering = time.perf_counter() - started
    letters = in_print_order(Letter.objects.filter(job=job))
    ids = [letter.pk for letter in letters]
    started = time.perf_counter()
    plan = {"chunks": plan_chunks((letter.pk, letter.village_id) for letter in letters), "font": batch_face(ids),
            "skipped": skipped, "timings": {"numbering": round(numbering, 2)}}
    plan["chunks"] = [{"ids": chunk, "name": _chunk_name(index, chunk, plan["font"])}
                      for index, chunk in enumerate(plan["chunks"])]
    plan["timings"]["face"] = round(time.perf_counter() - started, 2)
    plan["fanned_out_at"] = time.time()
    folder = work_folder(job.pk)
    folder.mkdir(parents=True, exist_ok=True)
    _write_plan(folder, plan)
    report(0, len(plan["chunks"]), f"已编号 {len(ids)} 份，正在生成 0 / {len(plan['chunks'])} 块")
    from debts import tasks

    return job_fan_out(job, [tasks.render_letter_chunk.si(job.pk, index) for index in range(len(plan["chunks"]))],
                       tasks.join_letter_batch.si(job.pk))


# --- The batch's chunks and their join, each a task that any worker may run -----------------------------


def work_folder(job_id: int) -> Path:
    """Where a batch's chunks are rendered: under PRIVATE_ROOT, which every worker machine shares."""
    return Path(settings.PRIVATE_ROOT) / "jobs" / str(job_id) / "chunks"


def _chunk_name(index: int, ids: list[int], font: str | None) -> str:
    # Named by what it holds: a restarted job whose plan changed never takes an old chunk for a new one.
    digest = hashlib.sha256(json.dumps([ids, font]).encode()).hexdigest()[:12]
    return f"{index:05d}-{digest}"


def _write_plan(folder: Path, plan: dict) -> None:
    partial = folder / f".plan.{os.getpid()}.part"
    partial.write_text(json.dumps(plan, ensure_ascii=False), encoding="utf-8")
    os.replace(partial, folder / "plan.json")


def _read_plan(job_id: int) -> dict:
    return json.loads((work_folder(job_id) / "plan.json").read_text(encoding="utf-8"))


def letters_chunk_render(*, job_id: int, index: int, freeze: bool = False) -> int:
    """Render chunk `index` of a batch to its file (again only if it is not there yet); the letters it holds.
    Numbers were given before the batch was cut into chunks: running a chunk twice changes none."""
    folder = work_folder(job_id)
    if not (folder / "plan.json").exists():
        return 0        # delivered again after its batch was joined and the chunks cleared away
    plan = _read_plan(job_id)
    chunk = plan["chunks"][index]
    try:
        render_chunk_file(chunk["ids"], plan["font"], folder / f"{chunk['name']}.pdf", freeze=freeze)
    except Exception:
        log.exception("letters job %s: chunk %s failed", job_id, index)
        job_fail(job_id)
        raise
    total = len(plan["chunks"])
    done = sum(1 for each in plan["chunks"] if (folder / f"{each['name']}.json").exists())
    job_chunk_done(job_id, done, total, f"已生成 {done} / {total} 块")
    return len(chunk["ids"])


class ChunksMissing(Exception):
    """The join was started before every chunk was rendered (a chunk delivered twice, say): it waits."""


def letters_batch_join(*, job_id: int) -> dict | None:
    """Join a batch's chunks into the whole file and one per village, write the sign-out workbook, and
    finish the job. A job already finished is left alone, so a second join changes nothing."""
    job = Job.objects.get(pk=job_id)
    if job.state != Job.State.RUNNING:
        return None
    folder = work_folder(job_id)
    plan = _read_plan(job_id)
    missing = [each["name"] for each in plan["chunks"] if not (folder / f"{each['name']}.json").exists()]
    if missing:
        raise ChunksMissing(", ".join(missing[:5]))
    try:
        return _join(job, folder, plan)
    except Exception:
        log.exception("letters job %s: join failed", job_id)
        job_fail(job_id)
        raise


def _join(job: Job, folder: Path, plan: dict) -> dict:
    params, timings = job.params, plan["timings"]
    as_of = date.fromisoformat(params["as_of"])
    stamp, kind = f"{as_of:%Y%m%d}", params["kind"]
    job_chunk_done(job.pk, len(plan["chunks"]), len(plan["chunks"]), "正在合并整批文件和各村文件")
    # From the fan-out to the last chunk: the rendering as the cadre waits for it, on however many workers.
    timings["rendering"] = round(time.time() - plan["fanned_out_at"], 2)
    started = time.perf_counter()
    parts = [(folder / f"{each['name']}.pdf",
              json.loads((folder / f"{each['name']}.json").read_text(encoding="utf-8"))) for each in plan["chunks"]]
    out = folder / "out"
    out.mkdir(exist_ok=True)
    whole, pages, villages = join_chunk_files(parts, out)
    timings["join"] = round(time.perf_counter() - started, 2)
    started = time.perf_counter()
    job_add_path(job, f"{kind}-全部-{stamp}.pdf", whole)
    for village_name, path in villages:
        job_add_path(job, f"{kind}-{village_name}-{stamp}.pdf", path)
    timings["files"] = round(time.perf_counter() - started, 2)
    started = time.perf_counter()
    letters = in_print_order(Letter.objects.filter(job=job))
    job_add_file(job, f"{kind}-签收清单-{stamp}.xlsx", letters_xlsx(letters, kind))
    timings["workbook"] = round(time.perf_counter() - started, 2)
    shutil.rmtree(folder, ignore_errors=True)
    skipped = plan["skipped"]
    counts = {"letters": len(letters), "pages": pages, **({"skipped": skipped} if skipped else {}),
              "url": reverse("letters:letter-list") + f"?job={job.pk}", "url_label": "查看本批函件（送达、作废）",
              "timings": timings}
    job_finish(job.pk, counts)
    return counts


LIST_COLUMNS = [Column("编号", 24), Column("债务人", 16), Column("证件号码", 22), Column("金额(元)", 14, money=True),
                Column("村", 12), Column("组", 10), Column("签收人", 12), Column("签收日期", 12)]


def letters_xlsx(letters, kind: str) -> bytes:
    """The list for signing letters out: number, debtor, masked ID, amount, village, group."""
    rows = ([letter.number, letter.debtor.name, mask_id_number(letter.debtor.id_number), letter.total,
             letter.village.name, letter.debtor.group.name if letter.debtor.group_id else "", "", ""]
            for letter in letters)
    return stream_workbook([Sheet(f"{kind}签收清单", LIST_COLUMNS, rows)])

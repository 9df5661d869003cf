"""Benchmark: joining a letter batch's chunk PDFs into the whole file and one file per village.

    python bench/pdf_join.py                   # 1,249 letters
    python bench/pdf_join.py --letters 15000

Builds the letters as bench/letters.py does, renders their chunks once with
the letter workers, then joins the same chunk files, as `render_batch` does,
with `core.pdf.join` (or each module given with --joiner that offers
`open_part` and `PdfJoin`, to compare another joiner on the same parts; by
default qpdf's, which letter batches use, against the hand-written one),
each join in a fresh child process; prints the time, the join's memory (peak
RSS over the RSS before it) and the size of what it wrote.
"""
import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from importlib import import_module
from itertools import groupby
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from letters import build_township, setup_django  # noqa: E402  (the letters bench builds the same township)


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 2**20


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def issue_batch(count: int) -> list[int]:
    """The township of bench/letters.py with its payment notices numbered; their ids in printing order."""
    from core.models import User
    from debts.letters.selectors import in_print_order, select_groups
    from debts.letters.services import issue_letters
    from debts.models import Letter
    from places.models import Village

    build_township(count)
    user = User.objects.get(username="bench")
    groups = select_groups(user=user, villages=Village.objects.all(), kind="清缴通知书")
    issue_letters(user=user, groups=groups, kind="清缴通知书", as_of=date.today())
    return [letter.pk for letter in in_print_order(Letter.objects.all())]


def render_chunks(letter_ids: list[int], folder: Path) -> list[dict]:
    """The batch's chunk PDFs, rendered as `render_batch` renders them; their manifest."""
    from django.conf import settings

    from core.pdf.pool import WorkerPool
    from debts.letters.pdf import WORKERS, _chunks, batch_chars, letter_context, letter_font, template_chars

    chunks = _chunks(letter_ids, 60, WORKERS)
    font = letter_font(batch_chars(letter_ids) | template_chars())
    manifest = []

    def jobs():
        for index, ids in enumerate(chunks):
            contexts = letter_context(ids, with_qr=False)
            source = folder / f"{index}.json"
            source.write_text(json.dumps(contexts, ensure_ascii=False), encoding="utf-8")
            manifest.append({"pdf": str(folder / f"{index}.pdf"), "villages": [c["village_id"] for c in contexts]})
            yield {"input": str(source), "output": str(folder / f"{index}.pdf"), "font": font}

    pool = WorkerPool([sys.executable, str(ROOT / "manage.py"), "render_letter_chunk"], WORKERS,
                      cwd=settings.BASE_DIR)
    try:
        for index, pages in pool.run(jobs()):
            manifest[index]["pages"] = pages
    finally:
        pool.close()
    return manifest


def join(manifest: list[dict], out: Path, joiner: str) -> dict:
    """What `render_batch` does with the chunks: the whole, and one file per village."""
    module = import_module(joiner)
    PdfJoin, open_part = module.PdfJoin, module.open_part  # noqa: N806

    before = rss_mb()
    started, cpu = time.perf_counter(), time.process_time()
    whole, villages = PdfJoin(out / "whole.pdf", title="函件"), {}
    for chunk in manifest:
        part = open_part(chunk["pdf"])
        whole.add(part)
        first = 0
        for village, run in groupby(zip(chunk["villages"], chunk["pages"], strict=True), key=lambda pair: pair[0]):
            count = sum(pages for _, pages in run)
            if village not in villages:
                villages[village] = PdfJoin(out / f"village-{village}.pdf", title="村函件")
            villages[village].add(part, range(first, first + count))
            first += count
        del part
    whole.close()
    for each in villages.values():
        each.close()
    return {"seconds": time.perf_counter() - started, "cpu": time.process_time() - cpu, "rss_before": before,
            "peak": peak_mb(), "whole": (out / "whole.pdf").stat().st_size,
            "villages": sum(p.stat().st_size for p in out.glob("village-*.pdf")), "pages": whole.pages}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=1249)
    parser.add_argument("--joiner", action="append",
                        help="a module with `PdfJoin` and `open_part` to measure (default: core.pdf.qpdf_join, which "
                             "letter batches use, and core.pdf.join, written by hand); "
                             "give several to compare them on the same chunks")
    parser.add_argument("--join-child", nargs=3, metavar=("MANIFEST", "OUT", "JOINER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.join_child:
        manifest, out, joiner = args.join_child
        print(json.dumps(join(json.loads(Path(manifest).read_text()), Path(out), joiner)))
        return

    work = Path(tempfile.mkdtemp(prefix="bench-join-"))
    try:
        setup_django(work)
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        letter_ids = issue_batch(args.letters)
        chunks = work / "chunks"
        chunks.mkdir()
        started = time.perf_counter()
        manifest = render_chunks(letter_ids, chunks)
        (work / "manifest.json").write_text(json.dumps(manifest))
        size = sum(Path(c["pdf"]).stat().st_size for c in manifest)
        print(f"{len(letter_ids)} letters in {len(manifest)} chunks ({size / 1e6:.1f} MB), "
              f"rendered in {time.perf_counter() - started:.0f} s")
        for n, joiner in enumerate(args.joiner or ["core.pdf.qpdf_join", "core.pdf.join"]):
            out = work / f"out-{n}"
            out.mkdir()
            run = subprocess.run([sys.executable, __file__, "--join-child", str(work / "manifest.json"), str(out),
                                  joiner], cwd=ROOT, capture_output=True, text=True)
            if run.returncode:
                print(f"{joiner}: failed\n{run.stderr}")
                continue
            r = json.loads(run.stdout.strip().splitlines()[-1])
            print(f"{joiner}: {r['seconds']:.1f} s (cpu {r['cpu']:.1f} s), memory {r['peak'] - r['rss_before']:.0f} MB "
                  f"over {r['rss_before']:.0f} MB (peak {r['peak']:.0f} MB), whole {r['whole'] / 1e6:.1f} MB, "
                  f"villages {r['villages'] / 1e6:.1f} MB, {r['pages']} pages")
            shutil.rmtree(out)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

"""Benchmark: an import bomb, a ledger whose shared strings unpack to hundreds of MB from a file of some 10 MB.

    python bench/import_bomb.py                    # 760 MB of shared strings
    python bench/import_bomb.py --megabytes 300
    python bench/import_bomb.py --baseline         # also: openpyxl reading it in the web process, as before

The bomb is a real ledger (a header and a row; its sheet declares `A1:E2`) whose shared strings table is
padded with unique strings nobody uses, compressing some 75 to 1: within the upload size and the
compression-ratio limits, so that only the unpacked size of the part gives it away. It is built in a
temporary folder and removed afterwards.

Each case runs in a process of its own (so that its peak memory is its own) with a throwaway SQLite
database, and uploads the bomb as the upload page does (`ledger_upload`, Celery eager: the preview job
runs in the same process, as it does with no broker):

- as configured: the request refuses it from the zip directory;
- checks lifted (the part and total limits set far above the bomb): only the reader process's memory
  ceiling (LEDGER_READ_MEMORY_MB) stands between the bomb and the web process;
- baseline (with --baseline): openpyxl loading the workbook in the web process itself, as the import did
  before it had a reader process.

Printed for each: whether the file was refused and by which check, the peak RSS of the web (parent)
process and of the reader process, and the wall time. Target: the web process stays under 250 MB and
the reader under its ceiling, whatever the file.
"""
import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PARENT_TARGET_MB = 250


def peak_mb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def build(path: Path, megabytes: int) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from ledgers.testing import strings_bomb

    strings_bomb(path, megabytes)


def child(work: Path, bomb: Path, case: str) -> None:
    """One case, in a fresh process: prints its figures as JSON."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["PRIVATE_ROOT"] = str(work / "private")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.files import File
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    figures = {"case": case, "reader_ceiling_mb": settings.LEDGER_READ_MEMORY_MB, "peak_setup_mb": peak_mb()}
    started = time.perf_counter()
    if case == "baseline":
        from openpyxl import load_workbook

        try:
            book = load_workbook(bomb, read_only=True, data_only=True)
            figures["rows"] = sum(1 for _ in book.worksheets[0].iter_rows(values_only=True))
            book.close()
            figures["outcome"] = "read in the web process"
        except MemoryError:
            figures["outcome"] = "MemoryError in the web process"
        figures.update(wall=time.perf_counter() - started, peak_parent_mb=peak_mb(), peak_reader_mb=None)
        print("FIGURES " + json.dumps(figures, ensure_ascii=False))
        return
    if case == "lifted":
        for name in ("LEDGER_MAX_STRINGS_MB", "LEDGER_MAX_SHEET_MB", "LEDGER_MAX_PART_MB", "LEDGER_MAX_UNPACKED_MB"):
            setattr(settings, name, 100_000)
    from django.core.exceptions import ValidationError

    from core.models import Job, Role, User
    from ledgers import reader, services
    from ledgers.reading import BadFile, check_file
    from places.models import County

    user = User.objects.create(username="bench", real_name="马立新", role=Role.COUNTY,
                               county=County.objects.create(name="方山县"))
    try:
        check_file(bomb)
        figures["check"] = None
    except BadFile as error:
        figures["check"] = error.check
    # The reader's own figures (its peak from /proc, reset at exec; ru_maxrss would start from this process's).
    stats = {}
    read_isolated = reader.read_isolated
    reader_calls = []

    def measured(*args, **kwargs):
        reader_calls.append(1)
        return read_isolated(*args, **{**kwargs, "stats": stats})

    services.importer.read_isolated = measured
    started = time.perf_counter()
    try:
        with open(bomb, "rb") as handle:
            ledger_import = services.ledger_upload(user=user, kind="contracts", upload=File(handle, name="bomb.xlsx"))
        job = Job.objects.get(pk=ledger_import.job_id)
        figures["outcome"] = (f"import {ledger_import.state}, job {job.state}: "
                              f"{(ledger_import.errors or [''])[0][:60]}")
        figures["refused"] = ledger_import.state == "无法读取"
        figures["check"] = figures["check"] or stats.get("check")
    except ValidationError as error:
        figures["outcome"] = f"refused in the request: {error.messages[0][:60]}"
        figures["refused"] = True
    figures.update(wall=time.perf_counter() - started, peak_parent_mb=peak_mb(),
                   peak_reader_mb=stats.get("peak_mb"), reader_started=bool(reader_calls),
                   reader_exit=stats.get("exit"), reader_seconds=stats.get("seconds"))
    print("FIGURES " + json.dumps(figures, ensure_ascii=False))


def run_case(work: Path, bomb: Path, case: str) -> dict:
    folder = work / case
    folder.mkdir()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}", "DEBUG": "0",
           "SECRET_KEY": os.environ.get("SECRET_KEY") or "bench-only-" + "x" * 50}
    env.pop("REDIS_URL", None)
    run = subprocess.run([sys.executable, __file__, "--child", str(folder), "--bomb", str(bomb), "--case", case],
                         cwd=ROOT, env=env, capture_output=True, text=True)
    line = next((x for x in run.stdout.splitlines() if x.startswith("FIGURES ")), None)
    if line is None:
        sys.stderr.write(run.stdout[-3000:] + run.stderr[-5000:])
        return {"case": case, "outcome": f"the process died (exit {run.returncode})", "refused": None}
    return json.loads(line.removeprefix("FIGURES "))


def report(figures: dict) -> None:
    reader = (f"{figures['peak_reader_mb']} MB (ceiling {figures['reader_ceiling_mb']} MB)"
              if figures.get("peak_reader_mb") is not None else
              "not started" if not figures.get("reader_started", True) else "—")
    check = figures.get("check") or "—"
    print(f"{figures['case']}: refused: {'yes' if figures.get('refused') else 'no'} (check: {check})  "
          f"peak rss: web {figures.get('peak_parent_mb')} MB, reader {reader}  "
          f"wall: {figures.get('wall', 0):.1f} s")
    print(f"  {figures['outcome']}")
    if figures.get("peak_parent_mb") is not None and figures["case"] != "baseline":
        met = figures["peak_parent_mb"] <= PARENT_TARGET_MB
        print(f"  target: web process ≤ {PARENT_TARGET_MB} MB {'met' if met else 'MISSED'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=760, help="unpacked size of the shared strings")
    parser.add_argument("--baseline", action="store_true", help="also read it in the web process, as before")
    parser.add_argument("--child", metavar="DIR", help=argparse.SUPPRESS)
    parser.add_argument("--bomb", help=argparse.SUPPRESS)
    parser.add_argument("--case", help=argparse.SUPPRESS)
    parser.add_argument("--build", metavar="FILE", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build:
        build(Path(args.build), args.megabytes)
        return
    if args.child:
        child(Path(args.child), Path(args.bomb), args.case)
        return
    work = Path(tempfile.mkdtemp(prefix="bench-bomb-"))
    try:
        bomb = work / "bomb.xlsx"
        started = time.perf_counter()
        # In a process of its own, so that no case starts from its peak.
        subprocess.run([sys.executable, __file__, "--build", str(bomb), "--megabytes", str(args.megabytes)],
                       check=True, cwd=ROOT)
        with zipfile.ZipFile(bomb) as archive:
            members = archive.infolist()
            strings = archive.getinfo("xl/sharedStrings.xml")
            sheet = archive.read("xl/worksheets/sheet1.xml")[:400].decode()
        declared = sheet[sheet.index("<dimension"):].split("/>")[0] + "/>"
        unpacked = sum(m.file_size for m in members)
        print(f"bomb: {bomb.stat().st_size / 2**20:.1f} MB file, declared unpacked {unpacked / 2**20:,.0f} MB "
              f"(shared strings {strings.file_size / 2**20:,.0f} MB, "
              f"compressed {strings.file_size / strings.compress_size:.0f} to 1); sheet declares {declared}; "
              f"built in {time.perf_counter() - started:.1f} s")
        for case in ("configured", "lifted") + (("baseline",) if args.baseline else ()):
            report(run_case(work, bomb, case))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

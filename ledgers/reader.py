"""Reading an uploaded ledger in a process of its own, under a memory ceiling and a time limit.

openpyxl holds a workbook's shared strings in memory whole, and an 11 MB file may unpack to 760 MB of
them: read in the web process (or a worker) that costs gigabytes, and the process with it. The directory
checks (reading.check_file) refuse what declares too much; this process stops whatever gets past them:

- a fresh interpreter (`python -m ledgers.reader`), not a fork: a Celery prefork worker is a daemonic
  process, and forking a process that holds database connections and threads is unsafe (as in
  debts/letters/pdf.py). It imports openpyxl and ledgers/reading.py, not Django's models;
- it sets its own address-space ceiling (RLIMIT_AS, LEDGER_READ_MEMORY_MB) before it imports anything
  large, so that a bomb ends in a MemoryError (or the kernel's kill) in it alone;
- it reads with reading.read_sheet, writes what it read to the file the preview keeps (JSON lines,
  gzip) and tells how it went on stdout, as JSON lines: progress, then the outcome;
- the caller waits at most LEDGER_READ_SECONDS, passes the progress on, and turns every way the
  process can end (done, refused, out of memory, killed, too slow) into a Sheet or a BadFile with a
  message in Chinese.

It never touches the database, and takes the LEDGER_* settings from the caller (so that
override_settings reaches it).
"""
import gzip
import json
import logging
import os
import resource
import selectors
import subprocess
import sys
import time
from collections import namedtuple
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError

log = logging.getLogger(__name__)

TOO_LARGE = ("文件解压后过大或结构异常，无法读取（读取时超出了 {mb:,} MB 的内存上限）。"
             "请在 Excel 中打开后另存为 .xlsx；数据很多时请按乡镇或村分成几个文件上传。")
TOO_SLOW = ("读取超过 {seconds:,} 秒仍未完成，已停止。文件可能结构异常；"
            "请在 Excel 中打开后另存为 .xlsx；数据很多时请按乡镇或村分成几个文件上传。")

Column = namedtuple("Column", "name aliases required")


def command() -> list[str]:
    """The reader process's command line (a function, so that a test can put a failing one in its place)."""
    return [sys.executable, "-m", "ledgers.reader"]


def read_isolated(path: Path, columns, target: Path, *, report=None, stats: dict | None = None):
    """Read the ledger at `path` (our template's layout) in a reader process and return its Sheet, also kept
    (gzip JSON lines) at `target`. Raises BadFile: the file's own fault as reading.read_sheet words it, or
    the ceiling's (memory, time). `stats`, if given, receives the reader's peak memory (MB), seconds and
    exit code."""
    from .reading import Sheet

    _run(path, {"mode": "sheet", "columns": [[c.name, list(c.aliases), bool(c.required)] for c in columns]},
         target, report, stats)
    with gzip.open(target, "rb") as handle:
        return Sheet.load(handle)


def survey_isolated(path: Path, kind: str, target: Path, *, fmt: str, original_name: str = "", saved=None,
                    villages=(), report=None, stats: dict | None = None, read_to: Path | None = None,
                    own_village: int | None = None, known: dict | None = None) -> dict:
    """Survey the workbook (ledgers/survey) in a reader process: its JSON (Survey.as_json), also kept at
    `target`. `villages`: the places a sheet's name or title may name, as survey.place_json gives them.

    With `read_to`: when the suggested mapping needs nobody to confirm it (confirm.doubts; `own_village` is
    the uploader's village, `known` the county's words for codes), the sheets are read by it in the same
    process, from the rows the survey kept (no second pass over the file), into the Sheet kept at `read_to`;
    the JSON then has the mapping taken under "mapping"."""
    _run(path, {"mode": "survey", "kind": kind, "fmt": fmt, "original_name": original_name, "saved": saved or {},
                "villages": list(villages), "read_to": str(read_to) if read_to else "", "own_village": own_village,
                "known": known or {}}, target, report, stats)
    with gzip.open(target, "rb") as handle:
        return json.load(handle)


def read_mapped_isolated(path: Path, surveyed: dict, chosen: list, target: Path, *, words: dict | None = None,
                         report=None, stats: dict | None = None):
    """Read the sheets `chosen` ([sheet name, {column index: field}, village as JSON or None]) of a surveyed
    workbook by their confirmed mappings (survey.read_sheets) in a reader process: the Sheet, kept at
    `target`."""
    from .reading import Sheet

    _run(path, {"mode": "read", "survey": surveyed, "chosen": chosen, "words": words or {}}, target, report, stats)
    with gzip.open(target, "rb") as handle:
        return Sheet.load(handle)


def markup_isolated(path: Path, target: Path, *, fmt: str, mapping: dict, problems: list, kind: str,
                    error_count: int, original_name: str, stats: dict | None = None) -> bytes:
    """The file with its errors marked (ledgers/markup.py), made in a reader process: openpyxl opens the whole
    workbook to write it back, and that is as large as the file makes it."""
    _run(path, {"mode": "markup", "fmt": fmt, "mapping": mapping, "problems": problems, "kind": kind,
                "error_count": error_count, "original_name": original_name}, target, None, stats)
    return Path(target).read_bytes()


def _run(path: Path, task: dict, target: Path, report, stats: dict | None) -> None:
    memory_mb = settings.LEDGER_READ_MEMORY_MB
    request = {
        **task, "path": str(path), "target": str(target), "memory_mb": memory_mb,
        "settings_module": os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings"),
        "settings": {name: getattr(settings, name) for name in dir(settings)
                     if name.startswith("LEDGER_") and isinstance(getattr(settings, name), int | float | str)},
    }
    started = time.monotonic()
    deadline = started + settings.LEDGER_READ_SECONDS
    process = subprocess.Popen(command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               cwd=settings.BASE_DIR)
    outcome, errors, timed_out = None, b"", False
    try:
        try:
            process.stdin.write(json.dumps(request, ensure_ascii=False, default=str).encode() + b"\n")
            process.stdin.close()
        except BrokenPipeError:
            pass    # it died at once: its exit code says how
        outcome, errors, timed_out = _follow(process, deadline, report)
    finally:
        if process.poll() is None:
            process.kill()
        code = process.wait()
        process.stdout.close()
        process.stderr.close()
    failure = _failure(path, outcome, code, errors, timed_out, memory_mb)
    if stats is not None:
        stats.update(exit=code, seconds=time.monotonic() - started, peak_mb=(outcome or {}).get("peak_mb"),
                     check=failure.check if failure else "")
    if failure:
        raise failure


def _failure(path, outcome: dict | None, code: int, errors: bytes, timed_out: bool, memory_mb: int):
    """The BadFile the reader's end amounts to, or None when it read the file."""
    from .reading import BadFile

    if timed_out:
        log.warning("ledger reader for %s stopped after %s s", path, settings.LEDGER_READ_SECONDS)
        return BadFile(TOO_SLOW.format(seconds=settings.LEDGER_READ_SECONDS), check="time")
    if outcome and "error" in outcome:
        return BadFile(outcome["error"], check=outcome.get("check", ""))
    if outcome and outcome.get("ok") and code == 0:
        return None
    # Out of memory (its MemoryError, or the kernel's kill), or any other death: nothing it read is kept.
    log.warning("ledger reader for %s ended with code %s: %s", path, code, errors[-2000:].decode(errors="replace"))
    return BadFile(TOO_LARGE.format(mb=memory_mb), check="memory")


def _follow(process, deadline: float, report) -> tuple[dict | None, bytes, bool]:
    """Read the reader's messages until it closes its output or the deadline passes: (its last outcome,
    the tail of its errors, whether time ran out)."""
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    selector.register(process.stderr, selectors.EVENT_READ)
    outcome, errors, pending = None, b"", b""
    try:
        while selector.get_map():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return outcome, errors, True
            for key, _ in selector.select(timeout=remaining):
                data = os.read(key.fd, 65536)
                if not data:
                    selector.unregister(key.fileobj)
                elif key.fileobj is process.stderr:
                    errors = (errors + data)[-8000:]
                else:
                    *lines, pending = (pending + data).split(b"\n")
                    for line in lines:
                        try:
                            message = json.loads(line)
                        except ValueError:
                            continue    # not one of its messages (a library printing, say)
                        if "progress" in message:
                            if report:
                                report(*message["progress"])
                        else:
                            outcome = message
    finally:
        selector.close()
    return outcome, errors, False


# --- The reader process --------------------------------------------------------------------------


def _status(field: str) -> int:
    """A figure (kB) of this process from /proc: its peak resident (VmHWM) or virtual (VmPeak) size. Unlike
    ru_maxrss, they start afresh at exec rather than with the peak of the process that started this one."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main() -> int:
    request = json.loads(sys.stdin.readline())
    ceiling = request["memory_mb"] * 1024 * 1024
    # First, before openpyxl is even imported: everything this process ever holds counts.
    resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))
    out = sys.stdout.buffer

    def send(message: dict) -> None:
        out.write(json.dumps({**message, "peak_mb": _status("VmHWM") // 1024}, ensure_ascii=False).encode() + b"\n")
        out.flush()

    try:
        report = lambda done, total, message: send({"progress": [done, total, message]})  # noqa: E731
        mode = request.get("mode", "sheet")
        if mode == "sheet":
            from django.conf import settings as lazy_settings

            lazy_settings.configure(**request["settings"])
        else:
            # The survey suggests from the mapping's words (ledgers.mapping, which imports the models): Django
            # is set up, but nothing here queries the database (the places and the county's saved mapping come
            # in the request).
            os.environ["DJANGO_SETTINGS_MODULE"] = request["settings_module"]
            import django

            django.setup()
            from django.conf import settings as live_settings

            for name, value in request["settings"].items():
                setattr(live_settings, name, value)
        from .reading import BadFile

        try:
            if mode == "sheet":
                from .reading import read_sheet

                columns = [Column(name, tuple(aliases), required) for name, aliases, required in request["columns"]]
                sheet = read_sheet(Path(request["path"]), columns, report=report)
                with gzip.open(request["target"], "wb", compresslevel=3) as handle:
                    sheet.dump(handle)
                rows = len(sheet.rows)
            elif mode == "survey":
                from .survey import place_object, survey

                read_to = request.get("read_to")
                found = survey(Path(request["path"]), request["kind"], fmt=request["fmt"],
                               original_name=request["original_name"], saved=request["saved"],
                               villages=[place_object(v) for v in request["villages"]], report=report,
                               keep_rows=bool(read_to))
                surveyed = found.as_json()
                if read_to:
                    taken = _read_if_sure(found, surveyed, request, report)
                    if taken is not None:
                        mapping, sheet = taken
                        with gzip.open(read_to, "wb", compresslevel=3) as handle:
                            sheet.dump(handle)
                        surveyed["mapping"] = mapping
                with gzip.open(request["target"], "wt", compresslevel=3, encoding="utf-8") as handle:
                    json.dump(surveyed, handle, ensure_ascii=False)
                rows = found.rows
            elif mode == "markup":
                from .markup import MarkupError, mark

                try:
                    content = mark(Path(request["path"]), fmt=request["fmt"], mapping=request["mapping"],
                                   problems=request["problems"], kind=request["kind"],
                                   error_count=request["error_count"], original_name=request["original_name"])
                except MarkupError as error:
                    raise BadFile(str(error)) from None
                Path(request["target"]).write_bytes(content)
                rows = len(request["problems"])
            else:
                from .survey import Survey, place_object, read_sheets

                found = Survey.from_json(request["survey"], Path(request["path"]))
                chosen = [(name, {int(i): f for i, f in mapping.items()}, place_object(village))
                          for name, mapping, village in request["chosen"]]
                sheet = read_sheets(found, chosen, words=request.get("words"), report=report)
                with gzip.open(request["target"], "wb", compresslevel=3) as handle:
                    sheet.dump(handle)
                rows = len(sheet.rows)
        except BadFile as error:
            # Out of memory inside a C parser (expat, zlib) comes out as a broken file: near the ceiling,
            # memory is the reason.
            if _status("VmPeak") * 1024 >= ceiling * 0.9:
                raise MemoryError from error
            send({"error": str(error), "check": error.check})
            return 0
        except ValidationError as error:
            send({"error": "；".join(error.messages), "check": "mapping"})
            return 0
        send({"ok": True, "rows": rows})
        return 0
    except MemoryError:
        # What the read held went with the frames that held it: there is room again to say so.
        try:
            send({"memory": True})
        except MemoryError:
            pass
        return 3


def _read_if_sure(found, surveyed: dict, request: dict, report):
    """(the mapping, the Sheet read by it) when the survey's suggestions need nobody to confirm them; else None."""
    from types import SimpleNamespace

    from . import confirm
    from .survey import place_object, read_sheets

    kind, known = request["kind"], request.get("known") or {}
    mapping = confirm.proposed(surveyed, SimpleNamespace(village_id=request.get("own_village")))
    if confirm.doubts(surveyed, mapping, kind, known):
        return None
    villages = {v["id"]: place_object(v) for v in request["villages"]}
    chosen = [(name, {int(i): f for i, f in columns.items()}, place_object(village))
              for name, columns, village in confirm.reader_request(surveyed, mapping, villages)]
    return mapping, read_sheets(found, chosen, words=confirm.words(mapping, known), report=report)


if __name__ == "__main__":
    sys.exit(main())

"""对账函 and 清缴通知书 as printed documents (DOMAIN.md §10): one letter, or a batch of thousands.

A letter is a plain dict read from the database (`letter_context`); the
template `debts/pdf/letters.html`, which extends the shared layout of
`core.pdf`, turns a list of them into one PDF, each letter from a new page.

A batch (`render_batch`) is made fast and lean thus:

* The face is Noto Serif CJK SC cut down (`core.pdf.fonts`) to the characters
  the batch prints: some 100 KB instead of a 26 MB collection that WeasyPrint
  would load and cut again for every document. It is kept under
  PRIVATE_ROOT/fonts, named by a hash of the characters.
* The letters are rendered in chunks of at most CHUNK_SIZE by worker
  processes (`core.pdf.pool`, each a `manage.py render_letter_chunk`). The
  workers never touch the database: this process writes each chunk's dicts
  to a temporary folder.
* A worker keeps one font configuration for all its chunks and pauses the
  cycle collector while a chunk renders.
* This process joins the chunk PDFs, in order, into the whole batch and one
  file per village (`core.pdf.join`); the font program, the same bytes in
  every chunk, is written once. Only the whole batch is held in memory; a
  village's file is read when it is asked for.

Chunks are small (a worker's memory grows with its chunk, over a megabyte a
letter) and shrink towards the end so that the workers finish together.
"""
import functools
import gc
import json
import logging
import os
import shutil
import sys
import tempfile
import time
import weakref
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path

import segno
from django.conf import settings
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint.text.fonts import FontConfiguration

from core.idnumbers import mask_id_number
from core.money import ZERO, capital_yuan, format_yuan
from core.pdf import document_date, render_document
from core.pdf.fonts import face_subset
from core.pdf.pool import WorkerPool, serve
from core.pdf.qpdf_join import PdfJoin, open_part
from debts.limitation import ClockState, stored_clock
from debts.models import ClaimOrigin, Letter, LetterItem, LetterKind

log = logging.getLogger(__name__)

TEMPLATE = "debts/pdf/letters.html"
PARTIALS = ("_addressee.html", "_items.html", "_closing.html", "_reconciliation.html", "_payment_notice.html",
            "_receipt.html")
CHUNK_SIZE = 60           # letters per chunk at most: a worker's memory grows with its chunk
MIN_CHUNK = 15
# Worker processes: one a core, at most four (each takes some 200 MB); settings.LETTER_WORKERS overrides.
WORKERS = min(os.cpu_count() or 1, 4)
FONT_FAMILY = "LetterSerif"
FALLBACK_FAMILIES = '"Noto Serif CJK SC", "Noto Serif CJK", "Noto Serif SC", "FangSong", serif'
PENALTY_NOTE = "按合同约定另行计算，本通知未计入"
QR_MASK = 4
SIGNING_ORG_SUFFIX = "股份经济合作社"  # what Village.signing_org adds to a village's name

ReportFn = Callable[[int, int, str], None]


# --- The letters as data ----------------------------------------------------------------------


def letter_context(letters, *, with_qr: bool = True) -> list[dict]:
    """The template's dicts for `letters` (a Letter queryset, Letters or ids), in the given order.

    Two queries whatever the number of letters: the letters with their
    village, township, debtor and group; then their items with claims and
    contracts. `with_qr=False` leaves the QR code to the renderer (`_with_qr`),
    so that a batch spreads that work over its worker processes.
    """
    if hasattr(letters, "model"):
        queryset, ids = letters, None
    else:
        ids = [getattr(letter, "pk", letter) for letter in letters]
        queryset = Letter.objects.filter(pk__in=ids)
    items = LetterItem.objects.select_related("claim__contract").order_by("id")
    found = queryset.select_related("village__township", "debtor__group").prefetch_related(
        Prefetch("items", queryset=items))
    if ids is not None:
        by_id = {letter.pk: letter for letter in found}
        found = [by_id[pk] for pk in ids]
    contexts = [_one_context(letter) for letter in found]
    if with_qr:
        for context in contexts:
            _with_qr(context)
    return contexts


def _one_context(letter: Letter) -> dict:
    village, debtor = letter.village, letter.debtor
    org = village.signing_org
    items, contracts, run_out, penalty = [], {}, [], ZERO
    for number, item in enumerate(letter.items.all(), start=1):
        claim = item.claim
        if stored_clock(claim).state(letter.as_of) in (ClockState.LAPSED, ClockState.BEYOND):
            run_out.append(str(number))
        contract = claim.contract
        if claim.is_penalty:
            penalty += item.amount
        if contract is not None:
            contracts.setdefault(contract.pk, {"number": contract.number, "title": contract.title,
                                               "signed_on": _date(contract.signed_on)})
        items.append({
            "origin": claim.get_origin_display(),
            "note": claim.origin_note,
            "occurred": _date(claim.occurred_on or claim.due_date),
            "due": _date(claim.due_date),
            "amount": format_yuan(item.amount),
            "contract": f"《{contract.title}》（{contract.number}）" if contract is not None else "",
            "is_penalty": claim.is_penalty,
        })
    total = letter.total
    return {
        "id": letter.pk,
        "village_id": village.pk,
        "number": letter.number,
        "kind": letter.kind,
        "is_notice": letter.kind == LetterKind.PAYMENT_NOTICE,
        "org": org,
        "township": village.township.name,
        "village": village.name,
        "debtor": debtor.name,
        "id_masked": mask_id_number(debtor.id_number),
        "group": debtor.group.name if debtor.group_id else "",
        "address": debtor.address,
        "items": items,
        "contracts": list(contracts.values()),
        "total": format_yuan(total),
        "total_capital": capital_yuan(total),
        # Items whose limitation had run out on the letter's date: the letter asks the debtor to confirm them.
        "lapsed_items": "、".join(run_out),
        # Principal and penalty (违约金、滞纳金, claims of their own) apart (DOMAIN.md §10); with no penalty
        # recorded, the notice says how it is reckoned.
        "principal": format_yuan(total - penalty),
        "penalty": format_yuan(penalty),
        "has_penalty": penalty != 0,
        "penalty_note": PENALTY_NOTE,
        "as_of": document_date(letter.as_of),
        "reply_by": document_date(letter.reply_by),
        "issued_on": document_date(letter.created_at or timezone.now()),
        "pay_at": f"{org}财务室（{village.full_name}）",
        "contact": contact_line(village),
    }


def contact_line(village) -> str:
    """Whom the debtor asks: the village's contact person and phone, as its page records them."""
    parts = [f"联系人：{village.contact_person}" if village.contact_person else "",
             f"联系电话：{village.contact_phone}" if village.contact_phone else ""]
    return "，".join(p for p in parts if p)


def _date(value) -> str:
    return document_date(value) if value else ""


def qr_code(number: str) -> segno.QRCode:
    """The QR code printed on a letter's receipt: the letter number, UTF-8, medium error correction.

    The mask is fixed: choosing the best of the eight by their penalty scores
    costs four times the rest of the code (1.3 ms a letter, a fifteenth of a
    batch's time), and any mask gives a valid code, which scanners read from
    its format information.
    """
    return segno.make(number, error="m", micro=False, mask=QR_MASK)


def _with_qr(context: dict) -> dict:
    if "qr" not in context:
        # One pixel a module, drawn without smoothing: far cheaper to lay out and
        # draw than the same code as SVG paths, and as sharp when printed.
        context["qr"] = qr_code(context["number"]).png_data_uri(scale=1, border=2)
    return context


# --- The face: the CJK serif cut to the characters the letters print ---------------------------

# What dates, amounts and numbers print whatever the letters hold.
_FIXED_CHARS = ("".join(chr(c) for c in range(0x20, 0x7F)) + "　，。、：；（）《》“”？！…—·□＿"
                + "零壹贰叁肆伍陆柒捌玖拾佰仟万亿元角分整负人民币年月日")


def template_chars() -> set[str]:
    """Every character the letter templates can print by themselves."""
    folder = Path(settings.BASE_DIR) / "templates" / "debts" / "pdf"
    chars = set(_FIXED_CHARS)
    for name in ("letters.html", *PARTIALS):
        chars.update((folder / name).read_text(encoding="utf-8"))
    return {c for c in chars if c.isprintable()}


def context_chars(contexts: Iterable[dict]) -> set[str]:
    """The characters of the text in some letter contexts."""
    chars = set()
    for context in contexts:
        for key, value in context.items():
            if isinstance(value, str) and key != "qr":
                chars.update(value)
            elif isinstance(value, list):
                for row in value:
                    chars.update(*(text for text in row.values() if isinstance(text, str)))
    return chars


def batch_chars(letter_ids: list[int]) -> set[str]:
    """The characters the contexts of these letters will hold, read straight from the database.

    Known before any letter is laid out, so the face is ready as soon as the
    workers are; it must cover every text `_one_context` prints.
    """
    chars = set("".join(label for _, label in ClaimOrigin.choices) + "".join(LetterKind.values)
                + SIGNING_ORG_SUFFIX + "人民政府财务室联系人电话：，" + PENALTY_NOTE)
    letter_fields = ("number", "debtor__name", "debtor__address", "debtor__group__name", "village__name",
                     "village__collective_org", "village__township__name", "village__contact_person",
                     "village__contact_phone")
    item_fields = ("claim__origin_note", "claim__contract__number", "claim__contract__title")
    for start in range(0, len(letter_ids), 2000):
        ids = letter_ids[start:start + 2000]
        for row in Letter.objects.filter(pk__in=ids).values_list(*letter_fields):
            chars.update("".join(text for text in row if text))
        for row in LetterItem.objects.filter(letter_id__in=ids).values_list(*item_fields):
            chars.update("".join(text for text in row if text))
    return chars


def letter_font(chars: set[str]) -> str | None:
    """The path of a subset of Noto Serif CJK SC holding `chars` and the template's own, or None
    when the system has no Noto Serif CJK (the letters then use whatever serif CJK face
    fontconfig finds: slower, same text)."""
    return face_subset(template_chars() | chars, Path(settings.PRIVATE_ROOT) / "fonts", prefix="letters")


# --- Rendering letters to PDF (no database) ---------------------------------------------------


def render_chunk(contexts: list[dict], font: str | None, target, font_config=None, *,
                 whole_font: bool = True) -> list[int]:
    """Render letters into one PDF at `target` (a path or a binary file); return each letter's page count.

    `font` is the subset face from `letter_font`; `font_config` may be kept
    between chunks. With `whole_font` the face is embedded as it is rather
    than cut down again to the glyphs used: it is then the same bytes in
    every chunk of a batch, and the join writes it once.

    Python's cycle collector is paused while the chunk renders: a document is
    hundreds of thousands of objects, and collecting over and over while they
    pile up costs a quarter of the time; they are collected once at the end.
    """
    family = f'"{FONT_FAMILY}", {FALLBACK_FAMILIES}'
    html = render_to_string(TEMPLATE, {
        "letters": [_with_qr(context) for context in contexts],
        "title": contexts[0]["kind"] if contexts else "",
        "font_face_css": f'@font-face {{ font-family: "{FONT_FAMILY}"; src: url("{Path(font).as_uri()}"); }}'
        if font else "",
        "font_family": family if font else "",
    })
    collecting = gc.isenabled()
    gc.disable()
    try:
        document = render_document(html, allowed_files=[font] if font else (),
                                   font_config=font_config or FontConfiguration())
        starts = [number for number, page in enumerate(document.pages)
                  if any(anchor.startswith("letter-") for anchor in page.anchors)]
        document.write_pdf(target, full_fonts=whole_font and font is not None)
        pages = [end - start for start, end in zip(starts, [*starts[1:], len(document.pages)], strict=True)]
        del document
    finally:
        if collecting:
            gc.enable()
        gc.collect()
    return pages


def render_letters(letter_ids: list[int]) -> tuple[bytes, int]:
    """One PDF holding these letters in this order, each from a new page; and its page count.

    For a letter or a few, opened from a claim's page: the face is cut to the
    common characters (GB 2312 level 1) plus the letters' own, so that almost
    every letter finds it made already; WeasyPrint then embeds only the
    glyphs used.
    """
    contexts = letter_context(letter_ids)
    font = letter_font(context_chars(contexts) | _common_chars())
    with tempfile.TemporaryFile() as target:
        pages = render_chunk(contexts, font, target, whole_font=False)
        target.seek(0)
        return target.read(), sum(pages)


@functools.cache
def _common_chars() -> frozenset[str]:
    """The 3,755 characters of GB 2312 level 1, which cover nearly every name and place."""
    return frozenset(bytes((row, cell)).decode("gb2312") for row in range(0xB0, 0xD8) for cell in range(0xA1, 0xFF)
                     if not (row == 0xD7 and cell > 0xF9))


# --- A batch: chunks rendered by worker processes, joined in order ------------------------------


@dataclass
class BatchOutput:
    whole: bytes                            # every letter, in the order given
    by_village: Sequence[tuple[str, bytes]]  # (village, its letters), villages in order of their first letter
    pages: int
    letters: int
    stats: dict = field(default_factory=dict)   # how the batch was made, for the benchmark and the log


class VillageFiles(Sequence):
    """The per-village PDFs of a batch, read from disk one at a time as they are asked for.

    A county's batch makes a hundred megabytes of village files; holding
    them all at once would make memory grow with the batch. The files live
    in a temporary folder that goes when this object does.
    """

    def __init__(self, folder: Path, files: list[tuple[str, Path]]):
        self._files = files
        weakref.finalize(self, shutil.rmtree, folder, ignore_errors=True)

    def __len__(self) -> int:
        return len(self._files)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        name, path = self._files[index]
        return name, path.read_bytes()


def render_batch(letter_ids: list[int], *, report: ReportFn | None = None, workers: int | None = None,
                 chunk_size: int = CHUNK_SIZE) -> BatchOutput:
    """Render a batch of letters: one PDF of all, one per village, the page count.

    The face is cut to the batch's characters first (read straight from the
    database), while `workers` processes start (default settings.LETTER_WORKERS,
    else WORKERS; 1 renders here, in this process). Each chunk's letters are
    read and written to a temporary folder as a worker needs them, and this
    process joins the finished chunks, in order, into the whole and the village
    files. `report(done, total, message)` is called as chunks are joined.
    """
    letter_ids = list(letter_ids)
    total = len(letter_ids)
    workers = workers or settings.LETTER_WORKERS or WORKERS
    chunks = _chunks(letter_ids, chunk_size, workers)
    workers = max(1, min(workers, len(chunks)))
    stats = {"chunks": len(chunks)}
    folder = Path(tempfile.mkdtemp(prefix="letters-"))
    pool = None
    try:
        # Started first: the workers load Django and WeasyPrint while the face is made.
        pool = _start_pool(workers) if workers > 1 else None
        stats["workers"] = len(pool.processes) if pool else 0
        started = time.perf_counter()
        chars = batch_chars(letter_ids) | template_chars()
        font = letter_font(chars)
        stats["font_seconds"] = time.perf_counter() - started

        letters_of: dict[int, list[tuple[int, str, str]]] = {}

        def jobs():
            """Each chunk's letters, read from the database and written out as the workers need them."""
            for index, ids in enumerate(chunks):
                contexts = letter_context(ids, with_qr=False)
                if missing := context_chars(contexts) - chars:
                    log.warning("Letters print characters the face lacks, set in a system font: %s", missing)
                letters_of[index] = [(c["village_id"], c["village"], c["township"]) for c in contexts]
                source = folder / f"{index}.json"
                source.write_text(json.dumps(contexts, ensure_ascii=False), encoding="utf-8")
                yield index, source, folder / f"{index}.pdf"

        joined = _Joined(folder)
        if pool is None:
            render = ChunkRenderer(freeze=False)
            for index, source, target in jobs():
                pages = render({"input": str(source), "output": str(target), "font": font})
                joined.add(index, pages, letters_of.pop(index), report, total)
        else:
            for index, pages in pool.run(jobs(), font):
                joined.add(index, pages, letters_of.pop(index), report, total)
            stats["worker_peak_mb"] = pool.peaks
            stats["worker_cpu_seconds"] = pool.cpu_seconds
        whole, villages = joined.finish()
        stats["join_cpu_seconds"] = joined.seconds
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    finally:
        if pool is not None:
            pool.close()
    return BatchOutput(whole=whole, by_village=VillageFiles(folder, villages), pages=joined.whole.pages,
                       letters=total, stats=stats)


def _start_pool(workers: int) -> WorkerPool | None:
    try:
        return _WorkerPool(workers)
    except OSError:  # no interpreter to start, say: slower, but the letters still come out
        log.exception("Letter workers could not start; the batch is rendered in this process.")
        return None


def _chunks(letter_ids: list[int], size: int, workers: int) -> list[list[int]]:
    """Chunks of at most `size` letters that shrink towards the end of the batch, so that the
    workers finish at nearly the same time."""
    chunks, start = [], 0
    while start < len(letter_ids):
        remaining = len(letter_ids) - start
        step = min(size, max(MIN_CHUNK, remaining // (2 * max(workers, 1))))
        chunks.append(letter_ids[start:start + step])
        start += step
    return chunks


class _Joined:
    """The whole batch and one file per village, joined from chunk PDFs as they are finished."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.whole = PdfJoin(folder / "whole.pdf")
        self.villages: dict[int, tuple[str, str, PdfJoin]] = {}
        self.closed: set[int] = set()
        self.chunks = 0
        self.letters = 0
        self.seconds = 0.0

    def add(self, index: int, pages: list[int], villages: list[tuple[int, str, str]], report, total: int) -> None:
        path = self.folder / f"{index}.pdf"
        self.add_part(open_part(path), pages, villages)
        # The joins read the part until they are written; an open file outlives its name.
        path.unlink()
        (self.folder / f"{index}.json").unlink()
        self.chunks += 1
        if report:
            report(self.letters, total, f"已生成 {self.letters} / {total} 份")

    def add_part(self, part, pages: list[int], villages: list[tuple[int, str, str]]) -> None:
        """Copy a chunk's pages to the whole and to each village's file. Letters come in village order: a
        village not in this chunk's first letter is finished, and its file is written now."""
        started = time.process_time()
        self.whole.add(part)
        first = 0
        # Consecutive letters of one village are copied in one go.
        for village_id, run in groupby(zip(villages, pages, strict=True), key=lambda pair: pair[0][0]):
            run = list(run)
            count = sum(pages for _, pages in run)
            if village_id not in self.villages:
                self._close_villages()
                _, name, township = run[0][0]
                self.villages[village_id] = (name, township, PdfJoin(self.folder / f"village-{village_id}.pdf",
                                                                     title=f"{name}函件"))
            self.villages[village_id][2].add(part, range(first, first + count))
            first += count
        self.letters += len(pages)
        self.seconds += time.process_time() - started

    def _close_villages(self) -> None:
        for village_id, (_, _, join) in self.villages.items():
            if village_id not in self.closed:
                join.close()
                self.closed.add(village_id)

    def finish(self, *, read: bool = True) -> tuple[bytes | Path, list[tuple[str, Path]]]:
        """The whole batch's bytes (or its path, unless `read`), and the village files: (name, path)."""
        started = time.process_time()
        villages = [name for name, _, _ in self.villages.values()]
        self.whole.title = "、".join(villages[:3]) + ("等" if len(villages) > 3 else "") + "函件"
        self.whole.close()
        whole = self.whole.path
        if read:
            whole = whole.read_bytes()
            self.whole.path.unlink()
        self._close_villages()
        names = Counter(name for name, _, _ in self.villages.values())
        # Two villages of one name (in different townships) are told apart by their township.
        files = [(name if names[name] == 1 else f"{township}{name}", join.path)
                 for name, township, join in self.villages.values()]
        self.seconds += time.process_time() - started
        return whole, files


# --- Worker processes -----------------------------------------------------------------------------


class _WorkerPool(WorkerPool):
    """The letter workers: each a fresh `manage.py render_letter_chunk`, fed chunk jobs."""

    def __init__(self, count: int):
        command = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "render_letter_chunk"]
        super().__init__(command, count, cwd=settings.BASE_DIR)

    def run(self, jobs: Iterable[tuple[int, Path, Path]], font: str | None):
        """Yield (chunk index, pages per letter) in the order of `jobs` (index, contexts file, PDF file),
        which is read only as workers need work, so its files can be written just in time."""
        return super().run({"input": str(source), "output": str(target), "font": font} for _, source, target in jobs)


class ChunkRenderer:
    """Renders chunk jobs ({"input": contexts file, "output": PDF file, "font": face}) into PDF files.

    One font configuration serves every chunk of a face. What the first chunk
    leaves loaded (the face, styles, templates) is then frozen out of the
    cycle collector's way, so that the collection after each chunk only walks
    that chunk's objects.
    """

    def __init__(self, *, freeze: bool = True):
        # Freezing suits a worker process only: what is frozen is never collected.
        self.freeze = freeze
        self.font_config, self.font = None, object()

    def __call__(self, job: dict) -> list[int]:
        contexts = json.loads(Path(job["input"]).read_text(encoding="utf-8"))
        return self.render(contexts, job["font"], job["output"])

    def render(self, contexts: list[dict], font: str | None, output) -> list[int]:
        first = font != self.font
        if first:
            self.font_config, self.font = FontConfiguration(), font
        pages = render_chunk(contexts, self.font, output, self.font_config)
        if first and self.freeze:
            gc.freeze()
        return pages


def serve_chunks(requests, replies) -> None:
    """A worker's loop (`manage.py render_letter_chunk`): render each chunk job read from `requests`."""
    serve(requests, replies, ChunkRenderer())


# --- A batch in chunks that any worker may render: files in, files out ------------------------------


def plan_chunks(letters: Iterable[tuple[int, int]], size: int | None = None) -> list[list[int]]:
    """Letter ids ((id, village id) in printing order) cut into chunks of at most `size`, along villages:
    villages small enough share a chunk, a large one is cut into equal chunks of its own, so that a
    village's file is a few whole chunks (or a run of pages in one) and is finished as soon as its last
    chunk is joined."""
    size = size or CHUNK_SIZE
    chunks, current = [], []
    for _, run in groupby(letters, key=lambda pair: pair[1]):
        ids = [pk for pk, _ in run]
        if len(current) + len(ids) <= size:
            current.extend(ids)
            continue
        if current:
            chunks.append(current)
        current = []
        if len(ids) <= size:
            current = ids
            continue
        parts = -(-len(ids) // size)
        step, extra = divmod(len(ids), parts)
        start = 0
        for n in range(parts):
            end = start + step + (1 if n < extra else 0)
            chunks.append(ids[start:end])
            start = end
    if current:
        chunks.append(current)
    return chunks


def batch_face(letter_ids: list[int]) -> str | None:
    """The face for a whole batch, cut once before its chunks are rendered (wherever they are)."""
    return letter_font(batch_chars(letter_ids) | template_chars())


_renderers: dict[bool, "ChunkRenderer"] = {}


def render_chunk_file(letter_ids: list[int], font: str | None, target: Path, *, freeze: bool = False) -> dict:
    """Render one chunk of a batch to `target` (a PDF) and its manifest beside it (`.json`: pages per
    letter, and each letter's village); return the manifest.

    Idempotent: a chunk already rendered is not rendered again, and the files appear whole (written under
    another name, then renamed), so a chunk run twice, or whose worker died half way, leaves one output.
    `freeze` suits a worker process that renders chunk after chunk (see ChunkRenderer).
    """
    manifest_path = target.with_suffix(".json")
    if target.exists() and manifest_path.exists():
        return json.loads(manifest_path.read_text(encoding="utf-8"))
    contexts = letter_context(letter_ids, with_qr=False)
    renderer = _renderers.get(freeze) or _renderers.setdefault(freeze, ChunkRenderer(freeze=freeze))
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.part")
    pages = renderer.render(contexts, font, partial)
    manifest = {"pages": pages, "villages": [[c["village_id"], c["village"], c["township"]] for c in contexts]}
    os.replace(partial, target)
    partial.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    os.replace(partial, manifest_path)
    return manifest


def join_chunk_files(parts: list[tuple[Path, dict]], folder: Path) -> tuple[Path, int, list[tuple[str, Path]]]:
    """Join rendered chunks, in order, into the whole batch and one file per village, in `folder`:
    (the whole batch's path, its pages, [(village, its file)]). A village's file is written as soon as its
    last chunk is joined (chunks come in village order), so only the whole batch grows with the batch."""
    joined = _Joined(folder)
    for index, (path, manifest) in enumerate(parts):
        joined.add_part(open_part(path), manifest["pages"], [tuple(v) for v in manifest["villages"]])
        joined.chunks = index + 1
    whole, villages = joined.finish(read=False)
    return whole, joined.whole.pages, villages

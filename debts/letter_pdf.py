"""对账函 and 清缴通知书 as printed documents (DOMAIN.md §10): one letter, or a batch of thousands.

A letter is a plain dict built from the database (`letter_context`), and the
dicts are turned into PDF by the template `debts/pdf/letters.html`, which
extends the shared official layout of `core/pdf.py`.

A batch is made fast and lean in three ways:

* the CJK face is a subset of Noto Serif CJK SC holding only the characters
  the batch uses (a few hundred kilobytes instead of a collection of tens of
  megabytes), made once per character set with fontTools and kept on disk
  under PRIVATE_ROOT/fonts; WeasyPrint then loads and embeds it at once;
* the letters are rendered in chunks of a few hundred by worker processes,
  each keeping one font configuration for all its chunks; the workers are
  fresh interpreters (`manage.py render_letter_chunk`), not forks, so a
  batch runs the same way inside a Celery prefork worker (a daemonic process
  may not fork children), under gunicorn threads, or in a test;
* the chunk PDFs are written to a temporary folder and joined by streaming
  their objects into one file, so memory does not grow with the batch; the
  font program, identical in every chunk, is written once.

The parent process only reads the database and joins files; the workers
never touch the database.
"""
import hashlib
import logging
import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import segno
from django.conf import settings
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration

from core.idnumbers import mask_id_number
from core.money import capital_yuan, format_yuan
from core.pdf import _base_url, _StaticOnlyFetcher, document_date

from .models import Letter, LetterItem, LetterKind

log = logging.getLogger(__name__)

TEMPLATE = "debts/pdf/letters.html"
PARTIALS = ("_addressee.html", "_items.html", "_closing.html", "_reconciliation.html", "_payment_notice.html",
            "_receipt.html")
CHUNK_SIZE = 200          # letters per chunk: large enough to spread the fixed cost of a document
WORKERS = 2
FONT_FAMILY = "LetterSerif"
FALLBACK_FAMILIES = '"Noto Serif CJK SC", "Noto Serif CJK", "FangSong", serif'
PENALTY_NOTE = "按合同约定另行计算，本通知未计入"

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
    items, contracts = [], {}
    for item in letter.items.all():
        claim = item.claim
        contract = claim.contract
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
        })
    total = letter.total
    return {
        "id": letter.pk,
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
        # No penalty is recorded on claims or contracts: the notice says how it is reckoned.
        "principal": format_yuan(total),
        "principal_capital": capital_yuan(total),
        "penalty": format_yuan(0),
        "penalty_note": PENALTY_NOTE,
        "as_of": document_date(letter.as_of),
        "reply_by": document_date(letter.reply_by),
        "issued_on": document_date(letter.created_at or timezone.now()),
        "pay_at": f"{org}财务室（{village.township.name}{village.name}）",
    }


def _date(value) -> str:
    return document_date(value) if value else ""


def qr_code(number: str) -> segno.QRCode:
    """The QR code printed on a letter's receipt: the letter number, UTF-8, medium error correction."""
    return segno.make(number, error="m", micro=False)


def _with_qr(context: dict) -> dict:
    if "qr" not in context:
        # One pixel a module, drawn without smoothing: far cheaper to lay out and
        # draw than the same code as SVG paths, and as sharp when printed.
        context["qr"] = qr_code(context["number"]).png_data_uri(scale=1, border=2)
    return context


# --- The face: a subset of the CJK serif, cached on disk --------------------------------------

_FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts", "~/.fonts")
_FAMILIES = ("Noto Serif CJK SC", "Noto Serif SC")
# Characters that dates, amounts and the template print whatever the letters hold.
_FIXED_CHARS = ("".join(chr(c) for c in range(0x20, 0x7F)) + "　，。、：；（）《》“”‘’？！…—·×□"
                + "零壹贰叁肆伍陆柒捌玖拾佰仟万亿元角分整负人民币年月日第页共编号")


@dataclass(frozen=True)
class Fonts:
    """The subset faces for a batch: file paths for regular and bold."""
    regular: str
    bold: str

    def css(self) -> str:
        return "".join(
            f'@font-face {{ font-family: "{FONT_FAMILY}"; src: url("{Path(path).as_uri()}"); '
            f"font-weight: {weight}; font-style: normal; }}\n"
            for path, weight in ((self.regular, "normal"), (self.bold, "bold")))


def _system_face(bold: bool) -> tuple[str, int] | None:
    """(file, index in the collection) of the system's Noto Serif CJK SC, or None."""
    from fontTools.ttLib import TTCollection, TTFont

    wanted = "Bold" if bold else "Regular"
    for folder in _FONT_DIRS:
        root = Path(folder).expanduser()
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("NotoSerif*")):
            if not path.name.endswith((f"{wanted}.ttc", f"{wanted}.otf", f"{wanted}.ttf")):
                continue
            try:
                faces = (TTCollection(path, lazy=True).fonts if path.suffix == ".ttc"
                         else [TTFont(path, lazy=True)])
            except Exception:  # not a font fontTools can read: keep looking
                continue
            for index, face in enumerate(faces):
                if face["name"].getDebugName(1) in _FAMILIES:
                    return str(path), index
    return None


def template_chars() -> set[str]:
    """Every character the letter templates themselves print."""
    chars = set(_FIXED_CHARS)
    folder = Path(settings.BASE_DIR) / "templates" / "debts" / "pdf"
    for name in ("letters.html", *PARTIALS):
        chars.update((folder / name).read_text(encoding="utf-8"))
    return {c for c in chars if c.isprintable()}


def context_chars(contexts: Iterable[dict]) -> set[str]:
    """The characters of the variable text of some letter contexts."""
    chars = set()
    for context in contexts:
        for key, value in context.items():
            if key == "qr":
                continue
            if isinstance(value, str):
                chars.update(value)
            elif isinstance(value, list):
                for row in value:
                    for text in row.values():
                        chars.update(text)
    return chars


def batch_fonts(chars: set[str]) -> Fonts | None:
    """The subset faces for these characters (with the template's), made once and kept on disk.

    None when the system has no Noto Serif CJK: the letters then use whatever
    serif CJK face fontconfig finds, which is slower but prints the same text.
    """
    chars = sorted(template_chars() | chars)
    digest = hashlib.sha256("".join(chars).encode()).hexdigest()[:24]
    folder = Path(settings.PRIVATE_ROOT) / "fonts"
    paths = {}
    for weight, bold in (("regular", False), ("bold", True)):
        path = folder / f"letters-{weight}-{digest}.otf"
        if not path.exists():
            face = _system_face(bold)
            if face is None:
                log.warning("Noto Serif CJK SC is not installed; letters use the system fonts.")
                return None
            _subset(face, chars, path)
        paths[weight] = str(path)
    _prune(folder, keep=24)
    return Fonts(paths["regular"], paths["bold"])


def _subset(face: tuple[str, int], chars: list[str], target: Path) -> None:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    file, index = face
    font = TTFont(file, fontNumber=index, lazy=True)
    # No layout features: horizontal Chinese needs none, and leaving them out
    # halves the time and the size. No hinting: the letters are printed.
    options = subset.Options(layout_features=[], hinting=False, notdef_outline=True, name_IDs=[1, 2, 3, 4, 6])
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="".join(chars))
    subsetter.subset(font)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=target.parent, suffix=".part", delete=False) as part:
        font.save(part)
    # Renamed into place, so a concurrent batch never loads half a file.
    os.replace(part.name, target)


def _prune(folder: Path, keep: int) -> None:
    """Keep the most recently used subsets; each new character set makes a new pair."""
    faces = sorted(folder.glob("letters-*.otf"), key=lambda p: p.stat().st_mtime, reverse=True)
    for stale in faces[keep:]:
        stale.unlink(missing_ok=True)


# --- Rendering ---------------------------------------------------------------------------------


class _LetterFetcher(_StaticOnlyFetcher):
    """The shared document fetcher (static files and data: URLs), plus the batch's two font files."""

    def __init__(self, fonts: Fonts | None):
        super().__init__()
        self.allowed = {Path(p).as_uri(): p for p in (fonts.regular, fonts.bold)} if fonts else {}

    def fetch(self, url, headers=None):
        if url in self.allowed:
            return super(_StaticOnlyFetcher, self).fetch(url, headers)
        return super().fetch(url, headers)


def render_chunk(contexts: list[dict], fonts: Fonts | None, target, font_config=None) -> list[int]:
    """Render letters to one PDF at `target` (a path or file); return each letter's page count.

    A pure renderer: no database. `font_config` is kept between chunks by a worker.
    """
    html = render_to_string(TEMPLATE, {
        "letters": [_with_qr(context) for context in contexts],
        "title": contexts[0]["kind"] if contexts else "",
        "font_face_css": fonts.css() if fonts else "",
        "font_family": f'"{FONT_FAMILY}", {FALLBACK_FAMILIES}' if fonts else "",
    })
    document = HTML(string=html, base_url=_base_url(), url_fetcher=_LetterFetcher(fonts)).render(
        font_config=font_config or FontConfiguration())
    starts = [index for index, page in enumerate(document.pages)
              for anchor in page.anchors if anchor.startswith("letter-")]
    ends = [*starts[1:], len(document.pages)]
    # The face is already a subset: embedding it whole skips WeasyPrint's own
    # subsetting and makes it identical in every chunk, so the join writes it once.
    document.write_pdf(target, full_fonts=fonts is not None)
    return [end - start for start, end in zip(starts, ends, strict=True)]


def render_letters(letter_ids: list[int]) -> tuple[bytes, int]:
    """One PDF holding these letters in this order, each from a new page; and its page count."""
    contexts = letter_context(letter_ids)
    fonts = batch_fonts(context_chars(contexts))
    with tempfile.TemporaryFile() as target:
        pages = render_chunk(contexts, fonts, target)
        target.seek(0)
        return target.read(), sum(pages)

"""The face documents are set in: found, given to fontconfig, and cut down for batches.

Documents are set in Noto Serif CJK SC where the system has it (Debian's
fonts-noto-cjk), else in the project's own Noto Serif SC, copied from the npm
registry into static/vendor/fonts by `make install`: `use_project_faces`
hands that folder to fontconfig before WeasyPrint first asks for a face. A
machine with neither never prints a document of empty boxes: `require_face`
refuses to render (with the one line that says what to install), and the
system check `core.E001` stops `manage.py` commands, `make run` among them.

A system face cut down to the characters a batch of documents prints, made once and kept on disk.

A CJK collection is tens of megabytes; WeasyPrint would load it and cut it
again for every document it renders. A subset holding only the characters
needed is some hundred kilobytes, loads at once, and may be embedded whole
(then it is the same bytes in every document of a batch, and a join writes
it once). Subsets are kept under a folder, named by a hash of their
characters, and the least recently used are removed.
"""
import functools
import hashlib
import logging
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from xml.sax.saxutils import escape

log = logging.getLogger(__name__)

FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts", "~/.fonts")
SERIF_CJK = ("Noto Serif CJK SC", "Noto Serif SC")
KEEP = 20
PROJECT_DIR = Path(__file__).resolve().parents[2] / "static" / "vendor" / "fonts"
MISSING = ("没有打印文档用的中文字体（Noto Serif SC）：请运行 make install（从 npm 取得字体），"
           "或以 root 运行 apt-get install fonts-noto-cjk。")
_CONF_PREFIX = "sanzi-fonts-"


class MissingFace(RuntimeError):
    """No CJK serif face: a document would print as empty boxes."""


def project_dir() -> Path:
    """The folder of the project's own face (settings.PDF_FONT_DIR, by default static/vendor/fonts)."""
    from django.conf import settings

    return Path(getattr(settings, "PDF_FONT_DIR", PROJECT_DIR) if settings.configured else PROJECT_DIR)


def use_project_faces() -> None:
    """Point fontconfig at a small configuration that includes the one in force and adds the project's
    font folder. Must run before the process first lays out a document (core.pdf calls it on import);
    a child process inherits it."""
    current = os.environ.get("FONTCONFIG_FILE", "")
    folder = project_dir()
    if Path(current).name.startswith(_CONF_PREFIX) or not folder.is_dir():
        return
    text = ('<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n<fontconfig>\n'
            f'  <include ignore_missing="yes">{escape(current or "/etc/fonts/fonts.conf")}</include>\n'
            f'  <dir>{escape(str(folder.resolve()))}</dir>\n</fontconfig>\n')
    conf = Path(tempfile.gettempdir()) / f"{_CONF_PREFIX}{hashlib.sha256(text.encode()).hexdigest()[:16]}.conf"
    if not conf.exists():
        part = conf.with_name(f"{conf.name}.{os.getpid()}")
        part.write_text(text, encoding="utf-8")
        os.replace(part, conf)
    os.environ["FONTCONFIG_FILE"] = str(conf)


def face_folders() -> tuple[str, ...]:
    return (*FONT_DIRS, str(project_dir()))


@functools.cache
def _installed_face() -> tuple[str, int] | None:
    return system_face()


def require_face() -> tuple[str, int]:
    """The face documents are set in; MissingFace (its message says what to install) if there is none."""
    face = _installed_face()
    if face is None:
        _installed_face.cache_clear()  # installed later, found on the next try without a restart
        raise MissingFace(MISSING)
    return face


def system_face(families: Iterable[str] = SERIF_CJK, pattern: str = "NotoSerif*-Regular.*",
                folders: Iterable[str] | None = None) -> tuple[str, int] | None:
    """(file, index in the collection) of the first installed face of one of `families` (in the system's
    folders, then the project's), or None."""
    from fontTools.ttLib import TTCollection, TTFont

    families = tuple(families)
    for folder in face_folders() if folders is None else folders:
        root = Path(folder).expanduser()
        if not root.is_dir():
            continue
        for path in sorted(root.rglob(pattern)):
            if path.suffix.lower() not in (".ttc", ".otf", ".ttf"):
                continue
            try:
                faces = TTCollection(path, lazy=True).fonts if path.suffix.lower() == ".ttc" else [
                    TTFont(path, lazy=True)]
                for index, face in enumerate(faces):
                    if face["name"].getDebugName(1) in families:
                        return str(path), index
            except Exception:  # a file fontTools cannot read is not the face we want
                continue
    return None


def face_subset(chars: Iterable[str], folder: str | Path, *, prefix: str = "face",
                face: tuple[str, int] | None = None) -> str | None:
    """The path of a subset of `face` (default: Noto Serif CJK SC, or the project's Noto Serif SC) holding `chars`.

    Made on first use and kept in `folder`, named by a hash of the characters.
    None when there is no such face or it cannot be cut: the documents then
    use whatever face fontconfig finds (slower, same text).
    """
    chars = sorted(set(chars))
    digest = hashlib.sha256("".join(chars).encode()).hexdigest()[:24]
    folder = Path(folder)
    path = folder / f"{prefix}-{digest}.otf"
    if path.exists():
        path.touch()
        return str(path)
    face = face or system_face()
    if face is None:
        log.warning("Noto Serif CJK SC is not installed; documents are set in the system's fonts.")
        return None
    try:
        _subset(face, chars, path)
    except subprocess.CalledProcessError as error:
        log.error("Cutting a face failed; documents are set in the system's fonts:\n%s",
                  error.stderr.decode(errors="replace"))
        return None
    _prune(folder, f"{prefix}-*.otf", keep=KEEP)
    return str(path)


def _subset(face: tuple[str, int], chars: list[str], target: Path) -> None:
    """Cut the face down to `chars` with fontTools, in a process of its own: loading the full
    collection takes some fifty megabytes that this process would keep for good."""
    file, index = face
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as folder:
        text, part = Path(folder) / "chars.txt", Path(folder) / "face.otf"
        text.write_text("".join(chars), encoding="utf-8")
        subprocess.run([
            sys.executable, "-m", "fontTools.subset", file, f"--font-number={index}", f"--text-file={text}",
            f"--output-file={part}",
            # No layout features (horizontal Chinese needs none) and no hinting (the
            # documents are printed): half the time and half the size.
            "--layout-features=", "--no-hinting", "--desubroutinize", "--notdef-outline", "--name-IDs=0,1,2,3,4,5,6",
            "--drop-tables+=GSUB,GPOS,GDEF,BASE,VORG,vhea,vmtx,DSIG,meta",
        ], check=True, capture_output=True)
        # Renamed into place, so that a batch running at the same time never reads half a file.
        os.replace(part, target)


def _prune(folder: Path, pattern: str, keep: int) -> None:
    """Keep the most recently used subsets; every new character set makes one."""
    faces = sorted(folder.glob(pattern), key=lambda p: p.stat().st_mtime, reverse=True)
    for stale in faces[keep:]:
        stale.unlink(missing_ok=True)

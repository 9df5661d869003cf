"""Joining PDF files with qpdf (pikepdf): the same interface as `core.pdf.join`, so that a batch can use
either and bench/pdf_join.py can compare them on the same parts.

qpdf copies pages with what they use; the font program, the same bytes in every part of a batch, is copied
into each joined file once and every later part's font points at that copy. qpdf reads a part's streams
when the joined file is written, so the parts stay open until then.
"""
import hashlib
from collections.abc import Iterable
from pathlib import Path

import pikepdf

PRODUCER = "三资清化收"
FONT_FILES = ("/FontFile", "/FontFile2", "/FontFile3")
SHARED_AT = 16384  # bytes: a font program at least this long is written once per joined file


def open_part(path: str | Path) -> pikepdf.Pdf:
    """A PDF whose pages are to be joined."""
    return pikepdf.open(path)


def _descriptors(part: pikepdf.Pdf):
    """(font descriptor, key, stream) for each embedded font program of a part, each descriptor once."""
    seen = set()
    for page in part.pages:
        fonts = page.obj.get("/Resources", {}).get("/Font", {})
        for font in fonts.values():
            for each in [font, *font.get("/DescendantFonts", [])]:
                descriptor = each.get("/FontDescriptor")
                if descriptor is None or descriptor.objgen in seen:
                    continue
                seen.add(descriptor.objgen)
                for key in FONT_FILES:
                    stream = descriptor.get(key)
                    if stream is not None:
                        yield descriptor, key, stream


class PdfJoin:
    """Copies pages of several PDF files into one new file; written by `close`."""

    def __init__(self, path, *, title: str = ""):
        self.path = Path(path)
        self.pdf = pikepdf.new()
        self.parts = []
        self.shared: dict[bytes, pikepdf.Object] = {}
        self.keys: dict[int, dict] = {}
        self.title = title
        self.pages = 0

    def _fonts(self, part: pikepdf.Pdf) -> list:
        """The part's font programs worth sharing, with their hashes; worked out once per part."""
        found = self.keys.get(id(part))
        if found is None:
            found = []
            for descriptor, key, stream in _descriptors(part):
                raw = stream.read_raw_bytes()
                if len(raw) >= SHARED_AT:
                    found.append((descriptor, key, stream, hashlib.sha256(raw).digest()))
            self.keys = {id(part): found}
        return found

    def add(self, part: pikepdf.Pdf, page_indexes: Iterable[int] | None = None) -> None:
        """Append pages of a PDF (all, or those indexes in that order)."""
        fonts = self._fonts(part)
        known = [(descriptor, key, stream, digest) for descriptor, key, stream, digest in fonts
                 if digest in self.shared]
        # A font program this file holds already is not copied again: the part points at a stand-in while its
        # pages are copied, and the copy is then pointed at the program written before.
        for descriptor, key, _, _ in known:
            descriptor[key] = part.make_stream(b"")
        try:
            pages = part.pages if page_indexes is None else [part.pages[i] for i in page_indexes]
            self.pdf.pages.extend(pages)
            for descriptor, key, _, digest in known:
                self.pdf.copy_foreign(descriptor)[key] = self.shared[digest]
            for descriptor, key, _, digest in fonts:
                if digest not in self.shared:
                    self.shared[digest] = self.pdf.copy_foreign(descriptor)[key]
        finally:
            for descriptor, key, stream, _ in known:
                descriptor[key] = stream
        self.parts.append(part)
        self.pages += len(pages)

    def close(self) -> None:
        self.pdf.docinfo["/Title"] = self.title
        self.pdf.docinfo["/Producer"] = PRODUCER
        self.pdf.save(self.path, compress_streams=True, object_stream_mode=pikepdf.ObjectStreamMode.generate)
        self.pdf.close()
        self.parts.clear()

"""Joining PDF files in constant memory: pages of several documents copied, in order, into new ones.

A part is opened once (`open_part`) and its pages may go to several joins
(a batch's whole file and one file per village, say). Each page and what it
uses is written to the join's file as it is added, so a join holds only the
byte offset of each object, whatever its length.

Documents rendered one after another with the same face carry the same font
program; a join writes the first copy and points every later font at it, so
a face is written once however many parts carried it.

Measured against qpdf (pikepdf) on a county's batch (15,000 letters, 255
parts; bench/pdf_join.py): this took 36 s and 250 MB, qpdf 48 s and 680 MB,
since qpdf keeps every joined object in memory until the file is saved.
"""
import hashlib
from collections.abc import Iterable
from pathlib import Path

from pypdf import PdfReader
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NumberObject,
    StreamObject,
    TextStringObject,
)

PRODUCER = "三资清化收"


def open_part(path: str | Path) -> PdfReader:
    """A PDF whose pages are to be joined."""
    return PdfReader(path)


class PdfJoin:
    """Copies pages of several PDF files into one new file, as they come.

    Each page and what it uses is written out at once; only the byte offset of
    every object stays in memory. A big stream already written with the same
    bytes (the font program, identical in every chunk) is referred to, not
    written again.
    """

    FANOUT = 128  # pages under one node of the page tree

    def __init__(self, path, *, title: str = ""):
        # The file is opened for each addition, so that a batch of many villages
        # does not hold a file open for each.
        self.path = Path(path)
        self.path.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
        self.file = None
        self.offsets = [0]
        self.root_pages = self._number()
        self.nodes: list[tuple[int, list[int]]] = []
        self.shared: dict[bytes, int] = {}
        self.title = title
        self.pages = 0

    def _number(self) -> int:
        self.offsets.append(0)
        return len(self.offsets) - 1

    def add(self, reader: PdfReader, page_indexes: Iterable[int] | None = None) -> None:
        """Append pages of a PDF (all, or those indexes in that order)."""
        with open(self.path, "ab") as self.file:
            self._add(reader, range(len(reader.pages)) if page_indexes is None else page_indexes)

    def _add(self, reader: PdfReader, page_indexes: Iterable[int]) -> None:
        numbers: dict[int, int] = {}
        pending: list[tuple[int, object]] = []

        def reference(indirect: IndirectObject) -> IndirectObject:
            number = numbers.get(indirect.idnum)
            if number is None:
                target = indirect.get_object()
                key = self._share_key(target)
                number = self.shared.get(key) if key else None
                if number is None:
                    number = self._number()
                    pending.append((number, target))
                    if key:
                        self.shared[key] = number
                numbers[indirect.idnum] = number
            return IndirectObject(number, 0, None)

        def convert(value):
            if isinstance(value, IndirectObject):
                return reference(value)
            if isinstance(value, DictionaryObject):
                converted = DictionaryObject()
                for name, item in value.items():
                    converted[NameObject(name)] = convert(item)
                return converted
            if isinstance(value, ArrayObject):
                return ArrayObject(convert(item) for item in value)
            return value

        for index in page_indexes:
            page = reader.pages[index]
            if not self.nodes or len(self.nodes[-1][1]) == self.FANOUT:
                self.nodes.append((self._number(), []))
            node, kids = self.nodes[-1]
            number = self._number()
            if page.indirect_reference is not None:
                numbers[page.indirect_reference.idnum] = number
            converted = DictionaryObject()
            for name, item in page.items():
                if name not in ("/Parent", "/Annots", "/StructParents"):
                    converted[NameObject(name)] = convert(item)
            converted[NameObject("/Parent")] = IndirectObject(node, 0, None)
            self._write(number, converted)
            kids.append(number)
            self.pages += 1
            while pending:
                number, target = pending.pop()
                self._write(number, target, convert)

    @staticmethod
    def _share_key(target) -> bytes | None:
        if isinstance(target, StreamObject) and len(target._data) >= 16384:
            header = sorted((key, repr(value)) for key, value in target.items()
                            if not isinstance(value, IndirectObject))
            return hashlib.sha256(repr(header).encode() + target._data).digest()
        return None

    def _write(self, number: int, value, convert=None) -> None:
        self.offsets[number] = self.file.tell()
        self.file.write(f"{number} 0 obj\n".encode())
        if isinstance(value, StreamObject):
            # pypdf keeps a read stream's bytes as they were in the file (still
            # encoded); they are copied as they are.
            data = value._data
            header = convert(DictionaryObject({k: v for k, v in value.items() if k != "/Length"}))
            header[NameObject("/Length")] = NumberObject(len(data))
            header.write_to_stream(self.file)
            self.file.write(b"\nstream\n")
            self.file.write(data)
            self.file.write(b"\nendstream")
        else:
            (convert(value) if convert else value).write_to_stream(self.file)
        self.file.write(b"\nendobj\n")

    def close(self) -> None:
        with open(self.path, "ab") as self.file:
            self._close()

    def _close(self) -> None:
        def refs(numbers):
            return ArrayObject(IndirectObject(n, 0, None) for n in numbers)

        for node, kids in self.nodes:
            self._write(node, DictionaryObject({
                NameObject("/Type"): NameObject("/Pages"), NameObject("/Kids"): refs(kids),
                NameObject("/Count"): NumberObject(len(kids)),
                NameObject("/Parent"): IndirectObject(self.root_pages, 0, None)}))
        self._write(self.root_pages, DictionaryObject({
            NameObject("/Type"): NameObject("/Pages"), NameObject("/Kids"): refs(n for n, _ in self.nodes),
            NameObject("/Count"): NumberObject(self.pages)}))
        catalog, info = self._number(), self._number()
        self._write(catalog, DictionaryObject({NameObject("/Type"): NameObject("/Catalog"),
                                               NameObject("/Pages"): IndirectObject(self.root_pages, 0, None)}))
        self._write(info, DictionaryObject({NameObject("/Title"): TextStringObject(self.title),
                                            NameObject("/Producer"): TextStringObject(PRODUCER)}))
        start = self.file.tell()
        self.file.write(f"xref\n0 {len(self.offsets)}\n0000000000 65535 f \n".encode())
        self.file.write(b"".join(f"{offset:010d} 00000 n \n".encode() for offset in self.offsets[1:]))
        self.file.write(f"trailer\n<< /Size {len(self.offsets)} /Root {catalog} 0 R /Info {info} 0 R >>\n"
                        f"startxref\n{start}\n%%EOF\n".encode())

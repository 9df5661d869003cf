"""Joining PDF files (core.pdf.join): pages copied in order, a face carried by every part written once."""
import io
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from core.pdf import fonts, render_document
from core.pdf.join import PdfJoin, open_part


def pages_of(words: list[str], font: str | None = None) -> str:
    face = (f'@font-face {{ font-family: "Cut"; src: url("{Path(font).as_uri()}"); }} body {{ font-family: "Cut"; }}'
            if font else "")
    body = "".join(f'<p style="break-before: page">{word}</p>' for word in words)
    return f"<style>{face}</style>{body}"


def part(tmp_path: Path, name: str, words: list[str], font: str | None = None) -> Path:
    path = tmp_path / f"{name}.pdf"
    document = render_document(pages_of(words, font), allowed_files=[font] if font else ())
    document.write_pdf(path, full_fonts=font is not None)
    return path


def texts(path: Path) -> list[str]:
    return [re.sub(r"\s+", "", page.extract_text()) for page in PdfReader(path).pages]


def test_a_join_holds_every_page_of_its_parts_in_order(tmp_path):
    first = open_part(part(tmp_path, "first", ["one", "two", "three"]))
    second = open_part(part(tmp_path, "second", ["four", "five"]))
    join = PdfJoin(tmp_path / "joined.pdf", title="Joined")

    join.add(first)
    join.add(second)
    join.close()

    assert join.pages == 5
    assert texts(join.path) == ["one", "two", "three", "four", "five"]
    assert PdfReader(join.path).metadata.title == "Joined"


def test_chosen_pages_of_one_part_go_to_several_joins(tmp_path):
    source = open_part(part(tmp_path, "source", ["a", "b", "c", "d"]))
    odd, even = PdfJoin(tmp_path / "odd.pdf"), PdfJoin(tmp_path / "even.pdf")

    odd.add(source, [0, 2])
    even.add(source, [3, 1])
    odd.close()
    even.close()

    assert texts(odd.path) == ["a", "c"]
    assert texts(even.path) == ["d", "b"]


def test_a_part_may_go_before_its_file_is_removed(tmp_path):
    path = part(tmp_path, "gone", ["still", "here"])
    join = PdfJoin(tmp_path / "joined.pdf")

    join.add(open_part(path))
    path.unlink()
    join.close()

    assert texts(join.path) == ["still", "here"]


def test_a_face_embedded_whole_in_every_part_is_written_once(tmp_path):
    face = fonts.system_face()
    if face is None:
        pytest.skip("Noto Serif CJK SC is not installed")
    # A face of a batch's size: a few hundred characters besides those printed here.
    chars = "峪口村土屋0123456789" + "".join(chr(code) for code in range(0x4E00, 0x4F00))
    font = fonts.face_subset(chars, tmp_path / "fonts", prefix="test", face=face)
    parts = [open_part(part(tmp_path, f"p{n}", [f"峪口村{n}", f"土屋村{n}"], font)) for n in range(3)]
    join = PdfJoin(tmp_path / "joined.pdf")

    for each in parts:
        join.add(each)
    join.close()

    programs = set()
    for page in PdfReader(join.path).pages:
        for item in page["/Resources"]["/Font"].values():
            descriptor = item.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            programs |= {descriptor.raw_get(key).idnum for key in ("/FontFile", "/FontFile2", "/FontFile3")
                         if key in descriptor}
    assert texts(join.path) == [f"{village}村{n}" for n in range(3) for village in ("峪口", "土屋")]
    assert len(programs) == 1


def test_an_empty_join_is_a_valid_pdf_without_pages(tmp_path):
    join = PdfJoin(tmp_path / "empty.pdf")
    join.close()

    assert len(PdfReader(io.BytesIO(join.path.read_bytes())).pages) == 0

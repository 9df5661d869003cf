"""Cutting a face down to the characters a document prints (core.pdf.fonts)."""
import io
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from core.pdf import fonts, render_document

TEXT = "峪口村股份经济合作社对账函：人民币壹万贰仟叁佰肆拾伍元整"


@pytest.fixture(scope="module")
def face():
    found = fonts.system_face()
    if found is None:
        pytest.skip("Noto Serif CJK SC is not installed")
    return found


def test_a_cut_face_holds_the_characters_asked_for_and_little_else(face, tmp_path):
    from fontTools.ttLib import TTFont

    path = fonts.face_subset(TEXT, tmp_path, prefix="test", face=face)

    cmap = {chr(code) for code in TTFont(path).getBestCmap()}
    assert set(TEXT) <= cmap
    assert "鑫" not in cmap
    assert Path(path).stat().st_size < 200_000


def test_a_cut_face_still_renders_the_characters_used(face, tmp_path):
    path = fonts.face_subset(TEXT, tmp_path, prefix="test", face=face)
    html = (f'<style>@font-face {{ font-family: "Cut"; src: url("{Path(path).as_uri()}"); }}'
            f' body {{ font-family: "Cut"; }}</style><p>{TEXT}</p>')

    pdf = render_document(html, allowed_files=[path]).write_pdf()

    page = PdfReader(io.BytesIO(pdf)).pages[0]
    assert re.sub(r"\s+", "", page.extract_text()) == TEXT
    names = [font.get_object()["/BaseFont"] for font in page["/Resources"]["/Font"].values()]
    # The face used is the cut one, not a system face found for a missing character.
    assert names and all(name.endswith("+Cut") for name in names)


def test_a_character_set_is_cut_once_whatever_its_order(face, tmp_path, monkeypatch):
    first = fonts.face_subset("峪口", tmp_path, prefix="test", face=face)
    monkeypatch.setattr(fonts, "_subset", lambda *args: pytest.fail("cut again"))

    assert fonts.face_subset("口峪口", tmp_path, prefix="test", face=face) == first


def test_only_the_most_recently_used_faces_are_kept(face, tmp_path, monkeypatch):
    monkeypatch.setattr(fonts, "KEEP", 2)
    paths = [fonts.face_subset(chars, tmp_path, prefix="test", face=face) for chars in ("一", "二", "三")]

    assert sorted(p.name for p in tmp_path.glob("test-*.otf")) == sorted(Path(p).name for p in paths[1:])


def test_no_face_means_no_subset(tmp_path, monkeypatch):
    monkeypatch.setattr(fonts, "system_face", lambda *args, **kwargs: None)

    assert fonts.face_subset("口", tmp_path) is None

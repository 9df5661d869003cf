"""Printed documents are never empty boxes: a face for every character, the project's own where the system
has none, and a clear refusal where there is no face at all (core.pdf.fonts)."""
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.checks import run_checks
from django.template import Context, Template
from pypdf import PdfReader
from pypdf.generic import ContentStream

from core.pdf import fonts, render_document, render_pdf

ROOT = Path(__file__).resolve().parent.parent
# What letters and determinations print: the places, the parties, the capital amount, the punctuation.
TEXT = ("峪口镇峪口村股份经济合作社 清缴通知书 峪口镇合认字〔2026〕第047号 王福堂（已故，其子王二虎代还）："
        "截至2026年12月5日，您尚欠承包费人民币壹万贰仟叁佰肆拾伍元陆角柒分（¥12,345.67），"
        "请于收到本通知书之日起三十日内到村委会缴清。东至河滩，南至李家地，西至公路，北至山脊；面积12.14亩。")
BOX = {0, 0xFFFF}  # .notdef, as a face's glyph 0 or as WeasyPrint writes a character no face has
PAGE = Template('{% extends "pdf/base.html" %}{% block content %}<p>{{ text }}</p>'
                '<p><b>{{ text }}</b></p>{% endblock %}')


def shown_glyphs(pdf: bytes) -> tuple[set[str], list[int]]:
    """(the fonts a PDF names, the glyph ids its text shows): WeasyPrint writes every face as a
    two-byte Identity-H font, so each pair of bytes a Tj/TJ shows is one glyph id (see BOX)."""
    reader = PdfReader(io.BytesIO(pdf))
    names, glyphs = set(), []
    for page in reader.pages:
        names.update(str(f.get_object()["/BaseFont"]) for f in page["/Resources"]["/Font"].values())
        for operands, operator in ContentStream(page.get_contents(), reader).operations:
            if operator == b"Tj":
                strings = [operands[0]]
            elif operator == b"TJ":
                strings = [part for part in operands[0] if not isinstance(part, int | float)]
            else:
                continue
            for string in strings:
                data = bytes(string.original_bytes if hasattr(string, "original_bytes") else string)
                glyphs += [int.from_bytes(data[i:i + 2], "big") for i in range(0, len(data), 2)]
    return names, glyphs


def test_a_document_has_a_glyph_for_every_character():
    pdf = render_document(PAGE.render(Context({"text": TEXT, "title": "清缴通知书"}))).write_pdf()

    names, glyphs = shown_glyphs(pdf)
    assert len(glyphs) >= 2 * len(TEXT.replace(" ", ""))
    assert not BOX & set(glyphs), "a character printed as .notdef (an empty box)"
    assert names and all("Noto-Serif" in name for name in names), names


def test_on_a_machine_without_fonts_noto_cjk_documents_are_set_in_the_projects_own_face(tmp_path):
    """fontconfig sees no system font at all; the project's Noto Serif SC (make install) sets every
    character, regular and bold."""
    assert (fonts.project_dir() / "NotoSerifSC-Regular.ttf").is_file(), "run make install"
    bare = tmp_path / "bare.conf"
    bare.write_text('<?xml version="1.0"?>\n<fontconfig></fontconfig>\n', encoding="utf-8")
    target = tmp_path / "letter.pdf"
    script = (
        "import django; django.setup()\n"
        "from django.template import Context\n"
        "from tests.test_pdf_faces import PAGE, TEXT\n"
        "from core.pdf import render_document\n"
        f"render_document(PAGE.render(Context({{'text': TEXT, 'title': '清缴通知书'}}))).write_pdf({str(target)!r})\n"
    )
    env = {**os.environ, "FONTCONFIG_FILE": str(bare), "DJANGO_SETTINGS_MODULE": "config.settings",
           "XDG_CACHE_HOME": str(tmp_path / "cache")}
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True, timeout=300)

    names, glyphs = shown_glyphs(target.read_bytes())
    assert not BOX & set(glyphs)
    assert names and all("Noto-Serif-SC" in name for name in names), names
    assert {name.split("+")[1] for name in names} == {"Noto-Serif-SC", "Noto-Serif-SC-Bold"}


@pytest.fixture
def no_face(settings, tmp_path, monkeypatch):
    settings.PDF_FONT_DIR = tmp_path / "none"
    monkeypatch.setattr(fonts, "FONT_DIRS", ())
    fonts._installed_face.cache_clear()
    yield
    fonts._installed_face.cache_clear()


def test_without_any_face_nothing_is_rendered_and_the_message_says_what_to_install(no_face):
    with pytest.raises(fonts.MissingFace) as refused:
        render_pdf("reports/pdf/progress.html", {})

    assert "make install" in str(refused.value) and "apt-get install fonts-noto-cjk" in str(refused.value)


def test_without_any_face_manage_py_stops_at_its_checks(no_face):
    errors = [e for e in run_checks() if e.id == "core.E001"]

    assert len(errors) == 1 and "fonts-noto-cjk" in errors[0].msg


def test_a_face_installed_later_is_found_without_a_restart(settings, tmp_path, monkeypatch):
    settings.PDF_FONT_DIR = tmp_path / "none"
    monkeypatch.setattr(fonts, "FONT_DIRS", ())
    fonts._installed_face.cache_clear()
    with pytest.raises(fonts.MissingFace):
        fonts.require_face()

    settings.PDF_FONT_DIR = fonts.PROJECT_DIR
    try:
        assert fonts.require_face()[0].endswith("NotoSerifSC-Regular.ttf")
    finally:
        fonts._installed_face.cache_clear()


def test_the_glyph_check_sees_a_character_no_face_has():
    # An unassigned code point: no face has it, so it is printed as a box, which the checks above would catch.
    pdf = render_document(PAGE.render(Context({"text": "峪口\u0378村", "title": "试"}))).write_pdf()

    assert BOX & set(shown_glyphs(pdf)[1])

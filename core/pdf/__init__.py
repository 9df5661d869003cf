"""Printed documents: a Django template rendered to an A4 PDF by WeasyPrint.

Every determination, report and letter goes through `render_pdf`, so they
share one layout (`templates/pdf/base.html`, which sets the page, the CJK
serif face and the seal line) and one rule about what a document may load:
the project's static files and inline `data:` images, nothing else. County
networks are often closed, and a document built from user-entered text must
not be able to make the server fetch anything.

`render_pdf` is a pure renderer (STYLE rule 8): the caller builds the context
with its queries done; the template only formats.

For batches of documents: `fonts` cuts a face to the characters they
print, `pool` renders in worker processes, `join` joins the parts.

No `FontConfiguration` is kept between renders: the documents use the
faces fontconfig finds (no `@font-face`; `fonts.use_project_faces` adds
the project's own face, and `fonts.require_face` refuses to render without
one), and measured render times are the same with or without a shared one,
while sharing it across threads is not safe.
"""
import posixpath
import re
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone

from . import fonts

fonts.use_project_faces()  # before WeasyPrint's fontconfig is first asked for a face

from weasyprint import HTML  # noqa: E402
from weasyprint.document import Document  # noqa: E402
from weasyprint.urls import URLFetcher  # noqa: E402

from core.pinyin import pinyin_full  # noqa: E402

PDF_CONTENT_TYPE = "application/pdf"


def _static_prefix() -> str:
    """The path part of STATIC_URL, e.g. `/static/`."""
    return "/" + urlsplit(settings.STATIC_URL).path.strip("/") + "/"


def static_base_url() -> str:
    # Both `{% static 'x.png' %}` (`/static/x.png`) and a bare `x.png` resolve
    # to `file:///static/x.png`, which the fetcher maps to the real file.
    return "file://" + _static_prefix()


class StaticOnlyFetcher(URLFetcher):
    """Serves `data:` URLs, the project's static files and the files named in `allowed_files`
    (a font the server made itself, say); refuses everything else."""

    def __init__(self, allowed_files: Iterable[str | Path] = (), **kwargs):
        super().__init__(**kwargs)
        self.allowed_urls = {Path(f).resolve().as_uri() for f in allowed_files}

    def fetch(self, url, headers=None):
        scheme = url.split(":", 1)[0].lower()
        if scheme == "data" or url in self.allowed_urls:
            return super().fetch(url, headers)
        if scheme == "file":
            path = unquote(urlsplit(url).path)
            prefix = _static_prefix()
            if path.startswith(prefix):
                relative = posixpath.normpath(path[len(prefix):])
                if not relative.startswith(("..", "/")):
                    found = finders.find(relative) or _collected(relative)
                    if found:
                        return super().fetch(Path(found).resolve().as_uri(), headers)
        raise ValueError(f"打印文档只能引用本系统的静态文件：{url}")


def _collected(relative: str) -> str | None:
    if not settings.STATIC_ROOT:
        return None
    candidate = Path(settings.STATIC_ROOT) / relative
    return str(candidate) if candidate.is_file() else None


def render_document(html: str, *, allowed_files: Iterable[str | Path] = (), font_config=None) -> Document:
    """Lay out `html` into pages under the documents' fetching rule; the caller writes the PDF.

    For callers that need the pages themselves (where each letter of a batch
    starts) or a font configuration kept across several documents. Without a CJK face it raises
    fonts.MissingFace rather than lay out a document of empty boxes.
    """
    fonts.require_face()
    return HTML(string=html, base_url=static_base_url(),
                url_fetcher=StaticOnlyFetcher(allowed_files)).render(font_config=font_config)


def render_pdf(template_name: str, context: dict) -> bytes:
    """Render `template_name` (normally extending `pdf/base.html`) with `context` to PDF bytes.

    The page size and margins come from the template's `@page` rule (A4).
    """
    return render_document(render_to_string(template_name, context)).write_pdf()


_UNSAFE_ASCII = re.compile(r"[^A-Za-z0-9._-]+")


def _ascii_filename(filename: str) -> str:
    """A fallback name for clients that ignore `filename*`: Chinese spelt in pinyin."""
    stem, dot, extension = filename.rpartition(".")
    if not dot:
        stem, extension = filename, ""
    stem = _UNSAFE_ASCII.sub("-", pinyin_full(stem)).strip("-.") or "document"
    extension = _UNSAFE_ASCII.sub("", extension)
    return f"{stem}.{extension}" if extension else stem


def pdf_response(pdf: bytes, filename: str, *, inline: bool = True) -> HttpResponse:
    """An HTTP response carrying `pdf`, shown in the browser (`inline`) or downloaded.

    The Chinese file name travels as RFC 6266/5987 `filename*=UTF-8''…`, with
    a pinyin ASCII `filename=` for old clients.
    """
    disposition = "inline" if inline else "attachment"
    response = HttpResponse(pdf, content_type=PDF_CONTENT_TYPE)
    response["Content-Disposition"] = (
        f'{disposition}; filename="{_ascii_filename(filename)}"; '
        f"filename*=UTF-8''{quote(filename, safe='')}"
    )
    response["Content-Length"] = str(len(pdf))
    # A determination or a letter names people: never keep it in a shared cache.
    response["Cache-Control"] = "private, no-store"
    return response


def document_date(value: date | datetime | None) -> str:
    """A date as printed on documents: `2025年3月1日`; a blank line to fill in by hand when None."""
    if value is None:
        return "　　　　年　　月　　日"
    if isinstance(value, datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return f"{value.year}年{value.month}月{value.day}日"

"""Private files: uploads checked by their content, stored outside any public URL."""
import hashlib
import mimetypes
import os
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.http import FileResponse
from django.utils.http import content_disposition_header

# What an upload may be, recognised by its first bytes, not by its name.
_SIGNATURES = [
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
]


class PrivateStorage(FileSystemStorage):
    """Files under PRIVATE_ROOT, with no URL: they are served only by views that check scope.

    The folder is read from the settings at each use, so that a deployment (or
    a test) that moves PRIVATE_ROOT moves every file field with it.
    """

    base_url = None

    @property
    def base_location(self):
        return str(settings.PRIVATE_ROOT)

    @property
    def location(self):
        return os.path.abspath(settings.PRIVATE_ROOT)


_private = PrivateStorage()


def private_storage():
    return _private


@dataclass
class CheckedUpload:
    content_type: str
    extension: str
    size: int
    sha256: str


def check_upload(upload) -> CheckedUpload:
    """Accept a PDF, JPEG or PNG within the size limit, or raise a Chinese ValidationError."""
    limit = settings.ATTACHMENT_MAX_MB * 1024 * 1024
    if upload.size > limit:
        raise ValidationError("文件太大（%(size).1f MB），不能超过 %(limit)s MB。",
                              params={"size": upload.size / 1024 / 1024, "limit": settings.ATTACHMENT_MAX_MB})
    if upload.size == 0:
        raise ValidationError("文件是空的。")
    upload.seek(0)
    head = upload.read(16)
    kind = next(((ct, ext) for signature, ct, ext in _SIGNATURES if head.startswith(signature)), None)
    if kind is None:
        raise ValidationError("只能上传 PDF、JPG 或 PNG 文件（按文件内容判断，改扩展名无效）。")
    content_type, extension = kind
    if content_type.startswith("image/"):
        _check_image(upload)
    upload.seek(0)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return CheckedUpload(content_type, extension, upload.size, digest.hexdigest())


def _check_image(upload) -> None:
    from PIL import Image, UnidentifiedImageError

    upload.seek(0)
    try:
        with Image.open(upload) as image:
            image.verify()
    except Image.DecompressionBombError:
        # A small file may declare billions of pixels; Pillow refuses to open it.
        raise ValidationError("图片尺寸过大，无法处理，请缩小后再上传。") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ValidationError("图片文件已损坏，无法打开。") from None


def named_for_type(filename: str, content_type: str) -> str:
    """The name a download goes out under ends as its checked type does: an upload kept as `poly.html`
    whose content is a PDF downloads as `poly.pdf`, so no program opens it as something else."""
    extension = next((ext for _, ct, ext in _SIGNATURES if ct == content_type), None)
    if extension is None:
        return filename
    stem, dot, current = filename.rpartition(".")
    if dot and f".{current.lower()}" in (extension, ".jpeg" if extension == ".jpg" else extension):
        return filename
    return f"{stem if dot else filename}{extension}"


def private_file_response(handle, *, filename: str, content_type: str | None = None, inline: bool = False):
    """Serve an open private file to a user the calling view has already checked.

    Uploaded files always go out as downloads (`inline` only for documents the
    system made itself), with their type fixed, never sniffed, and never kept
    in a shared cache.
    """
    content_type = content_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
    filename = named_for_type(filename, content_type)
    response = FileResponse(handle, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(as_attachment=not inline, filename=filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response

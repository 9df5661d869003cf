"""Contract attachments: only real PDF, JPEG and PNG files within the size
limit are kept, under a random name in the private folder."""
import hashlib
import io
import re
import struct
import zlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from contracts.factories import ContractFactory
from contracts.models import Attachment
from contracts.services import attachment_add
from core.files import private_storage
from core.models import AuditEntry


@pytest.fixture
def private_root(settings):
    """The temporary folder every test's private files go to (set by conftest)."""
    return settings.PRIVATE_ROOT


def stored_files(root):
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def minimal_pdf() -> bytes:
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def image_bytes(fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 12), (180, 40, 40)).save(buffer, fmt)
    return buffer.getvalue()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_claiming_to_be_huge() -> bytes:
    """A few hundred bytes that declare 100,000 × 100,000 pixels."""
    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", zlib.compress(b"\0" * 64))
            + png_chunk(b"IEND", b""))


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


@pytest.fixture
def contract(personas):
    return ContractFactory(village=personas.yukou)


def test_the_private_storage_in_these_tests_is_the_temporary_folder(private_root):
    assert private_storage().location == str(private_root)
    assert Attachment._meta.get_field("file").storage is private_storage()


@pytest.mark.parametrize(("name", "content", "content_type", "extension"), [
    ("合同正本.pdf", minimal_pdf(), "application/pdf", ".pdf"),
    ("现场照片.jpg", image_bytes("JPEG"), "image/jpeg", ".jpg"),
    ("地块图.png", image_bytes("PNG"), "image/png", ".png"),
])
def test_a_real_pdf_jpeg_or_png_is_kept_privately_under_a_random_name(
        personas, contract, private_root, name, content, content_type, extension):
    attachment = attachment_add(user=personas.accountant, contract=contract, upload=upload(name, content),
                                kind=Attachment.Kind.TEXT, note="村档案室原件扫描")
    attachment.refresh_from_db()
    assert attachment.original_name == name
    assert (attachment.content_type, attachment.size) == (content_type, len(content))
    assert attachment.sha256 == hashlib.sha256(content).hexdigest()
    [stored] = stored_files(private_root)
    assert stored == private_root / attachment.file.name
    assert stored.read_bytes() == content
    assert stored.suffix == extension
    assert name.rsplit(".", 1)[0] not in attachment.file.name
    assert re.fullmatch(r"[0-9a-f]{32}", stored.stem)
    assert attachment.file.path.startswith(str(private_root))


def test_the_same_file_uploaded_twice_gets_two_different_names(personas, contract, private_root):
    first, second = (attachment_add(user=personas.accountant, contract=contract,
                                    upload=upload("合同.pdf", minimal_pdf()), kind=Attachment.Kind.TEXT)
                     for _ in range(2))
    assert first.file.name != second.file.name
    assert first.sha256 == second.sha256
    assert len(stored_files(private_root)) == 2


def test_the_content_decides_the_type_not_the_name(personas, contract, private_root):
    attachment = attachment_add(user=personas.accountant, contract=contract,
                                upload=upload("扫描件.pdf", image_bytes("PNG")), kind=Attachment.Kind.RECEIPT)
    assert attachment.content_type == "image/png"
    assert attachment.file.name.endswith(".png")


def test_a_file_exactly_at_the_size_limit_is_accepted(personas, contract, private_root, settings):
    settings.ATTACHMENT_MAX_MB = 1
    content = minimal_pdf().ljust(1024 * 1024, b"\n")
    attachment = attachment_add(user=personas.accountant, contract=contract, upload=upload("大.pdf", content),
                                kind=Attachment.Kind.TEXT)
    assert attachment.size == 1024 * 1024


@pytest.mark.parametrize(("name", "content", "message"), [
    ("合同.pdf", "甲方：峪口村股份经济合作社\n乙方：张三\n".encode(), "只能上传 PDF、JPG 或 PNG 文件"),
    ("setup.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 200, "只能上传 PDF、JPG 或 PNG 文件"),
    ("照片.jpg", b"GIF89a" + b"\x00" * 64, "只能上传 PDF、JPG 或 PNG 文件"),
    ("地块图.png", b"\x89PNG\r\n\x1a\n" + b"not really an image" * 10, "图片文件已损坏"),
    ("地块图.png", image_bytes("PNG")[:40], "图片文件已损坏"),
    ("现场照片.jpg", image_bytes("JPEG")[:60], "图片文件已损坏"),
    ("空白.pdf", b"", "文件是空的"),
])
def test_a_file_that_is_not_a_real_pdf_or_image_is_refused_and_nothing_is_stored(
        personas, contract, private_root, name, content, message):
    with pytest.raises(ValidationError, match=message):
        attachment_add(user=personas.accountant, contract=contract, upload=upload(name, content),
                       kind=Attachment.Kind.TEXT)
    assert not Attachment.objects.exists()
    assert stored_files(private_root) == []


def test_an_image_claiming_enormous_dimensions_is_refused_in_chinese(personas, contract, private_root):
    with pytest.raises(ValidationError, match="图片尺寸过大"):
        attachment_add(user=personas.accountant, contract=contract, upload=upload("图.png", png_claiming_to_be_huge()),
                       kind=Attachment.Kind.PHOTO)
    assert not Attachment.objects.exists()
    assert stored_files(private_root) == []


def test_a_file_over_the_size_limit_is_refused_and_nothing_is_stored(personas, contract, private_root, settings):
    settings.ATTACHMENT_MAX_MB = 1
    content = minimal_pdf().ljust(1024 * 1024 + 1, b"\n")
    with pytest.raises(ValidationError) as refused:
        attachment_add(user=personas.accountant, contract=contract, upload=upload("大.pdf", content),
                       kind=Attachment.Kind.TEXT)
    assert refused.value.messages == ["文件太大（1.0 MB），不能超过 1 MB。"]
    assert not Attachment.objects.exists()
    assert stored_files(private_root) == []


def test_an_unknown_kind_of_attachment_is_refused(personas, contract, private_root):
    with pytest.raises(ValidationError, match="请选择附件类别"):
        attachment_add(user=personas.accountant, contract=contract, upload=upload("合同.pdf", minimal_pdf()),
                       kind="身份证")
    assert stored_files(private_root) == []


@pytest.mark.parametrize("who", ["inspector", "collector"])
def test_read_only_roles_cannot_upload(personas, contract, private_root, who):
    with pytest.raises(PermissionDenied, match="不能上传附件"):
        attachment_add(user=getattr(personas, who), contract=contract, upload=upload("合同.pdf", minimal_pdf()),
                       kind=Attachment.Kind.TEXT)
    assert not Attachment.objects.exists()
    assert stored_files(private_root) == []


def test_an_upload_is_audited_with_its_uploader(personas, contract, private_root):
    attachment = attachment_add(user=personas.cadre, contract=contract, upload=upload("合同.pdf", minimal_pdf()),
                                kind=Attachment.Kind.TEXT)
    entry = AuditEntry.objects.get(content_type__model="attachment", object_id=attachment.pk)
    assert (entry.action, entry.actor) == (AuditEntry.Action.CREATE, personas.cadre)
    assert entry.village_id == personas.yukou.pk
    assert "file" not in entry.changes_dict


def test_uploading_the_contract_text_withdraws_the_not_written_problem(personas, contract, private_root):
    from contracts.services import problems_refresh

    problems_refresh(contract=contract, user=personas.accountant)
    assert contract.problems.filter(code="P01").exists()
    attachment_add(user=personas.accountant, contract=contract, upload=upload("合同.pdf", minimal_pdf()),
                   kind=Attachment.Kind.TEXT)
    assert not contract.problems.filter(code="P01").exists()


@pytest.mark.parametrize("stored, content_type, served", [
    ("poly.html", "application/pdf", "poly.pdf"), ("合同扫描件.PDF", "application/pdf", "合同扫描件.PDF"),
    ("photo.jpeg", "image/jpeg", "photo.jpeg"), ("photo", "image/png", "photo.png"),
    ("a.b.svg", "image/png", "a.b.png"), ("清单.xlsx", "application/vnd.ms-excel", "清单.xlsx"),
])
def test_a_download_is_named_by_its_checked_type(stored, content_type, served):
    from core.files import named_for_type

    assert named_for_type(stored, content_type) == served

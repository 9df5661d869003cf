"""The evidence of a resolution's procedure (DOMAIN.md §7): minutes, sign-in sheet, notice photos, ballots.
Only real PDF, JPEG and PNG files are kept, privately; evidence is only ever added, also once the
resolution is locked; it is served only within scope."""
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from test_attachments import image_bytes, minimal_pdf, stored_files

from contracts.factories import ContractFactory, ResolutionFactory
from contracts.models import ContractState, ResolutionEvidence
from contracts.services import resolution_evidence_add
from core.models import AuditEntry

PDF = minimal_pdf()
PNG = image_bytes("PNG")
FAKE_PDF = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 200  # a Windows program renamed .pdf


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


@pytest.fixture
def resolution(personas):
    return ResolutionFactory(village=personas.yukou, title="机动地发包方案", resolved_on=date(2025, 4, 8))


@pytest.fixture
def locked(personas, resolution):
    """The resolution once a determined contract rests on it."""
    ContractFactory(village=personas.yukou, resolution=resolution, state=ContractState.DETERMINED)
    assert resolution.locked
    return resolution


def upload_url(resolution):
    return reverse("contracts:resolution-evidence-upload", args=[resolution.pk])


def post_evidence(client, resolution, name, content, kind):
    return client.post(upload_url(resolution), {"kind": kind, "file": upload(name, content), "note": "村档案"},
                       follow=True)


@pytest.mark.parametrize(("kind", "name", "content", "content_type"), [
    ("会议记录", "村民代表会议记录.pdf", PDF, "application/pdf"),
    ("签到表", "签到表.png", PNG, "image/png"),
    ("公示照片", "公示栏.png", PNG, "image/png"),
    ("表决票", "表决票.pdf", PDF, "application/pdf"),
    ("其他", "情况说明.pdf", PDF, "application/pdf"),
])
def test_each_kind_of_evidence_is_uploaded_from_the_resolution_page_and_kept_privately(
        personas, resolution, client_for, settings, kind, name, content, content_type):
    response = post_evidence(client_for(personas.accountant), resolution, name, content, kind)
    assert "证明材料已上传" in response.content.decode()
    evidence = ResolutionEvidence.objects.get(resolution=resolution)
    assert (evidence.kind, evidence.original_name, evidence.content_type, evidence.size, evidence.note) == (
        kind, name, content_type, len(content), "村档案")
    assert evidence.uploaded_by == personas.accountant
    [stored] = stored_files(settings.PRIVATE_ROOT)
    assert stored.read_bytes() == content
    assert evidence.file.name.startswith("resolutions/") and name not in evidence.file.name
    page = response.content.decode()
    assert name in page and reverse("contracts:resolution-evidence-download", args=[evidence.pk]) in page


def test_evidence_is_added_to_a_locked_resolution(personas, locked, client_for):
    response = post_evidence(client_for(personas.cadre), locked, "签到表.pdf", PDF, "签到表")
    assert "证明材料已上传" in response.content.decode()
    assert locked.evidence.get().kind == "签到表"


def test_an_upload_is_audited_on_the_resolutions_history(personas, resolution, client_for):
    evidence = resolution_evidence_add(user=personas.cadre, resolution=resolution, kind="会议记录",
                                       upload=upload("会议记录.pdf", PDF))
    entry = AuditEntry.objects.get(content_type__model="resolutionevidence", object_id=evidence.pk)
    assert (entry.action, entry.actor, entry.record) == (AuditEntry.Action.CREATE, personas.cadre,
                                                         f"resolution:{resolution.pk}")
    assert entry.village_id == personas.yukou.pk
    assert "file" not in entry.changes_dict


def test_a_program_renamed_pdf_is_refused_in_chinese_and_nothing_is_stored(personas, resolution, client_for,
                                                                           settings):
    response = post_evidence(client_for(personas.accountant), resolution, "会议记录.pdf", FAKE_PDF, "会议记录")
    assert "只能上传 PDF、JPG 或 PNG 文件" in response.content.decode()
    assert not ResolutionEvidence.objects.exists()
    assert stored_files(settings.PRIVATE_ROOT) == []


def test_an_unknown_kind_of_evidence_is_refused(personas, resolution, settings):
    with pytest.raises(ValidationError, match="请选择证明材料类别"):
        resolution_evidence_add(user=personas.accountant, resolution=resolution, kind="合同文本",
                                upload=upload("会议记录.pdf", PDF))
    assert stored_files(settings.PRIVATE_ROOT) == []


def test_an_outsider_cannot_upload_or_download_evidence(personas, resolution, client_for, settings):
    evidence = resolution_evidence_add(user=personas.accountant, resolution=resolution, kind="会议记录",
                                       upload=upload("会议记录.pdf", PDF))
    client = client_for(personas.outsider)
    assert client.post(upload_url(resolution), {"kind": "签到表", "file": upload("签到表.pdf", PDF)}).status_code == 404
    download = reverse("contracts:resolution-evidence-download", args=[evidence.pk])
    assert client.get(download).status_code == 404
    assert ResolutionEvidence.objects.count() == 1
    with pytest.raises(PermissionDenied, match="不在您的管理范围内"):
        resolution_evidence_add(user=personas.outsider, resolution=resolution, kind="签到表",
                                upload=upload("签到表.pdf", PDF))
    assert len(stored_files(settings.PRIVATE_ROOT)) == 1


@pytest.mark.parametrize("who", ["inspector", "collector"])
def test_read_only_roles_cannot_upload_evidence(personas, resolution, client_for, settings, who):
    response = client_for(getattr(personas, who)).post(
        upload_url(resolution), {"kind": "会议记录", "file": upload("会议记录.pdf", PDF)})
    assert response.status_code == 403
    with pytest.raises(PermissionDenied, match="不能上传决议证明材料"):
        resolution_evidence_add(user=getattr(personas, who), resolution=resolution, kind="会议记录",
                                upload=upload("会议记录.pdf", PDF))
    assert not ResolutionEvidence.objects.exists()
    assert stored_files(settings.PRIVATE_ROOT) == []


def test_a_read_only_user_in_scope_downloads_evidence_but_sees_no_upload_form(personas, resolution, client_for):
    evidence = resolution_evidence_add(user=personas.accountant, resolution=resolution, kind="公示照片",
                                       upload=upload("公示栏.png", PNG))
    client = client_for(personas.inspector)
    response = client.get(reverse("contracts:resolution-evidence-download", args=[evidence.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == PNG
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("attachment;")
    page = client.get(resolution.get_absolute_url()).content.decode()
    assert "公示栏.png" in page and upload_url(resolution) not in page


def test_a_passed_resolution_without_minutes_and_sign_in_sheet_says_so_until_both_are_uploaded(
        personas, resolution, client_for):
    client = client_for(personas.accountant)
    assert resolution.passed
    assert "缺少会议记录、签到表" in client.get(resolution.get_absolute_url()).content.decode()
    resolution_evidence_add(user=personas.accountant, resolution=resolution, kind="会议记录",
                            upload=upload("会议记录.pdf", PDF))
    page = client.get(resolution.get_absolute_url()).content.decode()
    assert "缺少签到表" in page and "缺少会议记录" not in page
    resolution_evidence_add(user=personas.accountant, resolution=resolution, kind="签到表",
                            upload=upload("签到表.pdf", PDF))
    page = client.get(resolution.get_absolute_url()).content.decode()
    assert "缺少会议记录" not in page and "缺少签到表" not in page


def test_a_resolution_that_did_not_pass_gets_no_missing_evidence_hint(personas, client_for):
    failed = ResolutionFactory(village=personas.yukou, members_present=30, votes_for=10, votes_against=20,
                               votes_abstain=0)
    assert not failed.passed
    page = client_for(personas.accountant).get(failed.get_absolute_url()).content.decode()
    assert "缺少会议记录" not in page and "缺少签到表" not in page


def test_the_detail_page_reads_its_evidence_in_a_fixed_number_of_queries(
        personas, resolution, client_for, django_assert_max_num_queries):
    client = client_for(personas.accountant)
    for n in range(2):
        resolution_evidence_add(user=personas.accountant, resolution=resolution, kind="公示照片",
                                upload=upload(f"照片{n}.png", PNG))
    client.get(resolution.get_absolute_url())
    with django_assert_max_num_queries(40) as few:
        client.get(resolution.get_absolute_url())
    baseline = len(few.captured_queries)
    for n in range(3):
        resolution_evidence_add(user=personas.accountant, resolution=resolution, kind="公示照片",
                                upload=upload(f"更多{n}.png", PNG))
    with django_assert_max_num_queries(baseline):
        client.get(resolution.get_absolute_url())

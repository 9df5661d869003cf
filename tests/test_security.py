"""Security settings as an attacker would probe them: CSP without inline script, cookies, session expiry,
uploads served as downloads only, the audit trail closed to every view."""
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contracts import services as contract_services
from contracts.factories import ContractFactory
from core.models import AuditEntry

TEMPLATES = Path(settings.BASE_DIR) / "templates"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def csp(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def test_every_page_carries_a_policy_without_inline_script_or_eval(personas, client_for):
    response = client_for(personas.cadre).get(reverse("contracts:contract-list"))
    policy = csp(response)
    assert policy["script-src"] == ["'self'"]
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]


def test_the_login_page_has_the_policy_too(db, client):
    assert "script-src 'self'" in client.get(reverse("login"))["Content-Security-Policy"]


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)


@pytest.mark.parametrize("template", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_no_template_holds_inline_script(template):
    """The policy would block it in the browser; it must not be there to begin with. (`json_script` data
    blocks have a type other than JavaScript and are allowed.)"""
    text = template.read_text(encoding="utf-8")
    blocks = [tag for tag in INLINE_SCRIPT.findall(text) if "application/json" not in tag]
    assert not blocks, f"inline <script> in {template}"
    assert not EVENT_HANDLER.search(text), f"inline event handler in {template}"
    assert "javascript:" not in text.lower()


def test_session_and_csrf_cookies_are_http_only_and_sessions_are_short():
    assert settings.SESSION_COOKIE_HTTPONLY and settings.CSRF_COOKIE_HTTPONLY
    assert settings.SESSION_COOKIE_AGE <= 8 * 3600


def stored_expiry(client):
    from django.contrib.sessions.models import Session

    return Session.objects.get(session_key=client.cookies[settings.SESSION_COOKIE_NAME].value).expire_date


def test_using_the_site_moves_the_session_expiry_at_most_once_a_minute(personas, client, monkeypatch):
    from core import middleware

    clock = {"now": 1_800_000_000.0}
    monkeypatch.setattr(middleware, "time", SimpleNamespace(time=lambda: clock["now"]))
    client.force_login(personas.cadre)          # the clock starts at login
    client.get(reverse("contracts:contract-list"))
    first = stored_expiry(client)
    with CaptureQueriesContext(connection) as queries:
        clock["now"] += 30
        client.get(reverse("contracts:contract-list"))
    assert stored_expiry(client) == first
    assert not any(q["sql"].startswith("UPDATE") and "django_session" in q["sql"] for q in queries.captured_queries)
    clock["now"] += 31
    client.get(reverse("contracts:contract-list"))
    assert stored_expiry(client) > first
    assert client.cookies[settings.SESSION_COOKIE_NAME]["httponly"]


def test_an_expired_session_sends_the_user_back_to_the_login_page(personas, client, settings):
    client.force_login(personas.cadre)
    session = client.session
    session.set_expiry(-1)
    session.save()
    response = client.get(reverse("contracts:contract-list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_production_cookies_are_secure(monkeypatch):
    """check --deploy with DEBUG=0 is run in test_deployment; here the defaults behind it."""
    import importlib

    import config.settings as module

    monkeypatch.setenv("DEBUG", "0")
    monkeypatch.setenv("SECRET_KEY", "x" * 60)
    try:
        production = importlib.reload(module)
        assert production.SESSION_COOKIE_SECURE and production.CSRF_COOKIE_SECURE
        assert production.SECURE_SSL_REDIRECT and production.SECURE_HSTS_SECONDS >= 31536000
    finally:
        monkeypatch.undo()
        importlib.reload(module)


def test_an_uploaded_scan_is_only_ever_a_download(personas, client_for):
    contract = ContractFactory(village=personas.yukou)
    attachment = contract_services.attachment_add(user=personas.accountant, contract=contract, kind="合同文本",
                                                  upload=SimpleUploadedFile("合同.pdf", PDF))
    response = client_for(personas.cadre).get(reverse("contracts:attachment-download", args=[attachment.pk]))
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"


def test_a_stored_file_name_comes_from_the_system_not_the_user(personas):
    contract = ContractFactory(village=personas.yukou)
    attachment = contract_services.attachment_add(user=personas.accountant, contract=contract, kind="合同文本",
                                                  upload=SimpleUploadedFile("../../../etc/passwd.pdf", PDF))
    assert ".." not in attachment.file.name and "passwd" not in attachment.file.name
    assert attachment.original_name.endswith("passwd.pdf")


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_the_audit_trail_cannot_be_changed_through_the_admin(personas, client_for, method):
    ContractFactory(village=personas.yukou)
    entry = AuditEntry.objects.order_by("-pk").first()
    assert entry is not None
    before = (AuditEntry.objects.count(), entry.changes)
    client = client_for(personas.admin)
    for url in (reverse("admin:core_auditentry_change", args=[entry.pk]),
                reverse("admin:core_auditentry_delete", args=[entry.pk])):
        response = getattr(client, method)(url, {"post": "yes", "action": "delete"})
        # A POST is refused; other methods get at most the read-only page.
        assert response.status_code == 403 if method == "post" else response.status_code in (200, 403, 405)
    assert (AuditEntry.objects.count(), AuditEntry.objects.get(pk=entry.pk).changes) == before


POST_FORM = re.compile(r"<form\b[^>]*method=[\"']post[\"'][^>]*>(.*?)</form>", re.IGNORECASE | re.DOTALL)


@pytest.mark.parametrize("template", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_every_form_that_posts_carries_the_csrf_token(template):
    for body in POST_FORM.findall(template.read_text(encoding="utf-8")):
        assert "{% csrf_token %}" in body, f"a POST form without {{% csrf_token %}} in {template}"


def test_a_forged_post_without_the_token_is_refused(personas):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.cadre)
    response = client.post(reverse("debts:claim-create"), {"number": "X"})
    assert response.status_code == 403


@pytest.mark.parametrize("weak", ["12345678", "password", "cadre2026"[:6]])
def test_weak_passwords_are_refused(personas, client_for, weak):
    client = client_for(personas.cadre)
    personas.cadre.set_password("Old-pass-2026")
    personas.cadre.save()
    client.force_login(personas.cadre)
    response = client.post(reverse("password_change"), {
        "old_password": "Old-pass-2026", "new_password1": weak, "new_password2": weak})
    assert response.status_code == 200 and response.context["form"].errors
    personas.cadre.refresh_from_db()
    assert personas.cadre.check_password("Old-pass-2026")

"""Login, logout, password change, and throttling of failed logins."""
import pytest
from django.urls import reverse


def test_login_page_is_in_chinese(db, client):
    page = client.get(reverse("login")).content.decode()
    assert "账号" in page and "密码" in page and "登录" in page
    assert 'lang="zh-CN"' in page


def test_user_logs_in_and_lands_on_their_scope(personas, client):
    response = client.post(reverse("login"), {"username": "cadre", "password": "test-pass-2026"}, follow=True)
    page = response.content.decode()
    # A township's home page is its dashboard (reports); a village accountant's is the ledger overview.
    assert "峪口镇 · 清化收工作进展" in page
    assert "高志强" in page


def test_wrong_password_gets_a_chinese_message(personas, client):
    response = client.post(reverse("login"), {"username": "cadre", "password": "wrong"})
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()


def test_repeated_failed_logins_lock_the_account_for_a_while(personas, client, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "cadre", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "cadre", "password": "test-pass-2026"})
    assert response.status_code == 429
    assert "登录已暂停" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_logout_is_a_post_and_ends_the_session(personas, client_for):
    client = client_for(personas.cadre)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("core:home")).status_code == 302


def test_password_change_page_works_in_chinese(personas, client_for):
    client = client_for(personas.cadre)
    assert "修改密码" in client.get(reverse("password_change")).content.decode()
    response = client.post(reverse("password_change"), {
        "old_password": "test-pass-2026", "new_password1": "Xinmima-2026!", "new_password2": "Xinmima-2026!"})
    assert response.status_code == 302
    personas.cadre.refresh_from_db()
    assert personas.cadre.check_password("Xinmima-2026!")


def test_password_change_with_wrong_old_password_is_refused(personas, client_for):
    client = client_for(personas.cadre)
    response = client.post(reverse("password_change"), {
        "old_password": "nope", "new_password1": "Xinmima-2026!", "new_password2": "Xinmima-2026!"})
    assert response.status_code == 200
    assert "旧密码" in response.content.decode()
    personas.cadre.refresh_from_db()
    assert personas.cadre.check_password("test-pass-2026")


@pytest.mark.parametrize("who, visible", [
    ("accountant", {"村组", "当事人", "地块", "资产"}),
    ("inspector", {"审计日志"}),
    ("admin", {"系统状态", "用户与设置"}),
])
def test_navigation_follows_the_role(personas, client_for, who, visible):
    page = client_for(getattr(personas, who)).get(reverse("core:home")).content.decode()
    for label in visible:
        assert f">{label}</a>" in page
    if who == "accountant":
        assert ">审计日志</a>" not in page and ">系统状态</a>" not in page

"""The product's own error pages: a form refused for its token says so in Chinese and leads back to the typing,
a fresh token can be had before sending (static/js/app.js asks /csrf-token/), and with DEBUG on (`make run`) a
record out of scope or a right missing shows the product's page, not Django's technical one."""
import json
import re

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client, RequestFactory
from django.urls import reverse
from django.views import defaults

from contracts.factories import ContractFactory
from core import views as core_views
from debts.models import Claim

LOGIN = reverse("login")
CLAIM_FORM = reverse("debts:claim-create")
TOKEN_URL = reverse("core:csrf-token")
# What Django's own pages say; none of it may reach a user.
ENGLISH = ("CSRF", "Forbidden", "verification failed", "URLconf", "Django", "Page not found", "Traceback")


def form_token(response) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode()).group(1)


def sign_in(client, username="cadre"):
    """Through the login form, as a browser does: signing in rotates the CSRF token."""
    token = form_token(client.get(LOGIN))
    response = client.post(LOGIN, {"username": username, "password": "test-pass-2026", "csrfmiddlewaretoken": token})
    assert response.status_code == 302, response.content.decode()[:300]


def sign_out(client):
    """The 退出登录 button of any page of the session."""
    token = form_token(client.get(reverse("core:home")))
    assert client.post(reverse("logout"), {"csrfmiddlewaretoken": token}).status_code == 302


def claim_data(token) -> dict:
    return {"csrfmiddlewaretoken": token, "number": "YK-ZQ-001", "principal": "5000.00"}


def assert_in_chinese_only(page: str):
    """What the page shows: its text, without the markup (whose attributes name the token header)."""
    text = re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.DOTALL))
    found = [word for word in ENGLISH if word in text]
    assert not found, f"English on the page: {found}"


@pytest.fixture
def browser_client(personas):
    """A client that checks the token as a browser's requests are checked; its cookie jar is shared by the
    'tabs' of the tests, as a browser's is."""
    client = Client(enforce_csrf_checks=True)
    sign_in(client)
    return client


def test_a_form_sent_after_signing_in_again_elsewhere_gets_the_expired_page_in_chinese(browser_client):
    stale = form_token(browser_client.get(CLAIM_FORM))
    sign_out(browser_client)            # in another tab
    sign_in(browser_client)
    response = browser_client.post(CLAIM_FORM, claim_data(stale), HTTP_REFERER=f"http://testserver{CLAIM_FORM}")
    page = response.content.decode()
    assert response.status_code == 403
    assert "页面已过期" in page and "已填写的内容仍在" in page
    assert "data-history-back" in page and "返回" in page and "回到首页" in page
    assert LOGIN not in page            # still signed in: nothing to do but go back and send again
    assert_in_chinese_only(page)
    assert not Claim.objects.exists()


def test_the_expired_page_tells_a_signed_out_user_to_sign_in_again_and_come_back(browser_client):
    stale = form_token(browser_client.get(CLAIM_FORM))
    sign_out(browser_client)            # in another tab: signed out, in and out again
    sign_in(browser_client)
    sign_out(browser_client)
    response = browser_client.post(CLAIM_FORM, claim_data(stale), HTTP_REFERER=f"http://testserver{CLAIM_FORM}")
    page = response.content.decode()
    assert response.status_code == 403
    assert "您已退出登录" in page
    assert f'href="{LOGIN}?next=%2Fclaims%2Fnew%2F"' in page
    assert "返回" in page
    assert_in_chinese_only(page)


def test_a_stale_login_form_is_reopened_as_it_was(db):
    client = Client(enforce_csrf_checks=True)
    token = form_token(client.get(LOGIN, {"next": "/contracts/"}))
    client.cookies.clear()              # the browser dropped its cookies meanwhile
    response = client.post(LOGIN, {"username": "cadre", "password": "x", "csrfmiddlewaretoken": token},
                           HTTP_REFERER=f"http://testserver{LOGIN}?next=/contracts/")
    assert response.status_code == 403
    assert f'href="{LOGIN}?next=/contracts/"' in response.content.decode()


def test_a_link_to_another_site_is_never_offered_as_the_way_back(browser_client):
    sign_out(browser_client)
    stale = "x" * 64
    response = browser_client.post(CLAIM_FORM, claim_data(stale), HTTP_REFERER="https://elsewhere.example/claims/new/")
    assert response.status_code == 403
    assert "elsewhere.example" not in response.content.decode()


def test_a_form_from_another_address_is_told_apart_from_an_expired_page(browser_client):
    token = form_token(browser_client.get(CLAIM_FORM))
    response = browser_client.post(CLAIM_FORM, claim_data(token), HTTP_ORIGIN="https://elsewhere.example")
    page = response.content.decode()
    assert response.status_code == 403
    assert "来源地址与系统的地址不一致" in page and "系统管理员" in page
    assert_in_chinese_only(page)


def test_a_fresh_token_from_the_server_lets_the_old_form_through(browser_client, personas):
    browser_client.get(CLAIM_FORM)
    sign_out(browser_client)
    sign_in(browser_client)
    response = browser_client.get(TOKEN_URL)
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]
    answer = json.loads(response.content)
    assert answer["user"] == personas.cadre.pk
    response = browser_client.post(CLAIM_FORM, claim_data(answer["token"]))
    assert response.status_code in (200, 302)     # the form's own answer (saved, or its field errors)


def test_the_token_endpoint_needs_no_session_and_sets_the_cookie_it_needs(personas):
    client = Client(enforce_csrf_checks=True)
    answer = json.loads(client.get(TOKEN_URL).content)
    assert answer["user"] is None and "csrftoken" in client.cookies
    response = client.post(LOGIN, {"username": "cadre", "password": "test-pass-2026",
                                   "csrfmiddlewaretoken": answer["token"]})
    assert response.status_code == 302


def test_the_token_endpoint_only_answers_get(personas, client_for):
    assert client_for(personas.inspector).post(TOKEN_URL).status_code == 405


# --- DEBUG on, as `make run` has it ---


@pytest.fixture
def debug_on(settings):
    settings.DEBUG = True


def test_another_townships_record_shows_the_product_404_under_debug(personas, client_for, debug_on):
    contract = ContractFactory(village=personas.jicui)
    response = client_for(personas.cadre).get(contract.get_absolute_url())
    page = response.content.decode()
    assert response.status_code == 404
    assert "页面不存在" in page and "不在您的管理范围内" in page and "回到首页" in page
    assert "Using the URLconf" not in page
    assert_in_chinese_only(page)


@pytest.mark.parametrize("signed_in", [True, False], ids=["signed-in", "anonymous"])
def test_a_path_that_matches_nothing_shows_the_product_404_under_debug(personas, client_for, debug_on, signed_in):
    client = client_for(personas.cadre) if signed_in else Client()
    response = client.get("/no-such-page/")
    page = response.content.decode()
    assert response.status_code == 404
    assert "页面不存在" in page
    assert_in_chinese_only(page)
    assert (reverse("logout") in page) is signed_in


def test_a_path_missing_its_slash_is_still_redirected_under_debug(personas, client_for, debug_on):
    response = client_for(personas.cadre).get("/contracts")
    assert response.status_code == 301 and response["Location"] == "/contracts/"


def test_a_write_without_the_right_shows_the_product_403_under_debug(personas, client_for, debug_on):
    response = client_for(personas.inspector).post(reverse("contracts:contract-create"), {})
    page = response.content.decode()
    assert response.status_code == 403
    assert "无权操作" in page and "您的角色无权进行此操作。" in page and "返回" in page
    assert_in_chinese_only(page)


def test_a_real_error_keeps_the_technical_page_under_debug(personas, debug_on, monkeypatch):
    def broken(user):
        raise RuntimeError("a bug")

    monkeypatch.setattr(core_views, "jobs_for", broken)
    client = Client(raise_request_exception=False)
    client.force_login(personas.cadre)
    response = client.get(reverse("core:job-list"))
    assert response.status_code == 500 and "Traceback" in response.content.decode()


# --- Every error page has a way back and works for anyone ---


def anonymous_request():
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().get("/somewhere/")
    request.user = AnonymousUser()
    return request


@pytest.mark.parametrize("render", [
    lambda: defaults.bad_request(anonymous_request(), Exception()),
    lambda: defaults.permission_denied(anonymous_request(), PermissionDenied()),
    lambda: defaults.page_not_found(anonymous_request(), Exception()),
    lambda: defaults.server_error(anonymous_request()),
    lambda: core_views.csrf_failure(anonymous_request()),
], ids=["400", "403", "404", "500", "403-csrf"])
def test_every_error_page_has_a_way_back_for_an_anonymous_visitor(db, render):
    page = render().content.decode()
    assert "回到首页" in page
    assert_in_chinese_only(page)
    assert reverse("logout") not in page


def test_a_request_refused_before_anyone_is_known_still_gets_the_chinese_page(db):
    """A wrong Host header is refused before the session and the user are looked at."""
    response = Client(HTTP_HOST="elsewhere.example").get("/")
    assert response.status_code == 400 and "请求无法处理" in response.content.decode()

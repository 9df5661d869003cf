"""Scope and roles: the one mechanism, checked directly."""
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from core.models import Role, User
from core.scoping import villages_for
from villages import selectors
from villages.factories import PartyFactory


def test_villages_in_scope_for_each_persona(personas):
    names = lambda user: set(villages_for(user).values_list("name", flat=True))  # noqa: E731
    assert names(personas.accountant) == {"峪口村"}
    assert names(personas.cadre) == {"峪口村", "土屋村"}
    assert names(personas.outsider) == {"积翠村"}
    assert names(personas.county_office) == {"峪口村", "土屋村", "积翠村"}
    assert names(personas.inspector) == {"峪口村", "土屋村", "积翠村"}
    assert names(personas.admin) == {"峪口村", "土屋村", "积翠村"}


def test_a_user_without_a_scope_sees_nothing(personas):
    lost = User.objects.create(username="lost", role=Role.TOWNSHIP)
    assert not villages_for(lost).exists()
    PartyFactory(village=personas.yukou)
    assert not selectors.party_list(lost).exists()


def test_role_must_match_the_scope_level(personas):
    user = User(username="x", role=Role.VILLAGE, county=personas.county, township=personas.yukou_town)
    with pytest.raises(ValidationError) as error:
        user.clean()
    assert "一个村" in str(error.value)


def test_a_village_scope_implies_its_township_and_county(personas):
    user = User(username="y", role=Role.VILLAGE, village=personas.tuwu)
    user.clean()
    assert (user.township, user.county) == (personas.yukou_town, personas.county)


def test_id_numbers_are_masked_in_lists_for_roles_that_do_not_need_them(personas, client_for):
    PartyFactory(village=personas.yukou, name="张三", id_number="11010519491231002X")
    url = reverse("villages:party-list")
    assert "110105********002X" in client_for(personas.collector).get(url).content.decode()
    assert "110105********002X" in client_for(personas.admin).get(url).content.decode()
    assert "11010519491231002X" in client_for(personas.cadre).get(url).content.decode()
    assert "11010519491231002X" in client_for(personas.inspector).get(url).content.decode()


@pytest.mark.parametrize("query", ["zs", "ZS", "zhangsan", "张三", "19491231", "002x"])
def test_party_search_by_name_pinyin_initials_and_id_number(personas, client_for, query):
    PartyFactory(village=personas.yukou, name="张三", id_number="11010519491231002X")
    PartyFactory(village=personas.yukou, name="李四")
    page = client_for(personas.cadre).get(reverse("villages:party-list"), {"q": query}).content.decode()
    assert "张三" in page
    assert "李四" not in page


def test_village_search_by_pinyin_initials(personas, client_for):
    page = client_for(personas.cadre).get(reverse("villages:village-list"), {"q": "tw"}).content.decode()
    assert "土屋村" in page and "共 1 条" in page


def test_party_filters_by_village_and_missing_id(personas, client_for):
    PartyFactory(village=personas.yukou, name="有证", id_number="11010519491231002X")
    PartyFactory(village=personas.tuwu, name="无证", id_number="")
    client = client_for(personas.cadre)
    page = client.get(reverse("villages:party-list"), {"missing_id": "true"}).content.decode()
    assert "无证" in page and "有证" not in page
    page = client.get(reverse("villages:party-list"), {"village": personas.yukou.pk}).content.decode()
    assert "有证" in page and "无证" not in page


def test_filtering_by_a_village_outside_scope_shows_nothing_of_it(personas, client_for):
    PartyFactory(village=personas.jicui, name="积翠人")
    page = client_for(personas.cadre).get(reverse("villages:party-list"),
                                          {"village": personas.jicui.pk}).content.decode()
    assert "积翠人" not in page


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_status_page_is_for_the_administrator(personas, client_for, task_worker):
    page = client_for(personas.admin).get(reverse("core:status")).content.decode()
    assert "数据库" in page and "正常" in page
    assert client_for(personas.inspector).get(reverse("core:status")).status_code == 403


def test_createsuperuser_makes_the_system_administrator(db):
    admin = User.objects.create_superuser("boss", password="x-2026-long-pass")
    assert admin.role == Role.ADMIN and admin.scope_level == "all"

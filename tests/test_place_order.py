"""Places in the order people read them: groups by their number (一组, 二组 … 十组, 十一组), villages and townships
by pinyin, wherever they are listed, however they were written (a page, a loader, a places ledger)."""
import random

import pytest
from django.urls import reverse

from places.factories import GroupFactory, TownshipFactory, VillageFactory
from places.models import Group, Township, Village
from places.sorting import chinese_number, name_sort_key
from tests.test_ledger_import import PLACE_HEADER, run, sheet_of

GROUPS = ["一组", "二组", "三组", "四组", "五组", "六组", "七组", "八组", "九组", "十组", "十一组", "十二组", "二十组"]
# By pinyin: 后沟 hou, 积翠 ji, 南阳沟 nan, 土屋 tu, 杨家沟 yang jia, 阳湾 yang wan, 峪口 yu, 张家塔 zhang.
VILLAGES = ["后沟村", "积翠村", "南阳沟村", "土屋村", "杨家沟村", "阳湾村", "峪口村", "张家塔村"]


def shuffled(names):
    names = list(names)
    random.Random(7).shuffle(names)
    return names


@pytest.mark.parametrize("text, number", [
    ("一", 1), ("十", 10), ("十一", 11), ("二十", 20), ("二十三", 23), ("一百零五", 105), ("两千", 2000),
    ("一千零一十", 1010), ("一二", 12), ("二〇二六", 2026), ("零", 0),
    ("二三十", None), ("十十", None), ("十百", None), ("三岔", None), ("", None)])
def test_chinese_numerals_are_read_as_numbers(text, number):
    assert chinese_number(text) == number


def test_groups_sort_by_their_number_however_written():
    assert sorted(shuffled(GROUPS), key=name_sort_key) == GROUPS
    assert sorted(["第十一村民小组", "第2村民小组", "第三村民小组"], key=name_sort_key) == [
        "第2村民小组", "第三村民小组", "第十一村民小组"]
    assert name_sort_key("3组") == name_sort_key("三组") == name_sort_key("第三组")


def test_villages_sort_by_pinyin_syllable_by_syllable():
    assert sorted(shuffled(VILLAGES), key=name_sort_key) == VILLAGES
    # A numbered village by its number; a numeral that is part of a name by its sound.
    assert sorted(["东十村", "东风村", "东二村", "东一村"], key=name_sort_key) == [
        "东一村", "东二村", "东十村", "东风村"]
    assert sorted(["三岔村", "十里铺村", "二道沟村"], key=name_sort_key) == ["二道沟村", "三岔村", "十里铺村"]
    # 西安 (xi an) before 先锋 (xian feng); a name before the longer one it begins.
    assert sorted(["先锋村", "西安村"], key=name_sort_key) == ["西安村", "先锋村"]
    assert sorted(["李庄村", "李庄"], key=name_sort_key) == ["李庄", "李庄村"]


def test_the_key_holds_only_letters_and_digits_so_every_database_sorts_it_alike():
    for name in [*GROUPS, *VILLAGES, "A区·一组", "（原）东风村", "Ⅱ组"]:
        key = name_sort_key(name)
        assert key and key.isascii() and key.isalnum() and key == key.lower(), name


def test_the_database_lists_groups_by_number_and_villages_by_pinyin(personas):
    village = personas.tuwu
    for name in shuffled(GROUPS):
        GroupFactory(village=village, name=name)
    assert list(village.groups.values_list("name", flat=True)) == GROUPS
    town = TownshipFactory(county=personas.county, name="北武当镇", body=True)
    for name in shuffled(VILLAGES):
        VillageFactory(township=town, name=name)
    assert list(Village.objects.filter(township=town).values_list("name", flat=True)) == ["北武当镇本级", *VILLAGES]
    # Townships by pinyin too: 北武当 bei, 积翠 ji, 峪口 yu.
    assert list(Township.objects.values_list("name", flat=True)) == ["北武当镇", "积翠镇", "峪口镇"]


def test_a_renamed_group_moves_to_its_place(personas):
    for name in ["一组", "二组", "三组"]:
        GroupFactory(village=personas.yukou, name=name)
    group = Group.objects.get(village=personas.yukou, name="一组")
    group.name = "十组"
    group.save(update_fields=["name"])
    assert list(personas.yukou.groups.values_list("name", flat=True)) == ["二组", "三组", "十组"]


def test_the_village_page_and_the_group_choices_list_groups_in_order(personas, client_for):
    for name in shuffled(GROUPS):
        GroupFactory(village=personas.yukou, name=name)
    client = client_for(personas.cadre)
    page = client.get(reverse("villages:village-detail", args=[personas.yukou.pk])).content.decode()
    assert [page.index(f">{name}<") for name in GROUPS] == sorted(page.index(f">{name}<") for name in GROUPS)
    options = client.get(reverse("villages:group-options"), {"village": personas.yukou.pk}).content.decode()
    assert [options.index(f">{name}<") for name in GROUPS] == sorted(options.index(f">{name}<") for name in GROUPS)


def test_the_village_list_is_in_pinyin_order(personas, client_for):
    for name in shuffled(["张家塔村", "后沟村", "阳湾村"]):
        VillageFactory(township=personas.yukou_town, name=name)
    listed = [v.name for v in client_for(personas.cadre).get(reverse("villages:village-list")).context["object_list"]]
    assert listed == ["后沟村", "土屋村", "阳湾村", "峪口村", "张家塔村"]


def test_a_places_ledger_writes_its_groups_in_order(personas, tmp_path):
    rows = [["方山县", "北武当镇", "新庄村", None, 120, 380, None, None, None, 12]]
    rows += [["方山县", "北武当镇", "新庄村", name, 10, 30, None, None, None, None] for name in shuffled(GROUPS)]
    run(sheet_of(tmp_path, PLACE_HEADER, rows, "places", title_rows=1), "places", personas.county_office, commit=True)
    village = Village.objects.get(name="新庄村")
    assert list(village.groups.values_list("name", flat=True)) == GROUPS
    assert village.sort_key == name_sort_key("新庄村") and village.township.sort_key == name_sort_key("北武当镇")
    assert Village.objects.get(name="北武当镇本级").sort_key == name_sort_key("北武当镇本级")

"""Provinces, counties, townships, villages and village groups (DOMAIN.md §2): the places every record belongs to.

The lowest floor: it imports only Django (and pypinyin, for the search keys of the one village it makes
itself), so that every other app (core included) may stand on it. The tables keep the names they were first
created under.
"""
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from pypinyin import Style, lazy_pinyin

from .sorting import SORT_KEY_MAX, name_sort_key

AREA = {"max_digits": 12, "decimal_places": 2}
TOWNSHIP_BODY_LABEL = "镇本级"
positive_area = MinValueValidator(Decimal("0.01"), message="面积必须大于0亩。")
not_negative_area = MinValueValidator(Decimal("0"), message="面积不能为负数。")


class SortedByName(models.Model):
    """A place listed in the order people read names (places.sorting): its `sort_key` follows its name on
    every save, whoever saves it (services, loaders, factories); bulk writers set it themselves."""

    sort_key = models.CharField(max_length=SORT_KEY_MAX, blank=True, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.sort_key = name_sort_key(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "sort_key"}
        super().save(*args, **kwargs)


class Province(models.Model):
    """The province whose office (省级农经/专项办) reads its counties' figures and ranks them.

    A county need not have one: a deployment for one county runs as before, and a province office sees
    only the counties the administrator has put in its province.
    """

    name = models.CharField("省名", max_length=50, unique=True)
    code = models.CharField("行政区划代码", max_length=12, blank=True)

    class Meta:
        verbose_name = "省"
        verbose_name_plural = "省"
        ordering = ["name"]

    def __str__(self):
        return self.name


class County(models.Model):
    province = models.ForeignKey(Province, verbose_name="省", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="counties")
    name = models.CharField("县名", max_length=50, unique=True)
    code = models.CharField("行政区划代码", max_length=12, blank=True)

    class Meta:
        db_table = "villages_county"
        verbose_name = "县"
        verbose_name_plural = "县"
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_additional_data(self):
        return {"county_id": self.pk}


class Township(SortedByName):
    county = models.ForeignKey(County, verbose_name="县", on_delete=models.PROTECT, related_name="townships")
    name = models.CharField("乡镇名称", max_length=50)
    code = models.CharField("行政区划代码", max_length=12, blank=True)

    class Meta:
        db_table = "villages_township"
        verbose_name = "乡镇"
        verbose_name_plural = "乡镇"
        ordering = ["county_id", "sort_key", "name"]
        constraints = [models.UniqueConstraint(fields=["county", "name"], name="township_unique_name",
                                                violation_error_message="本县已有同名乡镇。")]

    def __str__(self):
        return self.name

    def get_additional_data(self):
        return {"township_id": self.pk, "county_id": self.county_id}

    @property
    def body_name(self) -> str:
        return f"{self.name}本级"

    def new_body(self) -> "Village":
        """The township's own unit (镇本级), unsaved: for a writer that inserts townships in bulk."""
        return Village(township=self, is_township_body=True, name=self.body_name,
                       collective_org=f"{self.name}人民政府", search_keys=pinyin_keys(self.body_name),
                       sort_key=name_sort_key(self.body_name))

    def body(self) -> "Village":
        """The township's own unit (镇本级, DOMAIN.md §8), made the first time it is asked for.

        It lets contracts and holds claims and debts of its own, so it is a Village row: everything scoped
        to or measured by village takes it in unchanged, counted with its township. Whoever creates a
        township calls this (villages.services.township_create), so that every township has its body.
        """
        found = self.villages.filter(is_township_body=True).first()
        if found is not None:
            return found
        # A village already named like the body (a ledger's "峪口镇本级" row) becomes it rather than a twin.
        named = self.villages.filter(name=self.body_name).first()
        if named is not None:
            named.is_township_body = True
            named.save(update_fields=["is_township_body"])
            return named
        body = self.new_body()
        body.full_clean()
        body.save()
        return body


class Village(SortedByName):
    township = models.ForeignKey(Township, verbose_name="乡镇", on_delete=models.PROTECT, related_name="villages")
    name = models.CharField("村名", max_length=50)
    code = models.CharField("行政区划代码", max_length=12, blank=True)
    collective_org = models.CharField(
        "集体经济组织名称", max_length=100, blank=True, help_text="在函件上署名盖章的组织，如：峪口村股份经济合作社"
    )
    contact_person = models.CharField("联系人", max_length=30, blank=True,
                                      help_text="印在函件上，债务人有疑问时联系的人，如：村报账员 王丽")
    contact_phone = models.CharField("联系电话", max_length=30, blank=True, help_text="印在函件上")
    households = models.PositiveIntegerField("户数", null=True, blank=True)
    population = models.PositiveIntegerField("人口", null=True, blank=True)
    total_area_mu = models.DecimalField("总面积(亩)", null=True, blank=True, validators=[positive_area], **AREA)
    arable_area_mu = models.DecimalField(
        "耕地面积(亩)", null=True, blank=True, validators=[not_negative_area], **AREA)
    forest_area_mu = models.DecimalField(
        "林地面积(亩)", null=True, blank=True, validators=[not_negative_area], **AREA)
    expected_contracts = models.PositiveIntegerField(
        "应有合同数", default=0, help_text="合同查找率的分母：经“三查一访”摸底应有的合同份数"
    )
    note = models.TextField("备注", blank=True)
    is_township_body = models.BooleanField(
        TOWNSHIP_BODY_LABEL, default=False, editable=False,
        help_text="乡镇自身（镇本级）作为一个单位登记合同、债权和债务，范围和统计都与村相同")
    search_keys = models.CharField(max_length=400, blank=True, editable=False)

    class Meta:
        db_table = "villages_village"
        verbose_name = "村"
        verbose_name_plural = "村"
        # Townships and villages by pinyin; the township's own unit first, then its villages.
        ordering = ["township__sort_key", "township_id", "-is_township_body", "sort_key", "name"]
        constraints = [
            models.UniqueConstraint(fields=["township", "name"], name="village_unique_name",
                                    violation_error_message="本乡镇已有同名的村。"),
            models.UniqueConstraint(fields=["township"], condition=Q(is_township_body=True),
                                    name="village_one_township_body",
                                    violation_error_message="本乡镇已有镇本级。"),
            models.CheckConstraint(condition=Q(total_area_mu__gt=0) | Q(total_area_mu__isnull=True),
                                   name="village_total_area_positive"),
            models.CheckConstraint(condition=Q(arable_area_mu__gte=0) | Q(arable_area_mu__isnull=True),
                                   name="village_arable_area_not_negative"),
            models.CheckConstraint(condition=Q(forest_area_mu__gte=0) | Q(forest_area_mu__isnull=True),
                                   name="village_forest_area_not_negative"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("villages:village-detail", args=[self.pk])

    @property
    def full_name(self):
        # The body's own name already begins with its township's (峪口镇本级).
        return self.name if self.is_township_body else f"{self.township.name}{self.name}"

    @property
    def signing_org(self):
        if self.collective_org:
            return self.collective_org
        return f"{self.township.name}人民政府" if self.is_township_body else f"{self.name}股份经济合作社"

    def get_additional_data(self):
        return {"village_id": self.pk, "township_id": self.township_id, "county_id": self.township.county_id}


def pinyin_keys(name: str) -> str:
    """The search keys of a place's name (initials, then full pinyin), as core.pinyin.search_keys makes them
    for every other village: places stands below core."""
    initials = "".join(lazy_pinyin(name, style=Style.FIRST_LETTER, errors="default")).lower().replace(" ", "")
    full = "".join(lazy_pinyin(name, errors="default")).lower().replace(" ", "")
    return f"{initials} {full}"[:400]


class VillageOwned(models.Model):
    """A record that belongs to one village, and so to its township and county."""

    class Meta:
        abstract = True

    def get_additional_data(self):
        village = self.village
        return {"village_id": village.pk, "township_id": village.township_id,
                "county_id": village.township.county_id}

    def clean(self):
        super().clean()
        group_id = getattr(self, "group_id", None)
        if group_id and self.village_id and self.group.village_id != self.village_id:
            raise ValidationError({"group": "所选村民小组不属于该村。"})


class Group(SortedByName, VillageOwned):
    village = models.ForeignKey(Village, verbose_name="村", on_delete=models.PROTECT, related_name="groups")
    name = models.CharField("组名", max_length=30, help_text="如：一组、第三村民小组")
    leader = models.CharField("组长", max_length=30, blank=True)
    households = models.PositiveIntegerField("户数", null=True, blank=True)
    population = models.PositiveIntegerField("人口", null=True, blank=True)

    class Meta:
        db_table = "villages_group"
        verbose_name = "村民小组"
        verbose_name_plural = "村民小组"
        ordering = ["village_id", "sort_key", "name"]
        constraints = [models.UniqueConstraint(fields=["village", "name"], name="group_unique_name",
                                                violation_error_message="本村已有同名村民小组。")]

    def __str__(self):
        return self.name

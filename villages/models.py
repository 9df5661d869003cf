"""Places, parties, parcels and assets (DOMAIN.md §2–§4)."""
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

from core.audit import register_audited
from core.idnumbers import mask_id_number, normalize_credit_code, normalize_resident_id

AREA = {"max_digits": 12, "decimal_places": 2}
MONEY = {"max_digits": 14, "decimal_places": 2}
positive_area = MinValueValidator(Decimal("0.01"), message="面积必须大于0亩。")
not_negative_area = MinValueValidator(Decimal("0"), message="面积不能为负数。")
not_negative_money = MinValueValidator(Decimal("0"), message="金额不能为负数。")
positive_money = MinValueValidator(Decimal("0.01"), message="金额必须大于0。")


class County(models.Model):
    name = models.CharField("县名", max_length=50, unique=True)
    code = models.CharField("行政区划代码", max_length=12, blank=True)

    class Meta:
        verbose_name = "县"
        verbose_name_plural = "县"
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_additional_data(self):
        return {"county_id": self.pk}


class Township(models.Model):
    county = models.ForeignKey(County, verbose_name="县", on_delete=models.PROTECT, related_name="townships")
    name = models.CharField("乡镇名称", max_length=50)
    code = models.CharField("行政区划代码", max_length=12, blank=True)

    class Meta:
        verbose_name = "乡镇"
        verbose_name_plural = "乡镇"
        ordering = ["county_id", "name"]
        constraints = [models.UniqueConstraint(fields=["county", "name"], name="township_unique_name",
                                                violation_error_message="本县已有同名乡镇。")]

    def __str__(self):
        return self.name

    def get_additional_data(self):
        return {"township_id": self.pk, "county_id": self.county_id}


class Village(models.Model):
    township = models.ForeignKey(Township, verbose_name="乡镇", on_delete=models.PROTECT, related_name="villages")
    name = models.CharField("村名", max_length=50)
    code = models.CharField("行政区划代码", max_length=12, blank=True)
    collective_org = models.CharField(
        "集体经济组织名称", max_length=100, blank=True, help_text="在函件上署名盖章的组织，如：峪口村股份经济合作社"
    )
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
    search_keys = models.CharField(max_length=400, blank=True, editable=False)

    class Meta:
        verbose_name = "村"
        verbose_name_plural = "村"
        ordering = ["township__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["township", "name"], name="village_unique_name",
                                    violation_error_message="本乡镇已有同名的村。"),
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
        return f"{self.township.name}{self.name}"

    @property
    def signing_org(self):
        return self.collective_org or f"{self.name}股份经济合作社"

    def get_additional_data(self):
        return {"village_id": self.pk, "township_id": self.township_id, "county_id": self.township.county_id}


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


class Group(VillageOwned):
    village = models.ForeignKey(Village, verbose_name="村", on_delete=models.PROTECT, related_name="groups")
    name = models.CharField("组名", max_length=30, help_text="如：一组、第三村民小组")
    leader = models.CharField("组长", max_length=30, blank=True)
    households = models.PositiveIntegerField("户数", null=True, blank=True)
    population = models.PositiveIntegerField("人口", null=True, blank=True)

    class Meta:
        verbose_name = "村民小组"
        verbose_name_plural = "村民小组"
        ordering = ["village_id", "name"]
        constraints = [models.UniqueConstraint(fields=["village", "name"], name="group_unique_name",
                                                violation_error_message="本村已有同名村民小组。")]

    def __str__(self):
        return self.name


class Party(VillageOwned):
    """当事人: a person or an organisation that holds contracts, claims or debts.

    `village` is the village that registered the party (for a villager, their
    home village); the same party may hold contracts in other villages.
    """

    class Kind(models.TextChoices):
        PERSON = "person", "自然人"
        ORG = "org", "单位"

    kind = models.CharField("类型", max_length=10, choices=Kind.choices, default=Kind.PERSON)
    name = models.CharField("姓名/名称", max_length=100)
    id_number = models.CharField(
        "证件号码", max_length=18, blank=True,
        help_text="自然人填身份证号，单位填统一社会信用代码；旧账无证件号可暂空",
    )
    phone = models.CharField("联系电话", max_length=30, blank=True)
    village = models.ForeignKey(Village, verbose_name="登记村", on_delete=models.PROTECT, related_name="parties")
    group = models.ForeignKey(
        Group, verbose_name="村民小组", on_delete=models.PROTECT, null=True, blank=True, related_name="parties"
    )
    is_member = models.BooleanField("本集体经济组织成员", default=True)
    address = models.CharField("住址", max_length=200, blank=True)
    note = models.TextField("备注", blank=True)
    search_keys = models.CharField(max_length=400, blank=True, editable=False)

    class Meta:
        verbose_name = "当事人"
        verbose_name_plural = "当事人"
        ordering = ["village_id", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["id_number"], condition=~Q(id_number=""), name="party_unique_id_number",
                                    violation_error_message="该证件号码已登记为其他当事人，请勿重复登记。"),
        ]
        indexes = [models.Index(fields=["village", "name"])]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("villages:party-detail", args=[self.pk])

    def clean(self):
        super().clean()
        if self.id_number:
            normalize = normalize_resident_id if self.kind == self.Kind.PERSON else normalize_credit_code
            try:
                self.id_number = normalize(self.id_number)
            except ValidationError as error:
                raise ValidationError({"id_number": error.messages}) from None

    @property
    def id_number_masked(self):
        return mask_id_number(self.id_number)

    @property
    def id_label(self):
        return "身份证号" if self.kind == self.Kind.PERSON else "统一社会信用代码"


class ParcelKind(models.TextChoices):
    ARABLE = "耕地", "耕地"
    RESERVE = "机动地", "机动地"
    WASTELAND = "四荒地", "四荒地"
    FOREST = "林地", "林地"
    POND = "坑塘水面", "坑塘水面"
    CONSTRUCTION = "建设用地", "建设用地"
    OTHER = "其他", "其他"


class Parcel(VillageOwned):
    class State(models.TextChoices):
        LET = "已发包", "已发包"
        IDLE = "闲置", "闲置"
        OCCUPIED = "被占用", "被占用"
        RECOVERED = "已收回", "已收回"

    village = models.ForeignKey(Village, verbose_name="村", on_delete=models.PROTECT, related_name="parcels")
    group = models.ForeignKey(
        Group, verbose_name="村民小组", on_delete=models.PROTECT, null=True, blank=True, related_name="parcels"
    )
    code = models.CharField("地块编号", max_length=50)
    name = models.CharField("地名", max_length=100)
    kind = models.CharField("资源类型", max_length=10, choices=ParcelKind.choices)
    ledger_area_mu = models.DecimalField("台账面积(亩)", validators=[positive_area], **AREA)
    measured_area_mu = models.DecimalField("实测面积(亩)", null=True, blank=True, validators=[positive_area], **AREA)
    measured_on = models.DateField("实测日期", null=True, blank=True)
    boundaries = models.CharField("四至", max_length=300, blank=True, help_text="东至…，南至…，西至…，北至…")
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.IDLE)
    note = models.TextField("备注", blank=True)

    class Meta:
        verbose_name = "地块"
        verbose_name_plural = "地块"
        ordering = ["village_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["village", "code"], name="parcel_unique_code",
                                    violation_error_message="本村已有相同编号的地块。"),
            models.CheckConstraint(condition=Q(ledger_area_mu__gt=0), name="parcel_ledger_area_positive"),
            models.CheckConstraint(condition=Q(measured_area_mu__gt=0) | Q(measured_area_mu__isnull=True),
                                   name="parcel_measured_area_positive"),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    def get_absolute_url(self):
        return reverse("villages:parcel-detail", args=[self.pk])

    @property
    def area_checked(self) -> bool:
        return self.measured_area_mu is not None

    @property
    def area_difference_share(self) -> Decimal | None:
        """Measured minus ledger area, as a share of the ledger area."""
        if self.measured_area_mu is None:
            return None
        return (self.measured_area_mu - self.ledger_area_mu) / self.ledger_area_mu

    @property
    def area_flagged(self) -> bool:
        share = self.area_difference_share
        return share is not None and abs(share) > settings.AREA_TOLERANCE


class AssetKind(models.TextChoices):
    BUILDING = "房屋", "房屋"
    FACILITY = "设施", "设施"
    EQUIPMENT = "设备", "设备"
    SHARES = "股权", "股权"


class Asset(VillageOwned):
    class State(models.TextChoices):
        IN_USE = "自用", "自用"
        LET = "已出租", "已出租"
        IDLE = "闲置", "闲置"
        OCCUPIED = "被占用", "被占用"
        RECOVERED = "已收回", "已收回"
        DISPOSED = "已处置", "已处置"

    village = models.ForeignKey(Village, verbose_name="村", on_delete=models.PROTECT, related_name="assets")
    group = models.ForeignKey(
        Group, verbose_name="村民小组", on_delete=models.PROTECT, null=True, blank=True, related_name="assets"
    )
    code = models.CharField("资产编号", max_length=50)
    name = models.CharField("资产名称", max_length=100)
    kind = models.CharField("资产类别", max_length=10, choices=AssetKind.choices)
    location = models.CharField("坐落位置", max_length=200, blank=True)
    floor_area_m2 = models.DecimalField(
        "建筑面积(㎡)", null=True, blank=True,
        validators=[MinValueValidator(Decimal("0.01"), message="建筑面积必须大于0。")], **AREA)
    quantity = models.PositiveIntegerField("数量", default=1)
    book_value = models.DecimalField(
        "账面价值(元)", null=True, blank=True, validators=[not_negative_money], **MONEY)
    acquired_on = models.DateField("取得日期", null=True, blank=True)
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.IN_USE)
    note = models.TextField("备注", blank=True)

    class Meta:
        verbose_name = "资产"
        verbose_name_plural = "资产"
        ordering = ["village_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["village", "code"], name="asset_unique_code",
                                    violation_error_message="本村已有相同编号的资产。"),
            models.CheckConstraint(condition=Q(book_value__gte=0) | Q(book_value__isnull=True),
                                   name="asset_book_value_not_negative"),
            models.CheckConstraint(condition=Q(floor_area_m2__gt=0) | Q(floor_area_m2__isnull=True),
                                   name="asset_floor_area_positive"),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    def get_absolute_url(self):
        return reverse("villages:asset-detail", args=[self.pk])


for _model in (County, Township, Village, Group, Party, Parcel, Asset):
    register_audited(_model, exclude=("search_keys",))

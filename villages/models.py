"""Parties, parcels and assets (DOMAIN.md §3–§4). The places they belong to are in `places`."""
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from core.audit import register_audited
from core.idnumbers import mask_id_number, normalize_credit_code, normalize_resident_id

# AREA, positive_area and VillageOwned are used by the apps above through this module as well.
from places.models import AREA, Group, Village, VillageOwned, not_negative_area, positive_area  # noqa: F401

MONEY = {"max_digits": 14, "decimal_places": 2}
not_negative_money = MinValueValidator(Decimal("0"), message="金额不能为负数。")
positive_money = MinValueValidator(Decimal("0.01"), message="金额必须大于0。")


class Party(VillageOwned):
    """当事人: a person or an organisation that holds contracts, claims or debts.

    `village` is the village that registered the party (for a villager, their
    home village); the same party may hold contracts in other villages.
    """

    class Kind(models.TextChoices):
        PERSON = "person", "自然人"
        ORG = "org", "单位"

    class Status(models.TextChoices):
        """The party's standing as a debtor (DOMAIN.md §8): the usual ground for a write-off."""

        NORMAL = "正常", "正常"
        DECEASED_WITH_HEIRS = "已故（有继承人）", "已故（有继承人）"
        DECEASED_NO_HEIRS = "已故（无继承人）", "已故（无继承人）"
        MOVED_AWAY = "迁出（下落已知）", "迁出（下落已知）"
        WHEREABOUTS_UNKNOWN = "下落不明", "下落不明"
        DEREGISTERED = "已注销（组织）", "已注销（组织）"
        REVOKED = "已吊销（组织）", "已吊销（组织）"

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
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.NORMAL,
                              help_text="作为债务人的状况；已故、迁出、注销等是核销的常见依据")
    status_since = models.DateField("状态日期", null=True, blank=True, help_text="去世、迁出、注销或吊销的日期")
    heirs = models.TextField("继承人", blank=True, help_text="继承人姓名、联系方式；仅“已故（有继承人）”时填写")
    status_note = models.TextField("状态说明", blank=True, help_text="依据，如死亡证明、村委会证明、注销公告")
    search_keys = models.CharField(max_length=400, blank=True, editable=False)

    class Meta:
        verbose_name = "当事人"
        verbose_name_plural = "当事人"
        ordering = ["village_id", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["id_number"], condition=~Q(id_number=""), name="party_unique_id_number",
                                    violation_error_message="该证件号码已登记为其他当事人，请勿重复登记。"),
            # The same rules as clean(), held by the database for writes that bypass it (bulk imports).
            models.CheckConstraint(
                condition=~Q(kind="person", status__in=["已注销（组织）", "已吊销（组织）"])
                & ~Q(kind="org", status__in=["已故（有继承人）", "已故（无继承人）"]),
                name="party_status_fits_kind", violation_error_message="“状态”与当事人类型不符。"),
            models.CheckConstraint(
                condition=Q(status="已故（有继承人）", heirs__gt="") | (~Q(status="已故（有继承人）") & Q(heirs="")),
                name="party_heirs_only_when_deceased_with_heirs",
                violation_error_message="只有状态为“已故（有继承人）”时填写“继承人”，且必须填写。"),
        ]
        indexes = [models.Index(fields=["village", "name"])]

    PERSON_STATUSES = frozenset({Status.DECEASED_WITH_HEIRS, Status.DECEASED_NO_HEIRS})
    ORG_STATUSES = frozenset({Status.DEREGISTERED, Status.REVOKED})

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
        self.heirs = self.heirs.strip()
        errors = {}
        if self.status in self.PERSON_STATUSES and self.kind != self.Kind.PERSON:
            errors["status"] = f"“状态”不能选“{self.status}”：这只适用于自然人，该当事人是单位。"
        elif self.status in self.ORG_STATUSES and self.kind != self.Kind.ORG:
            errors["status"] = f"“状态”不能选“{self.status}”：这只适用于单位，该当事人是自然人。"
        if self.status == self.Status.DECEASED_WITH_HEIRS and not self.heirs:
            errors["heirs"] = "状态为“已故（有继承人）”时，请填写“继承人”的姓名和联系方式。"
        elif self.heirs and self.status != self.Status.DECEASED_WITH_HEIRS:
            errors["heirs"] = "只有状态为“已故（有继承人）”时才填写“继承人”，请清空或改选状态。"
        if self.status_since and self.status_since > timezone.localdate():
            errors["status_since"] = "“状态日期”不能晚于今天。"
        if errors:
            raise ValidationError(errors)

    @property
    def status_flagged(self) -> bool:
        """Anything but 正常: shown as a badge wherever the party is named as a debtor."""
        return self.status != self.Status.NORMAL

    @property
    def status_summary(self) -> str:
        """The status in one line, with its date, heirs and grounds, for help texts (e.g. a write-off's form)."""
        parts = [self.get_status_display()]
        if self.status_since:
            parts.append(f"自 {self.status_since:%Y-%m-%d} 起")
        if self.heirs:
            parts.append(f"继承人：{' '.join(self.heirs.split())}")
        if self.status_note:
            parts.append(f"依据：{' '.join(self.status_note.split())}")
        return "，".join(parts)

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
    # The day the village took the parcel back (by terminating its contract, by taking back occupied land, or
    # as a ledger file records it). Kept when the parcel is let again: 收回土地 counts each parcel once, by
    # this day (DOMAIN.md §11).
    recovered_on = models.DateField("收回日期", null=True, blank=True,
                                    help_text="状态为“已收回”时填写；台账未记日期的可留空")
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

    def clean(self):
        super().clean()
        if self.recovered_on and self.recovered_on > timezone.localdate():
            raise ValidationError({"recovered_on": "收回日期不能晚于今天。"})

    @property
    def area(self) -> Decimal:
        """The measured area where measured, else the ledger's."""
        return self.measured_area_mu or self.ledger_area_mu

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


register_audited(Party, exclude=("search_keys",), summary=("kind", "village"))
register_audited(Parcel, exclude=("search_keys",), summary=("kind", "ledger_area_mu"))
register_audited(Asset, exclude=("search_keys",), summary=("kind", "book_value"))

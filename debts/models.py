"""Claims the village holds (债权), debts it owes (债务), the append-only ledger
that clears them, and the records of the seven clearing steps (DOMAIN.md §8).

Money never changes by editing a number: a claim's or debt's balance is its
principal (plus interest) minus the sum of its entries, computed by the
database. Entries are only ever added; a mistake is undone by a reversing
entry (the negative of the one it names).
"""
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from core.audit import register_audited
from core.files import private_storage
from core.money import format_yuan
from villages.models import MONEY, VillageOwned, positive_money


class ClaimOrigin(models.TextChoices):
    FEES = "承包费拖欠", "承包费拖欠"
    LOAN = "借款", "借款"
    ADVANCE = "垫付", "垫付"
    WORKS = "工程款", "工程款"
    DIVIDEND = "分红款", "分红款"
    TAX_ERA = "税费尾欠", "税费尾欠（三提五统/农业税）"
    PENALTY = "违约金", "违约金"
    LATE_FEE = "滞纳金", "滞纳金"
    OTHER = "其他", "其他"


# A penalty or late fee the contract provides for (DOMAIN.md §8): a claim of its own, beside the arrears it
# accrued on, so that letters show principal, penalty and total apart and the ledger clears each.
PENALTY_ORIGINS = frozenset({ClaimOrigin.PENALTY, ClaimOrigin.LATE_FEE})


class DebtOrigin(models.TextChoices):
    WORKS = "工程欠款", "工程欠款"
    LOAN = "借款", "借款（信用社、银行、村民）"
    LABOUR = "应付劳务费", "应付劳务费"
    WAGES = "应付工资", "应付工资"
    OTHER = "其他", "其他"


class ClaimEntryKind(models.TextChoices):
    CASH = "现金收回", "现金收回"
    DIVIDEND_OFFSET = "分红抵扣", "分红抵扣"
    CROSS_OFFSET = "债权债务冲转", "债权债务冲转"
    ASSET_IN_LIEU = "以资抵债", "以资抵债"
    ADJUSTMENT = "账务调整", "账务调整"
    WRITE_OFF = "核销", "核销"
    WAIVER = "减免", "减免"


class DebtEntryKind(models.TextChoices):
    REPAYMENT = "偿还", "偿还"
    CLAIM_OFFSET = "债权抵顶", "债权抵顶"
    ASSET_SETTLEMENT = "资产抵债", "资产抵债"
    INTEREST_CUT = "减息", "减息"
    WRITE_OFF = "核销", "核销"


# Entries that give money away or net it off need a passed resolution (§7).
NEEDS_RESOLUTION = frozenset({
    ClaimEntryKind.DIVIDEND_OFFSET, ClaimEntryKind.CROSS_OFFSET, ClaimEntryKind.WRITE_OFF, ClaimEntryKind.WAIVER,
    DebtEntryKind.CLAIM_OFFSET, DebtEntryKind.WRITE_OFF,
})
# Entries that move money just as a write-off does: above a small amount they need the township and a
# passed resolution too (§7).
NEEDS_RESOLUTION_ABOVE_LIMIT = frozenset({
    ClaimEntryKind.ADJUSTMENT, ClaimEntryKind.ASSET_IN_LIEU, DebtEntryKind.ASSET_SETTLEMENT,
})
# The cash that actually came in, for 现金清收.
CASH_KINDS = frozenset({ClaimEntryKind.CASH})
# An amount a ledger file gave without its day (Entry.date_unknown), or the reversal of one: it was cleared at
# some time before the import, so it belongs to no dated period; only figures that are not limited to a period
# (a balance, 已清收 up to a day) count it (reports.measures). The reversal, though dated, cancels it there.
UNDATED_ENTRY = Q(date_unknown=True) | Q(reverses__date_unknown=True)
DATED_ENTRY = Q(date_unknown=False) & (Q(reverses__isnull=True) | Q(reverses__date_unknown=False))
# How such an entry's day is shown, on pages and in exports, instead of the day of the import.
UNDATED_LABEL = "日期不详（台账导入）"


class Claim(VillageOwned):
    """债权 (应收款): what a debtor owes the village."""

    village = models.ForeignKey("places.Village", verbose_name="村", on_delete=models.PROTECT,
                                related_name="claims")
    number = models.CharField("债权编号", max_length=60)
    debtor = models.ForeignKey("villages.Party", verbose_name="债务人", on_delete=models.PROTECT,
                               related_name="claims")
    origin = models.CharField("形成原因", max_length=10, choices=ClaimOrigin.choices)
    origin_note = models.CharField("原因说明", max_length=200, blank=True,
                                   help_text="台账原文，如“三提五统”“2016年修路垫付”")
    contract = models.ForeignKey("contracts.Contract", verbose_name="关联合同", on_delete=models.PROTECT,
                                 null=True, blank=True, related_name="claims")
    instalment = models.OneToOneField("contracts.Instalment", verbose_name="来源应付款", on_delete=models.PROTECT,
                                      null=True, blank=True, related_name="claim")
    penalty_of = models.ForeignKey("self", verbose_name="所涉欠款", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="penalties", help_text="违约金、滞纳金所依据的欠款（同一债务人）")
    principal = models.DecimalField("金额(元)", validators=[positive_money], **MONEY)
    occurred_on = models.DateField("发生日期", null=True, blank=True)
    due_date = models.DateField("到期日期", null=True, blank=True)
    in_book = models.BooleanField("账内", default=True, help_text="不勾选即为账外债权")
    collector = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="清收责任人", on_delete=models.PROTECT,
                                  null=True, blank=True, related_name="+")
    sealed = models.BooleanField("已封存", default=False)
    seal_reason = models.CharField("封存原因", max_length=200, blank=True)
    # The limitation clock (debts/limitation.py), worked out from the claim's facts and kept by the
    # services whenever one changes, so that lists filter on it.
    clock_from = models.DateField("时效起算日", null=True, blank=True)
    lapse_on = models.DateField("时效届满日", null=True, blank=True)
    clock_suspended = models.BooleanField("时效中止", default=False)
    lapse_confirmed = models.BooleanField("届满后经确认", default=False)
    note = models.TextField("备注", blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "债权"
        verbose_name_plural = "债权"
        ordering = ["village_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["village", "number"], name="claim_unique_number",
                                    violation_error_message="本村已有相同编号的债权。"),
            models.CheckConstraint(condition=Q(principal__gt=0), name="claim_principal_positive",
                                   violation_error_message="债权金额必须大于0。"),
        ]
        indexes = [
            # With the principal, the dashboards' sums of a county's claims are read from the index alone.
            models.Index(fields=["village", "sealed", "principal"], name="claim_village_sealed_idx"),
            models.Index(fields=["due_date"]),
            models.Index(fields=["lapse_on"], name="claim_lapse_on_idx"),
        ]

    def __str__(self):
        return f"{self.number} {self.debtor.name if self.debtor_id else ''}"

    def get_absolute_url(self):
        return reverse("debts:claim-detail", args=[self.pk])

    @property
    def clock(self):
        """The stored limitation clock; `claim.clock.state(today)` says where it stands."""
        from .limitation import stored_clock

        return stored_clock(self)

    @property
    def clock_state(self):
        return self.clock.state(timezone.localdate())

    def clean(self):
        super().clean()
        if self.origin == ClaimOrigin.OTHER and not self.origin_note:
            raise ValidationError({"origin_note": "形成原因为“其他”时，请写明原因。"})
        self._clean_penalty()

    def _clean_penalty(self):
        arrears = self.penalty_of
        if arrears is None:
            return
        if self.origin not in PENALTY_ORIGINS:
            raise ValidationError({"penalty_of": "只有违约金、滞纳金才填写所涉欠款。"})
        if arrears.origin in PENALTY_ORIGINS:
            raise ValidationError({"penalty_of": "所涉欠款不能是另一笔违约金或滞纳金。"})
        if self.pk is not None and arrears.pk == self.pk:
            raise ValidationError({"penalty_of": "所涉欠款不能是本笔债权自身。"})
        if arrears.debtor_id != self.debtor_id or arrears.village_id != self.village_id:
            raise ValidationError({"penalty_of": "所涉欠款须是同一村、同一债务人的债权。"})

    @property
    def is_penalty(self) -> bool:
        return self.origin in PENALTY_ORIGINS


class Debt(VillageOwned):
    """债务 (应付款): what the village owes a creditor."""

    village = models.ForeignKey("places.Village", verbose_name="村", on_delete=models.PROTECT,
                                related_name="debts")
    number = models.CharField("债务编号", max_length=60)
    creditor = models.ForeignKey("villages.Party", verbose_name="债权人", on_delete=models.PROTECT,
                                 related_name="debts")
    origin = models.CharField("形成原因", max_length=10, choices=DebtOrigin.choices)
    origin_note = models.CharField("原因说明", max_length=200, blank=True)
    principal = models.DecimalField("本金(元)", validators=[positive_money], **MONEY)
    interest = models.DecimalField("利息(元)", default=Decimal("0"),
                                   validators=[MinValueValidator(Decimal("0"), "利息不能为负数。")],
                                   **MONEY)
    occurred_on = models.DateField("发生日期", null=True, blank=True)
    due_date = models.DateField("到期日期", null=True, blank=True)
    in_book = models.BooleanField("账内", default=True)
    note = models.TextField("备注", blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "债务"
        verbose_name_plural = "债务"
        ordering = ["village_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["village", "number"], name="debt_unique_number",
                                    violation_error_message="本村已有相同编号的债务。"),
            models.CheckConstraint(condition=Q(principal__gt=0), name="debt_principal_positive",
                                   violation_error_message="债务本金必须大于0。"),
            models.CheckConstraint(condition=Q(interest__gte=0), name="debt_interest_not_negative"),
        ]

    def __str__(self):
        return f"{self.number} {self.creditor.name if self.creditor_id else ''}"

    def get_absolute_url(self):
        return reverse("debts:debt-detail", args=[self.pk])

    def clean(self):
        super().clean()
        if self.origin == DebtOrigin.OTHER and not self.origin_note:
            raise ValidationError({"origin_note": "形成原因为“其他”时，请写明原因。"})


class EntryQuerySet(models.QuerySet):
    """Bulk writes skip `Entry.save()` and `Entry.delete()`; they are refused here as well."""

    def update(self, **kwargs):
        raise ValidationError("分录一经记账不能修改；如有错误，请登记冲正分录。")

    def delete(self):
        raise ValidationError("分录一经记账不能删除；如有错误，请登记冲正分录。")


class Entry(models.Model):
    """One movement of money against one claim or one debt. Never changed, never deleted.

    `amount` is what the entry takes off the balance; a reversal carries the
    negative of the entry it names. An offset between a claim and a debt is two
    entries, each naming the other as `counterpart`.
    """

    claim = models.ForeignKey(Claim, verbose_name="债权", on_delete=models.PROTECT, null=True, blank=True,
                              related_name="entries")
    debt = models.ForeignKey(Debt, verbose_name="债务", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="entries")
    kind = models.CharField("类型", max_length=10,
                            choices=ClaimEntryKind.choices + [c for c in DebtEntryKind.choices
                                                              if c[0] not in ClaimEntryKind.values])
    amount = models.DecimalField("金额(元)", **MONEY)
    entered_on = models.DateField("业务日期")
    # A ledger file gave the amount cleared but not the day: the entry is dated the day of the import, and
    # that day is not a payment of the debtor's (the limitation clock does not count it).
    date_unknown = models.BooleanField("业务日期不详", default=False, db_default=False)
    voucher_no = models.CharField("凭证号", max_length=50, blank=True)
    note = models.CharField("摘要", max_length=300, blank=True)
    resolution = models.ForeignKey("contracts.Resolution", verbose_name="民主决策", on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="entries")
    reverses = models.OneToOneField("self", verbose_name="冲正的分录", on_delete=models.PROTECT, null=True,
                                    blank=True, related_name="reversed_by")
    # On the debt side of a claim-against-debt offset: the claim entry it pairs with.
    counterpart = models.OneToOneField("self", verbose_name="对应分录", on_delete=models.PROTECT, null=True,
                                       blank=True, related_name="counterpart_of")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="经办人", on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = EntryQuerySet.as_manager()

    # Every entry that names a resolution rests on it: the resolution is locked (Resolution.resting_on_it).
    resolution_rests_on = Q()
    counter_word = "条"

    class Meta:
        verbose_name = "清收分录"
        verbose_name_plural = "清收分录"
        ordering = ["entered_on", "id"]
        constraints = [
            models.CheckConstraint(condition=(Q(claim__isnull=False) & Q(debt__isnull=True))
                                   | (Q(claim__isnull=True) & Q(debt__isnull=False)),
                                   name="entry_on_claim_or_debt"),
            models.CheckConstraint(condition=~Q(amount=0), name="entry_amount_not_zero"),
            models.CheckConstraint(condition=Q(amount__gt=0, reverses__isnull=True)
                                   | Q(amount__lt=0, reverses__isnull=False),
                                   name="entry_negative_only_as_reversal"),
        ]
        indexes = [
            models.Index(fields=["claim", "kind"]), models.Index(fields=["debt", "kind"]),
            # Covers the dashboards' sums of the entries on a county's claims (reports/measures.py): read
            # from the index alone, without a visit to each entry's row, undated amounts and their reversals
            # told apart (UNDATED_ENTRY) by the last two columns.
            models.Index(fields=["claim", "entered_on", "kind", "amount", "date_unknown", "reverses"],
                         name="entry_claim_measures_idx"),
        ]

    def __str__(self):
        return f"{self.day_shown} {self.kind} {format_yuan(self.amount)} 元"

    @property
    def day_shown(self) -> str:
        """The entry's day as pages, notes and exports show it: never the import's day for an undated amount."""
        return UNDATED_LABEL if self.date_unknown else f"{self.entered_on:%Y-%m-%d}"

    @property
    def owner(self):
        return self.claim if self.claim_id else self.debt

    def get_additional_data(self):
        owner = self.owner
        return {**owner.get_additional_data(), "record": f"{owner._meta.model_name}:{owner.pk}"}

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValidationError("分录一经记账不能修改；如有错误，请登记冲正分录。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("分录一经记账不能删除；如有错误，请登记冲正分录。")


class ResolutionCover(models.Model):
    """One claim or debt a resolution's subject names (DOMAIN.md §7): a write-off, waiver or offset rests
    only on a resolution that named the claim or debt it clears, up to the amount named, if any.

    Covers belong to the vote: they can be named while the resolution may still be edited, and are locked
    with it once an entry rests on it.
    """

    resolution = models.ForeignKey("contracts.Resolution", verbose_name="民主决策", on_delete=models.CASCADE,
                                   related_name="covers")
    claim = models.ForeignKey(Claim, verbose_name="债权", on_delete=models.PROTECT, null=True, blank=True,
                              related_name="covers")
    debt = models.ForeignKey(Debt, verbose_name="债务", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="covers")
    amount = models.DecimalField("决议金额(元)", null=True, blank=True, validators=[positive_money],
                                 help_text="留空即为该笔债权（债务）的全部余额", **MONEY)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "决议涵盖的债权债务"
        verbose_name_plural = "决议涵盖的债权债务"
        ordering = ["resolution_id", "id"]
        constraints = [
            models.CheckConstraint(condition=(Q(claim__isnull=False) & Q(debt__isnull=True))
                                   | (Q(claim__isnull=True) & Q(debt__isnull=False)),
                                   name="cover_on_claim_or_debt"),
            models.CheckConstraint(condition=Q(amount__isnull=True) | Q(amount__gt=0), name="cover_amount_positive"),
            models.UniqueConstraint(fields=["resolution", "claim"], name="cover_unique_claim",
                                    violation_error_message="本决议已列明该笔债权。"),
            models.UniqueConstraint(fields=["resolution", "debt"], name="cover_unique_debt",
                                    violation_error_message="本决议已列明该笔债务。"),
        ]

    def __str__(self):
        return str(self.owner)

    @property
    def owner(self):
        return self.claim if self.claim_id else self.debt

    def get_additional_data(self):
        return {**self.resolution.get_additional_data(), "record": f"resolution:{self.resolution_id}"}


# --- Early-payment discounts (DOMAIN.md §8) ------------------------------------------------------------

# A rule has at most this many steps, each within this many days of the notice's delivery.
DISCOUNT_MAX_TIERS = 5
DISCOUNT_MAX_DAYS = 365
# Below 100%: a discount leaves cash to pay. Waiving a whole balance is a 减免 or 核销 the villagers vote on
# claim by claim (a resolution naming it), never a reward for paying nothing early.
DISCOUNT_MAX_PERCENT = 99
# A rule may name any origin a village collects; 税费尾欠 is sealed and never collected, so never discounted.
DISCOUNTABLE_ORIGINS = tuple(o for o in ClaimOrigin if o != ClaimOrigin.TAX_ERA)
# A rule that names no origin covers the arrears themselves: penalties and late fees only when the vote named
# them (a village may choose to waive part of a penalty for prompt payment; it is not assumed).
DISCOUNT_DEFAULT_ORIGINS = frozenset(o for o in DISCOUNTABLE_ORIGINS if o not in PENALTY_ORIGINS)


def check_discount_tiers(tiers) -> list[tuple[int, int]]:
    """The steps of a discount as (days, percent) pairs: 1 to 5 of them, days whole and strictly increasing
    from 1 to 365, percents whole and strictly decreasing from 99 to 1 (the sooner paid, the more waived)."""
    if not isinstance(tiers, (list, tuple)) or not tiers:
        raise ValidationError({"tiers": "请至少填写一档折扣（送达后天数和减免比例）。"})
    if len(tiers) > DISCOUNT_MAX_TIERS:
        raise ValidationError({"tiers": f"折扣最多 {DISCOUNT_MAX_TIERS} 档，现有 {len(tiers)} 档。"})
    steps = []
    for number, tier in enumerate(tiers, start=1):
        if not isinstance(tier, (list, tuple)) or len(tier) != 2:
            raise ValidationError({"tiers": f"第 {number} 档须是“天数:减免比例”一对数字。"})
        days, percent = tier
        if type(days) is not int or not 1 <= days <= DISCOUNT_MAX_DAYS:
            raise ValidationError({"tiers": f"第 {number} 档的天数须是 1 至 {DISCOUNT_MAX_DAYS} 之间的整数。"})
        if type(percent) is not int or not 1 <= percent <= DISCOUNT_MAX_PERCENT:
            raise ValidationError({"tiers": f"第 {number} 档的减免比例须是 1 至 {DISCOUNT_MAX_PERCENT} 之间的整数"
                                            "（%）；全额减免须另行表决、逐笔列明。"})
        if steps and days <= steps[-1][0]:
            raise ValidationError({"tiers": f"第 {number} 档的天数（{days}天）须多于第 {number - 1} 档"
                                            f"（{steps[-1][0]}天）：天数须逐档增加。"})
        if steps and percent >= steps[-1][1]:
            raise ValidationError({"tiers": f"第 {number} 档的减免比例（{percent}%）须低于第 {number - 1} 档"
                                            f"（{steps[-1][1]}%）：越早缴清，减免越多。"})
        steps.append((days, percent))
    return steps


def discount_tiers_label(tiers) -> str:
    """`送达后10天内减免30%、20天内20%、30天内10%`."""
    parts = [f"{days}天内{'减免' if n == 0 else ''}{percent}%" for n, (days, percent) in enumerate(tiers)]
    return "送达后" + "、".join(parts)


class DiscountRule(models.Model):
    """清收折扣规则: a debtor who pays the balance within so many days of the 清缴通知书's delivery has a share of
    it waived (DOMAIN.md §8). It is part of a resolution on a 折扣规则 subject: named while the resolution may
    still be edited, locked with it once a discount rests on it. Applied only by `discount_settle`, as the cash
    received and a 减免 entry resting on the resolution, which together clear the claim.
    """

    resolution = models.ForeignKey("contracts.Resolution", verbose_name="民主决策", on_delete=models.PROTECT,
                                   related_name="discount_rules")
    # [[days, percent], ...]: within `days` days of delivery, `percent`% of the balance is waived.
    tiers = models.JSONField("折扣档次")
    origins = models.JSONField("适用的形成原因", default=list, blank=True,
                               help_text="不选即为除税费尾欠、违约金、滞纳金以外的全部")
    valid_from = models.DateField("活动开始日期")
    valid_to = models.DateField("活动结束日期")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "清收折扣规则"
        verbose_name_plural = "清收折扣规则"
        ordering = ["resolution_id", "valid_from", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(valid_from__lte=models.F("valid_to")), name="discount_window_ordered",
                                   violation_error_message="活动结束日期不能早于开始日期。"),
        ]

    def __str__(self):
        return f"{self.tiers_label}（{self.valid_from:%Y-%m-%d} 至 {self.valid_to:%Y-%m-%d}）"

    def get_additional_data(self):
        return {**self.resolution.get_additional_data(), "record": f"resolution:{self.resolution_id}"}

    def clean(self):
        super().clean()
        self.tiers = [list(step) for step in check_discount_tiers(self.tiers)]
        origins = self.origins if self.origins is not None else []
        if not isinstance(origins, (list, tuple)):
            raise ValidationError({"origins": "适用的形成原因须是一组形成原因。"})
        if ClaimOrigin.TAX_ERA in origins:
            raise ValidationError(
                {"origins": "税费尾欠（三提五统、农业税）一律封存，不由村组织清收，不能列入折扣规则。"})
        if unknown := [o for o in origins if o not in DISCOUNTABLE_ORIGINS]:
            raise ValidationError({"origins": f"形成原因“{'、'.join(map(str, unknown))}”无法识别。"})
        self.origins = [o.value for o in DISCOUNTABLE_ORIGINS if o in origins]
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": "活动结束日期不能早于开始日期。"})

    @property
    def steps(self) -> list[tuple[int, int]]:
        return [(int(days), int(percent)) for days, percent in self.tiers]

    @property
    def tiers_label(self) -> str:
        return discount_tiers_label(self.steps)

    @property
    def applies_to(self) -> frozenset[str]:
        return frozenset(self.origins) if self.origins else DISCOUNT_DEFAULT_ORIGINS

    @property
    def origins_label(self) -> str:
        if not self.origins:
            return "除税费尾欠、违约金、滞纳金以外的全部债权"
        return "、".join(self.origins)

    def tier_for(self, days: int) -> tuple[int, int] | None:
        """The first step whose days reach `days` (day 10 of a 10-day step is still in it), or None."""
        return next(((limit, percent) for limit, percent in self.steps if days <= limit), None)


class ClaimEvent(models.Model):
    """A step on a claim's timeline that moves no money: a collector assigned, a seal, a
    served demand, a letter (the letters module adds those), a court filing."""

    class Kind(models.TextChoices):
        COLLECTOR = "指定清收人", "指定清收人"
        SEALED = "封存", "打包封存"
        UNSEALED = "解封", "解除封存"
        DEMAND = "送达催收", "送达催收通知"
        LETTER_SENT = "发出对账函", "发出对账函"
        LETTER_CONFIRMED = "对账确认", "对账函确认"
        LETTER_RETURNED = "函件退回", "函件退回（未送达）"
        MEDIATION = "诉前调解", "诉前调解"
        DEFAULT = "调解违约", "调解违约、余额到期"
        COURT = "起诉", "依法起诉"
        DISCIPLINE = "移交纪检", "移交纪检监察"

    claim = models.ForeignKey(Claim, verbose_name="债权", on_delete=models.CASCADE, related_name="events")
    kind = models.CharField("事项", max_length=10, choices=Kind.choices)
    # The letter whose delivery or reply this step records: the clock counts a letter only while it stands
    # served (one that came back 退回 restarts nothing).
    letter = models.ForeignKey("Letter", verbose_name="函件", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="claim_events")
    happened_on = models.DateField("日期")
    note = models.CharField("说明", max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="记录人", on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)


    class Meta:
        verbose_name = "清收事项"
        verbose_name_plural = "清收事项"
        ordering = ["happened_on", "id"]

    def __str__(self):
        return f"{self.happened_on:%Y-%m-%d} {self.get_kind_display()}"

    def get_additional_data(self):
        return {**self.claim.get_additional_data(), "record": f"claim:{self.claim_id}"}


class MediationCase(VillageOwned):
    """诉前调解: an agreement with a debtor over one or more claims, paid in instalments.

    A missed instalment makes the whole balance due; a daily job marks it.
    """

    class State(models.TextChoices):
        ACTIVE = "履行中", "履行中"
        DEFAULTED = "已违约", "已违约（余额全部到期）"
        FULFILLED = "已履行", "已履行完毕"

    village = models.ForeignKey("places.Village", verbose_name="村", on_delete=models.PROTECT,
                                related_name="mediation_cases")
    number = models.CharField("调解案号", max_length=60)
    parties = models.ManyToManyField("villages.Party", verbose_name="当事人", related_name="mediation_cases")
    claims = models.ManyToManyField(Claim, verbose_name="涉及债权", related_name="mediation_cases")
    mediator = models.CharField("调解人/调解组织", max_length=100)
    agreement_date = models.DateField("调解协议日期")
    grace_days = models.PositiveSmallIntegerField("宽限天数", default=0)
    state = models.CharField("状态", max_length=5, choices=State.choices, default=State.ACTIVE)
    defaulted_on = models.DateField("违约日期", null=True, blank=True)
    note = models.TextField("备注", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        verbose_name = "调解案件"
        verbose_name_plural = "调解案件"
        ordering = ["-agreement_date", "-id"]
        constraints = [models.UniqueConstraint(fields=["village", "number"], name="mediation_unique_number",
                                               violation_error_message="本村已有相同案号的调解案件。")]

    def __str__(self):
        return f"{self.number}（{self.mediator}）"

    def get_absolute_url(self):
        return reverse("debts:mediation-detail", args=[self.pk])


class MediationInstalment(models.Model):
    case = models.ForeignKey(MediationCase, verbose_name="调解案件", on_delete=models.CASCADE, related_name="plan")
    due_date = models.DateField("应付日期")
    amount = models.DecimalField("应付金额(元)", validators=[positive_money], **MONEY)

    class Meta:
        verbose_name = "调解分期"
        verbose_name_plural = "调解分期"
        ordering = ["case_id", "due_date", "id"]

    def __str__(self):
        return f"{self.due_date:%Y-%m-%d} {format_yuan(self.amount)} 元"

    def get_additional_data(self):
        return {**self.case.get_additional_data(), "record": f"mediationcase:{self.case_id}"}


class LegalAction(VillageOwned):
    """依法追缴: a court case, or a transfer to the discipline inspectors (纪检) where a cadre took the money."""

    class Kind(models.TextChoices):
        COURT = "诉讼", "诉讼"
        DISCIPLINE = "移交纪检", "移交纪检监察"

    village = models.ForeignKey("places.Village", verbose_name="村", on_delete=models.PROTECT,
                                related_name="legal_actions")
    kind = models.CharField("类型", max_length=5, choices=Kind.choices)
    claims = models.ManyToManyField(Claim, verbose_name="涉及债权", related_name="legal_actions")
    body = models.CharField("受理机关", max_length=100, help_text="如：方山县人民法院、县纪委监委")
    filed_on = models.DateField("起诉/移交日期")
    case_number = models.CharField("案号/文号", max_length=100, blank=True)
    outcome = models.TextField("结果", blank=True)
    closed_on = models.DateField("结案日期", null=True, blank=True)
    note = models.TextField("备注", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        verbose_name = "追缴案件"
        verbose_name_plural = "追缴案件"
        ordering = ["-filed_on", "-id"]

    def __str__(self):
        return f"{self.kind} {self.body} {self.case_number}"


register_audited(Claim, exclude=("version", "created_at"), summary=("origin", "principal", "occurred_on"))
register_audited(Debt, exclude=("version", "created_at"), summary=("origin", "principal", "occurred_on"))
register_audited(Entry, exclude=("created_at",), summary=("voucher_no", "note"))
register_audited(ClaimEvent, exclude=("created_at",), summary=("note",))
register_audited(ResolutionCover, exclude=("created_at", "created_by"), summary=("amount",))
register_audited(DiscountRule, exclude=("created_at", "created_by"), summary=("origins",))
register_audited(MediationCase, m2m=("parties", "claims"), summary=("agreement_date",))
register_audited(MediationInstalment)
register_audited(LegalAction, m2m=("claims",), summary=("filed_on",))


class LetterKind(models.TextChoices):
    RECONCILIATION = "对账函", "对账函"
    PAYMENT_NOTICE = "清缴通知书", "清缴通知书"


class LetterSequence(models.Model):
    """The last letter number used in one village and year; locked while numbers are handed out."""

    village = models.ForeignKey("places.Village", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["village", "year"], name="letter_sequence_unique")]


class Letter(VillageOwned):
    """One 对账函 or 清缴通知书 to one debtor, listing the claims it covers, tracked until the receipt is back."""

    class State(models.TextChoices):
        ISSUED = "已生成", "已生成"
        DELIVERED = "已送达", "已送达"
        CONFIRMED = "已确认", "已确认"
        DISPUTED = "有异议", "有异议"
        RETURNED = "退回", "退回"
        VOID = "已作废", "已作废"

    class Delivery(models.TextChoices):
        IN_PERSON = "本人签收", "本人签收"
        LEFT = "留置", "留置送达"
        POST = "邮寄", "邮寄"
        NOTICE = "公告", "公告送达"

    village = models.ForeignKey("places.Village", verbose_name="村", on_delete=models.PROTECT,
                                related_name="letters")
    number = models.CharField("编号", max_length=80, unique=True)
    year = models.PositiveSmallIntegerField("年度")
    seq = models.PositiveIntegerField("序号")
    kind = models.CharField("类型", max_length=10, choices=LetterKind.choices)
    debtor = models.ForeignKey("villages.Party", verbose_name="债务人", on_delete=models.PROTECT,
                               related_name="letters")
    job = models.ForeignKey("core.Job", verbose_name="生成任务", on_delete=models.PROTECT, null=True, blank=True,
                            related_name="+")
    total = models.DecimalField("合计(元)", **MONEY)
    as_of = models.DateField("截至日期")
    reply_by = models.DateField("回复期限")
    state = models.CharField("状态", max_length=5, choices=State.choices, default=State.ISSUED)
    delivered_on = models.DateField("送达日期", null=True, blank=True)
    delivery = models.CharField("送达方式", max_length=5, choices=Delivery.choices, blank=True)
    delivered_by = models.CharField("送达人", max_length=50, blank=True)
    delivery_photo = models.FileField("送达照片", storage=private_storage, upload_to="letters/%Y/%m/", blank=True)
    answered_on = models.DateField("回执日期", null=True, blank=True)
    disputed_amount = models.DecimalField("有异议金额(元)", null=True, blank=True, **MONEY)
    dispute_reason = models.TextField("异议理由", blank=True)
    # When and by whom the receipt was registered: it may be undone the same day (services.letter_answer_undo).
    answered_at = models.DateTimeField("回执登记时间", null=True, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="回执登记人", on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+")
    # A letter issued in error is voided, never deleted: its number stays in the register, marked, with why.
    voided_on = models.DateField("作废日期", null=True, blank=True)
    void_reason = models.CharField("作废原因", max_length=300, blank=True)
    voided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="作废人", on_delete=models.PROTECT,
                                  null=True, blank=True, related_name="+")
    note = models.CharField("备注", max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="出具人", on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField("出具时间", auto_now_add=True)

    class Meta:
        verbose_name = "函件"
        verbose_name_plural = "函件"
        ordering = ["village_id", "year", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["village", "year", "seq"], name="letter_unique_seq"),
        ]
        indexes = [models.Index(fields=["job", "village", "debtor"]), models.Index(fields=["state"])]

    def __str__(self):
        return f"{self.number} {self.kind}"

    def get_absolute_url(self):
        return reverse("letters:letter-detail", args=[self.pk])

    @property
    def answer_undoable(self) -> bool:
        """A receipt registered today (local time) may be taken back today."""
        return (self.state in (self.State.CONFIRMED, self.State.DISPUTED, self.State.RETURNED)
                and self.answered_at is not None and timezone.localdate(self.answered_at) == timezone.localdate())


class LetterItem(models.Model):
    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="items")
    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="letter_items")
    amount = models.DecimalField("金额(元)", **MONEY)

    class Meta:
        verbose_name = "函件明细"
        verbose_name_plural = "函件明细"
        ordering = ["letter_id", "id"]


class DisputeTask(VillageOwned):
    """A debtor disputed a letter: the township checks and settles it."""

    village = models.ForeignKey("places.Village", verbose_name="村", on_delete=models.PROTECT, related_name="+")
    letter = models.OneToOneField(Letter, verbose_name="函件", on_delete=models.PROTECT, related_name="dispute")
    opened_on = models.DateField("提出日期")
    closed_on = models.DateField("办结日期", null=True, blank=True)
    outcome = models.TextField("核实结果", blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="办结人", on_delete=models.PROTECT,
                                  null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = "异议核实"
        verbose_name_plural = "异议核实"
        ordering = ["closed_on", "-opened_on", "-id"]

    def __str__(self):
        return f"{self.letter.number} 异议"


# The year and sequence make up the letter's number, shown whole; the job only printed it.
register_audited(Letter, exclude=("delivery_photo", "created_at"), hidden=("year", "seq", "job"),
                 summary=("debtor", "total", "as_of"))
register_audited(DisputeTask, summary=("opened_on",))


class ReceiptSequence(models.Model):
    """The last receipt number used in one village and year; locked while a number is handed out."""

    village = models.ForeignKey("places.Village", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["village", "year"], name="receipt_sequence_unique")]


class Receipt(VillageOwned):
    """收款收据: the numbered receipt of one 现金收回 entry, made the first time it is printed.

    Its number is handed out once, in the village's sequence for the year it was first printed, and never
    changes: every later print of it is marked 补打. Like the entry it records, it is never edited or deleted.
    """

    village = models.ForeignKey("places.Village", verbose_name="村", on_delete=models.PROTECT, related_name="+")
    entry = models.OneToOneField(Entry, verbose_name="收款分录", on_delete=models.PROTECT, related_name="receipt")
    number = models.CharField("收据编号", max_length=80, unique=True)
    year = models.PositiveSmallIntegerField("年度")
    seq = models.PositiveIntegerField("序号")
    issued_on = models.DateField("开具日期")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="开具人", on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "收款收据"
        verbose_name_plural = "收款收据"
        ordering = ["village_id", "year", "seq"]
        constraints = [models.UniqueConstraint(fields=["village", "year", "seq"], name="receipt_unique_seq")]

    def __str__(self):
        return f"收据 {self.number}"

    def get_additional_data(self):
        claim = self.entry.claim
        return {**claim.get_additional_data(), "record": f"claim:{claim.pk}"}

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValidationError("收据一经开具不能修改。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("收据一经开具不能删除。")


register_audited(Receipt, exclude=("created_at",), hidden=("year", "seq"), summary=("issued_on",))

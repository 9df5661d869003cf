"""What the reports keep besides the figures they compute: the county's ranking weights and risk
thresholds, hand-entered income (DOMAIN.md §9), the key-village plans of §12 and the parties flagged
as cadres' relatives.

Every figure on a dashboard is computed from the ledgers (reports/measures.py); nothing here holds a
total.
"""
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

from core.audit import register_audited
from core.money import format_yuan
from villages.models import MONEY, VillageOwned, positive_money

not_negative_money = MinValueValidator(Decimal("0"), message="金额不能为负数。")
share = [MinValueValidator(Decimal("0"), "比例不能为负数。"), MaxValueValidator(Decimal("1"), "比例不能大于1。")]
at_least_one = [MinValueValidator(1, "至少为1。")]
RATIO = {"max_digits": 8, "decimal_places": 2, "validators": [MinValueValidator(Decimal("0"), "比值不能为负数。")]}
SHARE = {"max_digits": 5, "decimal_places": 4}


class ReportSettings(models.Model):
    """One row per county: the weights of the township ranking (红黑榜) and the thresholds of the
    village risk classes (重点村分类管理). The county office edits them; the defaults follow DOMAIN.md."""

    county = models.OneToOneField("places.County", verbose_name="县", on_delete=models.CASCADE,
                                  related_name="report_settings")
    # 红黑榜: a township's score is the weighted mean of its rates.
    weight_found = models.PositiveSmallIntegerField("合同查找率权重", default=15)
    weight_area_checked = models.PositiveSmallIntegerField("面积核对率权重", default=10)
    weight_investigated = models.PositiveSmallIntegerField("调查完成率权重", default=15)
    weight_standardised = models.PositiveSmallIntegerField("清理规范率权重", default=20)
    weight_clearing = models.PositiveSmallIntegerField("清收率权重", default=25)
    weight_debt_resolved = models.PositiveSmallIntegerField("化解率权重", default=15)
    ranking_marked = models.PositiveSmallIntegerField(
        "红榜、黑榜各列名次", default=3, validators=[MinValueValidator(1, "至少列1名。")],
        help_text="乡镇数不足两倍时，各列乡镇数的一半（向下取整）")
    # 集体经济风险村. A village owing three years of its income is watched, five years is beyond what it can
    # repay by itself. The debts of the tax era (三提五统, 农业税, 普九) were locked by the 锁定旧债 policy and
    # are resolved by the county's plan rather than from the village's income: they are measured on their
    # own, so that they neither hide nor swell the debts the village runs up today. Owed for twenty years and
    # more, they weigh at a lower ratio.
    debt_ratio_yellow = models.DecimalField("债务收入比（黄）", default=Decimal("3.00"), **RATIO,
                                            help_text="债务余额（不含历史债务）÷ 村集体年收入，达到即为黄色")
    debt_ratio_red = models.DecimalField("债务收入比（红）", default=Decimal("5.00"), **RATIO)
    legacy_debt_before = models.DateField(
        "历史债务：发生日期早于", default=date(2006, 1, 1),
        help_text="此日期前形成的债务（农业税取消前的三提五统、垫交税费借款、普九建校欠款等）作为历史债务单独计算；"
                  "未填发生日期的债务按新债计")
    legacy_debt_ratio_yellow = models.DecimalField("历史债务收入比（黄）", default=Decimal("2.00"), **RATIO,
                                                   help_text="历史债务余额 ÷ 村集体年收入，达到即为黄色")
    legacy_debt_ratio_red = models.DecimalField("历史债务收入比（红）", default=Decimal("4.00"), **RATIO)
    # Half of what is owed still uncollected is lagging (the best township of the field reports cleared
    # 75%); four fifths is collection not yet begun.
    arrears_yellow = models.DecimalField("欠款占比（黄）", default=Decimal("0.5000"), validators=share, **SHARE,
                                         help_text="未清收余额 ÷ 应清收，达到即为黄色")
    arrears_red = models.DecimalField("欠款占比（红）", default=Decimal("0.8000"), validators=share, **SHARE)
    # 空壳村
    income_yellow = models.DecimalField("村集体年收入低于（黄，元）", default=Decimal("100000"),
                                        validators=[not_negative_money], **MONEY)
    income_red = models.DecimalField("村集体年收入低于（红，元）", default=Decimal("50000"),
                                     validators=[not_negative_money], **MONEY)
    # 矛盾纠纷突出村
    disputes_yellow = models.PositiveSmallIntegerField("未办结函件异议（黄，件）", default=3, validators=at_least_one)
    disputes_red = models.PositiveSmallIntegerField("未办结函件异议（红，件）", default=6, validators=at_least_one)
    mediation_yellow = models.PositiveSmallIntegerField("未结调解案件（黄，件）", default=2, validators=at_least_one)
    mediation_red = models.PositiveSmallIntegerField("未结调解案件（红，件）", default=4, validators=at_least_one)
    # 廉政风险村
    writeoffs_yellow = models.PositiveSmallIntegerField("无有效决议的核销抵顶（黄，笔）", default=1,
                                                        validators=at_least_one)
    writeoffs_red = models.PositiveSmallIntegerField("无有效决议的核销抵顶（红，笔）", default=3,
                                                     validators=at_least_one)
    relatives_yellow = models.PositiveSmallIntegerField("干部亲属问题合同（黄，份）", default=1,
                                                        validators=at_least_one)
    relatives_red = models.PositiveSmallIntegerField("干部亲属问题合同（红，份）", default=2,
                                                     validators=at_least_one)

    WEIGHTS = ("weight_found", "weight_area_checked", "weight_investigated", "weight_standardised",
               "weight_clearing", "weight_debt_resolved")
    # (yellow, red, higher_is_worse)
    PAIRS = (("debt_ratio_yellow", "debt_ratio_red", True),
             ("legacy_debt_ratio_yellow", "legacy_debt_ratio_red", True), ("arrears_yellow", "arrears_red", True),
             ("income_yellow", "income_red", False), ("disputes_yellow", "disputes_red", True),
             ("mediation_yellow", "mediation_red", True), ("writeoffs_yellow", "writeoffs_red", True),
             ("relatives_yellow", "relatives_red", True))

    class Meta:
        verbose_name = "考核与风险参数"
        verbose_name_plural = "考核与风险参数"

    def __str__(self):
        return f"{self.county}考核与风险参数"

    def get_additional_data(self):
        return {"county_id": self.county_id}

    def clean(self):
        super().clean()
        if sum(getattr(self, name) or 0 for name in self.WEIGHTS) == 0:
            raise ValidationError("各项权重不能全为0。")
        errors = {}
        for yellow, red, higher_is_worse in self.PAIRS:
            low, high = getattr(self, yellow), getattr(self, red)
            if low is None or high is None:
                continue
            if higher_is_worse and high < low:
                errors[red] = "红色阈值不能低于黄色阈值。"
            if not higher_is_worse and high > low:
                errors[red] = "红色阈值（收入低于）不能高于黄色阈值。"
        if errors:
            raise ValidationError(errors)


class IncomeKind(models.TextChoices):
    RESOURCE = "新增资源收费", "新增资源收费"
    ASSET = "资产盘活收入", "资产盘活收入"
    PROJECT = "项目收益", "项目收益"
    OTHER = "其他", "其他"


class IncomeRecord(VillageOwned):
    """Income of 增收入 that no contract's fee records: an asset put back to use, a project's return."""

    village = models.ForeignKey("places.Village", verbose_name="村", on_delete=models.PROTECT,
                                related_name="income_records")
    kind = models.CharField("收入类别", max_length=10, choices=IncomeKind.choices)
    received_on = models.DateField("收入日期")
    amount = models.DecimalField("金额(元)", validators=[positive_money], **MONEY)
    payer = models.CharField("交款单位/个人", max_length=100, blank=True)
    voucher_no = models.CharField("凭证号", max_length=50, blank=True)
    note = models.CharField("说明", max_length=300)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "新增收入"
        verbose_name_plural = "新增收入"
        ordering = ["-received_on", "-id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="income_amount_positive")]
        indexes = [models.Index(fields=["village", "received_on"])]

    def __str__(self):
        return f"{self.received_on:%Y-%m-%d} {self.kind} {format_yuan(self.amount)} 元"


class CadreRelative(models.Model):
    """A party the township or county has found to be a relative of a village cadre (廉政风险)."""

    party = models.OneToOneField("villages.Party", verbose_name="当事人", on_delete=models.CASCADE,
                                 related_name="cadre_relative")
    relation = models.CharField("与村干部关系", max_length=100, help_text="如：村支书之弟、村主任配偶")
    note = models.CharField("说明", max_length=300, blank=True)
    flagged_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="标记人", on_delete=models.PROTECT,
                                   related_name="+")
    flagged_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "干部亲属标记"
        verbose_name_plural = "干部亲属标记"
        ordering = ["party_id"]

    def __str__(self):
        return f"{self.party}（{self.relation}）"

    def get_additional_data(self):
        return {**self.party.get_additional_data(), "record": f"party:{self.party_id}"}


class RiskClass(models.TextChoices):
    ECONOMY = "经济", "集体经济风险村"
    SHELL = "空壳", "空壳村"
    DISPUTES = "矛盾", "矛盾纠纷突出村"
    INTEGRITY = "廉政", "廉政风险村"


class Level(models.TextChoices):
    GREEN = "绿", "绿色"
    YELLOW = "黄", "黄色"
    RED = "红", "红色"


class RiskCase(VillageOwned):
    """A village put on the key-village list in one class, with its plan (处方单).

    It stays on the list until a review finds the problems put right (销号), whatever the figures
    do in the meantime.
    """

    village = models.ForeignKey("places.Village", verbose_name="村", on_delete=models.PROTECT,
                                related_name="risk_cases")
    risk_class = models.CharField("类别", max_length=5, choices=RiskClass.choices)
    level = models.CharField("列入时等级", max_length=1, choices=Level.choices)
    figures = models.CharField("列入时指标", max_length=300)
    problems = models.TextField("存在问题")
    opened_on = models.DateField("列入日期")
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="列入人", on_delete=models.PROTECT,
                                  related_name="+")
    closed_on = models.DateField("销号日期", null=True, blank=True)

    class Meta:
        verbose_name = "重点村处方单"
        verbose_name_plural = "重点村处方单"
        ordering = ["closed_on", "-opened_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["village", "risk_class"], condition=Q(closed_on__isnull=True),
                                    name="risk_case_one_open_per_class",
                                    violation_error_message="该村在此类别已有未销号的处方单。"),
        ]

    def __str__(self):
        return f"{self.village} {self.get_risk_class_display()}"

    def get_absolute_url(self):
        return reverse("reports:risk-case", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.closed_on is None


class RiskTask(models.Model):
    case = models.ForeignKey(RiskCase, verbose_name="处方单", on_delete=models.CASCADE, related_name="tasks")
    task = models.CharField("整改任务", max_length=300)
    responsible = models.CharField("责任人", max_length=50)
    due_date = models.DateField("完成时限")
    done_on = models.DateField("完成日期", null=True, blank=True)
    done_note = models.CharField("完成情况", max_length=300, blank=True)

    class Meta:
        verbose_name = "整改任务"
        verbose_name_plural = "整改任务"
        ordering = ["case_id", "due_date", "id"]

    def __str__(self):
        return self.task

    def get_additional_data(self):
        return {**self.case.get_additional_data(), "record": f"riskcase:{self.case_id}"}


class RiskReview(models.Model):
    """复核: the township or county checks the plan's results; a passed review takes the village off."""

    case = models.ForeignKey(RiskCase, verbose_name="处方单", on_delete=models.CASCADE, related_name="reviews")
    reviewed_on = models.DateField("复核日期")
    findings = models.TextField("复核意见")
    passed = models.BooleanField("整改到位，予以销号")
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="复核人", on_delete=models.PROTECT,
                                    related_name="+")

    class Meta:
        verbose_name = "处方单复核"
        verbose_name_plural = "处方单复核"
        ordering = ["case_id", "reviewed_on", "id"]

    def __str__(self):
        return f"{self.reviewed_on:%Y-%m-%d} {'销号' if self.passed else '继续整改'}"

    def get_additional_data(self):
        return {**self.case.get_additional_data(), "record": f"riskcase:{self.case_id}"}


register_audited(ReportSettings)
register_audited(IncomeRecord, exclude=("created_at",), summary=("payer",))
register_audited(CadreRelative, exclude=("flagged_at",))
register_audited(RiskCase, summary=("level",))
register_audited(RiskTask, summary=("responsible", "due_date"))
register_audited(RiskReview, summary=("findings",))

"""Contracts, their problems, investigation, determination and disposition,
and the democratic-procedure resolutions (DOMAIN.md §5–§7)."""
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.db.models.lookups import GreaterThan, GreaterThanOrEqual
from django.urls import reverse
from django.utils import timezone

from core.audit import register_audited
from core.files import private_storage
from core.money import cents, format_yuan
from villages.models import AREA, MONEY, VillageOwned, positive_area

not_negative_money = MinValueValidator(Decimal("0"), message="金额不能为负数。")


class RuleSettings(models.Model):
    """The thresholds of the problem rules (§6) and of county approval, one row per county.

    The defaults are those of DOMAIN.md; the county office edits them.
    """

    county = models.OneToOneField("places.County", verbose_name="县", on_delete=models.CASCADE,
                                  related_name="rule_settings")
    reserve_land_floor = models.DecimalField("机动地年承包费下限(元/亩)", default=Decimal("300"), **MONEY)
    wasteland_floor = models.DecimalField("四荒地年承包费下限(元/亩)", default=Decimal("100"), **MONEY)
    max_term_years = models.PositiveSmallIntegerField("一般承包期上限(年)", default=20)
    wasteland_max_term_years = models.PositiveSmallIntegerField("四荒地承包期上限(年)", default=50)
    forest_max_term_years = models.PositiveSmallIntegerField("林地承包期上限(年)", default=70)
    price_review_term_years = models.PositiveSmallIntegerField("须有调价条款的承包期(年)", default=15)
    written_required_months = models.PositiveSmallIntegerField("须有书面合同文本的租期(月)", default=6)
    area_tolerance = models.DecimalField("面积允许误差(比例)", max_digits=5, decimal_places=4,
                                         default=Decimal("0.05"))
    county_approval_amount = models.DecimalField("须县级审批的合同金额(元)", default=Decimal("5000000"), **MONEY)

    class Meta:
        verbose_name = "问题认定规则参数"
        verbose_name_plural = "问题认定规则参数"

    def __str__(self):
        return f"{self.county}问题认定规则参数"

    def get_additional_data(self):
        return {"county_id": self.county_id}


class ResolutionSubject(models.TextChoices):
    CONTRACT = "合同", "合同发包/续签/变更"
    WRITE_OFF = "核销", "债权核销"
    OFFSET = "抵顶", "债权债务抵顶"
    WAIVER = "减免", "减免"
    DISCOUNT = "折扣规则", "清收折扣规则"
    OTHER = "其他", "其他"


class Resolution(VillageOwned):
    """A democratic-procedure record (四议两公开): six steps, attendance, votes, public notice.

    Whether it passes depends on the meeting (DOMAIN.md §7, 村民委员会组织法 §22, §26): a 村民会议 needs
    more than half of the adult villagers present, a 村民代表会议 (and, by default, a members' assembly of
    the collective economic organisation) at least 2/3 of the representatives; each passes with more
    than half of those present in favour. `passed` is computed by the database from the counts, never typed.
    """

    class Meeting(models.TextChoices):
        ASSEMBLY = "村民会议", "村民会议"
        REPRESENTATIVES = "村民代表会议", "村民代表会议"
        MEMBERS = "成员(代表)大会", "集体经济组织成员(代表)大会"

    village = models.ForeignKey("places.Village", verbose_name="村", on_delete=models.PROTECT,
                                related_name="resolutions")
    subject = models.CharField("事项类别", max_length=10, choices=ResolutionSubject.choices,
                               default=ResolutionSubject.CONTRACT)
    title = models.CharField("决议事项", max_length=200)
    content = models.TextField("决议内容", blank=True)
    proposed_on = models.DateField("党支部提议", null=True, blank=True)
    discussed_on = models.DateField("两委商议", null=True, blank=True)
    reviewed_on = models.DateField("党员大会审议", null=True, blank=True)
    # Blank only on a placeholder (below): the ledger says a vote was held, its date is not yet entered.
    resolved_on = models.DateField("村民(代表)会议决议", null=True, blank=True)
    resolution_published_on = models.DateField("决议公开", null=True, blank=True)
    result_published_on = models.DateField("实施结果公开", null=True, blank=True)
    meeting = models.CharField("会议类型", max_length=20, choices=Meeting.choices, default=Meeting.REPRESENTATIVES)
    members_expected = models.PositiveIntegerField("应到人数", validators=[MinValueValidator(1, "应到人数至少为1。")])
    members_present = models.PositiveIntegerField("实到人数")
    votes_for = models.PositiveIntegerField("赞成")
    votes_against = models.PositiveIntegerField("反对", default=0)
    votes_abstain = models.PositiveIntegerField("弃权", default=0)
    notice_from = models.DateField("公示开始", null=True, blank=True)
    notice_to = models.DateField("公示结束", null=True, blank=True)
    note = models.TextField("备注", blank=True)
    passed = models.GeneratedField(
        expression=Case(
            When(Q(meeting="村民会议") & Q(GreaterThan(F("members_present") * 2, F("members_expected")))
                 & Q(GreaterThan(F("votes_for") * 2, F("members_present"))), then=Value(True)),
            When(~Q(meeting="村民会议") & Q(GreaterThanOrEqual(F("members_present") * 3, F("members_expected") * 2))
                 & Q(GreaterThan(F("votes_for") * 2, F("members_present"))), then=Value(True)),
            default=Value(False),
        ),
        output_field=models.BooleanField(verbose_name="通过"),
        db_persist=True,
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="录入人", on_delete=models.PROTECT,
                                   related_name="+", null=True, blank=True)
    # Recorded by a ledger import whose row said 民主程序 是: the vote is claimed, its details are to follow.
    # It never passes (no counts), so nothing that needs a passed resolution can rest on it.
    details_pending = models.BooleanField("台账导入，详情待补录", default=False)
    # A locked resolution is never edited: a mistake in it is put right by a new resolution naming it.
    corrects = models.ForeignKey("self", verbose_name="更正的决议", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="corrections")

    # Once money or a determination rests on a resolution, these can no longer change (DOMAIN.md §7)...
    LOCKED_FIELDS = ("village", "subject", "title", "content", "meeting", "members_expected", "members_present",
                     "votes_for", "votes_against", "votes_abstain", "proposed_on", "discussed_on", "reviewed_on",
                     "resolved_on", "corrects")
    # ...and these, which follow the vote (the result is published after it is carried out), may still be
    # filled in once but never changed.
    FILLED_ONCE_FIELDS = ("resolution_published_on", "result_published_on", "notice_from", "notice_to")

    class Meta:
        verbose_name = "民主决策记录"
        verbose_name_plural = "民主决策记录"
        ordering = ["-resolved_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(members_present__lte=F("members_expected")),
                                   name="resolution_present_within_expected",
                                   violation_error_message="实到人数不能多于应到人数。"),
            models.CheckConstraint(
                condition=Q(GreaterThanOrEqual(F("members_present"),
                                               F("votes_for") + F("votes_against") + F("votes_abstain"))),
                name="resolution_votes_within_present",
                violation_error_message="赞成、反对、弃权合计不能多于实到人数。"),
            models.CheckConstraint(condition=Q(resolved_on__isnull=False) | Q(details_pending=True),
                                   name="resolution_date_unless_pending",
                                   violation_error_message="请填写村民(代表)会议决议日期。"),
        ]

    def __str__(self):
        if self.resolved_on is None:
            return f"{self.title}（详情待补录）"
        return f"{self.resolved_on:%Y-%m-%d} {self.title}"

    def get_absolute_url(self):
        return reverse("contracts:resolution-detail", args=[self.pk])

    @property
    def date_label(self) -> str:
        return f"{self.resolved_on:%Y-%m-%d}" if self.resolved_on else "日期待补录"

    def resting_on_it(self) -> list[str]:
        """What rests on this resolution, as "3 条清收分录": empty while it may still be edited.

        Any model pointing at resolutions may declare `resolution_rests_on`, a filter for the rows that
        rest on their resolution (a contract once determined; every ledger entry), so the apps above this
        one take part without this one naming them.
        """
        if self.pk is None:
            return []
        found = []
        for relation in type(self)._meta.related_objects:
            rests_on = getattr(relation.related_model, "resolution_rests_on", None)
            if rests_on is None or relation.related_model is type(self):
                continue
            count = relation.related_model._default_manager.filter(
                rests_on, **{relation.field.name: self}).count()
            if count:
                word = getattr(relation.related_model, "counter_word", "份")
                found.append(f"{count} {word}{relation.related_model._meta.verbose_name}")
        return found

    @property
    def locked(self) -> bool:
        return bool(self.resting_on_it())

    @property
    def missing_evidence(self) -> list[str]:
        """The expected papers (minutes, sign-in sheet) a passed resolution has none of, read from
        `evidence` (prefetched by the detail selector)."""
        if not self.passed:
            return []
        present = {e.kind for e in self.evidence.all()}
        return [str(kind.label) for kind in ResolutionEvidence.EXPECTED_KINDS if kind not in present]

    @property
    def quorum_met(self) -> bool:
        if self.meeting == self.Meeting.ASSEMBLY:
            return self.members_present * 2 > self.members_expected
        return self.members_present * 3 >= self.members_expected * 2

    @property
    def quorum_rule(self) -> str:
        if self.meeting == self.Meeting.ASSEMBLY:
            return "过半数村民到会"
        return "三分之二以上代表（成员）到会"

    @property
    def majority_met(self) -> bool:
        return self.votes_for * 2 > self.members_present

    @property
    def two_thirds_in_favour(self) -> bool:
        """The stricter vote P11 asks for when letting to an outsider (农村土地承包法 §52): at least 2/3 of
        all the members or representatives, not of those present."""
        return self.votes_for * 3 >= self.members_expected * 2

    # The steps before the vote (四议): a passed vote without them is not the procedure the law asks for.
    STEPS_BEFORE_VOTE = (("proposed_on", "党支部提议"), ("discussed_on", "两委商议"), ("reviewed_on", "党员大会审议"))

    @property
    def missing_steps(self) -> list[str]:
        return [label for name, label in self.STEPS_BEFORE_VOTE if getattr(self, name) is None]

    def clean(self):
        super().clean()
        # The six steps happen in this order: a step may share a day with the one before, never precede it.
        dated = [(label, day, name) for (label, day), name in zip(self.steps, self.STEP_FIELDS, strict=True)
                 if day is not None]
        for (before, before_day, _), (label, day, name) in zip(dated, dated[1:], strict=False):
            if day < before_day:
                raise ValidationError(
                    {name: f"“{label}”（{day:%Y-%m-%d}）不能早于“{before}”（{before_day:%Y-%m-%d}）。"})

    STEP_FIELDS = ("proposed_on", "discussed_on", "reviewed_on", "resolved_on", "resolution_published_on",
                   "result_published_on")

    @property
    def steps(self):
        return [
            ("党支部提议", self.proposed_on), ("两委商议", self.discussed_on), ("党员大会审议", self.reviewed_on),
            ("村民(代表)会议决议", self.resolved_on), ("决议公开", self.resolution_published_on),
            ("实施结果公开", self.result_published_on),
        ]


class ContractKind(models.TextChoices):
    RESOURCE = "资源发包", "资源发包"
    ASSET_LEASE = "资产租赁", "资产租赁"
    BUSINESS = "经营性", "经营性"
    WORKS = "工程", "工程"
    INVESTMENT = "投资入股", "投资入股"
    OTHER = "其他", "其他"


class ContractForm(models.TextChoices):
    WRITTEN = "书面合同", "书面合同"
    RECEIPT = "仅收据", "仅收据"
    ORAL = "口头协议", "口头协议"
    NONE = "无", "无"


class Signer(models.TextChoices):
    ORG = "集体经济组织", "集体经济组织"
    COMMITTEE = "村委会", "村委会"
    BRANCH = "党支部", "党支部"
    PERSON = "个人", "村干部个人"
    OTHER = "其他", "其他"


class ContractState(models.TextChoices):
    FOUND = "已查找", "已查找"
    INVESTIGATING = "调查中", "调查中"
    DETERMINED = "已认定", "已认定"
    STANDARDISING = "规范中", "规范中"
    STANDARDISED = "已规范", "已规范"


STATE_ORDER = [s.value for s in ContractState]


class Source(models.TextChoices):
    MINUTES = "会议记录", "查会议记录"
    BOOKS = "账簿", "查账簿"
    TEXTS = "合同文本", "查合同文本"
    VISIT = "走访", "走访老干部/群众"
    ARCHIVE = "档案", "查档案"


class Contract(VillageOwned):
    village = models.ForeignKey("places.Village", verbose_name="村", on_delete=models.PROTECT,
                                related_name="contracts")
    number = models.CharField("合同编号", max_length=60)
    title = models.CharField("合同名称", max_length=200)
    kind = models.CharField("合同类型", max_length=10, choices=ContractKind.choices, default=ContractKind.RESOURCE)
    counterparty = models.ForeignKey("villages.Party", verbose_name="承包方/相对方", on_delete=models.PROTECT,
                                     related_name="contracts")
    parcels = models.ManyToManyField("villages.Parcel", verbose_name="标的地块", blank=True,
                                     related_name="contracts")
    assets = models.ManyToManyField("villages.Asset", verbose_name="标的资产", blank=True, related_name="contracts")
    subject_note = models.CharField("标的说明", max_length=200, blank=True,
                                    help_text="台账上没有对应地块或资产时，写明标的")
    area_mu = models.DecimalField("合同面积(亩)", null=True, blank=True, validators=[positive_area], **AREA)
    # The contract states no area, so it is the total ledger area of its parcels (DOMAIN.md §6: P03 and P08
    # need an area): kept only while the area is that total.
    area_from_parcels = models.BooleanField("合同面积按地块台账面积合计", default=False)
    signed_on = models.DateField("签订日期", null=True, blank=True)
    start_date = models.DateField("起始日期", null=True, blank=True)
    end_date = models.DateField("终止日期", null=True, blank=True, help_text="“至今”或未约定的留空")
    annual_fee = models.DecimalField("年承包费(元)", null=True, blank=True, validators=[not_negative_money],
                                     **MONEY)
    total_amount = models.DecimalField("合同总额(元)", null=True, blank=True, validators=[not_negative_money],
                                       **MONEY)
    form = models.CharField("签订形式", max_length=10, choices=ContractForm.choices, default=ContractForm.WRITTEN)
    resolution = models.ForeignKey(Resolution, verbose_name="民主程序", on_delete=models.PROTECT, null=True,
                                   blank=True, related_name="contracts")
    signer = models.CharField("发包方签章", max_length=10, choices=Signer.choices, default=Signer.ORG)
    signer_authorised = models.BooleanField("村委会/支部签订已获授权或追认", default=False)
    has_price_review = models.BooleanField("有调价条款", default=False)
    outsider_township_approved = models.BooleanField("外来承包已报乡镇批准", default=False)
    occupied_after_expiry = models.BooleanField("到期后标的仍被占用", default=False)
    is_new_resource = models.BooleanField("新增或收回资源发包", default=False,
                                          help_text="计入“新增收入”：新增、收回后再发包的资源资产")
    source = models.CharField("查找来源", max_length=10, choices=Source.choices, default=Source.BOOKS)
    relet_from = models.ForeignKey("self", verbose_name="原合同（重新发包）", on_delete=models.PROTECT, null=True,
                                   blank=True, related_name="relet_contracts")
    state = models.CharField("清理状态", max_length=10, choices=ContractState.choices, default=ContractState.FOUND)
    is_compliant = models.BooleanField("认定合规", default=False)
    county_approved = models.BooleanField("已县级审批", default=False)
    note = models.TextField("备注", blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    search_keys = models.CharField(max_length=400, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # A determined contract rests on its resolution, which is then locked (Resolution.resting_on_it).
    resolution_rests_on = Q(state__in=STATE_ORDER[STATE_ORDER.index(ContractState.DETERMINED):])
    counter_word = "份"

    class Meta:
        verbose_name = "合同"
        verbose_name_plural = "合同"
        ordering = ["village_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["village", "number"], name="contract_unique_number",
                                    violation_error_message="本村已有相同编号的合同。"),
            models.CheckConstraint(condition=Q(end_date__isnull=True) | Q(start_date__isnull=True)
                                   | Q(end_date__gt=F("start_date")),
                                   name="contract_end_after_start",
                                   violation_error_message="终止日期必须晚于起始日期。"),
        ]
        indexes = [
            models.Index(fields=["village", "state"]),
            models.Index(fields=["end_date"]),
        ]

    def __str__(self):
        return f"{self.number} {self.title}"

    def get_absolute_url(self):
        return reverse("contracts:contract-detail", args=[self.pk])

    @property
    def fee_per_mu(self) -> Decimal | None:
        if self.annual_fee is None or not self.area_mu:
            return None
        return cents(self.annual_fee / self.area_mu)

    @property
    def amount_for_approval(self) -> Decimal:
        """What the county-approval threshold is compared with: the total, else fee × years."""
        if self.total_amount:
            return self.total_amount
        if self.annual_fee and self.start_date and self.end_date:
            years = Decimal(max(1, round((self.end_date - self.start_date).days / 365.25)))
            return self.annual_fee * years
        return Decimal("0")

    def is_expired(self, today: date | None = None) -> bool:
        return self.end_date is not None and self.end_date < (today or timezone.localdate())


class Instalment(models.Model):
    """One scheduled payment of a contract. What has been paid is recorded by a service."""

    contract = models.ForeignKey(Contract, verbose_name="合同", on_delete=models.CASCADE, related_name="instalments")
    due_date = models.DateField("应付日期")
    amount = models.DecimalField("应付金额(元)", validators=[MinValueValidator(Decimal("0.01"), "金额必须大于0。")],
                                 **MONEY)
    paid_amount = models.DecimalField("已付金额(元)", default=Decimal("0"), validators=[not_negative_money], **MONEY)
    paid_on = models.DateField("付款日期", null=True, blank=True)
    note = models.CharField("说明", max_length=100, blank=True)
    # Once the arrears of an instalment become a claim, the money is collected on the claim: the contract
    # keeps only the day it was handed over and what the claim has cleared since (for the arrears rule, P05).
    claimed_on = models.DateField("转为债权日期", null=True, blank=True)
    cleared_on_claim = models.DecimalField("转为债权后已清收(元)", default=Decimal("0"), **MONEY)

    class Meta:
        verbose_name = "应付款计划"
        verbose_name_plural = "应付款计划"
        ordering = ["contract_id", "due_date", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(paid_amount__lte=F("amount")), name="instalment_paid_within_amount",
                                   violation_error_message="已付金额不能超过应付金额。"),
        ]

    def __str__(self):
        return f"{self.due_date:%Y-%m-%d} {format_yuan(self.amount)} 元"

    @property
    def outstanding(self) -> Decimal:
        return self.amount - self.paid_amount

    @property
    def is_claimed(self) -> bool:
        return self.claimed_on is not None

    def get_additional_data(self):
        return {**self.contract.get_additional_data(), "record": f"contract:{self.contract_id}"}


class ProblemCode(models.TextChoices):
    P01 = "P01", "P01 未签书面合同"
    P02 = "P02", "P02 未履行民主程序"
    P03 = "P03", "P03 价格明显偏低"
    P04 = "P04", "P04 承包期过长"
    P05 = "P05", "P05 拖欠承包费"
    P06 = "P06", "P06 无调价机制"
    P07 = "P07", "P07 到期未收回"
    P08 = "P08", "P08 面积不符"
    P09 = "P09", "P09 签约主体不适格"
    P10 = "P10", "P10 主要条款缺失"
    P11 = "P11", "P11 外来承包未经批准"
    P12 = "P12", "P12 其他问题"


class ContractProblem(models.Model):
    class Status(models.TextChoices):
        PROPOSED = "待确认", "待确认"
        CONFIRMED = "已确认", "已确认"
        DISMISSED = "已排除", "已排除"

    contract = models.ForeignKey(Contract, verbose_name="合同", on_delete=models.CASCADE, related_name="problems")
    code = models.CharField("问题代码", max_length=3, choices=ProblemCode.choices)
    reason = models.TextField("依据")
    from_rule = models.BooleanField("系统规则提出", default=True)
    status = models.CharField("状态", max_length=5, choices=Status.choices, default=Status.PROPOSED)
    decision_note = models.TextField("确认/排除理由", blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="确认/排除人", on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField("确认/排除时间", null=True, blank=True)

    class Meta:
        verbose_name = "合同问题"
        verbose_name_plural = "合同问题"
        ordering = ["contract_id", "code", "id"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "code"], condition=~Q(code="P12"),
                                    name="problem_one_per_code"),
        ]

    def __str__(self):
        return self.get_code_display()

    def get_additional_data(self):
        return {**self.contract.get_additional_data(), "record": f"contract:{self.contract_id}"}


class Investigation(models.Model):
    """The written fact report of the field check (调查报告)."""

    contract = models.OneToOneField(Contract, verbose_name="合同", on_delete=models.CASCADE,
                                    related_name="investigation")
    investigated_on = models.DateField("调查日期")
    investigators = models.CharField("调查人员", max_length=200)
    parcel_check = models.TextField("地块核查情况", help_text="实地踏勘、四至、面积测量情况")
    history = models.TextField("合同沿革", blank=True, help_text="发包经过、续签、变更、履行情况")
    parties_heard = models.TextField("询问当事人情况", blank=True)
    findings = models.TextField("调查结论")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="填报人", on_delete=models.PROTECT,
                                   related_name="+")
    updated_at = models.DateTimeField("填报时间", auto_now=True)

    class Meta:
        verbose_name = "调查报告"
        verbose_name_plural = "调查报告"

    def __str__(self):
        return f"{self.contract.number} 调查报告"

    def get_additional_data(self):
        return {**self.contract.get_additional_data(), "record": f"contract:{self.contract_id}"}


class Determination(models.Model):
    """The township's determination (合同认定书): facts, legal basis, proposed handling."""

    contract = models.OneToOneField(Contract, verbose_name="合同", on_delete=models.CASCADE,
                                    related_name="determination")
    facts = models.TextField("认定事实")
    legal_basis = models.TextField("认定依据", blank=True)
    proposed_handling = models.TextField("处理意见", blank=True)
    determined_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="认定人", on_delete=models.PROTECT,
                                      related_name="+")
    determined_at = models.DateTimeField("认定时间")

    class Meta:
        verbose_name = "合同认定"
        verbose_name_plural = "合同认定"

    def __str__(self):
        return f"{self.contract.number} 认定书"

    def get_additional_data(self):
        return {**self.contract.get_additional_data(), "record": f"contract:{self.contract_id}"}


class DispositionKind(models.TextChoices):
    REVISE = "完善修订", "完善修订"
    TERMINATE = "终止撤销", "终止撤销"
    COURT = "司法诉讼", "司法诉讼"
    ESCALATE = "提级处置", "提级处置"
    RELET = "重新发包", "重新发包"


class Disposition(models.Model):
    """How a problem contract is put right, with the evidence that it was."""

    class Approval(models.TextChoices):
        NOT_NEEDED = "无需审批", "无需审批"
        PENDING = "待县审批", "待县审批"
        APPROVED = "县已批准", "县已批准"
        REJECTED = "县已驳回", "县已驳回"

    contract = models.OneToOneField(Contract, verbose_name="合同", on_delete=models.CASCADE,
                                    related_name="disposition")
    kind = models.CharField("处置方式", max_length=10, choices=DispositionKind.choices)
    plan = models.TextField("处置方案")
    chosen_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="选定人", on_delete=models.PROTECT,
                                  related_name="+")
    chosen_at = models.DateTimeField("选定时间")
    approval = models.CharField("县级审批", max_length=5, choices=Approval.choices, default=Approval.NOT_NEEDED)
    approval_reason = models.CharField("须县级审批的原因", max_length=100, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="审批人", on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+")
    approved_at = models.DateTimeField("审批时间", null=True, blank=True)
    approval_note = models.TextField("审批意见", blank=True)
    # 完善修订
    agreement_date = models.DateField("补充协议签订日期", null=True, blank=True)
    # 终止撤销
    termination_date = models.DateField("终止日期", null=True, blank=True)
    land_recovered_mu = models.DecimalField("收回土地(亩)", null=True, blank=True, **AREA)
    # 司法诉讼
    court_name = models.CharField("受理法院", max_length=100, blank=True)
    case_number = models.CharField("案号", max_length=100, blank=True)
    court_result = models.CharField("裁判结果", max_length=200, blank=True)
    judgment_date = models.DateField("裁判日期", null=True, blank=True)
    # 提级处置
    escalated_to = models.CharField("提级至", max_length=50, blank=True)
    escalation_reason = models.TextField("提级原因", blank=True)
    escalation_notes = models.TextField("办理情况", blank=True)
    escalation_outcome = models.TextField("办理结果", blank=True)
    # 重新发包
    bidding_date = models.DateField("竞价/招标日期", null=True, blank=True)
    bidding_method = models.CharField("发包方式", max_length=20, blank=True)
    bidders = models.PositiveIntegerField("参与竞价人数", null=True, blank=True)
    winning_bid = models.DecimalField("成交年承包费(元)", null=True, blank=True, **MONEY)
    new_contract = models.OneToOneField(Contract, verbose_name="新合同", on_delete=models.PROTECT, null=True,
                                        blank=True, related_name="relet_disposition")
    completion_note = models.TextField("完成情况", blank=True)
    completed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="完成确认人", on_delete=models.PROTECT,
                                     null=True, blank=True, related_name="+")
    completed_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "处置"
        verbose_name_plural = "处置"

    def __str__(self):
        return f"{self.contract.number} {self.kind}"

    def get_additional_data(self):
        return {**self.contract.get_additional_data(), "record": f"contract:{self.contract_id}"}

    @property
    def awaiting_county(self) -> bool:
        return self.approval == self.Approval.PENDING


class StoredFile(models.Model):
    """What is kept of an uploaded file besides the file itself (checked by core.files.check_upload): an
    attachment of a contract, or the evidence of a resolution."""

    original_name = models.CharField("文件名", max_length=200)
    content_type = models.CharField("文件类型", max_length=50)
    size = models.PositiveIntegerField("大小(字节)")
    sha256 = models.CharField("校验值(SHA-256)", max_length=64)
    note = models.CharField("说明", max_length=200, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.PROTECT,
                                    related_name="+")
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.kind} {self.original_name}"


class Attachment(StoredFile):
    class Kind(models.TextChoices):
        TEXT = "合同文本", "合同文本"
        RECEIPT = "收据", "收据"
        AGREEMENT = "补充协议", "补充协议"
        TERMINATION = "终止通知", "终止通知"
        JUDGMENT = "裁判文书", "裁判文书"
        BIDDING = "竞价记录", "竞价记录"
        PHOTO = "现场照片", "现场照片"
        OTHER = "其他", "其他"

    contract = models.ForeignKey(Contract, verbose_name="合同", on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField("类别", max_length=10, choices=Kind.choices)
    file = models.FileField(storage=private_storage, upload_to="contracts/%Y/%m/")

    class Meta:
        verbose_name = "附件"
        verbose_name_plural = "附件"
        ordering = ["contract_id", "uploaded_at", "id"]

    def get_additional_data(self):
        return {**self.contract.get_additional_data(), "record": f"contract:{self.contract_id}"}


class ResolutionEvidence(StoredFile):
    """The papers that show a resolution's procedure was held (DOMAIN.md §7): minutes, sign-in sheet, notice
    photos, ballots. They may be added after the resolution is locked, never changed or removed."""

    class Kind(models.TextChoices):
        MINUTES = "会议记录", "会议记录"
        SIGN_IN = "签到表", "签到表"
        NOTICE_PHOTO = "公示照片", "公示照片"
        BALLOTS = "表决票", "表决票"
        OTHER = "其他", "其他"

    # PROTECT: evidence is never removed, so neither is a resolution that has some.
    resolution = models.ForeignKey(Resolution, verbose_name="民主决策记录", on_delete=models.PROTECT,
                                   related_name="evidence")
    kind = models.CharField("类别", max_length=10, choices=Kind.choices)
    file = models.FileField(storage=private_storage, upload_to="resolutions/%Y/%m/")

    # What a passed vote should have on file; without them the page says so (a hint, not a block).
    EXPECTED_KINDS = (Kind.MINUTES, Kind.SIGN_IN)

    class Meta:
        verbose_name = "决议证明材料"
        verbose_name_plural = "决议证明材料"
        ordering = ["resolution_id", "uploaded_at", "id"]

    def get_additional_data(self):
        return {**self.resolution.get_additional_data(), "record": f"resolution:{self.resolution_id}"}


register_audited(RuleSettings)
register_audited(Resolution, exclude=("passed",), summary=("meeting", "members_present", "votes_for"))
register_audited(Contract, exclude=("search_keys", "version", "created_at", "updated_at"), m2m=("parcels", "assets"),
                 summary=("counterparty", "annual_fee", "area_mu"))
register_audited(Instalment, summary=("note",))
register_audited(ContractProblem, summary=("status", "reason"))
register_audited(Investigation, exclude=("updated_at",), summary=("investigated_on", "investigators"))
register_audited(Determination, summary=("facts",))
register_audited(Disposition, summary=("approval", "plan"))
# The file's type and checksum are kept for the record, not for reading.
register_audited(Attachment, exclude=("file",), hidden=("content_type", "sha256"), summary=("contract",))
register_audited(ResolutionEvidence, exclude=("file",), hidden=("content_type", "sha256"), summary=("resolution",))

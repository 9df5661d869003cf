from auditlog.models import AbstractLogEntry
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models

from places.models import County


class Role(models.TextChoices):
    """The people of DOMAIN.md §1, plus the system administrator."""

    VILLAGE = "village", "村报账员/村会计"
    TOWNSHIP = "township", "乡镇专班/经管站"
    COUNTY = "county", "县农经中心/专项办"
    PROVINCE = "province", "省级农经/专项办"
    COLLECTOR = "collector", "清收专员"
    INSPECTOR = "inspector", "纪检/审计"
    ADMIN = "admin", "系统管理员"


# The scope levels, narrowest first, as a user's form names them.
LEVELS = ("village", "township", "county", "province", "all")
LEVEL_LABELS = {"village": "一个村", "township": "一个乡镇", "county": "全县", "province": "全省", "all": "全部"}


class SanziUserManager(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        # `createsuperuser` makes the system administrator, who sees every county.
        extra_fields.setdefault("role", Role.ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    """A person who logs in, with one role and one scope.

    The scope is the narrowest place set: a village, else a township, else a
    county, else a province. A role fixes which scope levels make sense (a village accountant
    works in one village, a township cadre in one township).
    """

    real_name = models.CharField("姓名", max_length=50, blank=True)
    phone = models.CharField("联系电话", max_length=30, blank=True)
    role = models.CharField("角色", max_length=20, choices=Role.choices, default=Role.INSPECTOR)
    province = models.ForeignKey(
        "places.Province", verbose_name="省", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    county = models.ForeignKey(
        "places.County", verbose_name="县", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    township = models.ForeignKey(
        "places.Township", verbose_name="乡镇", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    village = models.ForeignKey(
        "places.Village", verbose_name="村", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = SanziUserManager()

    # Which scope levels each role may hold.
    ALLOWED_LEVELS = {
        Role.VILLAGE: {"village"},
        Role.TOWNSHIP: {"township"},
        Role.COUNTY: {"county"},
        Role.PROVINCE: {"province"},
        Role.COLLECTOR: {"village", "township"},
        Role.INSPECTOR: {"village", "township", "county", "province"},
        Role.ADMIN: {"all", "county"},
    }

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self):
        return self.real_name or self.username

    @property
    def scope_level(self) -> str:
        if self.village_id:
            return "village"
        if self.township_id:
            return "township"
        if self.county_id:
            return "county"
        if self.province_id:
            return "province"
        return "all" if (self.role == Role.ADMIN or self.is_superuser) else "none"

    @property
    def scope_name(self) -> str:
        level = self.scope_level
        if level == "village":
            return self.village.full_name
        if level == "township":
            return self.township.name
        if level == "county":
            return self.county.name
        if level == "province":
            return self.province.name
        return "全部" if level == "all" else "未设置"

    def clean(self):
        super().clean()
        # Keep the chain consistent: a village's township, county and province are implied.
        if self.village_id:
            self.township_id = self.village.township_id
            self.county_id = self.village.township.county_id
        elif self.township_id:
            self.county_id = self.township.county_id
        if self.county_id:
            self.province_id = County.objects.filter(pk=self.county_id).values_list("province_id", flat=True).first()
        allowed = self.ALLOWED_LEVELS.get(self.role, set())
        if not self.is_superuser and self.scope_level not in allowed:
            raise ValidationError(
                {"role": f"角色“{self.get_role_display()}”的管理范围必须是："
                 + "、".join(LEVEL_LABELS[x] for x in LEVELS if x in allowed)}
            )


class AuditEntry(AbstractLogEntry):
    """One row of the audit trail: who changed what, when, before and after.

    Rows are only ever inserted. The application offers no way to change or
    remove them, and on PostgreSQL a trigger refuses UPDATE and DELETE.
    `village` is copied from the audited object so that the trail is scoped
    like the records themselves.
    """

    village = models.ForeignKey(
        "places.Village", on_delete=models.DO_NOTHING, db_constraint=False, null=True, blank=True,
        related_name="+",
    )
    township = models.ForeignKey(
        "places.Township", on_delete=models.DO_NOTHING, db_constraint=False, null=True, blank=True,
        related_name="+",
    )
    county = models.ForeignKey(
        "places.County", on_delete=models.DO_NOTHING, db_constraint=False, null=True, blank=True,
        related_name="+",
    )
    # The record whose history page this entry belongs on when it is about one of
    # its parts (a contract's problems, schedule, disposition): "contract:12".
    record = models.CharField(max_length=60, blank=True, db_index=True)

    class Meta(AbstractLogEntry.Meta):
        verbose_name = "审计记录"
        verbose_name_plural = "审计记录"
        indexes = [
            models.Index(fields=["content_type", "object_id", "timestamp"]),
            models.Index(fields=["village", "timestamp"]),
            models.Index(fields=["township", "timestamp"]),
            models.Index(fields=["county", "timestamp"]),
        ]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError("审计记录不可修改。")
        place = self.additional_data or {}
        self.village_id = place.get("village_id")
        self.township_id = place.get("township_id")
        self.county_id = place.get("county_id")
        self.record = place.get("record", "")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("审计记录不可删除。")


class Job(models.Model):
    """Long work done in the background: its state, progress, result files and error, polled by its page.

    The job belongs to the place its creator worked in, so that only people
    whose scope covers it see it or download what it made.
    """

    class State(models.TextChoices):
        QUEUED = "排队中", "排队中"
        RUNNING = "进行中", "进行中"
        DONE = "已完成", "已完成"
        FAILED = "失败", "失败"

    kind = models.CharField("类型", max_length=30)
    title = models.CharField("名称", max_length=200)
    params = models.JSONField("参数", default=dict)
    state = models.CharField("状态", max_length=5, choices=State.choices, default=State.QUEUED)
    progress = models.PositiveSmallIntegerField("进度(%)", default=0)
    total = models.PositiveIntegerField("总数", default=0)
    done = models.PositiveIntegerField("已完成数", default=0)
    message = models.CharField("进度说明", max_length=200, blank=True)
    error = models.TextField("错误", blank=True)
    counts = models.JSONField("统计", default=dict)
    files = models.JSONField("结果文件", default=list)
    attempts = models.PositiveSmallIntegerField("运行次数", default=0)
    created_by = models.ForeignKey(User, verbose_name="发起人", on_delete=models.PROTECT, related_name="+")
    county = models.ForeignKey("places.County", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    township = models.ForeignKey("places.Township", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+")
    village = models.ForeignKey("places.Village", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField("发起时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    # Set when the job starts and each time it reports progress: a running job whose heartbeat stops has lost
    # its worker and may be taken up again.
    heartbeat_at = models.DateTimeField("最近进展时间", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "后台任务"
        verbose_name_plural = "后台任务"
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.title}（{self.state}）"

    @property
    def finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED)


class SubmissionKey(models.Model):
    """One submission of a money or batch form: the hidden key its page carried, and what it produced.

    Recorded in the same transaction as the write, so the unique key lets a page's submission write once:
    a second click, a resent POST or a browser retry finds the key taken and is shown what the first made.
    Old rows are only a guard against resubmission and are purged after SUBMISSION_KEY_DAYS.
    """

    key = models.UUIDField("提交标识", unique=True)
    user = models.ForeignKey(User, verbose_name="提交人", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("提交时间", auto_now_add=True, db_index=True)
    label = models.CharField("办理事项", max_length=200, blank=True)
    url = models.CharField("登记结果", max_length=300, blank=True)

    class Meta:
        verbose_name = "表单提交记录"
        verbose_name_plural = "表单提交记录"

    def __str__(self):
        return self.label or str(self.key)

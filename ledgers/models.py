"""One upload of an Excel ledger (台账): the file kept in private storage, what its preview found,
and whether it was committed."""
from django.conf import settings
from django.db import models
from django.urls import reverse

from core.audit import register_audited


class LedgerKind(models.TextChoices):
    PLACES = "places", "村组"
    PARCELS = "parcels", "地块"
    CONTRACTS = "contracts", "合同"
    CLAIMS = "claims", "债权"
    DEBTS = "debts", "债务"


class LedgerImport(models.Model):
    class State(models.TextChoices):
        READING = "读取中", "读取中"
        MAPPING = "待确认栏目", "待确认栏目"
        FAILED = "无法读取", "无法读取"
        ERRORS = "有错误", "有错误"
        READY = "待导入", "待导入"
        COMMITTING = "导入中", "导入中"
        DONE = "已导入", "已导入"

    kind = models.CharField("台账类型", max_length=10, choices=LedgerKind.choices)
    original_name = models.CharField("文件名", max_length=200)
    # Paths inside PRIVATE_ROOT chosen by the application, never from the upload's name.
    path = models.CharField(max_length=200)
    parsed_path = models.CharField(max_length=200, blank=True)
    # The rows the preview (or the import) creates or changes, with what changes: gzip JSON beside the file.
    listing_path = models.CharField(max_length=200, blank=True)
    size = models.PositiveIntegerField("大小(字节)")
    sha256 = models.CharField(max_length=64)
    fmt = models.CharField("格式", max_length=5, default="xlsx")
    # What the survey found (ledgers/survey: every sheet, its columns with samples and suggestions), and the
    # mapping confirmed for it: {"sheets": [{"name", "columns": {index: field}, "village": id, "skip"}],
    # "values": {field: {written: name}}, "confirmed_by": …}.
    survey = models.JSONField("栏目识别", default=dict, blank=True)
    mapping = models.JSONField("栏目对照", default=dict, blank=True)
    # Every error listed, as {sheet, row, column, reason}; the records the file may already hold under other
    # numbers ({row, …}) and what the user decided for each ({row: pk, or 0 for a new record}).
    problems = models.JSONField("错误明细", default=list, blank=True)
    matches = models.JSONField("疑似重复", default=list, blank=True)
    decisions = models.JSONField("重复确认", default=dict, blank=True)
    state = models.CharField("状态", max_length=5, choices=State.choices, default=State.READING)
    sheet = models.CharField("工作表", max_length=100, blank=True)
    header_row = models.PositiveIntegerField("表头行", null=True, blank=True)
    counts = models.JSONField("统计", default=dict)
    errors = models.JSONField("错误", default=list)
    error_count = models.PositiveIntegerField("错误数", default=0)
    warnings = models.JSONField("提示", default=list)
    warning_count = models.PositiveIntegerField("提示数", default=0)
    unknown_columns = models.JSONField("未识别的列", default=list)
    job = models.ForeignKey("core.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.PROTECT,
                                   related_name="+")
    county = models.ForeignKey("places.County", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    township = models.ForeignKey("places.Township", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+")
    village = models.ForeignKey("places.Village", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    committed_at = models.DateTimeField("导入时间", null=True, blank=True)
    committed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="导入人", on_delete=models.PROTECT,
                                     null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = "台账导入"
        verbose_name_plural = "台账导入"
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.get_kind_display()}台账 {self.original_name}"

    def get_absolute_url(self):
        return reverse("ledgers:import-detail", args=[self.pk])

    @property
    def can_commit(self) -> bool:
        return self.state == self.State.READY


class ColumnMapping(models.Model):
    """A header of a county's ledgers confirmed as one column of a kind (ledgers/mapping.py), so that next
    month's file with the same header maps itself. The header is kept normalised (`mapping.header_key`:
    no units, spaces or full-width forms); an empty column means the header is not imported. `values`
    maps the coded values the vocabulary does not know, as written (normalised), to its names."""

    county = models.ForeignKey("places.County", verbose_name="县", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("台账类型", max_length=10, choices=LedgerKind.choices)
    header_key = models.CharField("表头", max_length=200)
    column = models.CharField("对应栏目", max_length=50, blank=True, help_text="空为不导入")
    values = models.JSONField("代码对照", default=dict, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="确认人", on_delete=models.PROTECT,
                                   related_name="+")
    updated_at = models.DateTimeField("确认时间", auto_now=True)

    class Meta:
        verbose_name = "表头对照"
        verbose_name_plural = "表头对照"
        ordering = ["county", "kind", "header_key"]
        constraints = [
            models.UniqueConstraint(fields=["county", "kind", "header_key"], name="ledgers_column_mapping_unique"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}台账「{self.header_key}」→ {self.column or '不导入'}"

    def get_additional_data(self):
        # The audit entry belongs to the county, like the mapping.
        return {"county_id": self.county_id}


register_audited(ColumnMapping, exclude=("updated_at",))

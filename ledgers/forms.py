"""The upload form: which kind of ledger, and the file (validation only)."""
from django import forms
from django.conf import settings

from core.forms import style_fields


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label="台账类型")
    file = forms.FileField(label="台账文件（.xlsx、.xls、.et 或 .csv）",
                           widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xls,.et,.csv"}))

    def __init__(self, *args, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kinds
        self.fields["file"].help_text = (f"不超过 {settings.LEDGER_MAX_MB} MB、{settings.LEDGER_MAX_ROWS:,} 行；"
                                         "可有标题行、单位行、两行表头和合并单元格，每个工作表都会读取")
        style_fields(self)

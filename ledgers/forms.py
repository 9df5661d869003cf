"""The upload form: which kind of ledger, and the file (validation only)."""
from django import forms
from django.conf import settings

from core.forms import style_fields


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label="台账类型")
    file = forms.FileField(label="Excel 文件（.xlsx）",
                           widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}))

    def __init__(self, *args, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kinds
        self.fields["file"].help_text = (f"不超过 {settings.LEDGER_MAX_MB} MB、{settings.LEDGER_MAX_ROWS:,} 行；"
                                         "表头须有列名，上方可有标题行")
        style_fields(self)

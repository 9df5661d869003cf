"""Form helpers shared by every app: Bootstrap classes and scoped place choices."""
import unicodedata
from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import ValidationError
from django.urls import reverse

from .bounds import DATE_MAX, DATE_MIN, DateInBounds
from .scoping import groups_for, villages_for


def bound_fields(form: forms.BaseForm) -> None:
    """Every date between core.bounds.DATE_MIN and DATE_MAX, and a Chinese message naming the field for text
    that is too long.

    A date past 2100 (9999-12-31 typed by mistake, or on purpose) would pass Django's own checks and then
    overflow wherever years are added to it (the limitation period, a payment schedule).
    """
    for name, field in form.fields.items():
        label = f"“{field.label or name}”"
        if isinstance(field, forms.DateField):
            if DateInBounds(label) not in field.validators:
                field.validators.append(DateInBounds(label))
            if isinstance(field.widget, forms.DateInput):
                field.widget.attrs.setdefault("min", f"{DATE_MIN:%Y-%m-%d}")
                field.widget.attrs.setdefault("max", f"{DATE_MAX:%Y-%m-%d}")
        elif isinstance(field, forms.CharField) and field.max_length is not None:
            field.error_messages.setdefault(
                "max_length", f"{label}最多 %(limit_value)d 个字，现有 %(show_value)d 个，请删减。")


def style_fields(form: forms.BaseForm) -> None:
    # Every form of the project passes through here, so the bounds ride along: a new form cannot forget them.
    bound_fields(form)
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, (forms.CheckboxInput,)):
            css = "form-check-input"
        elif isinstance(widget, (forms.Select, forms.SelectMultiple)):
            css = "form-select"
        elif isinstance(widget, forms.RadioSelect):
            css = "form-check-input"
        else:
            css = "form-control"
        widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


class ScopedModelForm(forms.ModelForm):
    """A model form whose village and group choices are limited to the user's scope.

    A village outside the scope is refused with a field error; a village
    accountant's village is fixed.
    """

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        village_field = self.fields.get("village")
        if village_field is not None:
            village_field.queryset = villages_for(user)
            village_field.error_messages["invalid_choice"] = "所选村不在您的管理范围内。"
            village_field.empty_label = "请选择村"
            if user.scope_level == "village":
                village_field.initial = user.village_id
                village_field.disabled = True
            if "group" in self.fields:
                village_field.widget.attrs.update({
                    "hx-get": reverse("villages:group-options"),
                    "hx-target": "#id_group",
                    "hx-trigger": "change",
                })
        group_field = self.fields.get("group")
        if group_field is not None:
            village_id = self._chosen_village_id()
            groups = groups_for(user)
            group_field.queryset = groups.filter(village_id=village_id) if village_id else groups.none()
            group_field.error_messages["invalid_choice"] = "所选村民小组不属于该村。"
            group_field.empty_label = "（不分组）"
        style_fields(self)

    def _chosen_village_id(self):
        if self.is_bound and not self.fields["village"].disabled:
            return self.data.get(self.add_prefix("village")) or None
        if self.fields.get("village") is not None and self.fields["village"].initial:
            return self.fields["village"].initial
        return getattr(self.instance, "village_id", None) or self.initial.get("village")


class StyledPasswordChangeForm(PasswordChangeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_fields(self)


class MoneyField(forms.CharField):
    """An amount in 元 as cadres type it (`12,345.00`, `1.2万`, `¥12345`), cleaned to an exact Decimal."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.widget.attrs.setdefault("maxlength", "30")
        self.widget.attrs.setdefault("inputmode", "decimal")
        self.widget.attrs.setdefault("placeholder", "如 12,345.00 或 1.2万")

    def prepare_value(self, value):
        from .money import format_yuan

        if isinstance(value, (int, float)) or hasattr(value, "quantize"):
            return format_yuan(value)
        return value

    def to_python(self, value):
        from .money import parse_amount

        value = super().to_python(value)
        if value in self.empty_values:
            return None
        return parse_amount(value, label=f"“{self.label}”" if self.label else "金额")


class PercentField(forms.CharField):
    """A share typed and shown as a percentage (`5`, `5%` or `5.25％` for 0.05, 0.0525), cleaned to the
    fraction the model keeps: nobody should have to write 5% as 0.05."""

    def __init__(self, *args, decimals: int = 2, **kwargs):
        self.decimals = decimals
        super().__init__(*args, **kwargs)
        self.widget.attrs.setdefault("maxlength", "10")
        self.widget.attrs.setdefault("inputmode", "decimal")

    def prepare_value(self, value):
        from .money import format_percent

        if isinstance(value, (int, float)) or hasattr(value, "quantize"):
            return format_percent(value).removesuffix("%")
        return value

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        label = f"“{self.label}”" if self.label else "比例"
        text = unicodedata.normalize("NFKC", value).strip().removesuffix("%").strip()
        try:
            percent = Decimal(text)
        except InvalidOperation:
            raise ValidationError("%(label)s请填写百分数，如 5 或 5%%。", params={"label": label},
                                  code="invalid") from None
        if not percent.is_finite() or percent < 0 or percent > 100:
            raise ValidationError("%(label)s应在 0 至 100%% 之间。", params={"label": label}, code="range")
        if percent != percent.quantize(Decimal(1).scaleb(-self.decimals)):
            raise ValidationError("%(label)s最多 %(decimals)d 位小数。",
                                  params={"label": label, "decimals": self.decimals}, code="precision")
        return percent / 100


class VersionField(forms.IntegerField):
    """The version of the record the user was shown, posted back to refuse a stale save."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)

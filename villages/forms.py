"""Validation of place, party, parcel and asset forms. Writes happen in services."""
from django import forms

from core.forms import ScopedModelForm, style_fields
from places.models import Group, Township, Village

from .models import Asset, Parcel, Party


class VillageForm(forms.ModelForm):
    class Meta:
        model = Village
        fields = ["township", "name", "code", "collective_org", "contact_person", "contact_phone",
                  "households", "population", "total_area_mu",
                  "arable_area_mu", "forest_area_mu", "expected_contracts", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        townships = Township.objects.select_related("county")
        if user.scope_level == "township":
            townships = townships.filter(pk=user.township_id)
            self.fields["township"].initial = user.township_id
            self.fields["township"].disabled = True
        elif user.scope_level == "county":
            townships = townships.filter(county_id=user.county_id)
        elif user.scope_level != "all":
            townships = townships.none()
        self.fields["township"].queryset = townships
        self.fields["township"].error_messages["invalid_choice"] = "所选乡镇不在您的管理范围内。"
        style_fields(self)


class GroupForm(forms.ModelForm):
    class Meta:
        model = Group
        fields = ["name", "leader", "households", "population"]

    def __init__(self, *args, village, **kwargs):
        super().__init__(*args, **kwargs)
        # Lets the model's unique (village, name) check run on the form.
        self.instance.village = village
        style_fields(self)


class PartyForm(ScopedModelForm):
    class Meta:
        model = Party
        fields = ["kind", "name", "id_number", "phone", "village", "group", "is_member", "address", "note",
                  "status", "status_since", "heirs", "status_note"]
        widgets = {"kind": forms.RadioSelect, "note": forms.Textarea(attrs={"rows": 3}),
                   "status_since": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                   "heirs": forms.Textarea(attrs={"rows": 2}), "status_note": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A post without the field (an older page, a script) keeps the party's status rather than failing.
        if "status" in self.fields:
            self.fields["status"].required = False

    def clean_status(self):
        return self.cleaned_data.get("status") or self.instance.status


class ParcelForm(ScopedModelForm):
    class Meta:
        model = Parcel
        fields = ["village", "group", "code", "name", "kind", "ledger_area_mu", "measured_area_mu", "measured_on",
                  "boundaries", "state", "recovered_on", "note"]
        widgets = {"measured_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                   "recovered_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                   "note": forms.Textarea(attrs={"rows": 3})}


class _InVillageMixin:
    """The form of a dialog over another page's form (a contract's): the record is registered in the village that
    page chose, so the village is fixed and not sent (the dialog names it)."""

    def __init__(self, *args, village, **kwargs):
        self.village = village
        kwargs["instance"] = self._meta.model(village=village)
        super().__init__(*args, **kwargs)
        self.fields["village"].disabled = True

    def _chosen_village_id(self):
        return self.village.pk


class PartyQuickForm(_InVillageMixin, PartyForm):
    """A new party, from a contract's counterparty picker; validated as on the party's own page."""

    prefix = "party"

    class Meta(PartyForm.Meta):
        fields = ["village", "kind", "name", "id_number", "phone", "group", "is_member", "address", "note"]


class ParcelQuickForm(_InVillageMixin, ParcelForm):
    """A new parcel, from a contract's parcel picker; validated as on the parcel's own page."""

    prefix = "parcel"

    class Meta(ParcelForm.Meta):
        fields = ["village", "code", "name", "kind", "ledger_area_mu", "group", "state", "boundaries", "note"]


class AssetForm(ScopedModelForm):
    class Meta:
        model = Asset
        fields = ["village", "group", "code", "name", "kind", "location", "floor_area_m2", "quantity", "book_value",
                  "acquired_on", "state", "note"]
        widgets = {"acquired_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                   "note": forms.Textarea(attrs={"rows": 3})}


def pick_label(obj) -> str:
    """How a party, parcel or asset reads in a picker (a contract's counterparty and subjects)."""
    if hasattr(obj, "ledger_area_mu"):
        return f"{obj.code} {obj.name}（{obj.kind} {obj.ledger_area_mu} 亩）"
    if hasattr(obj, "id_number"):
        return f"{obj.name}（{obj.village.name}）"
    return str(obj)

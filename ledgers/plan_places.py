"""Places (county, township, village, group) and parcels from their ledgers."""
import re
from collections import defaultdict

from core.bulk import bulk_insert
from places.models import County, Group, Township, Village
from places.sorting import name_sort_key
from villages.models import Parcel

from . import kinds as K
from .planning import BAD, CREATE, SAME, UPDATE, Planner, cached_keys
from .reading import Conversions, day, integer, normalize


def _county_key(name: str) -> str:
    return normalize(name).removesuffix("县")


# A side of 四至 as ledgers write it: `东至路`, `东：渠`, `南邻李家`, `西到山根`, `北接公路`.
_SIDE = re.compile(r"([东南西北])(?:至|到|邻|临|接|靠|:)")


def sides(boundaries: str) -> set[str]:
    """Which of 东/南/西/北 a 四至 names."""
    return set(_SIDE.findall(normalize(boundaries)))


class PlacePlanner(Planner):
    """Rows with 组 blank are villages; rows with 组 are that village's groups. Townships and villages
    that do not exist yet are created within the importing user's county (an administrator may also
    create the county)."""

    kind = K.PLACES

    VILLAGE_FIELDS = {"户数": "households", "人口": "population", "耕地面积(亩)": "arable_area_mu",
                      "林地面积(亩)": "forest_area_mu", "集体经济组织": "collective_org",
                      "应有合同数": "expected_contracts"}

    def plan(self):
        self.conversions = Conversions.of(self.sheet)
        rights = self.rights
        counties = County.objects.all() if rights.county_id is None else County.objects.filter(pk=rights.county_id)
        self.counties = {_county_key(c.name): c for c in counties}
        self.townships = {(t.county_id, normalize(t.name)): t for t in Township.objects.filter(county__in=counties)}
        self.villages = {(v.township_id, normalize(v.name)): v
                         for v in Village.objects.filter(township__county__in=counties)}
        self.groups = {(g.village_id, normalize(g.name)): g
                       for g in Group.objects.filter(village__township__county__in=counties)}
        self.new_counties, self.new_townships, self.new_villages, self.new_groups = {}, {}, {}, {}
        self.village_updates, self.group_updates = [], []
        seen = {}
        for done, (row, values) in enumerate(self.data_rows(), start=1):
            self.progress(done, f"已核对 {done:,} 行")
            self._plan_row(row, values, seen)
        for column, message in self.conversions.warnings():
            self.warn(None, column, message)

    def _plan_row(self, row, values, seen):
        county_name = self.required_text(row, values, "县", 50)
        township_name = self.required_text(row, values, "乡镇", 50)
        village_name = self.required_text(row, values, "村", 50)
        group_name = self.optional_text(row, values, "组", 30)
        data = self._village_data(row, values) if not group_name else self._group_data(row, values)
        if self.is_bad(row):
            return
        county = self._county(row, county_name)
        if county is None:
            return
        key = (_county_key(county_name), normalize(township_name), normalize(village_name), normalize(group_name))
        if self.duplicate(seen, key, row, "组" if group_name else "村"):
            return
        township = self._child(self.townships, self.new_townships, county, township_name,
                               lambda parent: Township(name=township_name, sort_key=name_sort_key(township_name)))
        village = self._child(self.villages, self.new_villages, township, village_name,
                              lambda parent: Village(name=village_name, search_keys=cached_keys(village_name),
                                                     sort_key=name_sort_key(village_name)))
        if not group_name:
            self._apply(row, village, data, self.village_updates, f"村 {township_name}{village_name}")
            return
        group = self._child(self.groups, self.new_groups, village, group_name,
                            lambda parent: Group(name=group_name, sort_key=name_sort_key(group_name)))
        self._apply(row, group, data, self.group_updates, f"村民小组 {village_name}{group_name}")

    def _county(self, row, name):
        county = self.counties.get(_county_key(name))
        if county is not None:
            return county
        if self.rights.county_id is not None:
            self.error(row, "县", f"“{name}”不在您的管理范围内")
            return None
        county = self.new_counties.get(_county_key(name))
        if county is None:
            county = self.new_counties[_county_key(name)] = County(name=name)
        return county

    def _child(self, existing, pending, parent, name, make):
        parent_key = parent.pk if parent.pk else id(parent)
        key = (parent_key, normalize(name))
        found = existing.get(key) if parent.pk else None
        if found is not None:
            return found
        if key not in pending:
            pending[key] = (parent, make(parent))
        return pending[key][1]

    def _village_data(self, row, values) -> dict:
        data = {}
        for column, name in self.VILLAGE_FIELDS.items():
            if not self.has(column):
                continue
            if column in ("户数", "人口"):
                value = self.read(row, values, column, integer)
            elif column == "应有合同数":
                value = self.read(row, values, column, integer)
                value = 0 if value is None else value
            elif column == "集体经济组织":
                value = self.optional_text(row, values, column, 100)
            else:
                value = self.read(row, values, column, self.conversions.area, column, row)
            if value is not BAD:
                data[name] = value
        return data

    def _group_data(self, row, values) -> dict:
        data = {}
        for column, name in (("户数", "households"), ("人口", "population")):
            if self.has(column):
                value = self.read(row, values, column, integer)
                if value is not BAD:
                    data[name] = value
        return data

    def _apply(self, row, obj, data, updates, label):
        if obj.pk is None:
            for name, value in data.items():
                setattr(obj, name, value)
            self.planned(row, CREATE, label)
            return
        changes = self.diff(obj, data)
        if changes:
            updates.append((obj, changes))
            self.planned(row, UPDATE, label, obj, changes)
        else:
            self.planned(row, SAME, label)

    def write(self):
        from core.services import record_create
        from villages.services import group_update, village_update

        user = self.rights.user
        for county in self.new_counties.values():
            county.pk = record_create(County, user=user, data={"name": county.name}).pk
        self.outcome.count("县", "新建", len(self.new_counties))
        townships = []
        for parent, township in self.new_townships.values():
            township.county = parent
            townships.append(township)
        bulk_insert(Township, townships, self.audit)
        self.outcome.count("乡镇", "新建", len(townships))
        villages = []
        for parent, village in self.new_villages.values():
            village.township = parent
            villages.append(village)
        # Each new township gets its own unit (镇本级): the sheet's "峪口镇本级" row where it has one.
        bodies = []
        for township in townships:
            named = next((v for v in villages if v.township is township and v.name == township.body_name), None)
            if named is not None:
                named.is_township_body = True
            else:
                bodies.append(township.new_body())
        bulk_insert(Village, villages + bodies, self.audit)
        self.outcome.count("村", "新建", len(villages))
        self.outcome.count("镇本级", "新建", len(bodies))
        groups = []
        for parent, group in self.new_groups.values():
            group.village = parent
            groups.append(group)
        bulk_insert(Group, groups, self.audit)
        self.outcome.count("村民小组", "新建", len(groups))
        for village, changes in self.village_updates:
            village_update(user=user, village=village, data=changes)
        self.outcome.count("村", "修改", len(self.village_updates))
        for group, changes in self.group_updates:
            group_update(user=user, group=group, data=changes)
        self.outcome.count("村民小组", "修改", len(self.group_updates))


class ParcelPlanner(Planner):
    kind = K.PARCELS

    def _area(self, row, values, name):
        return self.read(row, values, name, self.conversions.area, name, row)

    def plan(self):
        self.conversions = Conversions.of(self.sheet)
        parsed = []
        for done, (row, values) in enumerate(self.data_rows(), start=1):
            self.progress(done, f"已核对 {done:,} 行")
            village = self.village(row, values)
            code = self.required_text(row, values, "地块编号", 50)
            data = {"name": self.required_text(row, values, "地名", 100)} if self.has("地名") else {}
            kind = self.read(row, values, "资源类型", K.PARCEL_KINDS.read)
            if kind is None:
                self.error(row, "资源类型", "请填写")
            data["kind"] = kind
            ledger = self.positive(row, "台账面积(亩)", self._area(row, values, "台账面积(亩)"))
            if ledger is None:
                self.error(row, "台账面积(亩)", "请填写")
            data["ledger_area_mu"] = ledger
            if self.has("实测面积(亩)"):
                data["measured_area_mu"] = self.positive(row, "实测面积(亩)", self._area(row, values, "实测面积(亩)"))
            if self.has("四至"):
                data["boundaries"] = self.optional_text(row, values, "四至", 300)
            if self.has("状态"):
                data["state"] = self.read(row, values, "状态", K.PARCEL_STATES.read, Parcel.State.IDLE)
            if self.has("收回日期"):
                data["recovered_on"] = self.read(row, values, "收回日期", day)
                if data["recovered_on"] and data.get("state") not in (Parcel.State.RECOVERED, None):
                    self.error(row, "收回日期", "只有状态为“已收回”的地块才填写收回日期")
            if self.has("备注"):
                data["note"] = self.optional_text(row, values, "备注", 5000)
            if village is None or self.is_bad(row):
                continue
            parsed.append((row, village, code, data))
        for column, message in self.conversions.warnings():
            self.warn(None, column, message)
        existing = defaultdict(dict)
        village_ids = sorted({village.pk for _, village, _, _ in parsed})
        for start in range(0, len(village_ids), 500):
            for parcel in Parcel.objects.filter(village_id__in=village_ids[start:start + 500]):
                existing[parcel.village_id][normalize(parcel.code)] = parcel
        seen = {}
        self.new, self.updates = [], []
        for row, village, code, data in parsed:
            if self.duplicate(seen, (village.pk, normalize(code)), row, "地块编号"):
                continue
            parcel = existing[village.pk].get(normalize(code))
            label = f"地块 {code} {data.get('name', '')}".strip()
            if parcel is None:
                self.new.append(Parcel(village=village, code=code, **data))
                self.planned(row, CREATE, label)
                continue
            changes = self.diff(parcel, data)
            if "boundaries" in changes:
                self._keep_boundaries(row, parcel, changes)
            if changes:
                self.updates.append((parcel, changes))
                self.planned(row, UPDATE, label, parcel, changes)
            else:
                self.planned(row, SAME, label)

    def _keep_boundaries(self, row, parcel, changes) -> None:
        """A 四至 naming fewer sides than the registered one does not replace it (a file keeping only `东至路`
        would lose three sides): the registered one stays, and the preview says so. A blank cell keeps it too."""
        new, old = changes["boundaries"], parcel.boundaries
        if len(sides(new)) >= len(sides(old)) and new:
            return
        del changes["boundaries"]
        if new:
            self.warn(row, "四至", f"台账为“{new}”（{len(sides(new))} 面），少于系统中的“{old}”"
                                   f"（{len(sides(old))} 面），保留系统中的四至；如需修改，请在地块页面办理")

    def write(self):
        from villages.services import parcel_update

        bulk_insert(Parcel, self.new, self.audit)
        self.outcome.count("地块", "新建", len(self.new))
        for parcel, changes in self.updates:
            parcel_update(user=self.rights.user, parcel=parcel, data=changes)
        self.outcome.count("地块", "修改", len(self.updates))


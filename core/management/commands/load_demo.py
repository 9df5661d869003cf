"""Build the demo county (方山县). Running it again changes nothing that exists."""
import random
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import transaction

from core.models import Role, User
from fixtures import demo
from fixtures.demo_contracts import build_village_contracts
from fixtures.demo_debts import build_township_letters, build_village_debts
from fixtures.demo_reports import build_reports
from villages import services
from villages.models import Asset, County, Group, Parcel, Party, Township, Village

USERS = [
    # username, real name, role, scope (township, village)
    ("county", "马立新", Role.COUNTY, None, None),
    ("jicui", "郭海燕", Role.TOWNSHIP, "积翠镇", None),
    ("yukou", "高志强", Role.TOWNSHIP, "峪口镇", None),
    ("yukoucun", "薛文斌", Role.VILLAGE, "峪口镇", "峪口村"),
    ("inspector", "白振国", Role.INSPECTOR, None, None),
    ("admin", "系统管理员", Role.ADMIN, None, None),
]


class Command(BaseCommand):
    help = "建立演示数据：方山县（积翠镇、峪口镇）及各角色演示账号。可重复运行，不会重复建立。"

    def handle(self, *args, **options):
        with transaction.atomic():
            created = self.build()
        self.stdout.write(self.style.SUCCESS(
            f"演示数据已就绪（本次新建：{created['villages']} 个村，{created['parties']} 名当事人，"
            f"{created['parcels']} 块地块，{created['assets']} 项资产，{created['contracts']} 份合同，"
            f"{created['claims']} 笔债权，{created['letters']} 份对账函）。"))
        self.stdout.write(f"演示账号（密码均为 {demo.DEMO_PASSWORD}）：")
        for username, real_name, role, township, village in USERS:
            scope = village or township or ("全部" if role == Role.ADMIN else demo.COUNTY["name"])
            self.stdout.write(f"  {username:<10} {Role(role).label:<12} {real_name}（{scope}）")

    def build(self) -> dict:
        created = {"villages": 0, "parties": 0, "parcels": 0, "assets": 0}
        county, _ = County.objects.get_or_create(name=demo.COUNTY["name"], defaults={"code": demo.COUNTY["code"]})
        townships = {}
        for name, code in demo.TOWNSHIPS.items():
            townships[name], _ = Township.objects.get_or_create(county=county, name=name, defaults={"code": code})
        admin = self.ensure_users(county, townships, only="admin")["admin"]

        for spec in demo.VILLAGES:
            # One generator per kind of record, so that what exists already does not shift the rest.
            def rng(part, key=f"{spec.township}{spec.name}"):
                return random.Random(f"{key}:{part}")

            township = townships[spec.township]
            village = Village.objects.filter(township=township, name=spec.name).first()
            if village is None:
                village = services.village_create(user=admin, data=dict(
                    township=township, name=spec.name, collective_org=f"{spec.name}股份经济合作社",
                    households=spec.households, population=spec.population,
                    arable_area_mu=Decimal(spec.arable), forest_area_mu=Decimal(spec.forest),
                    expected_contracts=spec.expected_contracts))
                created["villages"] += 1
            groups = []
            for group_name in demo.GROUP_NAMES[:spec.groups]:
                group = Group.objects.filter(village=village, name=group_name).first()
                if group is None:
                    group = services.group_create(user=admin, village=village, data=dict(
                        name=group_name, leader=demo.person_name(rng(group_name)),
                        households=spec.households // spec.groups, population=spec.population // spec.groups))
                groups.append(group)
            created["parties"] += self.ensure_parties(admin, village, groups, rng("parties"), spec)
            created["parcels"] += self.ensure_parcels(admin, village, groups, rng("parcels"), spec)
            created["assets"] += self.ensure_assets(admin, village, rng("assets"))
        # Users last: the village accountant's village exists only now.
        users = self.ensure_users(county, townships)
        created["contracts"] = 0
        for spec in demo.VILLAGES:
            village = Village.objects.get(township=townships[spec.township], name=spec.name)
            cadre = users["jicui" if spec.township == "积翠镇" else "yukou"]
            actors = {"village": users["yukoucun"] if spec.name == "峪口村" else cadre, "township": cadre,
                      "county": users["county"]}
            created["contracts"] += build_village_contracts(village, actors, everything=spec.name == "峪口村")
            created["claims"] = created.get("claims", 0) + build_village_debts(village, actors)["claims"]
        created["letters"] = build_township_letters(townships["峪口镇"], users["yukou"])
        created["reports"] = build_reports(county, users)
        return created

    def ensure_users(self, county, townships, only=None) -> dict:
        users = {}
        for username, real_name, role, township_name, village_name in USERS:
            if only and username != only:
                continue
            user = User.objects.filter(username=username).first() or User(username=username)
            user.real_name = real_name
            user.role = role
            user.county = None if role == Role.ADMIN else county
            user.township = townships[township_name] if township_name else None
            user.village = (Village.objects.filter(township=user.township, name=village_name).first()
                            if village_name else None)
            user.is_staff = user.is_superuser = role == Role.ADMIN
            user.set_password(demo.DEMO_PASSWORD)
            user.clean()
            user.save()
            users[username] = user
        return users

    def ensure_parties(self, admin, village, groups, rng, spec) -> int:
        count = 0
        for i in range(12 + spec.groups * 3):
            name = demo.person_name(rng)
            id_number = demo.resident_id(rng, demo.COUNTY["code"])
            phone = f"13{rng.randrange(0, 10)}{rng.randrange(10**8):08d}"
            group = groups[i % len(groups)]
            if Party.objects.filter(id_number=id_number).exists():
                continue
            services.party_create(user=admin, data=dict(
                kind=Party.Kind.PERSON, name=name, id_number=id_number, phone=phone, village=village, group=group,
                is_member=i % 9 != 8, address=f"{village.township.name}{village.name}{group.name}"))
            count += 1
        for template, prefix in demo.ORG_PARTIES[: 1 + len(spec.name) % 3]:
            name = template.format(v=spec.name.removesuffix("村"), t=spec.township.removesuffix("镇"))
            if Party.objects.filter(village=village, name=name).exists():
                continue
            services.party_create(user=admin, data=dict(
                kind=Party.Kind.ORG, name=name, id_number=demo.credit_code(rng, prefix, demo.COUNTY["code"]),
                phone=f"0358-{rng.randrange(10**6, 10**7)}", village=village, is_member=False))
            count += 1
        return count

    def ensure_parcels(self, admin, village, groups, rng, spec) -> int:
        count = 0
        prefix = demo.parcel_prefix(spec.name)
        states = ["已发包", "已发包", "已发包", "闲置", "被占用"]
        for kind, number, total in spec.parcels:
            for i, area in enumerate(demo.split_area(total, number, rng), start=1):
                code = f"{prefix}-{demo.KIND_CODES[kind]}-{i:03d}"
                if Parcel.objects.filter(village=village, code=code).exists():
                    continue
                measured = None
                if rng.random() < 0.7:
                    measured = (area * Decimal(str(rng.choice([1, 1, 1, 0.98, 1.02, 1.12, 0.9])))).quantize(
                        Decimal("0.01"))
                place = rng.choice(demo.PLACE_NAMES)
                services.parcel_create(user=admin, data=dict(
                    village=village, group=groups[i % len(groups)], code=code, name=place, kind=kind,
                    ledger_area_mu=area, measured_area_mu=measured,
                    boundaries=f"东至{rng.choice(demo.PLACE_NAMES)}，南至道路，西至{rng.choice(demo.SURNAMES)}姓承包地，北至山脊",
                    state=rng.choice(states)))
                count += 1
        return count

    def ensure_assets(self, admin, village, rng) -> int:
        count = 0
        prefix = demo.parcel_prefix(village.name)
        for i, (kind, name, location, floor, value, state) in enumerate(demo.ASSETS, start=1):
            code = f"{prefix}-ZC-{i:03d}"
            if Asset.objects.filter(village=village, code=code).exists():
                continue
            services.asset_create(user=admin, data=dict(
                village=village, code=code, name=name, kind=kind,
                location=location.format(p=rng.choice(demo.PLACE_NAMES)),
                floor_area_m2=Decimal(floor) if floor else None, book_value=Decimal(value), state=state))
            count += 1
        if village.name == "峪口村":
            # The flats of the commercial-residential building recovered in the campaign.
            for n in range(1, 8):
                code = f"{prefix}-SZL-{n:02d}"
                if Asset.objects.filter(village=village, code=code).exists():
                    continue
                services.asset_create(user=admin, data=dict(
                    village=village, code=code, name=f"商住楼住宅 {n} 号", kind="房屋", location="峪口村商住楼",
                    floor_area_m2=Decimal("132.50"), book_value=Decimal("928571.43") if n < 7 else Decimal("928571.42"),
                    state="已收回", note="清化收中收回，估值合计 650 万元"))
                count += 1
        return count

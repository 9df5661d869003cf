"""Benchmark: the county dashboard at field scale, against one hand-written SQL query of the same measures.

    python bench/dashboard.py                      # SQLite, then a throwaway PostgreSQL if one can be started
    python bench/dashboard.py --db sqlite
    python bench/dashboard.py --db postgres        # DATABASE_URL=postgres://… to use a server of your own

Builds a county at the scale of the field reports (临猗: 37,519 contracts) with COPY on PostgreSQL
(bulk_create on SQLite) — 14 townships, 273 villages, 37,519 contracts at every stage (with parcels,
determinations, problems, dispositions and instalments), 60,000 claims, 150,000 ledger entries (reversals among them),
20,000 debts, and the letters, disputes, mediation cases and income records the warnings and risk
classes read — then times, through the Django test client as the county office:

- the county dashboard (`/`), the figures of its month-by-month chart (which the page's script fetches
  once the page is shown), a township page, the risk list and the warnings page;
- the `measures` selector for the county;
- a hand-written raw SQL query computing the same county measures (checked to agree).

It prints the median and worst of 20 requests, the SQL queries per page, and the ratio page ÷ raw
SQL. Targets on a 2-core machine, on SQLite and on PostgreSQL: county dashboard median ≤ 250 ms,
≤ 25 queries per page, ratio ≤ 3.
"""
import argparse
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = 20
SCALE = {"townships": 14, "villages": 273, "contracts": 37519, "claims": 60000, "entries": 150000, "debts": 20000,
         "parties": 30000, "letters": 3000, "disputes": 600, "mediation": 400, "income": 600}
TOWNSHIPS = ("猗氏镇", "嵋阳镇", "临晋镇", "七级镇", "东张镇", "孙吉镇", "三管镇", "耽子镇", "牛杜镇", "楚侯乡",
             "庙上乡", "北景乡", "北辛乡", "角杯乡")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
GIVEN = ("建国", "秀英", "桂兰", "志强", "海燕", "文斌", "振国", "保平", "立新", "玉兰", "春生", "金花", "永福", "俊峰")
CLAIM_KINDS = (["现金收回"] * 12 + ["核销"] * 2
               + ["减免", "债权债务冲转", "分红抵扣", "账务调整", "账务调整", "以资抵债"])
NEEDS_RESOLUTION = {"核销", "减免", "债权债务冲转", "分红抵扣"}
TARGET_MS, TARGET_QUERIES, TARGET_RATIO = 250, 25, 3


# --- Setting up Django on the chosen database -------------------------------------------------------


def setup_django(database_url: str, work: Path) -> None:
    os.environ.update({
        "DJANGO_SETTINGS_MODULE": "config.settings", "DATABASE_URL": database_url,
        "PRIVATE_ROOT": str(work / "private"),
        # Timed as in production: no debug toolbar of Django's own, no HTTPS redirect inside the test client.
        "DEBUG": "0", "SECRET_KEY": "bench-only", "ALLOWED_HOSTS": "testserver", "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0", "CSRF_COOKIE_SECURE": "0", "LOG_LEVEL": "WARNING",
    })
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


# --- The county -------------------------------------------------------------------------------------


def insert(model, objs: list) -> list:
    """`objs` written at once and returned with their ids, like bulk_create: on PostgreSQL by COPY, the ids
    drawn from the table's sequence first, which spares Django's per-value SQL compiling (most of the time of
    a bulk_create of a million rows)."""
    from django.db import connection
    from django.utils import timezone

    objs = list(objs)
    if connection.vendor != "postgresql" or not objs:
        return model.objects.bulk_create(objs, batch_size=2000)
    table = model._meta.db_table
    fields = [f for f in model._meta.concrete_fields if not getattr(f, "generated", False)]
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                       [table, len(objs)])
        for obj, (pk,) in zip(objs, cursor.fetchall(), strict=True):
            obj.pk = pk
    now = timezone.now()
    stamped = [f.attname for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    names = [f.attname for f in fields]
    # Values psycopg does not take as they stand (files, JSON) go through their field, the rest as they are.
    prepared = {f.attname: f for f in fields if f.get_internal_type() in ("FileField", "ImageField", "JSONField")}
    raw = connection.connection
    with raw.cursor() as cursor, cursor.copy(f"COPY {connection.ops.quote_name(table)} ({columns}) FROM STDIN") as copy:
        for obj in objs:
            for name in stamped:
                if getattr(obj, name) is None:
                    setattr(obj, name, now)
            copy.write_row([prepared[name].get_db_prep_save(getattr(obj, name), connection) if name in prepared
                            else getattr(obj, name) for name in names])
    for obj in objs:
        obj._state.adding, obj._state.db = False, connection.alias
    return objs



def sizes(scale: float) -> dict:
    """The county's counts at `scale` of the field's; its 14 townships stay, each with at least a village."""
    return {key: value if key == "townships" else max(SCALE["townships"] if key == "villages" else 1,
                                                       round(value * scale))
            for key, value in SCALE.items()}



def build_county(*, name: str = "临猗县", code: str = "140821", scale: float = 1.0, seed: int = 37519,
                 province=None, prefix: str = "", analyze: bool = True) -> dict:
    """A county at the field's scale (SCALE × `scale`), its county office and one township cadre (usernames
    `prefix` + "county" / "town"); bench/province.py builds ten of them under one province."""
    from django.db import connection
    from django.utils import timezone

    from contracts.models import Contract, ContractProblem, Determination, Disposition, Instalment, Resolution
    from core.models import Role, User
    from debts.models import Claim, Debt, DisputeTask, Entry, Letter, MediationCase
    from places.models import County, Township, Village
    from reports.models import IncomeRecord
    from villages.models import Parcel, Party

    rng = random.Random(seed)
    today = timezone.localdate()
    now = timezone.now()
    size = sizes(scale)
    county = County.objects.create(name=name, code=code, province=province)
    townships = Township.objects.bulk_create([Township(county=county, name=n) for n in TOWNSHIPS])
    office = User.objects.create(username=f"{prefix}county", real_name="县农经中心", role=Role.COUNTY,
                                 county=county, province=province)
    cadre = User.objects.create(username=f"{prefix}town", real_name="乡镇专班", role=Role.TOWNSHIP, county=county,
                                township=townships[0], province=province)
    per_village = size["contracts"] // size["villages"]
    villages = Village.objects.bulk_create([
        Village(township=townships[n % len(townships)], name=f"第{n + 1:03d}村",
                expected_contracts=per_village + 8 + rng.randrange(0, 10))
        for n in range(size["villages"])])
    resolutions = insert(Resolution, [
        Resolution(village=v, subject="核销", title="债权核销方案", resolved_on=date(2024, 3, 1), members_expected=40,
                   members_present=30, votes_for=25) for v in villages])
    resolution_of = {r.village_id: r for r in resolutions}

    parties = insert(Party, [
        Party(village=villages[n % len(villages)], name=rng.choice(SURNAMES) + rng.choice(GIVEN))
        for n in range(size["parties"])])
    by_village = {}
    for party in parties:
        by_village.setdefault(party.village_id, []).append(party)

    # Contracts at every stage, about 60% of them on a parcel.
    states = ["已查找"] * 15 + ["调查中"] * 10 + ["已认定"] * 35 + ["规范中"] * 10 + ["已规范"] * 30
    contracts, parcels = [], []
    for n in range(size["contracts"]):
        village = villages[n % len(villages)]
        state = rng.choice(states)
        compliant = state == "已认定" and rng.random() < 0.6
        start = date(rng.randrange(1995, 2024), rng.randrange(1, 13), 1)
        end = today + timedelta(days=rng.randrange(-2000, 6000)) if rng.random() < 0.95 else None
        contracts.append(Contract(
            village=village, number=f"HT-{n:06d}", title="机动地承包合同",
            counterparty=rng.choice(by_village[village.pk]),
            area_mu=Decimal(rng.randrange(100, 5000)) / 100, start_date=start,
            end_date=end if end is None or end > start else start + timedelta(days=3650),
            annual_fee=Decimal(rng.randrange(500, 60000)), state=state, is_compliant=compliant,
            is_new_resource=rng.random() < 0.03))
        if rng.random() < 0.6:
            parcels.append((n, Parcel(village=village, code=f"DK-{n:06d}", name="前坪", kind="机动地",
                                      ledger_area_mu=Decimal(rng.randrange(100, 5000)) / 100,
                                      measured_area_mu=Decimal(rng.randrange(100, 5000)) / 100
                                      if rng.random() < 0.75 else None,
                                      state=rng.choice(["已发包", "已发包", "闲置", "被占用"]))))
    contracts = insert(Contract, contracts)
    made = insert(Parcel, [p for _, p in parcels])
    insert(Contract.parcels.through, [
        Contract.parcels.through(contract_id=contracts[n].pk, parcel_id=parcel.pk)
        for (n, _), parcel in zip(parcels, made, strict=True)])
    # Registered over the two campaign years, so that the monthly chart has months.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("UPDATE contracts_contract SET created_at = '2025-01-01'::timestamptz "
                           "+ (id %% 690) * interval '1 day' WHERE id >= %s", [contracts[0].pk])
        else:
            cursor.execute("UPDATE contracts_contract SET created_at = datetime('2025-01-01', '+' || (id %% 690) "
                           "|| ' days') WHERE id >= %s", [contracts[0].pk])

    determinations, problems, dispositions, instalments = [], [], [], []
    codes = ["P01", "P02", "P03", "P04", "P05", "P06", "P07", "P08", "P09", "P10", "P11"]
    for contract in contracts:
        if contract.state in ("已认定", "规范中", "已规范"):
            determinations.append(Determination(contract=contract, facts="经调查核实", determined_by=cadre,
                                                determined_at=now - timedelta(days=rng.randrange(1, 600))))
            if not contract.is_compliant:
                for code in rng.sample(codes, rng.randrange(1, 4)):
                    problems.append(ContractProblem(contract=contract, code=code, reason="规则提示", status="已确认",
                                                    decided_by=cadre, decided_at=now))
        if contract.state in ("规范中", "已规范"):
            kind = rng.choice(["完善修订"] * 6 + ["终止撤销"] * 2 + ["司法诉讼", "重新发包"])
            done = contract.state == "已规范"
            dispositions.append(Disposition(
                contract=contract, kind=kind, plan="规范整改", chosen_by=cadre,
                chosen_at=now - timedelta(days=rng.randrange(30, 400)),
                completed_at=now - timedelta(days=rng.randrange(1, 30)) if done else None,
                termination_date=today - timedelta(days=rng.randrange(1, 400)) if kind == "终止撤销" else None,
                land_recovered_mu=contract.area_mu if kind == "终止撤销" and done else None))
        if rng.random() < 0.25:
            for k in range(2):
                due = today - timedelta(days=rng.randrange(-300, 700))
                amount = contract.annual_fee
                instalments.append(Instalment(contract=contract, due_date=due + timedelta(days=k), amount=amount,
                                              paid_amount=amount if rng.random() < 0.7 else Decimal("0")))
    insert(Determination, determinations)
    insert(ContractProblem, problems)
    insert(Disposition, dispositions)
    insert(Instalment, instalments)
    # A completed termination takes its parcels back on the day the contract ended (as its service does).
    recovered = {d.contract_id: d.termination_date for d in dispositions
                 if d.kind == "终止撤销" and d.completed_at is not None}
    back = []
    for (n, _), parcel in zip(parcels, made, strict=True):
        if contracts[n].pk in recovered:
            parcel.state, parcel.recovered_on = "已收回", recovered[contracts[n].pk]
            back.append(parcel)
    Parcel.objects.bulk_update(back, ["state", "recovered_on"])

    from core.bounds import add_years

    claims = []
    for n in range(size["claims"]):
        village = villages[n % len(villages)]
        tax_era = rng.random() < 0.05
        due = date(rng.randrange(2000 if tax_era else 2012, 2005 if tax_era else 2027), rng.randrange(1, 13), 1)
        due = min(due, today)
        claims.append(Claim(village=village, number=f"ZQ-{n:06d}", debtor=rng.choice(by_village[village.pk]),
                            origin="税费尾欠" if tax_era else rng.choice(["承包费拖欠", "借款", "垫付", "工程款"]),
                            principal=Decimal(rng.randrange(200, 60000)), due_date=due, clock_from=due,
                            lapse_on=add_years(due, 3), sealed=tax_era, in_book=not tax_era))
    claims = insert(Claim, claims)
    debts = insert(Debt, [
        Debt(village=villages[n % len(villages)], number=f"ZW-{n:06d}", origin=rng.choice(["工程欠款", "借款"]),
             creditor=rng.choice(by_village[villages[n % len(villages)].pk]),
             principal=Decimal(rng.randrange(1000, 500000)), interest=Decimal(rng.choice([0, 0, 0, 5000])))
        for n in range(size["debts"])])

    debt_entries = size["entries"] * 2 // 15
    claim_entries = size["entries"] - debt_entries
    reversals = claim_entries // 50
    open_claims = [c for c in claims if not c.sealed]
    entries = []
    for _ in range(claim_entries - reversals):
        claim = rng.choice(open_claims)
        kind = rng.choice(CLAIM_KINDS)
        entries.append(Entry(
            claim=claim, kind=kind, amount=(claim.principal / rng.choice([5, 10, 20])).quantize(Decimal("0.01")),
            entered_on=date(2025, 1, 1) + timedelta(days=rng.randrange(0, (today - date(2025, 1, 1)).days)),
            resolution=resolution_of[claim.village_id] if kind in NEEDS_RESOLUTION and rng.random() < 0.97 else None,
            created_by=cadre))
    for _ in range(debt_entries):
        debt = rng.choice(debts)
        entries.append(Entry(debt=debt, kind="偿还", amount=(debt.principal / 10).quantize(Decimal("0.01")),
                             entered_on=today - timedelta(days=rng.randrange(0, 600)), created_by=cadre))
    entries = insert(Entry, entries)
    originals = rng.sample([e for e in entries if e.claim_id], reversals)
    insert(Entry, [Entry(claim_id=e.claim_id, kind=e.kind, amount=-e.amount, reverses=e,
                                     entered_on=max(e.entered_on, today - timedelta(days=10)), created_by=cadre)
                               for e in originals])

    letters = insert(Letter, [
        Letter(village=villages[n % len(villages)], number=f"{county.code}函-{n:05d}", year=2026,
               seq=n // len(villages) + 1,
               kind="对账函", debtor=rng.choice(by_village[villages[n % len(villages)].pk]), total=Decimal("1000"),
               as_of=today - timedelta(days=40), reply_by=today - timedelta(days=10), created_by=cadre,
               state="有异议" if n < size["disputes"] else "已送达") for n in range(size["letters"])])
    insert(DisputeTask, [DisputeTask(village_id=letter.village_id, letter=letter, opened_on=today
                                                 - timedelta(days=rng.randrange(1, 60)),
                                                 closed_on=today if rng.random() < 0.5 else None)
                                     for letter in letters[:size["disputes"]]])
    insert(MediationCase, [
        MediationCase(village=villages[n % len(villages)], number=f"调-{n:04d}", mediator="人民调解委员会",
                      agreement_date=today - timedelta(days=200), created_by=cadre,
                      state=rng.choice(["履行中", "履行中", "已违约", "已履行"])) for n in range(size["mediation"])])
    insert(IncomeRecord, [
        IncomeRecord(village=villages[n % len(villages)], kind="资产盘活收入",
                     amount=Decimal(rng.randrange(1000, 50000)),
                     received_on=today - timedelta(days=rng.randrange(0, 500)), note="闲置资产出租", created_by=cadre)
        for n in range(size["income"])])
    if analyze:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return {"county": county, "office": office, "cadre": cadre, "township": townships[0], "size": size,
            "determinations": len(determinations),
            "problems": len(problems), "dispositions": len(dispositions), "instalments": len(instalments),
            "entries": len(entries) + reversals}


# --- The hand-written SQL -----------------------------------------------------------------------------


RAW_SQL = """
SELECT
  (SELECT COALESCE(SUM(v.expected_contracts), 0) FROM villages_village v
     JOIN villages_township t ON t.id = v.township_id WHERE t.county_id = %(county)s) AS expected_contracts,
  c.contracts, pc.with_parcels, pc.with_parcels - pc.unchecked AS checked, c.investigated, c.problems,
  c.standardised, c.fees,
  k.principal, k.sealed, e.cleared, e.cash, d.principal AS debt_principal, de.resolved, l.land, i.income
FROM
  (SELECT COUNT(DISTINCT cp.contract_id) AS with_parcels,
          COUNT(DISTINCT CASE WHEN p.measured_area_mu IS NULL THEN cp.contract_id END) AS unchecked
     FROM contracts_contract_parcels cp JOIN villages_parcel p ON p.id = cp.parcel_id
     JOIN contracts_contract c ON c.id = cp.contract_id JOIN villages_village v ON v.id = c.village_id
     JOIN villages_township t ON t.id = v.township_id WHERE t.county_id = %(county)s) pc,
  (SELECT COUNT(*) AS contracts,
          SUM(CASE WHEN c.state IN ('已认定', '规范中', '已规范') THEN 1 ELSE 0 END) AS investigated,
          SUM(CASE WHEN c.state IN ('已认定', '规范中', '已规范') AND NOT c.is_compliant THEN 1 ELSE 0 END) AS problems,
          SUM(CASE WHEN c.state = '已规范' AND NOT c.is_compliant THEN 1 ELSE 0 END) AS standardised,
          COALESCE(SUM(CASE WHEN c.is_new_resource AND c.start_date <= %(today)s THEN c.annual_fee END), 0) AS fees
     FROM contracts_contract c JOIN villages_village v ON v.id = c.village_id
     JOIN villages_township t ON t.id = v.township_id WHERE t.county_id = %(county)s) c,
  (SELECT COALESCE(SUM(k.principal), 0) AS principal,
          COALESCE(SUM(CASE WHEN k.sealed THEN k.principal END), 0) AS sealed
     FROM debts_claim k JOIN villages_village v ON v.id = k.village_id
     JOIN villages_township t ON t.id = v.township_id WHERE t.county_id = %(county)s) k,
  (SELECT COALESCE(SUM(e.amount), 0) AS cleared,
          COALESCE(SUM(CASE WHEN e.kind = '现金收回' THEN e.amount END), 0) AS cash
     FROM debts_entry e JOIN debts_claim k ON k.id = e.claim_id JOIN villages_village v ON v.id = k.village_id
     JOIN villages_township t ON t.id = v.township_id
     WHERE t.county_id = %(county)s AND NOT k.sealed AND e.entered_on <= %(today)s) e,
  (SELECT COALESCE(SUM(d.principal), 0) AS principal
     FROM debts_debt d JOIN villages_village v ON v.id = d.village_id
     JOIN villages_township t ON t.id = v.township_id WHERE t.county_id = %(county)s) d,
  (SELECT COALESCE(SUM(e.amount), 0) AS resolved
     FROM debts_entry e JOIN debts_debt d ON d.id = e.debt_id JOIN villages_village v ON v.id = d.village_id
     JOIN villages_township t ON t.id = v.township_id WHERE t.county_id = %(county)s AND e.entered_on <= %(today)s) de,
  (SELECT (SELECT COALESCE(SUM(COALESCE(p.measured_area_mu, p.ledger_area_mu)), 0)
             FROM villages_parcel p JOIN villages_village v ON v.id = p.village_id
             JOIN villages_township t ON t.id = v.township_id
             WHERE t.county_id = %(county)s AND (p.recovered_on <= %(today)s
                   OR (p.recovered_on IS NULL AND p.state = '已收回')))
        + (SELECT COALESCE(SUM(s.land_recovered_mu), 0)
             FROM contracts_disposition s JOIN contracts_contract c ON c.id = s.contract_id
             JOIN villages_village v ON v.id = c.village_id JOIN villages_township t ON t.id = v.township_id
             WHERE t.county_id = %(county)s AND s.kind = '终止撤销' AND s.completed_at IS NOT NULL
               AND s.termination_date <= %(today)s
               AND NOT EXISTS (SELECT 1 FROM contracts_contract_parcels cp WHERE cp.contract_id = c.id)) AS land) l,
  (SELECT COALESCE(SUM(r.amount), 0) AS income
     FROM reports_incomerecord r JOIN villages_village v ON v.id = r.village_id
     JOIN villages_township t ON t.id = v.township_id WHERE t.county_id = %(county)s AND r.received_on <= %(today)s) i
"""


def raw_measures(county_id: int) -> tuple:
    from django.db import connection
    from django.utils import timezone

    with connection.cursor() as cursor:
        cursor.execute(RAW_SQL, {"county": county_id, "today": timezone.localdate()})
        return cursor.fetchone()


def agree(raw: tuple, m) -> bool:
    (expected, contracts, with_parcels, checked, investigated, problems, standardised, fees, principal, sealed,
     cleared, cash, debt_principal, resolved, land, income) = raw
    mine = (m.expected_contracts, m.contracts, m.contracts_with_parcels, m.area_checked, m.investigated,
            m.problem_contracts, m.standardised_contracts, m.new_income, m.claims_principal, m.sealed_principal,
            m.cleared, m.cash_collected, m.debt_principal, m.debt_resolved, m.land_recovered_mu)
    theirs = (expected, contracts, with_parcels, checked, investigated, problems, standardised,
              Decimal(str(fees)) + Decimal(str(income)), principal, sealed, cleared, cash, debt_principal, resolved,
              land)
    return all(Decimal(str(a)).quantize(Decimal("0.01")) == Decimal(str(b)).quantize(Decimal("0.01"))
               for a, b in zip(mine, theirs, strict=True))


# --- Timing -------------------------------------------------------------------------------------------------


def timed(call, runs: int = RUNS) -> tuple[float, float]:
    call()   # warm: templates compiled, connection open
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), max(times)


def queries_of(call) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured)


def child(database: str, database_url: str) -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-dashboard-"))
    try:
        setup_django(database_url, work)
        from django.core.management import call_command
        from django.test import Client
        from django.urls import reverse

        from reports.measures import Place, measures_for

        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        built = build_county()
        print(f"[{database}] built in {time.perf_counter() - started:.0f} s: {SCALE['townships']} townships, "
              f"{SCALE['villages']} villages, {SCALE['contracts']:,} contracts ({built['determinations']:,} "
              f"determined, {built['problems']:,} problems, {built['dispositions']:,} dispositions, "
              f"{built['instalments']:,} instalments), {SCALE['claims']:,} claims, {built['entries']:,} entries, "
              f"{SCALE['debts']:,} debts")
        client = Client()
        client.force_login(built["office"])
        county = built["county"]
        place = Place.of(county)

        def get(url):
            def call():
                response = client.get(url)
                assert response.status_code == 200, (url, response.status_code)
            return call

        raw_median, raw_worst = timed(lambda: raw_measures(county.pk))
        same = agree(raw_measures(county.pk), measures_for(place))
        print(f"[{database}] raw SQL (county measures, one query): median {raw_median:.1f} ms, worst "
              f"{raw_worst:.1f} ms; agrees with the selector: {'yes' if same else 'NO'}")
        rows = [("county dashboard /", get("/")),
                ("monthly chart (fetched)", get(reverse("reports:progress-data", args=["county", county.pk]))),
                ("township page", get(reverse("reports:township", args=[built["township"].pk]))),
                ("measures selector", lambda: measures_for(place)),
                ("risk list (273 villages)", get(reverse("reports:risk-list"))),
                ("warnings", get(reverse("reports:warnings")))]
        results = {}
        for label, call in rows:
            median, worst = timed(call)
            count = queries_of(call)
            results[label] = (median, count)
            print(f"[{database}] {label:<26} median {median:7.1f} ms  worst {worst:7.1f} ms  queries {count:3d}  "
                  f"ratio to raw SQL {median / raw_median:4.2f}")
        median, count = results["county dashboard /"]
        ok = median <= TARGET_MS and count <= TARGET_QUERIES and median / raw_median <= TARGET_RATIO
        print(f"[{database}] targets (dashboard median ≤ {TARGET_MS} ms, ≤ {TARGET_QUERIES} queries, ratio ≤ "
              f"{TARGET_RATIO}): {'met' if ok else 'NOT MET'}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


# --- A throwaway PostgreSQL, as scripts/test.sh starts one ------------------------------------------------


def pg_bindir() -> Path | None:
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (candidate / "initdb").exists() and (candidate / "pg_ctl").exists():
            return candidate
    found = shutil.which("initdb")
    return Path(found).resolve().parent if found else None


def as_postgres(command: list[str], cwd: Path) -> None:
    if os.getuid() == 0:
        command = ["runuser", "-u", "postgres", "--"] + command
    subprocess.run(command, check=True, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def with_postgres(run) -> None:
    bindir = pg_bindir()
    if bindir is None:
        print("[postgresql] skipped: no PostgreSQL server programs (Debian package 'postgresql')")
        return
    tmp = Path(tempfile.mkdtemp(prefix="bench-pg-", dir="/tmp"))
    tmp.chmod(0o755)
    data, sock = tmp / "data", tmp / "sock"
    data.mkdir()
    sock.mkdir()
    if os.getuid() == 0:
        shutil.chown(data, "postgres")
        shutil.chown(sock, "postgres")
        shutil.chown(tmp, "postgres")
    port = free_port()
    try:
        as_postgres([str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "--encoding=UTF8",
                     "--no-locale"], tmp)
        with open(data / "postgresql.conf", "a") as conf:
            conf.write(f"\nlisten_addresses = '127.0.0.1'\nport = {port}\nunix_socket_directories = '{sock}'\n"
                       "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n")
        as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-l", str(tmp / "log"), "-w", "start"], tmp)
        as_postgres([str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "bench"], tmp)
        run(f"postgres://postgres@127.0.0.1:{port}/bench")
    finally:
        subprocess.run((["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else [])
                       + [str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       cwd=tmp, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--child", nargs=2, metavar=("NAME", "URL"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return

    def run(name, url):
        subprocess.run([sys.executable, __file__, "--child", name, url], cwd=ROOT, check=True)

    if args.db in ("sqlite", "both"):
        folder = Path(tempfile.mkdtemp(prefix="bench-dashboard-sqlite-"))
        try:
            run("sqlite", f"sqlite:///{folder / 'bench.sqlite3'}")
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    if args.db in ("postgres", "both"):
        url = os.environ.get("DATABASE_URL", "")
        if url.startswith("postgres"):
            run("postgresql", url)
        else:
            with_postgres(lambda u: run("postgresql", u))


if __name__ == "__main__":
    main()

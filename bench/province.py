"""Benchmark: a province of ten counties on one PostgreSQL, and its dashboards.

    python bench/province.py                  # 10 counties at the field's scale (375,190 contracts)
    python bench/province.py --scale 0.1      # a tenth of each county: to try the script quickly
    python bench/province.py --runs 5 --counties 4

Needs PostgreSQL: without DATABASE_URL pointing at one, the script runs itself again under
scripts/with-services.sh, which starts throwaway servers on loopback ports (and stops them afterwards).

Builds ten counties with bench/dashboard.py's builder (each the size of 临猗: 14 townships, 273 villages,
37,519 contracts at every stage, 60,000 claims, 150,000 ledger entries, 20,000 debts, letters, disputes,
mediation cases and income), all in one province: 375,190 contracts, 600,000 claims and 1.5 million
entries in all. It prints the time the build took, then times through the Django test client:

- the province dashboard (`/` as the province office: its counties measured and ranked);
- a county dashboard (`/` as that county's office) and a township page;
- the `measures` selector for the province, and the `measures --province` command end to end;

each as the median and worst of N runs, with the SQL queries per page. Targets on a 2-core machine:
county dashboard median ≤ 250 ms, province dashboard median ≤ 1 s, ≤ 25 queries each.
"""
import argparse
import io
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.dashboard import build_county, queries_of, setup_django, sizes, timed  # noqa: E402

COUNTIES = ("临猗县", "万荣县", "闻喜县", "稷山县", "新绛县", "绛县", "垣曲县", "夏县", "平陆县", "芮城县")
TARGET_COUNTY_MS, TARGET_PROVINCE_MS, TARGET_QUERIES = 250, 1000, 25


def ensure_postgres() -> None:
    """Run again under scripts/with-services.sh unless a PostgreSQL server is given."""
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        return
    if os.environ.get("PROVINCE_BENCH_WRAPPED"):
        sys.exit("bench/province.py needs PostgreSQL (Debian package postgresql).")
    os.environ["PROVINCE_BENCH_WRAPPED"] = "1"
    os.environ.setdefault("PYTHON", sys.executable)
    os.environ.setdefault("REQUIRE_REAL_SERVICES", "1")
    script = ROOT / "scripts" / "with-services.sh"
    os.execvp("bash", ["bash", str(script), sys.executable, str(Path(__file__).resolve()), *sys.argv[1:]])


def build_province(counties: int, scale: float) -> dict:
    from django.db import connection

    from core.models import Role, User
    from places.models import Province

    province = Province.objects.create(name="山西省", code="140000")
    office = User.objects.create(username="province", real_name="省农经处", role=Role.PROVINCE, province=province)
    built = []
    for n in range(counties):
        started = time.perf_counter()
        county = build_county(name=COUNTIES[n], code=f"1408{n:02d}", scale=scale, seed=37519 + n, province=province,
                              prefix=f"c{n}-", analyze=False)
        built.append(county)
        print(f"  county {n + 1}/{counties} ({COUNTIES[n]}) built in {time.perf_counter() - started:.0f} s",
              flush=True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return {"province": province, "office": office, "counties": built}


def slowest(call, n: int) -> list[tuple[float, str]]:
    """The `n` slowest queries of one call, with the start of their SQL: where an index would help."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        call()
    timed_queries = sorted(((float(q["time"]), " ".join(q["sql"].split())) for q in captured), reverse=True)
    # From the first FROM on: the tables and conditions tell the queries apart, not their long column lists.
    return [(seconds, sql[max(0, sql.find(" FROM ")):][:220]) for seconds, sql in timed_queries[:n]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0,
                        help="share of the field's county size to build in each county (default 1: 37,519 contracts)")
    parser.add_argument("--counties", type=int, default=len(COUNTIES), choices=range(1, len(COUNTIES) + 1),
                        metavar=f"1..{len(COUNTIES)}")
    parser.add_argument("--runs", type=int, default=10, help="timed requests per page")
    parser.add_argument("--slowest", type=int, default=5, help="the slowest queries of each page to print")
    args = parser.parse_args()
    ensure_postgres()
    work = Path(tempfile.mkdtemp(prefix="bench-province-"))
    setup_django(os.environ["DATABASE_URL"], work)
    from django.core.management import call_command
    from django.test import Client
    from django.urls import reverse

    from reports.measures import Place, measures_for

    call_command("migrate", verbosity=0)
    size = sizes(args.scale)
    print(f"building {args.counties} counties of {size['villages']} villages, {size['contracts']:,} contracts, "
          f"{size['claims']:,} claims and {size['entries']:,} entries each (scale {args.scale:g})", flush=True)
    started = time.perf_counter()
    built = build_province(args.counties, args.scale)
    from contracts.models import Contract
    from debts.models import Claim, Entry

    totals = (Contract.objects.count(), Claim.objects.count(), Entry.objects.count())
    print(f"built in {time.perf_counter() - started:.0f} s: {args.counties} counties, {totals[0]:,} contracts, "
          f"{totals[1]:,} claims, {totals[2]:,} entries", flush=True)

    def page(user, url):
        client = Client()
        client.force_login(user)

        def call():
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
        return call

    def command():
        call_command("measures", "--province", built["province"].name, "--json", stdout=io.StringIO())

    first = built["counties"][0]
    province = Place.of(built["province"])
    rows = [
        ("province dashboard /", page(built["office"], "/"), TARGET_PROVINCE_MS),
        ("county dashboard /", page(first["office"], "/"), TARGET_COUNTY_MS),
        ("township page", page(first["office"], reverse("reports:township", args=[first["township"].pk])), None),
        ("province measures selector", lambda: measures_for(province), None),
        ("measures --province command", command, None),
    ]
    met = True
    for label, call, target in rows:
        median, worst = timed(call, args.runs)
        count = queries_of(call)
        verdict = ""
        if target is not None:
            ok = median <= target and count <= TARGET_QUERIES
            met = met and ok
            verdict = f"  target ≤ {target} ms, ≤ {TARGET_QUERIES} queries: {'met' if ok else 'NOT MET'}"
        print(f"{label:<28} median {median:7.1f} ms  worst {worst:7.1f} ms  queries {count:3d}{verdict}", flush=True)
        for seconds, sql in slowest(call, args.slowest):
            print(f"    {seconds * 1000:7.1f} ms  {sql}")
    print(f"targets: {'met' if met else 'NOT MET'}")
    sys.exit(0 if met else 1)


if __name__ == "__main__":
    main()

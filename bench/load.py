"""Load and faults: the application under gunicorn on PostgreSQL, fifty cadres at once, nothing lost.

    python bench/load.py                      # both runs: 50 clients for 60 s, then the killed worker
    python bench/load.py --clients 20 --seconds 60 --skip-worker
    python bench/load.py --only-worker --letters 600

Needs PostgreSQL and Redis: without DATABASE_URL pointing at PostgreSQL, the
script runs itself again under scripts/with-services.sh, which starts
throwaway servers on loopback ports (and stops them afterwards).

Run 1 (load): builds a county of two townships, ten villages, 4,000
contracts and ten claims the clients share, starts gunicorn (production
settings, DEBUG=0) on a loopback port, and runs N clients, each logged in as
a different township cadre, for a fixed time and at most a fixed number of
requests: contract lists, filtered lists, contract and claim pages, the
township dashboard, and cash entries of a few 元 on the shared claims (about
one request in five a write). It prints requests per second,
median and p95 latency and the errors, then runs `check_ledger` and compares
the cash the clients were told was recorded with what the database holds.
Target: 0 errors, 0 money lost or doubled, p95 <= 500 ms.

Run 2 (killed worker): a Celery worker is killed (SIGKILL, with its
rendering processes) in the middle of a letter batch. The job stays
"running" until its heartbeat is older than JOB_STALE_SECONDS (set to a few
seconds here), is restarted the way its page's button does it, and a new
worker finishes it: every debtor gets exactly one letter, numbers 1..N with
no gap and no repeat.
"""
import argparse
import http.cookiejar
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
PASSWORD = "load-pass-2026"
# The application's day: an entry dated by the machine's UTC clock would be a day early in the evening.
SHANGHAI = ZoneInfo("Asia/Shanghai")
STALE_SECONDS = 4
SURNAMES = "王李张刘陈杨黄赵吴周"
GIVEN = ("建国", "秀英", "志强", "海燕", "保平")
CASH = urllib.parse.quote("现金收回")


# --- set-up ------------------------------------------------------------------------------------------

def ensure_services() -> None:
    """Run again under scripts/with-services.sh unless PostgreSQL and Redis are already given."""
    if os.environ.get("DATABASE_URL", "").startswith("postgres") and os.environ.get("REDIS_URL"):
        return
    if os.environ.get("LOAD_BENCH_WRAPPED"):
        sys.exit("bench/load.py needs PostgreSQL and Redis (Debian packages postgresql, redis-server).")
    os.environ["LOAD_BENCH_WRAPPED"] = "1"
    os.environ.setdefault("PYTHON", sys.executable)
    script = ROOT / "scripts" / "with-services.sh"
    os.execvp("bash", ["bash", str(script), sys.executable, str(Path(__file__).resolve()), *sys.argv[1:]])


def setup_django(work: Path) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["PRIVATE_ROOT"] = str(work / "private")
    os.environ["JOB_STALE_SECONDS"] = str(STALE_SECONDS)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build_county(villages_per_township: int = 5, contracts_per_village: int = 400, accounts: int = 50) -> dict:
    from contracts.models import Contract
    from core.models import Role, User
    from core.pinyin import search_keys
    from debts.models import Claim
    from places.models import County, Township, Village
    from villages.models import Party

    rng = random.Random(20)
    county = County.objects.create(name="方山县")
    users, claims = [], []
    for t, town_name in enumerate(("峪口镇", "积翠镇")):
        town = Township.objects.create(county=county, name=town_name)
        villages = Village.objects.bulk_create(
            Village(township=town, name=f"{town_name[:2]}{i + 1}村", code=f"1411280{t}{i:03d}")
            for i in range(villages_per_township))
        for village in villages:
            parties = Party.objects.bulk_create(
                Party(village=village, name=f"{rng.choice(SURNAMES)}{rng.choice(GIVEN)}{n}", kind="person")
                for n in range(contracts_per_village))
            for party in parties:
                party.search_keys = search_keys(party.name)
            Party.objects.bulk_update(parties, ["search_keys"])
            Contract.objects.bulk_create(
                Contract(village=village, number=f"{village.code}-{n:04d}", title="机动地承包合同",
                         counterparty=party, area_mu=Decimal(rng.randint(2, 60)), start_date=date(2018, 3, 1),
                         end_date=date(2028, 3, 1), annual_fee=Decimal(rng.randint(5, 90) * 100),
                         state=rng.choice(("已查找", "调查中", "已认定", "规范中", "已规范")),
                         search_keys=search_keys(f"机动地承包合同 {party.name}"))
                for n, party in enumerate(parties))
            claims.append(Claim.objects.create(
                village=village, number=f"ZQ-{village.code}", debtor=parties[0], origin="承包费拖欠",
                principal=Decimal("1000000.00"), occurred_on=date(2020, 3, 1), due_date=date(2021, 3, 1),
                clock_from=date(2021, 3, 1), lapse_on=date(2024, 3, 1)))
        # One account per client, half of them in each township.
        for n in range((accounts + 1) // 2):
            user = User(username=f"{town_name}{n + 1}", real_name=f"专班{n + 1}", role=Role.TOWNSHIP, county=county,
                        township=town)
            user.set_password(PASSWORD)
            users.append(user)
    User.objects.bulk_create(users)
    return {"users": [u.username for u in users], "claims": {c.pk: c.village.township.name for c in claims},
            "contracts": Contract.objects.count()}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def production_env(work: Path) -> dict:
    env = dict(os.environ)
    env.update({"DEBUG": "0", "SECRET_KEY": "load-bench-" + "k" * 50, "ALLOWED_HOSTS": "127.0.0.1",
                "SECURE_SSL_REDIRECT": "0", "SESSION_COOKIE_SECURE": "0", "CSRF_COOKIE_SECURE": "0",
                "SECURE_HSTS_SECONDS": "0", "PRIVATE_ROOT": str(work / "private"), "LOG_LEVEL": "WARNING",
                "JOB_STALE_SECONDS": str(STALE_SECONDS)})
    return env


def start_gunicorn(work: Path, workers: int, threads: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, check=True,
                   env={**production_env(work), "STATIC_ROOT": str(work / "static")})
    process = subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "config.wsgi", "-b", f"127.0.0.1:{port}", "-w", str(workers),
         *(["-k", "gthread", "--threads", str(threads)] if threads > 1 else []), "--log-level", "warning"],
        cwd=ROOT, env={**production_env(work), "STATIC_ROOT": str(work / "static")}, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            # On a busy machine the first answer (a worker loading the application) may take seconds.
            urllib.request.urlopen(url + "/accounts/login/", timeout=30).read()
            return process, url
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    os.killpg(process.pid, signal.SIGKILL)
    raise SystemExit("gunicorn did not start")


# --- the clients -------------------------------------------------------------------------------------

class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


# Signing in hashes the password on purpose slowly (PBKDF2, 0.3 s of CPU), and all clients sign in within the
# first second: shown on its own lines, not counted in the working latency.
SIGN_IN = {"login page", "log in"}
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
# The one-time key each render of a money form carries (core/submissions.py): without it the entry is refused.
SUBMISSION_KEY = re.compile(r'name="submission_key"[^>]*value="([^"]+)"')
CONTRACT_LINK = re.compile(r'href="/contracts/(\d+)/"')


class Client:
    def __init__(self, base: str, username: str, stats: "Stats"):
        self.base, self.username, self.stats = base, username, stats
        self.opener = urllib.request.build_opener(NoRedirect, urllib.request.HTTPCookieProcessor(
            http.cookiejar.CookieJar()))

    def request(self, label: str, path: str, data: dict | None = None, expect=(200,)) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body, headers={"Referer": self.base + path})
        started = time.perf_counter()
        try:
            with self.opener.open(request, timeout=30) as response:
                status, text = response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read().decode("utf-8", "replace")
        except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
            status, text = 0, str(error)
        self.stats.record(label, time.perf_counter() - started, status, status in expect, path)
        return status, text

    def log_in(self) -> bool:
        _, page = self.request("login page", "/accounts/login/")
        token = TOKEN.search(page).group(1)
        status, _ = self.request("log in", "/accounts/login/", {
            "csrfmiddlewaretoken": token, "username": self.username, "password": PASSWORD}, expect=(302,))
        return status == 302


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.by_label: dict[str, list[float]] = {}
        self.errors: list[str] = []
        self.cash: list[tuple[int, Decimal]] = []      # (claim, amount) the server said it recorded
        self.refused = 0

    def record(self, label, seconds, status, ok, path):
        with self.lock:
            if label not in SIGN_IN:
                self.latencies.append(seconds)
            self.by_label.setdefault(label, []).append(seconds)
            if not ok:
                self.errors.append(f"{label} {path}: HTTP {status}")


def client_loop(client: Client, claims: list[int], deadline: float, max_requests: int, seed: int) -> None:
    try:
        _client_loop(client, claims, deadline, max_requests, seed)
    except Exception as error:  # a client that dies is an error of the run, not a silent gap
        with client.stats.lock:
            client.stats.errors.append(f"{client.username}: {error!r}")


def _client_loop(client: Client, claims: list[int], deadline: float, max_requests: int, seed: int) -> None:
    rng = random.Random(seed)
    if not client.log_in():
        return
    done = 0
    contract_ids: list[str] = []
    while time.monotonic() < deadline and done < max_requests:
        roll = rng.random()
        if roll < 0.25 or not contract_ids:
            _, page = client.request("contract list", f"/contracts/?page={rng.randint(1, 10)}")
            contract_ids = CONTRACT_LINK.findall(page) or contract_ids
        elif roll < 0.45:
            query = urllib.parse.urlencode({"q": rng.choice(SURNAMES), "state": rng.choice(("", "已认定", "调查中"))})
            client.request("filtered list", f"/contracts/?{query}")
        elif roll < 0.70:
            client.request("contract page", f"/contracts/{rng.choice(contract_ids)}/")
        elif roll < 0.75:
            client.request("claim page", f"/claims/{rng.choice(claims)}/")
        elif roll < 0.80:
            client.request("dashboard", "/")
        else:
            claim = rng.choice(claims)
            _, form = client.request("entry form", f"/claims/{claim}/entries/new/?kind={CASH}")
            amount = Decimal(rng.randint(100, 999)) / 100
            status, _ = client.request("cash entry", f"/claims/{claim}/entries/new/", {
                "csrfmiddlewaretoken": TOKEN.search(form).group(1),
                "submission_key": SUBMISSION_KEY.search(form).group(1), "kind": "现金收回", "amount": str(amount),
                "entered_on": datetime.now(SHANGHAI).date().isoformat(),
                "note": f"负载测试 {client.username}"}, expect=(302,))
            if status == 302:
                with client.stats.lock:
                    client.stats.cash.append((claim, amount))
            done += 1
        done += 1


def run_load(args, work: Path) -> bool:
    from django.core.management import call_command
    from django.db.models import Sum

    from debts.models import Entry

    started = time.perf_counter()
    county = build_county(accounts=args.clients)
    print(f"county: {county['contracts']:,} contracts, {len(county['claims'])} shared claims, "
          f"{len(county['users'])} township users, built in {time.perf_counter() - started:.1f} s")
    server, base = start_gunicorn(work, args.workers, args.threads)
    stats = Stats()
    claims_by_town: dict[str, list[int]] = {}
    for claim, town in county["claims"].items():
        claims_by_town.setdefault(town, []).append(claim)
    try:
        deadline = time.monotonic() + args.seconds
        threads = []
        for n in range(args.clients):
            username = county["users"][n % len(county["users"])]
            town = "峪口镇" if username.startswith("峪口镇") else "积翠镇"
            client = Client(base, username, stats)
            thread = threading.Thread(target=client_loop, args=(client, claims_by_town[town], deadline,
                                                                args.max_requests, n), daemon=True)
            threads.append(thread)
        began = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(args.seconds + 60)
        wall = time.perf_counter() - began
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)

    latencies = sorted(stats.latencies)
    p95 = latencies[int(0.95 * (len(latencies) - 1))] if latencies else 0
    median = statistics.median(latencies) if latencies else 0
    print(f"clients: {args.clients}  requests after signing in: {len(latencies):,} in {wall:.1f} s  "
          f"rate: {len(latencies) / wall:.1f} req/s  median: {median * 1000:.0f} ms  p95: {p95 * 1000:.0f} ms  "
          f"errors: {len(stats.errors)}")
    for label, values in sorted(stats.by_label.items()):
        values.sort()
        print(f"  {label:14} {len(values):6,}  median {statistics.median(values) * 1000:6.0f} ms"
              f"  p95 {values[int(0.95 * (len(values) - 1))] * 1000:6.0f} ms")
    for error in stats.errors[:10]:
        print("  error:", error)

    told = sum((amount for _, amount in stats.cash), Decimal("0"))
    recorded = Entry.objects.filter(note__startswith="负载测试", kind="现金收回")
    in_db = recorded.aggregate(total=Sum("amount"))["total"] or Decimal("0")
    count_db = recorded.count()
    lost = told - in_db
    print(f"cash entries: {len(stats.cash):,} confirmed to clients, {count_db:,} in the database; "
          f"{told} 元 told, {in_db} 元 recorded, difference {lost} 元")
    try:
        call_command("check_ledger")
        ledger_ok = True
    except SystemExit as exit_:
        ledger_ok = exit_.code in (0, None)
    ok = not stats.errors and lost == 0 and count_db == len(stats.cash) and ledger_ok and p95 <= 0.5
    print(f"load: {'PASS' if ok else 'FAIL'} (targets: 0 errors, 0 money lost or doubled, p95 <= 500 ms)")
    return ok


# --- run 2: a worker killed in the middle of a letter batch ------------------------------------------------

def start_worker(work: Path, name: str) -> subprocess.Popen:
    return subprocess.Popen(
        [str(VENV_BIN / "celery"), "-A", "config", "worker", "-P", "solo", "-c", "1", "-n", f"{name}@%h",
         "--loglevel", "WARNING", "--without-gossip", "--without-mingle"],
        cwd=ROOT, env=production_env(work), start_new_session=True)


def run_killed_worker(args, work: Path) -> bool:
    from core import jobs
    from core.models import Job, Role, User
    from debts.letters import services as letters
    from debts.models import Claim, Letter
    from places.models import County, Township, Village
    from villages.models import Party

    county = County.objects.get_or_create(name="临县")[0]
    town = Township.objects.create(county=county, name="三交镇")
    cadre = User.objects.create(username="sanjiao", real_name="三交专班", role=Role.TOWNSHIP, county=county,
                                township=town)
    per_village = 100
    villages = Village.objects.bulk_create(Village(township=town, name=f"三交{i + 1}村", code=f"14112400{i:03d}")
                                           for i in range(max(1, args.letters // per_village)))
    for village in villages:
        parties = Party.objects.bulk_create(Party(village=village, name=f"债务人{village.pk}-{n}", kind="person")
                                            for n in range(per_village))
        Claim.objects.bulk_create(
            Claim(village=village, number=f"SJ-{party.pk}", debtor=party, origin="借款", principal=Decimal("1234.56"),
                  occurred_on=date(2019, 5, 1), due_date=date(2020, 5, 1), clock_from=date(2020, 5, 1),
                  lapse_on=date(2023, 5, 1))
            for party in parties)
    debtors = len(villages) * per_village

    worker = start_worker(work, "first")
    job = letters.letters_job_create(user=cadre, villages=villages, kind="清缴通知书")
    began = time.perf_counter()
    phase = None
    while time.perf_counter() - began < 300:
        job.refresh_from_db()
        issued = Letter.objects.filter(job=job).count()
        if 0 < issued < debtors:
            phase = f"while numbering ({issued} of {debtors} letters issued)"
        elif issued == debtors and job.done >= 1 and job.progress >= 10:
            phase = f"while printing ({job.message})"
        if phase or job.finished:
            break
        time.sleep(0.02)
    if job.finished:
        print("killed worker: the batch finished before it could be interrupted; use more --letters")
        os.killpg(worker.pid, signal.SIGKILL)
        return False
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait()
    print(f"killed worker: SIGKILL {phase}")
    job.refresh_from_db()
    print(f"  job after the kill: {job.state}, {job.progress}%")
    time.sleep(STALE_SECONDS + 1)
    job.refresh_from_db()
    print(f"  silent for more than JOB_STALE_SECONDS={STALE_SECONDS}: stale = {jobs.is_stale(job)}")
    worker = start_worker(work, "second")
    try:
        jobs.job_restart(user=cadre, job=job)
        restarted = time.perf_counter()
        while time.perf_counter() - restarted < 600:
            job.refresh_from_db()
            if job.finished:
                break
            time.sleep(0.2)
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(60)
    seqs = sorted(Letter.objects.filter(job=job).values_list("seq", flat=True))
    debtors_with_letters = Letter.objects.filter(job=job).values("debtor").distinct().count()
    expected = list(range(1, per_village + 1))
    per_village_ok = all(
        sorted(Letter.objects.filter(job=job, village=v).values_list("seq", flat=True)) == expected for v in villages)
    ok = (job.state == Job.State.DONE and len(seqs) == debtors == debtors_with_letters and per_village_ok
          and job.counts.get("letters") == debtors)
    print(f"  restarted: {job.state} after {time.perf_counter() - restarted:.1f} s, attempts {job.attempts}; "
          f"{len(seqs)} letters for {debtors} debtors, {debtors_with_letters} distinct debtors, "
          f"numbers 1..{per_village} in each of {len(villages)} villages: {'yes' if per_village_ok else 'NO'}")
    print(f"killed worker: {'PASS' if ok else 'FAIL'} (no duplicate, no missing number)")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--max-requests", type=int, default=5000, help="per client")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn processes (as in compose)")
    parser.add_argument("--threads", type=int, default=1, help="threads per gunicorn worker")
    parser.add_argument("--letters", type=int, default=600, help="letters in the killed-worker batch")
    parser.add_argument("--skip-worker", action="store_true")
    parser.add_argument("--only-worker", action="store_true")
    args = parser.parse_args()
    ensure_services()
    work = Path(tempfile.mkdtemp(prefix="load-bench-"))
    setup_django(work)
    results = []
    if not args.only_worker:
        results.append(run_load(args, work))
    if not args.skip_worker:
        results.append(run_killed_worker(args, work))
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()

"""Benchmark: a township's payment notices as a cadre makes them, timed end to end.

    scripts/with-services.sh python bench/letters.py                  # 1,249 letters, no broker (in process)
    scripts/with-services.sh python bench/letters.py --workers 2      # … on 1 and then 2 Celery workers
    scripts/with-services.sh python bench/letters.py --letters 15000 --workers 2

Builds one township's villages on the database it is given (PostgreSQL under
scripts/with-services.sh; a throwaway SQLite file without it): debtors with
two to four open claims each, some on contracts, none lettered yet. Then runs,
as a separate process and timed from its start to the file written,

    python manage.py make_letters --township 积翠镇 --kind payment-notice --out F

and prints each phase the job records (numbering, face, rendering, join,
per-village files, workbook). Without --workers the command runs with no broker,
every chunk in its own process, one after another. With --workers N it starts
separate `celery worker` processes (concurrency 1 each) on the Redis of
scripts/with-services.sh, runs the batch on one of them and then on N, and
prints the speed-up and each process's peak memory. In the same run it times,
on the same letters, the one-document baseline (every letter as ONE WeasyPrint
document with the system font, in a process of its own) and the local process
pool (`render_batch`, one worker process a core: rendering and join only).

Targets: 1,249 letters in at most 15 s end to end with one worker; 15,000 in at
most 3 minutes; two workers at least 1.7x faster than one; at most 300 MB per
process.
"""
import argparse
import json
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE_LIMIT = 2000  # beyond this one document takes minutes and gigabytes: only with --baseline
TOWNSHIP = "积翠镇"

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
            "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴孔汤")
GIVEN = ("建国", "秀英", "桂兰", "志强", "海燕", "文斌", "振国", "保平", "立新", "玉兰", "春生", "金花", "永福",
         "俊峰", "红梅", "二虎", "三娃", "拴柱", "晓东", "丽娟", "明亮", "国庆", "冬梅", "满仓", "爱平", "润生",
         "福贵", "翠英", "建军", "小平", "海平", "凤英", "宝山", "来顺", "银锁", "改莲", "有才", "巧云", "德胜",
         "文华", "世杰", "彩霞", "继红", "跃进", "建华", "向东", "铁柱", "玉梅", "长生", "喜娃")
PLACES = ("峪口", "土屋", "北坡", "南坪", "后沟", "东岭", "西川", "马家庄", "柳林", "石门", "杏花", "枣园", "张家塔",
          "刘家庄", "沙沟", "桥头")
GROUPS = ("一组", "二组", "三组", "四组", "五组", "六组")
NOTES = {
    "承包费拖欠": ("机动地承包费", "荒山承包费", "果园承包费", "鱼塘承包费"),
    "借款": ("2014年个人借款", "2016年借村集体款", "生产周转借款"),
    "垫付": ("2016年修路垫付", "代缴合作医疗垫付", "电费垫付"),
    "工程款": ("多付工程款", "水窖工程预付款"),
    "其他": ("房屋租金", "砂石资源费"),
}
DEBTORS_PER_VILLAGE = 125
PHASES = ("numbering", "face", "rendering", "join", "files", "workbook")


def setup_django(work: Path) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{work / 'bench.sqlite3'}")
    os.environ["PRIVATE_ROOT"] = str(work / "private")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def build_township(count: int) -> None:
    """One township of `count` debtors, 125 a village, each owing two to four open claims that have not run
    out, as a ledger import leaves them; one township cadre."""
    from django.utils import timezone
    from stdnum.cn import ric

    from contracts.models import Contract
    from core.bounds import add_years
    from core.models import Role, User
    from debts.models import Claim
    from places.models import County, Group, Township, Village
    from villages.models import Party

    rng = random.Random(1249)
    today = timezone.localdate()
    county = County.objects.create(name="方山县")
    township = Township.objects.create(county=county, name=TOWNSHIP)
    User.objects.create(username="bench", real_name="高志强", role=Role.TOWNSHIP, county=county, township=township)
    names = [f"{place}村" for place in PLACES] + [f"{place}{side}村" for side in "东西南北前后上下" for place in PLACES]
    villages = Village.objects.bulk_create(
        [Village(township=township, name=name, collective_org=f"{name}股份经济合作社", contact_person="李会计",
                 contact_phone="0358-6012345") for name in names[:max(1, -(-count // DEBTORS_PER_VILLAGE))]])
    groups = Group.objects.bulk_create([Group(village=v, name=g) for v in villages for g in GROUPS])

    parties = []
    for n in range(count):
        group = groups[(n // (DEBTORS_PER_VILLAGE // len(GROUPS) + 1)) % len(groups)]
        born = today.replace(year=1950, month=1, day=1) + timedelta(days=(n * 7919) % 14600)
        body = f"141128{born:%Y%m%d}{n % 1000:03d}"
        parties.append(Party(
            name=rng.choice(SURNAMES) + rng.choice(GIVEN), id_number=body + ric.calc_check_digit(body + "0"),
            village=group.village, group=group, address=f"{group.village.name}{group.name}{rng.randint(1, 120)}号"))
    parties = Party.objects.bulk_create(parties, batch_size=1000)

    contracts, claims = [], []
    for n, party in enumerate(parties):
        for k in range(rng.choice((2, 2, 3, 3, 4))):
            origin = rng.choice(list(NOTES))
            note = rng.choice(NOTES[origin])
            contract = None
            if origin == "承包费拖欠":
                contract = Contract(village=party.village, number=f"HT-{n:05d}-{k}",
                                    title=note.replace("承包费", "承包合同"), counterparty=party,
                                    signed_on=today.replace(year=2012 + rng.randint(0, 10), month=rng.randint(1, 12),
                                                            day=1))
                contracts.append(contract)
            # Fallen due within the last two years: the limitation runs, so a payment notice may claim them.
            due = today - timedelta(days=rng.randint(30, 700))
            claims.append(Claim(village=party.village, number=f"ZQ-{n:05d}-{k}", debtor=party, origin=origin,
                                origin_note=note, contract=contract,
                                principal=Decimal(rng.randint(200, 60000)) + Decimal(rng.choice((0, 50))) / 100,
                                occurred_on=due - timedelta(days=365), due_date=due, clock_from=due,
                                lapse_on=add_years(due, 3)))
    Contract.objects.bulk_create(contracts, batch_size=1000)
    for claim in claims:
        claim.contract_id = claim.contract.pk if claim.contract else None
    Claim.objects.bulk_create(claims, batch_size=1000)


def forget_letters() -> None:
    """Back to no letter issued, so the next run makes the same batch again."""
    from django.db import connection

    tables = ["debts_letteritem", "debts_letter", "debts_lettersequence", "core_job"]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {table}")


def peak_mb(who=resource.RUSAGE_SELF) -> int:
    return resource.getrusage(who).ru_maxrss // 1024


def process_peak_mb(pid: int) -> list[int]:
    """Peak memory (VmHWM) of a process and of its children, MB each."""
    peaks = []
    pids = [pid]
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            pids += [int(child) for child in (task / "children").read_text().split()]
    except OSError:
        pass
    for each in pids:
        try:
            for line in Path(f"/proc/{each}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peaks.append(int(line.split()[1]) // 1024)
        except OSError:
            pass
    return peaks


def make_letters(work: Path, env: dict) -> dict:
    """The cadre's command in a process of its own: wall time from its start to the file written."""
    out = work / "letters.pdf"
    out.unlink(missing_ok=True)
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "manage.py", "make_letters", "--township", TOWNSHIP, "--kind",
                                "payment-notice", "--out", str(out), "--verbosity", "2"], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    stdout, stderr = process.stdout.read(), process.stderr.read()
    if process.returncode or not out.exists():
        raise SystemExit(f"make_letters failed ({process.returncode}):\n{stdout}\n{stderr}")
    counts = dict(part.split(": ") for part in stdout.splitlines()[0].split(", "))
    timings = {}
    for line in stdout.splitlines():
        if line.startswith("timings: "):
            for part in line.removeprefix("timings: ").split(", "):
                phase, seconds, _ = part.split(" ")
                timings[phase] = float(seconds)
    return {"wall": wall, "letters": int(counts["letters"]), "pages": int(counts["pages"]), "timings": timings,
            "peak_mb": usage.ru_maxrss // 1024, "size": out.stat().st_size,
            "cpu": usage.ru_utime + usage.ru_stime}


def start_workers(count: int, env: dict) -> list[subprocess.Popen]:
    """`count` separate Celery workers, one process rendering in each, ready when this returns."""
    workers = [subprocess.Popen([sys.executable, "-m", "celery", "-A", "config", "worker", "--concurrency", "1",
                                 "--loglevel", "WARNING", "-n", f"bench{n}@%h", "--without-gossip",
                                 "--without-mingle"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL) for n in range(count)]
    from celery import current_app

    deadline = time.monotonic() + 120
    while len(current_app.control.ping(timeout=1)) < count:
        if time.monotonic() > deadline or any(w.poll() is not None for w in workers):
            stop_workers(workers)
            raise SystemExit("the Celery workers did not start")
    return workers


def stop_workers(workers: list[subprocess.Popen]) -> list[list[int]]:
    peaks = [process_peak_mb(worker.pid) for worker in workers]
    for worker in workers:
        worker.send_signal(signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
    return peaks


def show(label: str, run: dict) -> None:
    phases = "  ".join(f"{phase} {run['timings'][phase]:.1f} s" for phase in PHASES if phase in run["timings"])
    print(f"{label}: {run['letters']} letters, {run['pages']} pages, end to end {run['wall']:.1f} s "
          f"({run['letters'] / run['wall']:.0f} letters/s), command cpu {run['cpu']:.1f} s, "
          f"command peak {run['peak_mb']} MB, "
          f"PDF {run['size'] / 1e6:.1f} MB")
    print(f"    phases: {phases}")


def baseline(work: Path) -> None:
    """In a child process: every letter as one document, system font, no chunks, no subset."""
    setup_django(work)
    from core.pdf import render_pdf
    from debts.letters.pdf import TEMPLATE, letter_context
    from debts.models import Letter

    ids = list(Letter.objects.order_by("id").values_list("pk", flat=True))
    started = time.perf_counter()
    contexts = letter_context(ids)
    pdf = render_pdf(TEMPLATE, {"letters": contexts, "title": contexts[0]["kind"]})
    print(json.dumps({"seconds": time.perf_counter() - started, "peak_mb": peak_mb(), "size": len(pdf)}))


def local_pool(work: Path) -> None:
    """In a child process: the same letters through `render_batch` and its local worker processes."""
    setup_django(work)
    from debts.letters.pdf import render_batch
    from debts.letters.selectors import in_print_order
    from debts.models import Letter

    ids = [letter.pk for letter in in_print_order(Letter.objects.all())]
    started = time.perf_counter()
    output = render_batch(ids)
    sum(len(content) for _, content in output.by_village)
    print(json.dumps({"seconds": time.perf_counter() - started, "workers": output.stats["workers"],
                      "peaks": output.stats.get("worker_peak_mb", []), "parent_mb": peak_mb()}))


def child(mode: str, work: Path, env: dict) -> dict:
    run = subprocess.run([sys.executable, __file__, f"--{mode}-child", str(work)], cwd=ROOT, env=env,
                         capture_output=True, text=True)
    if run.returncode:
        raise SystemExit(f"{mode} failed:\n{run.stderr}")
    return json.loads(run.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=1249)
    parser.add_argument("--workers", type=int, default=0,
                        help="run the batch on 1 and then on this many Celery workers (needs REDIS_URL)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each configuration (the best is compared)")
    parser.add_argument("--baseline", action=argparse.BooleanOptionalAction, default=None,
                        help=f"measure the one-document baseline (default: up to {BASELINE_LIMIT} letters)")
    parser.add_argument("--pool", action=argparse.BooleanOptionalAction, default=True,
                        help="measure the local process pool (render_batch) on the same letters")
    parser.add_argument("--baseline-child", metavar="DIR", help=argparse.SUPPRESS)
    parser.add_argument("--pool-child", metavar="DIR", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.baseline_child:
        baseline(Path(args.baseline_child))
        return
    if args.pool_child:
        local_pool(Path(args.pool_child))
        return
    if args.workers and not os.environ.get("REDIS_URL"):
        raise SystemExit("--workers needs REDIS_URL: run it under scripts/with-services.sh")

    work = Path(tempfile.mkdtemp(prefix="bench-letters-"))
    try:
        setup_django(work)
        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        build_township(args.letters)
        print(f"built on {connection.vendor}: {args.letters} debtors with 2-4 claims each, "
              f"in {time.perf_counter() - started:.1f} s")
        env = {**os.environ}
        connection.close()

        runs = {}
        if not args.workers:
            eager = {key: value for key, value in env.items() if key != "REDIS_URL"}
            for n in range(args.repeat):
                forget_letters()
                runs.setdefault(0, []).append(make_letters(work, eager))
                show(f"no broker, run {n + 1}", runs[0][-1])
        for count in sorted({1, args.workers}) if args.workers else ():
            workers = start_workers(count, env)
            try:
                for n in range(args.repeat):
                    forget_letters()
                    runs.setdefault(count, []).append(make_letters(work, env))
                    show(f"{count} worker(s), run {n + 1}", runs[count][-1])
            finally:
                peaks = stop_workers(workers)
            print(f"    worker peak memory (main/child, MB): {' '.join('/'.join(map(str, p)) for p in peaks)}")
        if args.workers > 1:
            one, many = (min(r["wall"] for r in runs[c]) for c in (1, args.workers))
            print(f"speed-up, {args.workers} workers over 1: {one / many:.2f}x ({one:.1f} s -> {many:.1f} s)")

        if args.pool:
            pool = child("pool", work, env)
            print(f"local process pool (render_batch, {pool['workers']} processes; rendering and join only, "
                  f"letters already numbered): {pool['seconds']:.1f} s, peaks {pool['peaks']} MB, "
                  f"parent {pool['parent_mb']} MB")
        if args.baseline or (args.baseline is None and args.letters <= BASELINE_LIMIT):
            base = child("baseline", work, env)
            best = min(run["wall"] for each in runs.values() for run in each)
            print(f"baseline, one document: {base['seconds']:.1f} s, peak {base['peak_mb']} MB, "
                  f"{base['size'] / 1e6:.1f} MB of PDF; end to end is {base['seconds'] / best:.1f}x faster")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

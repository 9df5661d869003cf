"""Benchmark: a county's contracts ledger (37,519 rows, written as the field writes it) imported and exported.

    python bench/ledger.py                      # SQLite, then PostgreSQL when its server programs are installed
    python bench/ledger.py --rows 5000
    python bench/ledger.py --one-sheet          # the whole county on one sheet
    python bench/ledger.py --only sqlite        # or: --only postgres
    DATABASE_URL=postgres://... python bench/ledger.py --only url

The parent writes the workbook once, a sheet per township: two title rows with merged cells above the
header, full-width brackets and line breaks in the header, a 序号 column and a column the import does not
know, blank rows, a 小计 row per village and a 合计 row, amounts as `12,345.00`, `1.2万`, `¥12345元` or
number cells, dates in every form (`2015.3.1`, `2015年3月1日`, `201503`, date cells, serial numbers, `至今`),
problem lists, five states.
Then, for each database, a child process of its own (so that its peak memory is its own) builds the county's
places, and times:

- the raw read: openpyxl in read-only mode reading every row of the file, nothing else;
- the preview, as the upload page's job runs it: the survey of every sheet and the suggested mapping in the
  reader process (the file's headers are mapped with confidence, so nobody is asked, and the same process
  reads the rows it kept by that mapping: "survey"; "read" is a second reader process, for a mapping a user
  confirmed, not needed here), then every row planned;
- the commit, as the 确认导入 job runs it (plan again against the database, write everything in one
  transaction with an audit entry per new record);
- the export of the contract list with every row, as the list's export job writes it.

Then, in a second database holding the places only, the import as the command runs it from start to end:
`manage.py import_ledger FILE --kind contracts --commit` timed from process start to exit, with its peak memory.

The workbook has a sheet per township, each with its own title rows, as townships' files come in; `--one-sheet`
writes the whole county on one sheet.

Targets: import (preview + commit, and the command end to end) at most 30 s and at most 7 times the raw read;
export at most 20 s; peak memory at most 500 MB.
"""
import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROWS = 37519
VILLAGES = 300
TOWNSHIPS = ("积翠镇", "峪口镇", "圪洞镇", "大武镇", "北武当镇", "马坊镇", "麻地会乡", "开府镇", "杨家会镇", "敦厚镇",
             "方山镇", "店坪镇")
PLACES = ("峪口", "土屋", "北坡", "南坪", "后沟", "东岭", "西川", "马家庄", "柳林", "石门", "杏花", "枣园", "张家塔",
          "刘家庄", "沙沟", "桥头", "上庄", "下庄", "前进", "红旗", "新民", "胜利", "和平", "光明", "团结")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = ("建国", "秀英", "桂兰", "志强", "海燕", "文斌", "振国", "保平", "立新", "玉兰", "春生", "金花", "永福", "俊峰",
         "红梅", "二虎", "三娃", "拴柱", "晓东", "丽娟", "明亮", "国庆", "冬梅", "满仓", "爱平", "润生", "福贵", "翠英")
SUBJECTS = (("机动地", "机动地"), ("四荒地", "荒山"), ("四荒地", "荒沟"), ("林地", "林地"), ("耕地", "耕地"),
            ("坑塘水面", "鱼塘"), ("建设用地", "建设用地"), ("房屋", "房屋"))
PLACE_NAMES = ("前坪", "后沟", "南梁", "北山", "河滩", "东坡", "西洼", "大湾", "小湾", "石咀", "柳树沟", "窑上")
HEADER = ["序号", "乡镇", "村", "合同编号", "合同名称", "合同类型", "承包方", "证件号码\n（身份证号）", "联系电话",
          "标的类型", "标的名称", "地块编号", "面积（亩）", "实测面积\n（亩）", "起始日期", "终止日期",
          "年承包费\n（元）", "合同总额（元）", "签订形式", "民主程序", "清理状态", "存在问题",
          "处置方式", "备注", "经办人"]


def village_names() -> list[tuple[str, str]]:
    names = [f"{p}村" for p in PLACES] + [f"{p}{s}村" for s in "东西南北前后上下中新大小" for p in PLACES]
    return [(TOWNSHIPS[n * len(TOWNSHIPS) // VILLAGES], names[n]) for n in range(VILLAGES)]


def resident_id(n: int) -> str:
    from stdnum.cn import ric

    born = date(1945, 1, 1) + timedelta(days=(n * 7919) % 20000)
    body = f"141128{born:%Y%m%d}{n % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def messy_amount(rng, value: int):
    form = rng.random()
    if form < 0.35:
        return value
    if form < 0.6:
        return f"{value:,}.00"
    if form < 0.75 and value % 1000 == 0:
        return f"{value / 10000:g}万"
    if form < 0.85:
        return f"¥{value}元"
    return str(value)


def messy_area(rng, value: float):
    form = rng.random()
    if form < 0.5:
        return value
    if form < 0.75:
        return f"{value:,.2f}"
    return f"{value:g}亩"


def messy_date(rng, day: date):
    form = rng.random()
    if form < 0.2:
        return datetime(day.year, day.month, day.day)
    if form < 0.35:
        return f"{day.year}.{day.month}.{day.day}"
    if form < 0.5:
        return f"{day.year}年{day.month}月{day.day}日"
    if form < 0.65:
        return f"{day:%Y-%m-%d}"
    if form < 0.75:
        return f"{day.year}/{day.month}/{day.day}"
    if form < 0.85:
        return (day - date(1899, 12, 30)).days          # an Excel serial typed as a number
    return f"{day:%Y%m}" if day.day == 1 else f"{day:%Y-%m-%d}"


def write_ledger(path: Path, rows: int, one_sheet: bool = False) -> None:
    """The county's contracts ledger, in the style of the townships' own files: a sheet per township (each with
    its own title rows), or with `one_sheet` the whole county on one."""
    from openpyxl import Workbook

    rng = random.Random(37519)
    # A normal (not write-only) workbook: its text goes to the shared-strings table, as Excel and WPS save it.
    book = Workbook()
    book.remove(book.active)
    sheets = {}

    def sheet_for(township: str):
        key = "合同台账" if one_sheet else township
        if key not in sheets:
            sheet = sheets[key] = book.create_sheet(key)
            sheet.append([f"方山县{'' if one_sheet else township}农村集体经济合同清理台账"])
            sheet.merge_cells("A1:Y1")
            sheet.append(["填报单位：方山县农经中心　　　填报日期：2026年5月"])
            sheet.merge_cells("A2:Y2")
            sheet.append(HEADER)
        return sheets[key]

    villages = village_names()
    per_village = -(-rows // len(villages))
    written = 0
    for v, (township, village) in enumerate(villages):
        sheet = sheet_for(township)
        subtotal = 0
        for k in range(min(per_village, rows - written)):
            written += 1
            kind, noun = SUBJECTS[rng.randrange(len(SUBJECTS))]
            place = PLACE_NAMES[rng.randrange(len(PLACE_NAMES))]
            area = rng.choice((rng.randint(2, 60), rng.randint(50, 800))) + rng.choice((0, 0.5, 0.25, 0.75))
            fee = int(area * rng.choice((50, 80, 120, 300, 350, 500))) // 10 * 10 or 100
            start = date(1998 + rng.randrange(26), rng.randint(1, 12), rng.choice((1, 1, 15, 28)))
            years = rng.choice((5, 10, 15, 20, 30, 50))
            end = "至今" if rng.random() < 0.12 else start.replace(year=start.year + years)
            state = rng.choices(("已查找", "调查中", "已认定", "规范中", "已规范"), (70, 10, 10, 5, 5))[0]
            problems = ""
            disposition = ""
            if state in ("规范中", "已规范"):
                problems = rng.choice(("P03、未签书面合同", "价格明显偏低", "P04；P06", "拖欠承包费\nP02"))
                disposition = rng.choice(("完善修订", "终止撤销", "重新发包", "补充协议"))
            elif state == "已认定":
                problems = rng.choice(("", "", "P03", "未签书面合同，价格偏低"))
            elif rng.random() < 0.2:
                problems = rng.choice(("P03", "未签书面合同", "P01、P03"))
            n = v * per_village + k
            is_asset = kind == "房屋"
            sheet.append([
                k + 1, township if rng.random() > 0.1 else township.removesuffix("镇"), village,
                f"FS-{v + 1:03d}-{k + 1:04d}",
                rng.choice((f"{place}{noun}承包合同", "", f"{village}{noun}发包合同")),
                "资产租赁" if is_asset else rng.choice(("资源发包", "资源", "")),
                rng.choice(SURNAMES) + rng.choice(GIVEN),
                resident_id(n) if rng.random() < 0.7 else "",
                f"13{rng.randint(100000000, 999999999)}" if rng.random() < 0.5 else "",
                kind, place, "" if is_asset else f"{v + 1:03d}-{k + 1:04d}",
                None if is_asset else messy_area(rng, area),
                None if is_asset or rng.random() < 0.7 else round(area * rng.uniform(0.9, 1.15), 2),
                messy_date(rng, start), messy_date(rng, end) if end != "至今" else end,
                messy_amount(rng, fee), messy_amount(rng, fee * years) if rng.random() < 0.4 else None,
                rng.choices(("书面合同", "书面", "口头协议", "仅收据", "无"), (60, 10, 15, 10, 5))[0],
                rng.choices(("是", "否", "√", ""), (50, 30, 10, 10))[0], state, problems, disposition,
                rng.choice(("", "", "", "续签", "欠费待催")), rng.choice(("王会计", "李站长", "")),
            ])
            subtotal += fee
            if rng.random() < 0.01:
                sheet.append([None] * len(HEADER))
        sheet.append(["小计"] + [None] * 15 + [subtotal])
        if written >= rows:
            break
    for sheet in sheets.values():
        sheet.append(["合计"] + [None] * 24)
    book.save(path)


def peak_mb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def setup_database(call_command):
    """The county's places and the county office's user, in a migrated database."""
    call_command("migrate", verbosity=0)
    from core.models import Role, User
    from places.models import County, Township, Village

    county = County.objects.create(name="方山县")
    townships = {name: Township.objects.create(county=county, name=name) for name in TOWNSHIPS}
    Village.objects.bulk_create([Village(township=townships[t], name=v, collective_org=f"{v}股份经济合作社")
                                 for t, v in village_names()])
    user = User.objects.create(username="bench", real_name="马立新", role=Role.COUNTY, county=county)
    return user, county


def child(work: Path, ledger: Path | None) -> None:
    """One database: places, raw read, preview, commit, export; prints the figures as JSON. Without a
    ledger, only the places (for the end-to-end run of the command)."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["PRIVATE_ROOT"] = str(work / "private")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    settings.LEDGER_MAX_ROWS = max(settings.LEDGER_MAX_ROWS, ROWS * 2)
    user, county = setup_database(call_command)
    if ledger is None:
        return
    figures = {"database": connection.vendor}

    from openpyxl import load_workbook

    started = time.perf_counter()
    book = load_workbook(ledger, read_only=True, data_only=True)
    raw_rows = sum(1 for sheet in book.worksheets for _ in sheet.iter_rows(values_only=True))
    book.close()
    figures["raw"] = time.perf_counter() - started
    figures["raw_rows"] = raw_rows
    figures["peak_raw"] = peak_mb()

    from django.core.files import File

    from ledgers import services
    from ledgers.models import LedgerImport

    with open(ledger, "rb") as handle:
        name = services.private_storage().save("ledgers/bench.xlsx", File(handle))
    ledger_import = LedgerImport.objects.create(kind="contracts", original_name=ledger.name, path=name,
                                                size=ledger.stat().st_size, sha256="-", created_by=user,
                                                county=county)
    # The preview's phases: the survey of the sheets (reader process), the sheets read by the mapping (reader
    # process), the rows planned (here).
    phases = {}

    def timed(name, fn):
        def run(*args, **kwargs):
            began = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                phases[name] = phases.get(name, 0) + time.perf_counter() - began
        return run

    services.survey_isolated = timed("survey", services.survey_isolated)
    services.read_mapped_isolated = timed("read", services.read_mapped_isolated)
    started = time.perf_counter()
    services.ledger_preview(ledger_import=ledger_import)
    figures["preview"] = time.perf_counter() - started
    figures["phases"] = {**phases, "plan": figures["preview"] - sum(phases.values())}
    figures["mapping"] = "自动（无需确认）" if ledger_import.mapping.get("auto") else "须确认"
    figures["peak_preview"] = peak_mb()
    figures["peak_reader"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
    if ledger_import.state != LedgerImport.State.READY:
        raise SystemExit(f"preview found errors: {ledger_import.errors[:5]}")
    started = time.perf_counter()
    ledger_import = services.ledger_commit(user=user, ledger_import=ledger_import)
    figures["commit"] = time.perf_counter() - started
    figures["timings"] = getattr(ledger_import, "timings", {})
    if ledger_import.state != LedgerImport.State.DONE:
        raise SystemExit(f"commit refused: {ledger_import.errors[:5]}")
    figures["counts"] = ledger_import.counts
    figures["peak_import"] = peak_mb()

    from contracts.models import Contract
    from core.exports import exporter_for

    started = time.perf_counter()
    content = exporter_for("contracts")(user, {}).content()
    figures["export"] = time.perf_counter() - started
    figures["export_mb"] = len(content) / 1e6
    figures["contracts"] = Contract.objects.count()
    (work / "export.xlsx").write_bytes(content)
    figures["peak"] = peak_mb()
    print("FIGURES " + json.dumps(figures, ensure_ascii=False))


def run_child(work: Path, ledger: Path, database_url: str) -> dict:
    # As in production: DEBUG off, so that Django keeps no log of every query in memory.
    env = {**os.environ, "DATABASE_URL": database_url, "DEBUG": "0",
           "SECRET_KEY": os.environ.get("SECRET_KEY") or "bench-only-" + "x" * 50}
    env.pop("REDIS_URL", None)
    run = subprocess.run([sys.executable, __file__, "--child", str(work), "--ledger", str(ledger)], cwd=ROOT,
                         env=env, capture_output=True, text=True)
    line = next((x for x in run.stdout.splitlines() if x.startswith("FIGURES ")), None)
    if run.returncode or line is None:
        sys.stderr.write(run.stdout[-3000:] + run.stderr[-5000:])
        raise SystemExit(f"benchmark child failed ({database_url.split(':')[0]})")
    return json.loads(line.removeprefix("FIGURES "))


def run_end_to_end(work: Path, ledger: Path, database_url: str) -> dict:
    """`manage.py import_ledger FILE --kind contracts --commit` timed from process start to exit, as a cadre
    or an administrator runs it, in a database of its own holding the places only."""
    env = {**os.environ, "DATABASE_URL": database_url, "DEBUG": "0", "PRIVATE_ROOT": str(work / "private"),
           "SECRET_KEY": os.environ.get("SECRET_KEY") or "bench-only-" + "x" * 50}
    env.pop("REDIS_URL", None)
    subprocess.run([sys.executable, __file__, "--child", str(work), "--rows", str(ROWS)], cwd=ROOT, env=env,
                   check=True)
    # A small parent of its own, so that the peak memory is the command's and nobody else's.
    timer = ("import resource, subprocess, sys, time\n"
             "began = time.perf_counter()\n"
             "run = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
             "took = time.perf_counter() - began\n"
             "sys.stderr.write(run.stdout[-2000:] + run.stderr[-3000:] if run.returncode else '')\n"
             "print('E2E', took, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024, run.returncode)\n")
    run = subprocess.run([sys.executable, "-c", timer, sys.executable, "manage.py", "import_ledger", str(ledger),
                          "--kind", "contracts", "--commit", "--user", "bench"],
                         cwd=ROOT, env=env, capture_output=True, text=True)
    line = next((x for x in run.stdout.splitlines() if x.startswith("E2E ")), None)
    if line is None or line.split()[3] != "0":
        sys.stderr.write(run.stdout[-3000:] + run.stderr[-5000:])
        raise SystemExit("import_ledger failed")
    _, took, peak, _ = line.split()
    return {"seconds": float(took), "peak": int(peak)}


def report(figures: dict) -> None:
    imported = figures["preview"] + figures["commit"]
    rows = figures["counts"]["rows"]
    print(f"{figures['database']}: contracts: {figures['contracts']:,}  raw read: {figures['raw']:.1f} s  "
          f"preview: {figures['preview']:.1f} s  commit: {figures['commit']:.1f} s  "
          f"import: {imported:.1f} s ({rows / imported:,.0f} rows/s, ratio {imported / figures['raw']:.1f}x raw read)  "
          f"export: {figures['export']:.1f} s ({figures['contracts'] / figures['export']:,.0f} rows/s, "
          f"{figures['export_mb']:.1f} MB)  peak rss: import {figures['peak_import']} MB, "
          f"with export {figures['peak']} MB")
    records = "; ".join(f"{what} {', '.join(f'{a} {n:,}' for a, n in actions.items())}"
                        for what, actions in figures["counts"]["records"].items())
    print(f"  created: {records}")
    print("  preview: " + ", ".join(f"{k} {v:.1f} s" for k, v in figures["phases"].items())
          + f"; mapping {figures['mapping']}; reader process peak rss {figures['peak_reader']} MB")
    print("  commit: " + ", ".join(f"{k} {v:.1f} s" for k, v in figures["timings"].items())
          + f"; peak rss after the raw read {figures['peak_raw']} MB, after preview {figures['peak_preview']} MB")
    verdict = [("import ≤ 30 s", imported <= 30), ("ratio ≤ 7", imported / figures["raw"] <= 7),
               ("export ≤ 20 s", figures["export"] <= 20),
               ("peak ≤ 500 MB", max(figures["peak"], figures["peak_reader"]) <= 500)]
    print("  targets: " + ", ".join(f"{name} {'met' if ok else 'NOT MET'}" for name, ok in verdict))


class ThrowawayPostgres:
    """A PostgreSQL cluster in a temporary folder on a free loopback port, as scripts/test.sh starts one."""

    def __init__(self, work: Path):
        bins = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name), reverse=True)
        self.bin = next((b for b in bins if (b / "initdb").exists() and (b / "pg_ctl").exists()), None)
        self.dir = Path(tempfile.mkdtemp(prefix="bench-pg-", dir="/tmp"))
        self.started = False

    @property
    def available(self) -> bool:
        return self.bin is not None

    def _as_pg(self, *command):
        if os.geteuid() == 0:
            command = ("runuser", "-u", "postgres", "--", *command)
        subprocess.run(command, check=True, capture_output=True, cwd=self.dir)

    def start(self) -> str:
        import socket

        os.chmod(self.dir, 0o755)
        data = self.dir / "data"
        data.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
            shutil.chown(data, "postgres")
        os.chmod(data, 0o700)
        self._as_pg(str(self.bin / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "--encoding=UTF8",
                    "--no-locale")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        options = f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={self.dir} " \
                  "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._as_pg(str(self.bin / "pg_ctl"), "-D", str(data), "-l", str(self.dir / "log"), "-o", options, "-w",
                    "start")
        self.started = True
        self._as_pg(str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "bench")
        return f"postgres://postgres@127.0.0.1:{port}/bench"

    def database(self, url: str, name: str) -> str:
        """A fresh database of that name on the server of `url`."""
        port = url.rsplit(":", 1)[1].split("/")[0]
        self._as_pg(str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", port, "-U", "postgres", name)
        return url.rsplit("/", 1)[0] + f"/{name}"

    def stop(self) -> None:
        if self.started:
            self._as_pg(str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "immediate", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)


def main() -> None:
    global ROWS
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--only", choices=("sqlite", "postgres", "url"))
    parser.add_argument("--child", metavar="DIR", help=argparse.SUPPRESS)
    parser.add_argument("--ledger", help=argparse.SUPPRESS)
    parser.add_argument("--one-sheet", action="store_true",
                        help="the whole county on one sheet (by default a sheet per township)")
    parser.add_argument("--write", metavar="FILE", help=argparse.SUPPRESS)
    args = parser.parse_args()
    ROWS = args.rows
    if args.write:
        write_ledger(Path(args.write), args.rows, one_sheet=args.one_sheet)
        return
    if args.child:
        child(Path(args.child), Path(args.ledger) if args.ledger else None)
        return
    work = Path(tempfile.mkdtemp(prefix="bench-ledger-"))
    try:
        ledger = work / "方山县合同台账.xlsx"
        started = time.perf_counter()
        # In a process of its own: building a big workbook takes memory, and a child started by this
        # process would inherit its peak (Linux keeps the high-water mark across fork and exec).
        subprocess.run([sys.executable, __file__, "--write", str(ledger), "--rows", str(args.rows)]
                       + (["--one-sheet"] if args.one_sheet else []), check=True)
        print(f"ledger: {args.rows:,} contracts in {ledger.stat().st_size / 1e6:.1f} MB "
              f"({'one sheet' if args.one_sheet else 'a sheet per township'}), "
              f"written in {time.perf_counter() - started:.1f} s")

        def both(name: str, url_for) -> None:
            (work / name).mkdir()
            phases_url = url_for("phases")
            report(run_child(work / name, ledger, phases_url))
            e2e_url = url_for("e2e")
            if e2e_url == phases_url:
                print("  end to end: skipped (needs a second, empty database)")
                return
            (work / f"{name}-e2e").mkdir()
            e2e = run_end_to_end(work / f"{name}-e2e", ledger, e2e_url)
            print(f"  end to end: import_ledger --commit {e2e['seconds']:.1f} s from process start to exit, "
                  f"peak rss {e2e['peak']} MB; target ≤ 30 s {'met' if e2e['seconds'] <= 30 else 'NOT MET'}")

        if args.only in (None, "sqlite"):
            both("sqlite", lambda db: f"sqlite:///{work / f'sqlite-{db}.sqlite3'}")
        if args.only == "url":
            both("url", lambda db: os.environ["DATABASE_URL"])
        if args.only in (None, "postgres"):
            postgres = ThrowawayPostgres(work)
            if not postgres.available:
                print("postgresql: skipped (no server programs under /usr/lib/postgresql)")
            else:
                try:
                    url = postgres.start()
                    both("pg", lambda db: postgres.database(url, db))
                finally:
                    postgres.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

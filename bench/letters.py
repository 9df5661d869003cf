"""Benchmark: a township's payment notices as one batch, against one big WeasyPrint document.

    python bench/letters.py                   # 1,249 letters: one township's campaign
    python bench/letters.py --letters 15000   # a county's (the baseline is skipped: see --baseline)
    python bench/letters.py --kind 对账函

Builds its own villages in a throwaway SQLite database (one township of ten
villages for 1,249 debtors; more townships for more), debtors with one to
three claims each, some on contracts, and one letter per debtor, numbered
directly. Then times `render_batch` as the letters job calls it, and, in the
same run and in a child process of its own, the baseline: every letter as ONE
WeasyPrint document through `core.pdf.render_pdf`, with the system's full
CJK font, no chunks and no subset.

Targets: 1,249 letters in at most 15 s and at least 1.8x faster than the
baseline; at most 300 MB per process; 15,000 letters in at most 3 minutes,
with the workers' memory the same as for 1,249.
"""
import argparse
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE_LIMIT = 2000  # beyond this one document takes minutes and gigabytes: only with --baseline

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
            "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴孔汤")
GIVEN = ("建国", "秀英", "桂兰", "志强", "海燕", "文斌", "振国", "保平", "立新", "玉兰", "春生", "金花", "永福",
         "俊峰", "红梅", "二虎", "三娃", "拴柱", "晓东", "丽娟", "明亮", "国庆", "冬梅", "满仓", "爱平", "润生",
         "福贵", "翠英", "建军", "小平", "海平", "凤英", "宝山", "来顺", "银锁", "改莲", "有才", "巧云", "德胜",
         "文华", "世杰", "彩霞", "继红", "跃进", "建华", "向东", "铁柱", "玉梅", "长生", "喜娃")
TOWNSHIPS = ("积翠镇", "峪口镇", "圪洞镇", "大武镇", "北武当镇", "马坊镇", "麻地会乡", "开府镇", "杨家会镇",
             "敦厚镇", "方山镇", "店坪镇")
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
VILLAGES_PER_TOWNSHIP = 10


def setup_django(work: Path) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["DATABASE_URL"] = f"sqlite:///{work / 'bench.sqlite3'}"
    os.environ["PRIVATE_ROOT"] = str(work / "private")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def build_county(count: int, kind: str) -> list[int]:
    """Debtors with 1–3 claims each and one letter each; returns the letter ids in printing order
    (township, village, group, name), as the letters job orders them."""
    from stdnum.cn import ric

    from contracts.models import Contract
    from core.bounds import add_years
    from core.models import Role, User
    from debts.models import Claim, Letter, LetterItem
    from places.models import County, Group, Township, Village
    from villages.models import Party

    rng = random.Random(1249)
    county = County.objects.create(name="方山县")
    villages_needed = max(1, round(count / DEBTORS_PER_VILLAGE))
    townships = Township.objects.bulk_create(
        [Township(county=county, name=TOWNSHIPS[n % len(TOWNSHIPS)] + ("" if n < len(TOWNSHIPS) else str(n)))
         for n in range(-(-villages_needed // VILLAGES_PER_TOWNSHIP))])
    user = User.objects.create(username="bench", real_name="高志强", role=Role.COUNTY, county=county)
    names = [f"{place}村" for place in PLACES] + [f"{place}{side}村" for side in "东西南北前后上下" for place in PLACES]
    villages = Village.objects.bulk_create(
        [Village(township=townships[n // VILLAGES_PER_TOWNSHIP], name=name, collective_org=f"{name}股份经济合作社")
         for n, name in enumerate(names[:villages_needed])])
    groups = Group.objects.bulk_create([Group(village=v, name=g) for v in villages for g in GROUPS])

    parties = []
    for n in range(count):
        group = groups[(n // (DEBTORS_PER_VILLAGE // len(GROUPS) + 1)) % len(groups)]
        # Unique by construction: (birth day, sequence) never repeats below 73,000 debtors.
        born = date(1950, 1, 1) + timedelta(days=(n * 7919) % 14600)
        body = f"141128{born:%Y%m%d}{n % 1000:03d}"
        parties.append(Party(
            name=rng.choice(SURNAMES) + rng.choice(GIVEN), id_number=body + ric.calc_check_digit(body + "0"),
            village=group.village, group=group, address=f"{group.village.name}{group.name}{rng.randint(1, 120)}号"))
    parties = Party.objects.bulk_create(parties, batch_size=500)

    contracts, claims = [], []
    for n, party in enumerate(parties):
        for k in range(rng.choice((1, 1, 2, 2, 3))):
            origin = rng.choice(list(NOTES))
            note = rng.choice(NOTES[origin])
            contract = None
            if origin == "承包费拖欠":
                contract = Contract(village=party.village, number=f"HT-{n:05d}-{k}",
                                    title=note.replace("承包费", "承包合同"), counterparty=party,
                                    signed_on=date(2012 + rng.randint(0, 10), rng.randint(1, 12), 1))
                contracts.append(contract)
            due = date(2015 + rng.randint(0, 9), rng.randint(1, 12), rng.randint(1, 28))
            claims.append(Claim(village=party.village, number=f"ZQ-{n:05d}-{k}", debtor=party, origin=origin,
                                origin_note=note, contract=contract,
                                principal=Decimal(rng.randint(200, 60000)) + Decimal(rng.choice((0, 50))) / 100,
                                occurred_on=due - timedelta(days=365), due_date=due, clock_from=due,
                                lapse_on=add_years(due, 3)))
    Contract.objects.bulk_create(contracts, batch_size=500)
    for claim in claims:
        claim.contract_id = claim.contract.pk if claim.contract else None
    claims = Claim.objects.bulk_create(claims, batch_size=500)

    as_of = date(2026, 5, 20)
    owed = {}
    for claim in claims:
        owed.setdefault(claim.debtor_id, []).append(claim)
    ordered = sorted(parties, key=lambda p: (p.village.township.name, p.village.name, p.group.name, p.name, p.pk))
    seqs, letters = {}, []
    for party in ordered:
        village = party.village
        seq = seqs[village.pk] = seqs.get(village.pk, 0) + 1
        prefix = village.township.name.removesuffix("镇").removesuffix("乡")
        letters.append(Letter(village=village, number=f"{prefix}-{village.name}-2026-{seq:04d}", year=2026, seq=seq,
                              kind=kind, debtor=party, total=sum(c.principal for c in owed[party.pk]), as_of=as_of,
                              reply_by=as_of + timedelta(days=30), created_by=user))
    letters = Letter.objects.bulk_create(letters, batch_size=500)
    LetterItem.objects.bulk_create([LetterItem(letter=letter, claim=claim, amount=claim.principal)
                                    for letter in letters for claim in owed[letter.debtor_id]], batch_size=500)
    return [letter.pk for letter in letters]


def peak_mb(who=resource.RUSAGE_SELF) -> int:
    return resource.getrusage(who).ru_maxrss // 1024


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
    print(f"{time.perf_counter() - started:.2f} {peak_mb()} {len(pdf)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=1249)
    parser.add_argument("--kind", default="清缴通知书", choices=("清缴通知书", "对账函"))
    parser.add_argument("--baseline", action=argparse.BooleanOptionalAction, default=None,
                        help=f"measure the one-document baseline (default: up to {BASELINE_LIMIT} letters)")
    parser.add_argument("--baseline-child", metavar="DIR", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.baseline_child:
        baseline(Path(args.baseline_child))
        return

    work = Path(tempfile.mkdtemp(prefix="bench-letters-"))
    try:
        setup_django(work)
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        letter_ids = build_county(args.letters, args.kind)
        print(f"built: {len(letter_ids)} debtors, letters numbered, in {time.perf_counter() - started:.1f} s")

        from debts.letters.pdf import render_batch

        progress = []
        started = time.perf_counter()
        output = render_batch(letter_ids, report=lambda done, total, message: progress.append(message))
        # The job stores every file: reading the village files (kept on disk until asked for) is timed too.
        village_bytes = sum(len(content) for _, content in output.by_village)
        wall = time.perf_counter() - started
        parent, stats = peak_mb(), output.stats
        children = "/".join(str(mb) for mb in stats.get("worker_peak_mb", [])) or "none"
        any_child = peak_mb(resource.RUSAGE_CHILDREN)  # the workers and the process that cuts the face

        line = f"letters: {output.letters}  wall: {wall:.1f} s  rate: {output.letters / wall:.0f} letters/s"
        base = None
        if args.baseline or (args.baseline is None and args.letters <= BASELINE_LIMIT):
            run = subprocess.run([sys.executable, __file__, "--baseline-child", str(work)], cwd=ROOT,
                                 capture_output=True, text=True, check=True)
            base = run.stdout.split()[-3:]
            line += f"  baseline: {float(base[0]):.1f} s  ratio: {float(base[0]) / wall:.1f}x"
        else:
            line += "  baseline: skipped"
        line += f"  peak rss: parent {parent} MB, children {children} MB  pages: {output.pages}"
        print(line)
        if base:
            print(f"baseline: one document, {float(base[0]):.1f} s, peak rss {base[1]} MB, "
                  f"{int(base[2]) / 1e6:.1f} MB of PDF")
        print(f"largest child process (workers, face cutting): {any_child} MB")
        print(f"batch: {len(output.whole) / 1e6:.1f} MB of PDF, {len(output.by_village)} village files "
              f"({village_bytes / 1e6:.1f} MB), "
              f"{stats['chunks']} chunks on {stats['workers'] or 1} process(es), "
              f"face cut in {stats.get('font_seconds', 0):.1f} s, "
              f"worker cpu {stats.get('worker_cpu_seconds', 0):.1f} s, "
              f"join cpu {stats.get('join_cpu_seconds', 0):.1f} s, last progress: {progress[-1] if progress else '-'}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

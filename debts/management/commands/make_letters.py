"""Issue and print a township's letters from the command line, by the same service as the background job."""
import time
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from core.jobs import JobError, workers_connected
from core.models import Role, User
from debts.letters.services import kind_from_code, letters_job_create
from places.models import Township


class Command(BaseCommand):
    help = "为一个乡镇批量出具对账函或清缴通知书，输出整批 PDF。"

    def add_arguments(self, parser):
        parser.add_argument("--township", required=True, help="乡镇名称，如 积翠镇")
        parser.add_argument("--kind", required=True, help="reconciliation（对账函）或 payment-notice（清缴通知书）")
        parser.add_argument("--out", required=True, help="输出的 PDF 文件")

    def handle(self, *args, township, kind, out, **options):
        try:
            kind_name = kind_from_code(kind)
        except ValidationError as error:
            raise CommandError(error.messages[0]) from None
        matches = list(Township.objects.filter(Q(name=township) | Q(name=f"{township}镇")).select_related("county"))
        if not matches:
            raise CommandError(f"没有名为“{township}”的乡镇。")
        if len(matches) > 1:
            raise CommandError(f"“{township}”不止一个（{'、'.join(f'{t.county.name}{t.name}' for t in matches)}），"
                               "请写全称。")
        place = matches[0]
        actor = (User.objects.filter(role=Role.TOWNSHIP, township=place, is_active=True).first()
                 or User.objects.filter(role=Role.COUNTY, county=place.county, is_active=True).first())
        if actor is None:
            raise CommandError(f"{place.name}没有可以出具函件的乡镇专班或县农经中心账号。")
        from core.jobs import run

        try:
            job = letters_job_create(user=actor, villages=place.villages.all(), kind=kind_name, enqueue=False)
        except (ValidationError, JobError) as error:
            raise CommandError("；".join(getattr(error, "messages", [str(error)]))) from None
        # Numbered here; printed by whatever workers are connected, or here when none is (or no broker).
        run(job.pk, over_workers=workers_connected())
        job.refresh_from_db()
        while not job.finished:
            time.sleep(0.1)
            job.refresh_from_db()
        if job.state != job.State.DONE:
            raise CommandError(job.error or "生成失败。")
        whole = next(f for f in job.files if "-全部-" in f["name"])
        from core.files import private_storage

        with private_storage().open(whole["path"], "rb") as source:
            Path(out).write_bytes(source.read())
        self.stdout.write(f"letters: {job.counts['letters']}, pages: {job.counts['pages']}")
        if options["verbosity"] > 1:
            self.stdout.write("timings: " + ", ".join(f"{phase} {seconds:.2f} s"
                                                     for phase, seconds in job.counts.get("timings", {}).items()))

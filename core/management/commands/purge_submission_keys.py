"""Forget the one-time keys of money and batch forms older than SUBMISSION_KEY_DAYS (nightly, by Celery beat)."""
from django.conf import settings
from django.core.management.base import BaseCommand

from core.submissions import submission_keys_purge


class Command(BaseCommand):
    help = "删除超过保存期限的表单提交标识（防重复提交用）。"

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None,
                            help=f"保存天数，默认取设置 SUBMISSION_KEY_DAYS（{settings.SUBMISSION_KEY_DAYS}）")

    def handle(self, *args, days=None, **options):
        days = settings.SUBMISSION_KEY_DAYS if days is None else days
        deleted = submission_keys_purge(days=days)
        self.stdout.write(f"已删除 {deleted} 条超过 {days} 天的表单提交标识。")

import sys

from django.core.management.base import BaseCommand

from debts.letters.pdf import serve_chunks


class Command(BaseCommand):
    help = ("批量生成函件时由系统启动的工作进程：从标准输入逐行读取分块任务，"
            "把每块函件渲染成 PDF，并在标准输出报告页数。不需要手工运行。")
    requires_system_checks = []

    def handle(self, *args, **options):
        serve_chunks(sys.stdin.buffer, sys.stdout.buffer)

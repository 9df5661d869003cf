"""Recompute every balance and check the ledger's rules; exit non-zero on any fault."""
from django.core.management.base import BaseCommand, CommandError

from core.money import format_yuan
from debts.ledger_check import check_ledger


class Command(BaseCommand):
    help = ("核对债权债务台账：由本金和分录重新计算余额，检查负余额、无决议核销、冲正不对应等问题。"
            "有问题时以非零状态退出。")

    def handle(self, *args, **options):
        report = check_ledger()
        self.stdout.write(
            f"债权 {report.claims} 笔，本金 {format_yuan(report.claim_principal)} 元，"
            f"余额 {format_yuan(report.claim_balance)} 元；"
            f"债务 {report.debts} 笔，本金 {format_yuan(report.debt_principal)} 元，"
            f"余额（含利息）{format_yuan(report.debt_balance)} 元；分录 {report.entries} 条。")
        if not report.faults:
            self.stdout.write(self.style.SUCCESS("台账核对无误。"))
            return
        for fault in report.faults:
            self.stdout.write(self.style.ERROR(f"✗ {fault}"))
        raise CommandError(f"发现 {len(report.faults)} 处问题。")

"""The ledger imports on the to-do page (reports.todo): the user's uploads that wait for a decision."""
from core import permissions as perms
from core.worklist import WorkKind, register_work

from .services import imports_waiting

IMPORT_WORK = (
    WorkKind(key="ledger-imports", section="台账导入", title="台账导入待确认",
             help="您上传的台账：栏目对照待确认，或预览已完成、待确认导入。",
             perm=perms.LEDGER_IMPORT, url_name="ledgers:import", query="", order=50),
)


def _counts(user, kinds, today) -> dict[str, int]:
    return {"ledger-imports": imports_waiting(user).order_by().count()}


register_work(IMPORT_WORK, _counts)

"""Many contracts' documents as one PDF, made by a background job: all the 认定书 (or 调查报告) of a village, or
of the contracts ticked on the list, in village and number order, ready to print in one go."""
import io
import tempfile
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils import timezone
from pypdf import PdfReader

from core.jobs import job_add_file, job_create, job_runner
from core.pdf.join import PdfJoin

from . import documents
from .selectors import contract_list

KINDS = {
    "determination": ("合同认定书", documents.determination_pdf, "determination"),
    "investigation": ("调查报告", documents.investigation_pdf, "investigation"),
}
MAX_CONTRACTS = 2000


def bundle_start(*, user, kind: str, contract_ids=(), village=None):
    """The job printing `kind` for the chosen contracts (or all of `village`'s) the user may read."""
    if kind not in KINDS:
        raise ValidationError("请选择要打印的文书（合同认定书或调查报告）。")
    label, _, relation = KINDS[kind]
    contracts = contract_list(user).filter(**{f"{relation}__isnull": False})
    if village is not None:
        contracts, scope = contracts.filter(village=village), village.full_name
    else:
        contracts, scope = contracts.filter(pk__in=[int(pk) for pk in contract_ids]), "所选合同"
    ids = list(contracts.order_by("village__township__name", "village__name", "number").values_list("pk", flat=True))
    if not ids:
        raise ValidationError(f"{scope}没有可打印的{label}（尚未认定或尚未填写调查报告的合同没有）。")
    if len(ids) > MAX_CONTRACTS:
        raise ValidationError(f"一次最多打印 {MAX_CONTRACTS} 份{label}，请缩小范围（共 {len(ids)} 份）。")
    return job_create(user=user, kind="contract-documents", title=f"打印{label}（{scope}，{len(ids)} 份）",
                      params={"kind": kind, "contracts": ids, "scope": scope})


@job_runner("contract-documents")
def run_bundle(job, report) -> dict:
    label, render, _ = KINDS[job.params["kind"]]
    # Read again through the user's scope: a contract moved out of it since is not printed.
    contracts = {c.pk: c for c in contract_list(job.created_by).filter(pk__in=job.params["contracts"])}
    ids = [pk for pk in job.params["contracts"] if pk in contracts]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bundle.pdf"
        join = PdfJoin(path, title=f"{label}（{job.params['scope']}）")
        for done, pk in enumerate(ids, start=1):
            join.add(PdfReader(io.BytesIO(render(contracts[pk]))))
            report(done, len(ids), f"已生成 {done} / {len(ids)} 份")
        join.close()
        job_add_file(job, f"{label}-{job.params['scope']}-{timezone.localdate():%Y%m%d}.pdf", path.read_bytes())
    return {"documents": len(ids), "pages": join.pages}

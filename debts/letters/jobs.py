"""The letters job: select, number (resumably), render, and store the files of a batch."""
from datetime import date
from decimal import Decimal

from django.urls import reverse

from core.idnumbers import mask_id_number
from core.jobs import JobError, job_add_file, job_runner
from core.permissions import CLAIM_MANAGE
from core.scoping import villages_for
from core.xlsx import Column, build_xlsx
from debts.models import Letter

from .selectors import in_print_order, recent_letters, select_groups
from .services import issue_letters


@job_runner("letters", restart_permission=CLAIM_MANAGE)
def run_letter_job(job, report) -> dict:
    """The job's runner: select, number (resumably), render, and store the files."""
    from .pdf import render_batch

    params, user = job.params, job.created_by
    villages = villages_for(user).filter(pk__in=params["villages"])
    as_of = date.fromisoformat(params["as_of"])
    min_balance = Decimal(params["min_balance"]) if params.get("min_balance") else None
    run_out = []
    groups = select_groups(user=user, villages=villages, min_balance=min_balance, origins=params.get("origins") or (),
                           age=params.get("age") or "", today=as_of, kind=params["kind"], left_out=run_out)
    # One debtor whose total no letter can hold is left out and named on the job; the others get their letters.
    skipped = [g.too_large_message() for g in groups if g.too_large]
    if run_out:
        skipped.append(f"{len(run_out)} 笔债权已过诉讼时效，未列入清缴通知书（通知书会写明时效中断，对这些债权不实）；"
                       f"请改发对账函，请债务人书面确认：" + "、".join(f"{c.village.name} {c.number} {c.debtor.name}"
                                                           for c in run_out[:20])
                       + ("等" if len(run_out) > 20 else ""))
    groups = [g for g in groups if not g.too_large]
    already = Letter.objects.filter(job=job).exists()
    if not params.get("include_recent"):
        # Letters of this very job are not "recent": a restarted job goes on with its own debtors.
        recent = {key: letter for key, letter in recent_letters(groups, params["kind"]).items()
                  if letter.job_id != job.pk}
        if recent:
            skipped.append(f"{len(recent)} 户近期已收到{params['kind']}，本批未再出具：" + "、".join(
                f"{letter.debtor.name}（{letter.number}）" for letter in list(recent.values())[:20])
                + ("等" if len(recent) > 20 else ""))
            groups = [g for g in groups if (g.village.pk, g.debtor.pk) not in recent]
    if not groups and not already:
        raise JobError("；".join(skipped) or "所选范围内没有需要出具函件的债权（已封存、已结清的不出具）。")
    issue_letters(user=user, groups=groups, kind=params["kind"], as_of=as_of, job=job, report=report)
    letters = in_print_order(Letter.objects.filter(job=job))
    output = render_batch([letter.pk for letter in letters], report=report)
    stamp = f"{as_of:%Y%m%d}"
    job_add_file(job, f"{params['kind']}-全部-{stamp}.pdf", output.whole)
    for village_name, content in output.by_village:
        job_add_file(job, f"{params['kind']}-{village_name}-{stamp}.pdf", content)
    job_add_file(job, f"{params['kind']}-签收清单-{stamp}.xlsx", letters_xlsx(letters, params["kind"]))
    return {"letters": output.letters, "pages": output.pages, **({"skipped": skipped} if skipped else {}),
            "url": reverse("letters:letter-list") + f"?job={job.pk}", "url_label": "查看本批函件（送达、作废）"}


LIST_COLUMNS = [Column("编号", 24), Column("债务人", 16), Column("证件号码", 22), Column("金额(元)", 14, money=True),
                Column("村", 12), Column("组", 10), Column("签收人", 12), Column("签收日期", 12)]


def letters_xlsx(letters, kind: str) -> bytes:
    """The list for signing letters out: number, debtor, masked ID, amount, village, group."""
    rows = [[letter.number, letter.debtor.name, mask_id_number(letter.debtor.id_number), letter.total,
             letter.village.name, letter.debtor.group.name if letter.debtor.group_id else "", "", ""]
            for letter in letters]
    return build_xlsx(title=f"{kind}签收清单", columns=LIST_COLUMNS, rows=rows)

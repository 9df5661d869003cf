"""The contract documents as PDF (DOMAIN.md §5, §7): 合同认定书, 调查报告 and the
public-notice sheet of a democratic-procedure resolution.

Each document is two functions (STYLE rule 8): `*_context` loads what the
document needs in a fixed number of queries and returns a plain dict of
ready-to-print strings; `*_pdf` hands that dict to `core.pdf.render_pdf`.
Templates only lay the strings out. Access is the caller's business: these
functions print whatever they are given, and ID numbers are always masked,
because paper leaves the office (DOMAIN.md §3).
"""
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Prefetch
from django.utils import timezone

from core.history import state_at, states_at
from core.money import capital_yuan, format_area, format_yuan
from core.pdf import document_date, render_pdf
from villages.models import Party

from .models import Contract, ContractProblem, Resolution, Signer

STANDARD_LEGAL_BASIS = [
    "《中华人民共和国民法典》合同编关于合同订立、效力、履行、变更和终止的规定；",
    "《中华人民共和国农村土地承包法》关于以其他方式承包农村土地、承包期限、承包费和民主议定程序的规定；",
    "《中华人民共和国村民委员会组织法》关于村集体经济项目承包方案、以租赁等方式处分村集体财产"
    "须经村民会议或者村民代表会议讨论决定的规定；",
    "本省农村集体资产管理条例及农村集体经济合同管理的有关规定。",
]
COMPLIANT_CONCLUSION = "经认定，该合同未发现问题，认定为合规合同。"
COMPLIANT_HANDLING = "合同继续履行，纳入村集体资产台账管理。"
DEFAULT_HANDLING = ("由乡镇专班依照有关规定确定处置方式（完善修订、终止撤销、司法诉讼、提级处置或重新发包），"
                    "组织规范整改。")
PASS_RULE = "到会人数须达应到人数三分之二以上，赞成票须超过到会人数半数。"


class DocumentNotReady(ValueError):
    """The document cannot be printed yet (e.g. a determination before the contract is determined)."""


# --- Shared pieces --------------------------------------------------------------


def _one_to_one(instance, name: str):
    """A reverse one-to-one loaded by select_related, or None when there is no row."""
    try:
        return getattr(instance, name)
    except ObjectDoesNotExist:
        return None


def _township_team(village) -> str:
    return f"{village.township.name}“清化收”工作专班"


def _money(value: Decimal | None) -> str:
    """An amount in figures and in capital Chinese, as contracts and letters write it."""
    if value is None:
        return "未约定"
    return f"{format_yuan(value)} 元（{capital_yuan(value)}）"


def _date_or(value, missing: str = "未约定") -> str:
    return document_date(value) if value else missing


def _term(contract: Contract) -> str:
    start, end = contract.start_date, contract.end_date
    if start and end:
        return f"{document_date(start)}至{document_date(end)}"
    if start:
        return f"自{document_date(start)}起（未约定终止日期）"
    if end:
        return f"至{document_date(end)}止（未约定起始日期）"
    return "未约定"


def _party(party: Party) -> dict:
    membership = ""
    if party.kind == Party.Kind.PERSON:
        membership = "本集体经济组织成员" if party.is_member else "非本集体经济组织成员"
    return {
        "name": party.name,
        "id_label": party.id_label,
        "id_masked": party.id_number_masked or "未登记",
        "membership": membership,
        "address": party.address,
    }


def _procedure(resolution: Resolution | None) -> str:
    if resolution is None:
        return "未履行民主程序（无民主决策记录）"
    if resolution.details_pending:
        return "台账记载已履行民主程序，决议详情待补录"
    outcome = "表决通过" if resolution.passed else "未通过"
    return (f"{document_date(resolution.resolved_on)}{resolution.get_meeting_display()}表决："
            f"应到{resolution.members_expected}人，实到{resolution.members_present}人；"
            f"赞成{resolution.votes_for}票，反对{resolution.votes_against}票，弃权{resolution.votes_abstain}票；"
            f"{outcome}")


def _signer(contract: Contract) -> str:
    if contract.signer == Signer.ORG:
        return contract.get_signer_display()
    authorised = "已获授权或追认" if contract.signer_authorised else "未获授权或追认"
    return f"{contract.get_signer_display()}（{authorised}）"


def _subjects(contract: Contract, parcels) -> list[str]:
    lines = []
    for parcel in parcels:
        measured = (f"，实测 {format_area(parcel.measured_area_mu)} 亩"
                    if parcel.measured_area_mu is not None else "")
        lines.append(f"{parcel.code} {parcel.name}（{parcel.kind}，台账面积 {format_area(parcel.ledger_area_mu)} 亩"
                     f"{measured}）")
    for asset in contract.assets.all():
        lines.append(f"{asset.code} {asset.name}（{asset.kind}）")
    if contract.subject_note:
        lines.append(contract.subject_note)
    return lines or ["未约定标的"]


class AsOf:
    """The contract, its parcels and its counterparty as they stood at a moment (core.history): what a
    document made then printed, whatever was revised since."""

    def __init__(self, contract: Contract, moment):
        self.contract = state_at(contract, moment)
        parcels = list(contract.parcels.all())
        at = states_at(parcels, moment)
        self.parcels = [at[p.pk] for p in parcels]
        self.party = state_at(contract.counterparty, moment)


def _contract_rows(as_of: AsOf) -> list[dict]:
    """The contract's facts as labelled rows (each value one or more lines), in the order printed."""
    contract = as_of.contract
    village, party = contract.village, _party(as_of.party)
    counterparty = f"{party['name']}（{party['membership']}）" if party["membership"] else party["name"]
    rows = [
        ("合同编号", [contract.number]),
        ("合同名称", [contract.title]),
        ("合同类型", [contract.get_kind_display()]),
        ("发包方", [f"{village.signing_org}（{village.full_name}）"]),
        ("承包方", [counterparty]),
        (party["id_label"], [party["id_masked"]]),
        ("标的", _subjects(contract, as_of.parcels)),
        ("合同面积", [f"{format_area(contract.area_mu)} 亩" if contract.area_mu is not None else "未约定"]),
        ("承包期限", [_term(contract)]),
        ("年承包费", [_money(contract.annual_fee)]),
        ("合同总额", [_money(contract.total_amount)]),
        ("调价条款", ["有" if contract.has_price_review else "无"]),
        ("签订形式", [contract.get_form_display()]),
        ("签订日期", [_date_or(contract.signed_on, "不详")]),
        ("民主程序", [_procedure(contract.resolution)]),
        ("发包方签章", [_signer(contract)]),
    ]
    return [{"label": label, "lines": lines} for label, lines in rows]


def _village(village) -> dict:
    return {"name": village.name, "full_name": village.full_name, "org": village.signing_org,
            "township": village.township.name}


def _problem(problem: ContractProblem) -> dict:
    label = problem.get_code_display()
    return {"code": problem.code, "name": label.removeprefix(problem.code).strip(), "reason": problem.reason,
            "note": problem.decision_note}


def _area_tolerance(contract: Contract) -> Decimal:
    """The county's tolerance when it has set one, else the default (the same as rule P08)."""
    rules = _one_to_one(contract.village.township.county, "rule_settings")
    return rules.area_tolerance if rules is not None else settings.AREA_TOLERANCE


def _percent(share: Decimal) -> str:
    return f"{share * 100:+.2f}%"


def _load_contract(contract: Contract) -> Contract:
    return (
        Contract.objects
        .select_related("village__township__county__rule_settings", "counterparty", "resolution",
                        "determination__determined_by", "investigation", "disposition__new_contract")
        .prefetch_related("parcels", "assets",
                          Prefetch("problems", queryset=ContractProblem.objects.order_by("code", "id")))
        .get(pk=contract.pk)
    )


# --- 合同认定书 ---------------------------------------------------------------------


def determination_context(contract: Contract) -> dict:
    """Everything the 合同认定书 prints: the contract's facts, the township's findings, the signatures."""
    contract = _load_contract(contract)
    determination = _one_to_one(contract, "determination")
    if determination is None:
        raise DocumentNotReady("该合同尚未认定，不能打印合同认定书。")
    village = contract.village
    # The confirmed problems only: a reminder the township dismissed is not a finding of the document.
    confirmed = [_problem(p) for p in contract.problems.all() if p.status == ContractProblem.Status.CONFIRMED]
    compliant = not confirmed
    user = determination.determined_by
    determined_at = timezone.localtime(determination.determined_at)
    determined_on = document_date(determined_at)
    legal_basis = [line for line in determination.legal_basis.splitlines() if line.strip()]
    team = _township_team(village)
    # The facts as they stood when determined: a later revision belongs to the outcome, not to the findings.
    as_of = AsOf(contract, determination.determined_at)
    return {
        "title": "合同认定书",
        "doc_number": f"{village.township.name}合认字〔{determined_at.year}〕{_numbered(village, contract)}号",
        "issuer": team,
        "village": _village(village),
        "contract": {"number": contract.number, "title": contract.title},
        "contract_rows": _contract_rows(as_of),
        "party": _party(as_of.party),
        "facts": determination.facts,
        "compliant": compliant,
        "compliant_conclusion": COMPLIANT_CONCLUSION,
        "problems": confirmed,
        "legal_basis": legal_basis or STANDARD_LEGAL_BASIS,
        "proposed_handling": determination.proposed_handling
        or (COMPLIANT_HANDLING if compliant else DEFAULT_HANDLING),
        "outcome": _outcome(contract, as_of.contract),
        "determined_by": user.real_name or user.username,
        "determined_on": determined_on,
        "seal_org": team,
        "seal_date": determined_on,
    }


def _numbered(village, contract: Contract) -> str:
    """The contract as a document number names it: its number, with the village before it unless the number
    already begins with it (contract numbers are unique within a village, so this is unique in the
    township that issues the document)."""
    number = contract.number
    return number if number.startswith(village.name.removesuffix("村")) else f"{village.name}{number}"


def _outcome(contract: Contract, determined: Contract) -> dict | None:
    """The handling chosen after the determination and how it ended, as lines: its own section, so that a
    revised fee is printed as the outcome and not beside the problem it cured."""
    disposition = _one_to_one(contract, "disposition")
    if disposition is None:
        return None
    lines = [f"处置方式：{disposition.kind}。", f"处置方案：{disposition.plan}"]
    if disposition.approval != disposition.Approval.NOT_NEEDED:
        lines.append(f"县级审批：{disposition.approval}"
                     + (f"（{disposition.approval_note}）" if disposition.approval_note else "") + "。")
    done = disposition.completed_at is not None
    kind = disposition.kind
    if done and kind == "完善修订":
        changes = []
        if contract.annual_fee != determined.annual_fee:
            changes.append(f"年承包费由 {_money(determined.annual_fee)} 调整为 {_money(contract.annual_fee)}")
        if contract.end_date != determined.end_date:
            changes.append(f"终止日期由{_date_or(determined.end_date)}调整为{_date_or(contract.end_date)}")
        if contract.has_price_review and not determined.has_price_review:
            changes.append("增加调价条款")
        lines.append(f"{_date_or(disposition.agreement_date, '')}签订补充协议"
                     + (f"：{'；'.join(changes)}" if changes else "") + "。")
    elif done and kind == "终止撤销":
        recovered = (f"，收回土地 {format_area(disposition.land_recovered_mu)} 亩"
                     if disposition.land_recovered_mu else "")
        lines.append(f"合同于{_date_or(disposition.termination_date, '')}终止{recovered}。")
    elif done and kind == "司法诉讼":
        judged = _date_or(disposition.judgment_date, "")
        lines.append(f"{disposition.court_name}（{disposition.case_number}）于{judged}作出裁判：{disposition.court_result}。")
    elif done and kind == "提级处置":
        lines.append(f"提级至{disposition.escalated_to}，办理结果：{disposition.escalation_outcome}")
    elif done and kind == "重新发包":
        new = disposition.new_contract
        lines.append(f"{_date_or(disposition.bidding_date, '')}{disposition.bidding_method}，"
                     f"{disposition.bidders} 人参与，成交年承包费 {_money(disposition.winning_bid)}"
                     + (f"，新合同 {new.number}" if new else "") + "。")
    if disposition.completion_note:
        lines.append(f"完成情况：{disposition.completion_note}")
    state = f"已于{document_date(timezone.localtime(disposition.completed_at))}办结" if done else "办理中"
    return {"state": state, "lines": lines}


def determination_pdf(contract: Contract) -> bytes:
    return render_pdf("contracts/pdf/determination.html", determination_context(contract))


# --- 调查报告 -----------------------------------------------------------------------


def _parcel_rows(parcels, tolerance: Decimal) -> list[dict]:
    rows = []
    for parcel in parcels:
        share = parcel.area_difference_share
        rows.append({
            "code": parcel.code,
            "name": parcel.name,
            "kind": parcel.kind,
            "boundaries": parcel.boundaries,
            "ledger_area": format_area(parcel.ledger_area_mu),
            "measured_area": format_area(parcel.measured_area_mu) if share is not None else "未实测",
            "difference": _percent(share) if share is not None else "—",
            "flagged": share is not None and abs(share) > tolerance,
        })
    return rows


def _area_summary(contract: Contract, parcels) -> list[str]:
    """The 面积 section in words: contract area against the ledger and the measurement."""
    if not parcels:
        return ["本合同未登记标的地块，无法核对面积。"]
    lines = []
    contract_area = (f"合同约定面积 {format_area(contract.area_mu)} 亩"
                     if contract.area_mu is not None else "合同未约定面积")
    ledger_total = sum((p.ledger_area_mu for p in parcels), Decimal("0"))
    lines.append(f"{contract_area}；标的地块 {len(parcels)} 块，台账面积合计 {format_area(ledger_total)} 亩。")
    unmeasured = [p.code for p in parcels if p.measured_area_mu is None]
    if unmeasured:
        lines.append(f"尚未实测的地块：{'、'.join(unmeasured)}。")
        return lines
    measured_total = sum((p.measured_area_mu for p in parcels), Decimal("0"))
    lines.append(f"实测面积合计 {format_area(measured_total)} 亩。")
    if contract.area_mu:
        difference = measured_total - contract.area_mu
        direction = "多" if difference > 0 else "少"
        if difference:
            lines.append(f"实测面积较合同约定面积{direction} {format_area(abs(difference))} 亩"
                         f"（{_percent(difference / contract.area_mu)}）。")
        else:
            lines.append("实测面积与合同约定面积一致。")
    return lines


def investigation_context(contract: Contract) -> dict:
    """Everything the 调查报告 prints: the contract, the parcel check, what people said, the conclusion."""
    contract = _load_contract(contract)
    report = _one_to_one(contract, "investigation")
    if report is None:
        raise DocumentNotReady("该合同尚无调查报告。")
    village = contract.village
    tolerance = _area_tolerance(contract)
    # As the report was last written: a revision since is not what was investigated.
    as_of = AsOf(contract, report.updated_at)
    parcels = _parcel_rows(as_of.parcels, tolerance)
    return {
        "title": "合同调查报告",
        "subtitle": f"{village.full_name} · 合同编号 {contract.number}",
        "issuer": village.signing_org,
        "village": _village(village),
        "contract": {"number": contract.number, "title": contract.title},
        "contract_rows": _contract_rows(as_of),
        "party": _party(as_of.party),
        "investigated_on": document_date(report.investigated_on),
        "investigators": report.investigators,
        "parcel_check": report.parcel_check,
        "parcels": parcels,
        "any_flagged": any(row["flagged"] for row in parcels),
        "tolerance": f"{tolerance * 100:.2f}%",
        "area_summary": _area_summary(as_of.contract, as_of.parcels),
        "history": report.history,
        "parties_heard": report.parties_heard,
        "findings": report.findings,
        "seal_org": village.signing_org,
        "seal_date": document_date(report.investigated_on),
    }


def investigation_pdf(contract: Contract) -> bytes:
    return render_pdf("contracts/pdf/investigation.html", investigation_context(contract))


# --- 民主决策公示 -------------------------------------------------------------------


def _outcome_reasons(resolution: Resolution) -> list[str]:
    two_thirds = -(-resolution.members_expected * 2 // 3)  # the smallest count that is ≥ 2/3
    half = Decimal(resolution.members_present) / 2
    quorum = ("达到" if resolution.quorum_met else "未达到")
    majority = ("超过" if resolution.majority_met else "未超过")
    return [
        f"实到{resolution.members_present}人，{quorum}应到人数{resolution.members_expected}人的三分之二"
        f"（{two_thirds}人）；",
        f"赞成{resolution.votes_for}票，{majority}实到人数的半数（{half}人）。",
    ]


def resolution_notice_context(resolution: Resolution) -> dict:
    """The public-notice sheet (决议公示) of one resolution. Public: no ID numbers at all."""
    resolution = (
        Resolution.objects.select_related("village__township")
        .prefetch_related(Prefetch("contracts", queryset=Contract.objects.select_related("counterparty")
                                   .order_by("number")))
        .get(pk=resolution.pk)
    )
    village = resolution.village
    present_rate = Decimal(resolution.members_present * 100) / resolution.members_expected
    contracts = [{
        "number": c.number,
        "title": c.title,
        "party": c.counterparty.name,
        "area": format_area(c.area_mu) if c.area_mu is not None else "—",
        "annual_fee": format_yuan(c.annual_fee) if c.annual_fee is not None else "—",
        "term": _term(c),
    } for c in resolution.contracts.all()]
    notice_from, notice_to = resolution.notice_from, resolution.notice_to
    return {
        "title": "民主决策事项公示",
        "subtitle": village.full_name,
        "issuer": village.signing_org,
        "village": _village(village),
        "matter": {"subject": resolution.get_subject_display(), "title": resolution.title,
                   "content": resolution.content, "note": resolution.note},
        "meeting": resolution.get_meeting_display(),
        "steps": [{"name": name, "date": _date_or(day, "—")} for name, day in resolution.steps],
        "expected": resolution.members_expected,
        "present": resolution.members_present,
        "present_rate": f"{present_rate:.1f}%",
        "votes_for": resolution.votes_for,
        "votes_against": resolution.votes_against,
        "votes_abstain": resolution.votes_abstain,
        "passed": resolution.passed,
        "outcome": "表决通过" if resolution.passed else "未通过",
        "pass_rule": PASS_RULE,
        "outcome_reasons": _outcome_reasons(resolution),
        "contracts": contracts,
        "notice_from": document_date(notice_from),
        "notice_to": document_date(notice_to),
        "seal_org": village.signing_org,
        "seal_date": document_date(resolution.resolution_published_on or notice_from),
    }


def resolution_notice_pdf(resolution: Resolution) -> bytes:
    return render_pdf("contracts/pdf/resolution_notice.html", resolution_notice_context(resolution))

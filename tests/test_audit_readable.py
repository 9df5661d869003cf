"""The change log as a township cadre reads it: Chinese labels only, internal columns left out, local times
to the minute, and one line per entry that says what happened."""
import html
import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from auditlog.registry import auditlog
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from test_attachments import minimal_pdf

from contracts import services as contract_services
from contracts.models import Contract, ResolutionEvidence
from core.audit import INTERNAL_FIELDS, OTHER_LABEL, _label, register_audited, to_trail
from core.models import AuditEntry
from debts import services as debt_services
from debts.letters import services as letters
from debts.models import LetterKind
from ledgers import importer
from ledgers.importer import Rights
from ledgers.testing import workbook
from villages import services as village_services
from villages.models import Party

# 07:32 UTC is 15:32 in Asia/Shanghai.
MOMENT = datetime(2026, 12, 4, 7, 32, 5, tzinfo=UTC)
LOCAL_MINUTE = "2026-12-04 15:32"
PDF = minimal_pdf()
LEDGER_HEADER = ["乡镇", "村", "合同编号", "合同名称", "合同类型", "承包方", "证件号码", "标的类型", "标的名称",
                 "地块编号", "面积（亩）", "起始日期", "终止日期", "年承包费（元）", "签订形式", "民主程序", "清理状态",
                 "存在问题"]
LEDGER_ROWS = [["峪口镇", "峪口村", "YK-101", "前坪机动地承包合同", "资源发包", "王五", "", "机动地", "前坪",
                "YK-JD-101", "12.5", "2015.3.1", "2035.2.28", "1.2万", "书面", "是", "已查找", "P03"]]
# The parts a ledger import lists inside its contract's entry, by their related names.
PART_NAMES = {"problems", "disposition"}


def page_text(fragment: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()


def summaries(page: str) -> list[str]:
    """Each entry's one line, as the reader sees it."""
    return [re.sub(r"<[^>]+>", "", html.unescape(line)) for line in
            re.findall(r'<div class="trail-summary">(.*?)</div>', page, flags=re.S)]


def trail_of(page: str) -> str:
    """The text of the trail's table: the audit log's, or a record's 变更记录."""
    start = page.index("变更记录") if "bi-clock-history" in page else page.index("<tbody>")
    return page_text(page[start:page.index("</table>", start)])


def code_names() -> set[str]:
    names = set(INTERNAL_FIELDS) | PART_NAMES
    for model in auditlog.get_models():
        names |= {f.name for f in model._meta.concrete_fields} | {f.name for f in model._meta.many_to_many}
        names |= {f.attname for f in model._meta.concrete_fields}
    return names


def assert_readable(text: str) -> None:
    found = sorted(name for name in code_names() if re.search(rf"(?<![A-Za-z_]){name}(?![A-Za-z_])", text))
    assert found == []
    assert re.findall(r"[A-Za-z]+(?: [A-Za-z]+)+", text) == []


@pytest.fixture
def travel():
    with time_machine.travel(MOMENT, tick=False):
        yield


@pytest.fixture
def records(personas, travel, tmp_path):
    """A day of work through the services: a party, a contract taken to its disposition, a claim and its
    letter, a resolution with its minutes, and a contracts ledger."""
    cadre = personas.cadre
    zhang = village_services.party_create(user=cadre, data=dict(
        kind="person", name="张三", id_number="11010519491231002X", village=personas.yukou))
    li = village_services.party_create(user=cadre, data=dict(kind="person", name="李四", village=personas.yukou))
    village_services.party_update(user=cadre, party=zhang, data={"phone": "13912345678"})
    contract = contract_services.contract_register(user=cadre, data=dict(
        village=personas.yukou, number="峪口村-2026-047", title="前坪机动地承包合同", counterparty=zhang,
        area_mu=Decimal("10"), annual_fee=Decimal("2059.3"), start_date=date(2020, 1, 1), end_date=date(2030, 1, 1)))
    contract = contract_services.contract_update(user=cadre, contract=contract, data={"annual_fee": Decimal("3000")})
    contract = contract_services.contract_update(user=cadre, contract=contract, data={"counterparty": li})
    contract = contract_services.contract_update(user=cadre, contract=contract, data={
        "counterparty": zhang, "title": "前坪机动地承包", "note": "2019年起按年交费", "signed_on": date(2019, 12, 20)})
    contract_services.attachment_add(user=cadre, contract=contract, kind="合同文本",
                                     upload=SimpleUploadedFile("合同扫描件.pdf", PDF))
    contract = contract_services.contract_start_investigation(user=cadre, contract=contract)
    contract_services.investigation_save(user=cadre, contract=contract, data={
        "investigated_on": date(2026, 5, 12), "investigators": "高志强、薛文斌", "parcel_check": "四至清楚。",
        "findings": "合同属实。"})
    contract = Contract.objects.get(pk=contract.pk)
    contract_services.contract_determine(user=cadre, contract=contract, facts="经调查，合同属实。",
                                         decisions={p.pk: (True, "") for p in contract.problems.all()})
    contract_services.disposition_choose(user=cadre, contract=Contract.objects.get(pk=contract.pk),
                                         kind="完善修订", plan="签订补充协议。")
    claim = debt_services.claim_create(user=cadre, data=dict(
        village=personas.yukou, number="YK-ZQ-001", debtor=zhang, origin="借款", principal=Decimal("8000.5"),
        occurred_on=date(2016, 5, 1)))
    debt_services.claim_update(user=cadre, claim=claim, data={"note": "2016年修路垫付"})
    letter = letters.letter_issue_for_claim(user=personas.accountant, claim=claim, kind=LetterKind.RECONCILIATION,
                                            as_of=date(2026, 11, 1))
    resolution = contract_services.resolution_create(user=cadre, data=dict(
        village=personas.yukou, title="机动地发包方案", resolved_on=date(2025, 4, 8), members_expected=30,
        members_present=25, votes_for=20))
    contract_services.resolution_evidence_add(user=cadre, resolution=resolution, kind="会议记录",
                                              upload=SimpleUploadedFile("村民代表会议记录.pdf", PDF))
    path = tmp_path / "contracts.xlsx"
    workbook(LEDGER_HEADER, LEDGER_ROWS, path=path)
    assert importer.commit(importer.parse(path, "contracts"), "contracts", Rights.of(cadre)).committed
    return dict(party=zhang, contract=Contract.objects.get(pk=contract.pk), claim=claim, letter=letter,
                resolution=resolution, imported=Contract.objects.get(number="YK-101"))


def audit_pages(client) -> list[str]:
    pages, number = [], 1
    while True:
        response = client.get(reverse("core:audit-log"), {"page": number})
        if response.status_code == 404:
            return pages
        pages.append(response.content.decode())
        number += 1


def test_the_audit_log_and_every_history_show_no_code_names_nor_english(personas, records, client_for):
    client = client_for(personas.inspector)
    pages = audit_pages(client) + [client.get(obj.get_absolute_url()).content.decode() for obj in records.values()]
    assert len(pages) == 7
    for page in pages:
        text = trail_of(page)
        assert "新建" in text
        assert_readable(text)


def test_internal_columns_are_kept_in_the_trail_but_never_shown(personas, records, client_for):
    evidence = ResolutionEvidence.objects.get()
    entry = AuditEntry.objects.get(content_type__model="resolutionevidence", object_id=evidence.pk)
    assert entry.changes_dict["sha256"][1] == evidence.sha256
    client = client_for(personas.inspector)
    for page in [*audit_pages(client), client.get(records["resolution"].get_absolute_url()).content.decode()]:
        text = trail_of(page)
        assert evidence.sha256 not in text and "application/pdf" not in text
        assert "校验值" not in text and "文件类型" not in text and "生成任务" not in text
    letter_page = trail_of(client.get(records["letter"].get_absolute_url()).content.decode())
    assert "年度" not in letter_page and "序号" not in letter_page


def test_times_are_shown_in_local_time_to_the_minute(personas, records, client_for):
    client = client_for(personas.cadre)
    page = client.get(records["contract"].get_absolute_url()).content.decode()
    trail = trail_of(page)
    times = re.findall(r'<td class="text-nowrap">([^<]*)<', page[page.index("变更记录"):])
    assert len(times) > 10 and set(times) == {LOCAL_MINUTE}
    # Moments inside the changes too: the disposition was chosen at 07:32:05 UTC.
    assert f"选定时间： {LOCAL_MINUTE}" in trail and f"认定时间： {LOCAL_MINUTE}" in trail
    assert "07:32" not in trail and "15:32:05" not in trail
    # The audit log's times too (the places of the test were made before its clock was set).
    audit_log = client.get(reverse("core:audit-log")).content.decode()
    times = re.findall(r'<td class="text-nowrap">([^<]*)<', audit_log)
    assert LOCAL_MINUTE in times and all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", t) for t in times)


def test_each_entry_says_in_one_line_what_happened(personas, records, client_for):
    client = client_for(personas.inspector)
    contract_lines = summaries(client.get(records["contract"].get_absolute_url()).content.decode())
    assert contract_lines[-1] == ("新建合同 峪口村-2026-047 前坪机动地承包合同"
                                  "（张三，年承包费 2,059.30 元，合同面积 10.00 亩）")
    assert "修改合同 峪口村-2026-047 前坪机动地承包合同：年承包费 2,059.30 → 3,000.00 元" in contract_lines
    # A related record is named by its text, never by its key.
    assert "修改合同 峪口村-2026-047 前坪机动地承包合同：承包方/相对方 张三 → 李四" in contract_lines
    # More changes than a line holds: the first three, and how many there are.
    assert ("修改合同 峪口村-2026-047 前坪机动地承包：合同名称 前坪机动地承包合同 → 前坪机动地承包；"
            "承包方/相对方 李四 → 张三；签订日期 （空） → 2019-12-20 等 4 项") in contract_lines
    assert "新建附件 合同文本 合同扫描件.pdf（峪口村-2026-047 前坪机动地承包）" in contract_lines
    assert "新建调查报告 峪口村-2026-047 调查报告（调查日期 2026-05-12，调查人员 高志强、薛文斌）" in contract_lines
    assert "新建处置 峪口村-2026-047 完善修订（无需审批，处置方案 签订补充协议。）" in contract_lines
    assert "修改合同 峪口村-2026-047 前坪机动地承包：清理状态 已认定 → 规范中" in contract_lines

    party_lines = summaries(client.get(records["party"].get_absolute_url()).content.decode())
    assert party_lines == ["修改当事人 张三：联系电话 （空） → 13912345678", "新建当事人 张三（自然人，峪口村）"]

    claim_lines = summaries(client.get(records["claim"].get_absolute_url()).content.decode())
    assert claim_lines[-2:] == ["修改债权 YK-ZQ-001 张三：备注 （空） → 2016年修路垫付",
                                "新建债权 YK-ZQ-001 张三（借款，金额 8,000.50 元，发生日期 2016-05-01）"]

    letter = records["letter"]
    letter_lines = summaries(client.get(letter.get_absolute_url()).content.decode())
    assert letter_lines == [f"新建函件 {letter.number} 对账函（张三，合计 8,000.50 元，截至日期 2026-11-01）"]

    resolution_lines = summaries(client.get(records["resolution"].get_absolute_url()).content.decode())
    assert resolution_lines == [
        "新建决议证明材料 会议记录 村民代表会议记录.pdf（2025-04-08 机动地发包方案）",
        "新建民主决策记录 2025-04-08 机动地发包方案（村民代表会议，实到人数 25，赞成 20）",
    ]

    imported = client.get(records["imported"].get_absolute_url()).content.decode()
    assert summaries(imported)[-1] == ("新建合同 YK-101 前坪机动地承包合同"
                                       "（王五，年承包费 12,000.00 元，合同面积 12.50 亩）")
    assert "标的地块： 增加：YK-JD-101 前坪" in trail_of(imported)
    assert "合同问题： 增加：P03（待确认）" in trail_of(imported)


def test_an_update_shows_the_replaced_value_struck_through(personas, records, client_for):
    page = client_for(personas.cadre).get(records["party"].get_absolute_url()).content.decode()
    assert ('<div class="trail-summary">修改当事人 张三：联系电话 <del>（空）</del> → <ins>13912345678</ins></div>'
            in page)


def test_a_new_record_lists_its_values_folded_without_the_empty_ones(personas, records, client_for):
    page = client_for(personas.cadre).get(records["party"].get_absolute_url()).content.decode()
    trail = page[page.index("变更记录"):]
    details = trail[trail.index("<details>"):trail.index("</details>")]
    assert page_text(details) == ("详细内容（6 项） 类型： 自然人 姓名/名称： 张三 证件号码： 11010519491231002X "
                                  "登记村： 峪口村 本集体经济组织成员： 是 状态： 正常")
    assert "（空）" not in details


def test_id_numbers_stay_masked_in_the_details_for_roles_without_the_right(personas, records, client_for):
    page = client_for(personas.collector).get(records["party"].get_absolute_url()).content.decode()
    assert "11010519491231002X" not in page
    assert "证件号码： 110105********002X" in trail_of(page)


def test_the_home_page_lists_recent_changes_by_their_summary(personas, records, client_for):
    # A village accountant's home page: a township's is its dashboard.
    page = client_for(personas.accountant).get(reverse("core:home")).content.decode()
    assert "新建合同 YK-101 前坪机动地承包合同（王五，年承包费 12,000.00 元，合同面积 12.50 亩）" in page


def test_a_column_the_model_no_longer_names_gets_a_chinese_label(personas, travel):
    party = village_services.party_create(user=personas.cadre, data=dict(kind="person", name="赵六",
                                                                          village=personas.yukou))
    AuditEntry.objects.create(
        content_type=ContentType.objects.get_for_model(Party), object_pk=str(party.pk), object_id=party.pk,
        object_repr="赵六", action=AuditEntry.Action.UPDATE, actor=personas.cadre,
        changes={"legacy_code": ["A1", "A2"], "search_keys": ["zl", "zhaoliu"], "note": ["", "迁出"]},
        additional_data=party.get_additional_data())
    [entry] = to_trail(AuditEntry.objects.filter(object_repr="赵六", action=AuditEntry.Action.UPDATE),
                       personas.inspector)
    assert [(c.label, c.old, c.new) for c in entry.changes] == [("备注", "（空）", "迁出"), (OTHER_LABEL, "A1", "A2")]
    assert entry.summary == "修改当事人 赵六：备注 （空） → 迁出；其他内容 A1 → A2"


def test_every_audited_column_has_a_chinese_label():
    for model in auditlog.get_models():
        for name in auditlog.get_model_fields(model)["include_fields"]:
            label = _label(model, name)
            assert re.search(r"[\u4e00-\u9fff]", label) and label != OTHER_LABEL, (model, name, label)


def test_a_model_cannot_hide_or_summarise_by_a_column_it_does_not_have():
    with pytest.raises(ImproperlyConfigured):
        register_audited(Party, hidden=("no_such_column",))


def test_the_audit_log_costs_the_same_queries_however_many_entries_it_shows(personas, client_for):
    client = client_for(personas.inspector)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("core:audit-log")).status_code == 200
        return len(captured)

    village_services.party_create(user=personas.cadre, data=dict(kind="person", name="甲", village=personas.yukou))
    few = queries()
    for number in range(20):
        party = village_services.party_create(user=personas.cadre, data=dict(
            kind="person", name=f"乙{number}", village=personas.yukou))
        village_services.party_update(user=personas.cadre, party=party, data={"phone": "13900000000"})
    assert queries() == few

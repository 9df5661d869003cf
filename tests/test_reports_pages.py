"""Every report page: who gets which dashboard, drill-down within scope (404 outside it), the read-only
inspector's 403 on every write, the writes themselves, the query count at ten times the data, and the
progress report built by its job."""
from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from contracts.factories import ContractFactory
from contracts.models import ContractProblem, Determination, Disposition
from core.models import AuditEntry, Job
from debts.factories import ClaimFactory, DebtFactory
from debts.models import Entry
from places.factories import TownshipFactory, VillageFactory
from reports import services
from reports.models import CadreRelative, IncomeRecord, ReportSettings, RiskCase, RiskReview, RiskTask
from villages.factories import PartyFactory

D = Decimal
TODAY = timezone.localdate()
MAX_QUERIES = 25


def dashboard(client, url="/"):
    response = client.get(url)
    assert response.status_code == 200, url
    return response


@pytest.mark.parametrize("who, level", [("county_office", "county"), ("inspector", "county"), ("cadre", "township"),
                                        ("collector", "township"), ("admin", "all")])
def test_home_is_the_dashboard_of_county_township_and_administrator(personas, client_for, who, level):
    response = dashboard(client_for(getattr(personas, who)))
    assert response.context["place"].level == level
    assert "清化收工作进展" in response.content.decode()
    assert reverse("reports:dashboard") == reverse("core:home") == "/"


def test_a_village_accountant_keeps_the_ledger_overview_and_has_a_village_page(personas, client_for):
    client = client_for(personas.accountant)
    response = dashboard(client)
    assert "core/home.html" in [t.name for t in response.templates]
    page = dashboard(client, reverse("reports:village", args=[personas.yukou.pk]))
    assert page.context["place"].obj == personas.yukou


def test_the_county_page_has_the_township_table_ranking_and_chart_data(personas, client_for):
    ClaimFactory(village=personas.yukou, principal=D("1000.00"))
    response = dashboard(client_for(personas.county_office))
    page = response.content.decode()
    assert "乡镇红黑榜" in page and "分乡镇情况" in page and 'id="dashboard-data"' in page
    assert "vendor/echarts/echarts.min.js" in page and "js/dashboard.js" in page
    assert "<script>" not in page    # no inline script: the data travels as JSON
    names = [c.name for c in response.context["breakdown"].children]
    assert names == ["积翠镇", "峪口镇"]      # by pinyin, not by character code
    assert reverse("reports:township", args=[personas.yukou_town.pk]) in page


def test_drill_down_from_county_to_township_to_village(personas, client_for):
    client = client_for(personas.county_office)
    town = dashboard(client, reverse("reports:township", args=[personas.yukou_town.pk]))
    assert [c.name for c in town.context["breakdown"].children] == sorted(["峪口村", "土屋村"])
    village = dashboard(client, reverse("reports:village", args=[personas.yukou.pk]) + "?from=2026-01-01")
    assert village.context["period"].start == date(2026, 1, 1)
    assert reverse("contracts:contract-list") + f"?village={personas.yukou.pk}" in village.content.decode()


@pytest.mark.parametrize("who, name, allowed", [
    ("cadre", "county", False), ("cadre", "township", True), ("cadre", "village", True),
    ("cadre", "other_township", False), ("cadre", "other_village", False),
    ("outsider", "township", False), ("outsider", "village", False), ("outsider", "other_township", True),
    ("accountant", "township", False), ("accountant", "village", True), ("accountant", "tuwu", False),
    ("county_office", "county", True), ("county_office", "other_village", True),
    ("collector", "township", True), ("collector", "other_village", False),
])
def test_places_outside_the_users_scope_are_404(personas, client_for, who, name, allowed):
    p = personas
    urls = {"county": reverse("reports:county", args=[p.county.pk]),
            "township": reverse("reports:township", args=[p.yukou_town.pk]),
            "village": reverse("reports:village", args=[p.yukou.pk]),
            "tuwu": reverse("reports:village", args=[p.tuwu.pk]),
            "other_township": reverse("reports:township", args=[p.jicui_town.pk]),
            "other_village": reverse("reports:village", args=[p.jicui.pk])}
    status = client_for(getattr(p, who)).get(urls[name]).status_code
    assert status == (200 if allowed else 404)


def test_a_township_cadre_sees_only_the_townships_figures(personas, client_for):
    ClaimFactory(village=personas.jicui, principal=D("7777.00"))
    ClaimFactory(village=personas.yukou, principal=D("1234.00"))
    response = dashboard(client_for(personas.cadre))
    assert response.context["total"].claims_principal == D("1234.00")
    assert "积翠" not in response.content.decode()
    county = dashboard(client_for(personas.county_office)).context["total"]
    assert county.claims_principal == D("9011.00")


# --- The query count does not grow with the data ------------------------------------------------------


def grow(p, first: int, count: int) -> None:
    """`count` new townships of two villages, and `count` new villages in 峪口镇 (the cadre's), each with
    contracts at every stage, claims, entries and debts."""
    villages = []
    for t in range(first, first + count):
        town = TownshipFactory(county=p.county, name=f"增{t}镇")
        villages += [VillageFactory(township=town, name=f"增{t}镇{v}村") for v in range(2)]
        villages.append(VillageFactory(township=p.yukou_town, name=f"峪口镇增{t}村"))
    cadre = p.cadre
    for village in villages:
        party = PartyFactory(village=village)
        for n, state in enumerate(["已查找", "已认定", "规范中", "已规范"]):
            contract = ContractFactory(village=village, number=f"HT-{n}", counterparty=party, state=state,
                                       end_date=TODAY + timedelta(days=40), start_date=date(2015, 1, 1))
            if state != "已查找":
                Determination.objects.create(contract=contract, facts="x", determined_by=cadre,
                                             determined_at=timezone.now() - timedelta(days=60))
                ContractProblem.objects.create(contract=contract, code="P02", reason="x", status="已确认")
            if state in ("规范中", "已规范"):
                Disposition.objects.create(contract=contract, kind="终止撤销", plan="x", chosen_by=cadre,
                                           chosen_at=timezone.now(), termination_date=TODAY,
                                           land_recovered_mu=D("3.00"),
                                           completed_at=timezone.now() if state == "已规范" else None)
        claim = ClaimFactory(village=village, debtor=party, number="ZQ-1")
        Entry.objects.create(claim=claim, kind="现金收回", amount=D("100.00"), entered_on=TODAY, created_by=cadre)
        debt = DebtFactory(village=village, creditor=party, number="ZW-1")
        Entry.objects.create(debt=debt, kind="偿还", amount=D("100.00"), entered_on=TODAY, created_by=cadre)


def count_queries(client, url) -> int:
    client.get(url)   # the first request of a session may do one-off work
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("url", ["/", "/?from=2026-01-01&to=2026-06-30"])
def test_the_dashboard_makes_the_same_few_queries_for_ten_times_the_county(personas, client_for, url):
    p = personas
    grow(p, 0, 2)
    county, township = client_for(p.county_office), client_for(p.cadre)
    small = (count_queries(county, url), count_queries(township, url))
    grow(p, 2, 18)
    large = (count_queries(county, url), count_queries(township, url))
    assert small == large
    assert max(large) <= MAX_QUERIES


def test_the_risk_page_and_the_warnings_make_as_few_queries_for_more_villages(personas, client_for):
    p = personas
    grow(p, 0, 1)
    client = client_for(p.county_office)
    small = [count_queries(client, reverse(name)) for name in ("reports:risk-list", "reports:warnings")]
    grow(p, 1, 9)
    assert [count_queries(client, reverse(name)) for name in ("reports:risk-list", "reports:warnings")] == small


# --- The read-only inspector, and outsiders --------------------------------------------------------------


@pytest.fixture
def records(personas):
    p = personas
    income = IncomeRecord.objects.create(village=p.yukou, kind="项目收益", received_on=TODAY, amount=D("100.00"),
                                         note="光伏", created_by=p.accountant)
    case = services.risk_case_open(user=p.cadre, village=p.yukou, risk_class="空壳", problems="无收入",
                                   tasks=[("制定方案", "村支书", TODAY + timedelta(days=30))])
    party = PartyFactory(village=p.yukou)
    flag = services.cadre_relative_flag(user=p.cadre, party=party, relation="村支书之弟")
    return income, case, case.tasks.get(), flag, party


def write_requests(p, records):
    income, case, task, flag, party = records
    return [
        (reverse("reports:settings"), {"weight_found": "50"}),
        (reverse("reports:income-create"), {"village": p.yukou.pk, "kind": "项目收益", "received_on": TODAY.isoformat(),
                                            "amount": "100", "note": "x"}),
        (reverse("reports:income-delete", args=[income.pk]), {}),
        (reverse("reports:risk-case-create", args=[p.yukou.pk]), {"risk_class": "经济", "problems": "x"}),
        (reverse("reports:risk-task-add", args=[case.pk]), {"task": "x", "responsible": "y",
                                                           "due_date": TODAY.isoformat()}),
        (reverse("reports:risk-task-done", args=[task.pk]), {"done_on": TODAY.isoformat()}),
        (reverse("reports:risk-case-review", args=[case.pk]), {"reviewed_on": TODAY.isoformat(), "findings": "x",
                                                              "passed": "yes"}),
        (reverse("reports:relative-add", args=[p.yukou.pk]), {"party": party.pk, "relation": "x"}),
        (reverse("reports:relative-remove", args=[flag.pk]), {}),
        (reverse("reports:progress"), {"scope": f"county:{p.county.pk}"}),
    ]


def test_the_inspector_reads_every_report_page_and_gets_403_on_every_write(personas, records, client_for):
    p = personas
    client = client_for(p.inspector)
    income, case, task, flag, party = records
    for url in ["/", reverse("reports:risk-list"), reverse("reports:risk-village", args=[p.yukou.pk]),
                case.get_absolute_url(), reverse("reports:income-list"), reverse("reports:settings"),
                reverse("reports:warnings"), reverse("reports:progress")]:
        assert client.get(url).status_code == 200, url
    before = (AuditEntry.objects.count(), IncomeRecord.objects.count(), RiskTask.objects.count(),
              CadreRelative.objects.count(), RiskReview.objects.count())
    for url, data in write_requests(p, records):
        assert client.post(url, data).status_code == 403, url
    assert client.get(reverse("reports:risk-case-create", args=[p.yukou.pk])).status_code == 403
    assert client.get(reverse("reports:income-create")).status_code == 403
    assert (AuditEntry.objects.count(), IncomeRecord.objects.count(), RiskTask.objects.count(),
            CadreRelative.objects.count(), RiskReview.objects.count()) == before
    assert not Job.objects.exists()
    page = client.get(case.get_absolute_url()).content.decode()
    assert "登记复核" not in page and "添加任务" not in page


def test_an_outsider_gets_404_for_the_records_of_another_township(personas, records, client_for):
    p = personas
    client = client_for(p.outsider)
    income, case, task, flag, party = records
    for url in [reverse("reports:risk-village", args=[p.yukou.pk]), case.get_absolute_url(),
                reverse("reports:risk-list") + f"?village={p.yukou.pk}"]:
        assert client.get(url).status_code == 404, url
    for url, data in write_requests(p, records)[2:-1]:
        assert client.post(url, data).status_code == 404, url
    assert "光伏" not in client.get(reverse("reports:income-list")).content.decode()
    assert RiskCase.objects.get().closed_on is None and IncomeRecord.objects.count() == 1


# --- The writes -------------------------------------------------------------------------------------------


def test_a_township_cadre_lists_a_village_and_works_its_plan_to_the_end(personas, client_for):
    p = personas
    client = client_for(p.cadre)
    form = client.get(reverse("reports:risk-case-create", args=[p.yukou.pk]) + "?class=空壳")
    assert "村集体年收入 0.00 元" in form.context["form"].initial["problems"]
    due = (TODAY + timedelta(days=20)).isoformat()
    response = client.post(reverse("reports:risk-case-create", args=[p.yukou.pk]), {
        "risk_class": "空壳", "problems": "无集体收入", "task_1": "盘活闲置校舍", "responsible_1": "村主任",
        "due_1": due, "task_2": "只写了任务"})
    assert response.status_code == 200 and "请同时填写任务、责任人和完成时限" in response.content.decode()
    response = client.post(reverse("reports:risk-case-create", args=[p.yukou.pk]), {
        "risk_class": "空壳", "problems": "无集体收入", "task_1": "盘活闲置校舍", "responsible_1": "村主任",
        "due_1": due, "task_2": "发展光伏", "responsible_2": "村支书", "due_2": due})
    case = RiskCase.objects.get()
    assert response.status_code == 302 and response.url == case.get_absolute_url()
    assert case.tasks.count() == 2 and case.opened_by == p.cadre
    listed = client.get(reverse("reports:risk-list")).content.decode()
    assert "整改中" in listed and "峪口村" in listed
    for task in case.tasks.all():
        client.post(reverse("reports:risk-task-done", args=[task.pk]), {"done_on": TODAY.isoformat(), "note": "完成"})
    client.post(reverse("reports:risk-case-review", args=[case.pk]), {
        "reviewed_on": TODAY.isoformat(), "findings": "整改到位", "passed": "yes"})
    case.refresh_from_db()
    assert case.closed_on == TODAY
    assert AuditEntry.objects.filter(content_type__model="riskcase", object_id=str(case.pk)).count() >= 2


def test_the_county_office_sets_the_weights_and_thresholds_and_the_cadre_cannot(personas, client_for):
    p = personas
    form = client_for(p.county_office).get(reverse("reports:settings")).context["form"]
    data = {name: form[name].value() for name in form.fields}
    data.update(weight_clearing="60", income_red="40000", income_yellow="9万")
    response = client_for(p.county_office).post(reverse("reports:settings"), data)
    assert response.status_code == 302
    saved = ReportSettings.objects.get(county=p.county)
    assert saved.weight_clearing == 60 and saved.income_yellow == D("90000.00") and saved.income_red == D("40000")
    data.update(income_red="95000")
    page = client_for(p.county_office).post(reverse("reports:settings"), data).content.decode()
    assert "红色阈值（收入低于）不能高于黄色阈值" in page
    assert client_for(p.cadre).post(reverse("reports:settings"), data).status_code == 403
    assert client_for(p.cadre).get(reverse("reports:settings")).status_code == 200


def test_the_accountant_records_income_that_counts_as_new_income(personas, client_for):
    p = personas
    client = client_for(p.accountant)
    response = client.post(reverse("reports:income-create"), {
        "kind": "资产盘活收入", "received_on": TODAY.isoformat(), "amount": "1.2万", "payer": "合作社",
        "note": "闲置校舍出租"})
    assert response.status_code == 302
    record = IncomeRecord.objects.get()
    assert record.village == p.yukou and record.amount == D("12000.00")
    page = client.get(reverse("reports:income-list")).content.decode()
    assert "闲置校舍出租" in page and "12,000.00" in page
    assert client.get(reverse("reports:village", args=[p.yukou.pk])).context["total"].new_income == D("12000.00")
    future = client.post(reverse("reports:income-create"), {
        "kind": "项目收益", "received_on": (TODAY + timedelta(days=3)).isoformat(), "amount": "5", "note": "x"})
    assert "收入日期不能晚于今天" in future.content.decode()
    client.post(reverse("reports:income-delete", args=[record.pk]))
    assert not IncomeRecord.objects.exists()


def test_flagging_a_cadres_relative_from_the_village_risk_page(personas, client_for):
    p = personas
    party = PartyFactory(village=p.yukou, name="高二虎")
    client = client_for(p.cadre)
    client.post(reverse("reports:relative-add", args=[p.yukou.pk]), {"party": party.pk, "relation": "村主任之侄"})
    assert CadreRelative.objects.get().party == party
    page = client.get(reverse("reports:risk-village", args=[p.yukou.pk])).content.decode()
    assert "高二虎" in page and "村主任之侄" in page
    stranger = PartyFactory(village=p.jicui)
    client.post(reverse("reports:relative-add", args=[p.yukou.pk]), {"party": stranger.pk, "relation": "x"})
    assert CadreRelative.objects.count() == 1


# --- The progress report --------------------------------------------------------------------------------


@pytest.fixture
def jobs_in_place(monkeypatch):
    """Jobs run in the request that starts them, whatever broker is configured (the worker is tested in
    test_worker.py): the job's rows are then visible to the test's transaction."""
    from core import jobs

    monkeypatch.setattr(jobs, "_enqueue", lambda job: jobs.run(job.pk))


def test_the_county_office_builds_the_progress_report_as_pdf_and_excel(personas, client_for, jobs_in_place):
    p = personas
    claim = ClaimFactory(village=p.yukou, principal=D("5000.00"))
    Entry.objects.create(claim=claim, kind="现金收回", amount=D("2000.00"), entered_on=TODAY, created_by=p.cadre)
    client = client_for(p.county_office)
    form = client.get(reverse("reports:progress")).context["form"]
    assert [value for value, _ in form.fields["scope"].choices] == [
        f"county:{p.county.pk}", f"township:{p.jicui_town.pk}", f"township:{p.yukou_town.pk}"]   # by pinyin
    response = client.post(reverse("reports:progress"), {"scope": f"county:{p.county.pk}"})
    job = Job.objects.get(kind="progress_report")
    assert response.status_code == 302 and response.url == reverse("core:job-detail", args=[job.pk])
    job.refresh_from_db()
    assert job.state == "已完成", job.error
    names = [f["name"] for f in job.files]
    assert names == ["方山县清化收工作进展报告.pdf", "方山县清化收工作进展报告.xlsx"]
    pdf = client.get(reverse("core:job-file", args=[job.pk, 0]))
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(b"".join(pdf.streaming_content))).pages)
    assert "方山县清化收工作进展情况" in text and "乡镇红黑榜" in text and "2,000.00" in text
    xlsx = client.get(reverse("core:job-file", args=[job.pk, 1]))
    book = load_workbook(BytesIO(b"".join(xlsx.streaming_content)))
    assert book.sheetnames[:3] == ["指标汇总", "分乡镇指标", "红黑榜"]
    summary = {row[0]: row[1] for row in book["指标汇总"].iter_rows(min_row=4, values_only=True)}
    assert summary["已清收（元）"] == 2000 and summary["清收率"] == pytest.approx(0.4)


def test_a_township_cadre_reports_on_the_township_only(personas, client_for, jobs_in_place):
    p = personas
    client = client_for(p.cadre)
    form = client.get(reverse("reports:progress")).context["form"]
    assert [value for value, _ in form.fields["scope"].choices] == [f"township:{p.yukou_town.pk}"]
    response = client.post(reverse("reports:progress"), {"scope": f"county:{p.county.pk}"})
    assert response.status_code == 200 and not Job.objects.exists()
    client.post(reverse("reports:progress"), {"scope": f"township:{p.yukou_town.pk}"})
    job = Job.objects.get()
    job.refresh_from_db()
    assert job.state == "已完成" and job.township_id == p.yukou_town.pk
    assert client_for(p.outsider).get(reverse("core:job-detail", args=[job.pk])).status_code == 404
    assert client_for(p.accountant).get(reverse("reports:progress")).status_code == 404


def test_the_monthly_chart_fetches_its_figures_within_the_users_scope(personas, client_for):
    p = personas
    ContractFactory(village=p.yukou)
    page = client_for(p.cadre).get("/").content.decode()
    url = reverse("reports:progress-data", args=["township", p.yukou_town.pk])
    assert f'data-url="{url}"' in page
    response = client_for(p.cadre).get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert response.json()["progress"][-1]["found"] == 1
    for who, level, pk, status in [("outsider", "township", p.yukou_town.pk, 404),
                                   ("cadre", "county", p.county.pk, 404), ("cadre", "all", 0, 404),
                                   ("accountant", "village", p.jicui.pk, 404),
                                   ("county_office", "village", p.jicui.pk, 200), ("admin", "all", 0, 200),
                                   ("cadre", "nonsense", 1, 404)]:
        got = client_for(getattr(p, who)).get(reverse("reports:progress-data", args=[level, pk])).status_code
        assert got == status, (who, level)

"""The demo county: built once however often the command runs; each demo user sees only their scope."""
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse

from core.models import AuditEntry, Role, User
from places.models import Group, Township, Village
from villages.models import Asset, Parcel, Party


def counts():
    from contracts.models import Attachment, Contract, ContractProblem, Instalment, Resolution

    models = (Township, Village, Group, Party, Parcel, Asset, User, Contract, ContractProblem, Instalment,
              Attachment, Resolution)
    return {m.__name__: m.objects.count() for m in models}


@pytest.fixture(scope="module")
def demo_output(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo county, built once for this module (it takes seconds) and removed after it."""
    out = StringIO()
    with django_db_blocker.unblock(), override_settings(PRIVATE_ROOT=tmp_path_factory.mktemp("private")):
        call_command("load_demo", stdout=out)
    yield out.getvalue()
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def demo(demo_output, db):
    return demo_output


def test_demo_prints_every_user_and_the_password(demo):
    for username in ["county", "jicui", "yukou", "yukoucun", "inspector", "admin"]:
        assert username in demo
    assert "demo-pass-2026" in demo


def test_running_the_demo_twice_duplicates_nothing(demo):
    first = counts()
    entries = AuditEntry.objects.count()
    call_command("load_demo", stdout=StringIO())
    assert counts() == first
    assert AuditEntry.objects.count() == entries


def test_demo_county_has_the_places_of_the_field_reports(demo):
    yukou = Village.objects.get(name="峪口村")
    assert yukou.township.name == "峪口镇" and yukou.township.county.name == "方山县"
    assert yukou.expected_contracts == 46
    assert set(Township.objects.values_list("name", flat=True)) == {"积翠镇", "峪口镇"}
    assert Village.objects.filter(township__name="积翠镇").count() >= 3
    from decimal import Decimal

    from django.db.models import Sum
    reserve = Parcel.objects.filter(village=yukou, kind="机动地").aggregate(a=Sum("ledger_area_mu"))["a"]
    wasteland = Parcel.objects.filter(village=yukou, kind="四荒地").aggregate(a=Sum("ledger_area_mu"))["a"]
    assert reserve == Decimal("260.79") and wasteland == Decimal("1325.88")
    assert Parcel.objects.filter(village=yukou, kind="机动地").count() == 19
    from contracts.models import Contract
    assert Contract.objects.filter(village=yukou).count() == 46
    assert set(Contract.objects.values_list("state", flat=True)) == {"已查找", "调查中", "已认定", "规范中", "已规范"}


def test_demo_parties_have_valid_id_numbers(demo):
    from core.idnumbers import normalize_credit_code, normalize_resident_id

    for party in Party.objects.exclude(id_number=""):
        check = normalize_resident_id if party.kind == "person" else normalize_credit_code
        assert check(party.id_number) == party.id_number


def test_each_demo_township_has_its_body_and_yukous_holds_a_debt_and_a_contract(demo):
    from contracts.models import Contract
    from debts.models import Debt

    bodies = Village.objects.filter(is_township_body=True)
    assert sorted(bodies.values_list("name", flat=True)) == ["峪口镇本级", "积翠镇本级"]
    debt = Debt.objects.get(village__name="峪口镇本级")
    assert (debt.origin, debt.principal) == ("工程欠款", Decimal("5000000.00"))
    assert debt.creditor.name == "方山县宏达建筑工程有限公司" and debt.creditor.village == debt.village
    assert AuditEntry.objects.get(object_repr=str(debt), action=AuditEntry.Action.CREATE).actor.username == "yukou"
    assert Contract.objects.filter(village__name="峪口镇本级").count() == 1


# The townships' own units (镇本级) are listed with the villages: 8 villages and 2 bodies.
@pytest.mark.parametrize("username, role, villages", [
    ("county", Role.COUNTY, 10),
    ("jicui", Role.TOWNSHIP, 5),
    ("yukou", Role.TOWNSHIP, 5),
    ("yukoucun", Role.VILLAGE, 1),
    ("inspector", Role.INSPECTOR, 10),
    ("admin", Role.ADMIN, 10),
])
def test_each_demo_user_logs_in_and_sees_only_their_scope(demo, username, role, villages):
    client = Client()
    response = client.post(reverse("login"), {"username": username, "password": "demo-pass-2026"})
    assert response.status_code == 302
    user = User.objects.get(username=username)
    assert user.role == role
    page = client.get(reverse("villages:village-list")).content.decode()
    assert f"共 {villages} 条" in page
    if username == "jicui":
        assert "峪口村" not in page
    if username == "yukoucun":
        assert "土屋村" not in page and "峪口村" in page


def test_the_demo_county_shows_each_state_of_the_law(demo):
    """A lapsed-but-confirmed claim, a suspended one, a penalty beside its arrears, a deceased debtor written off,
    and a locked resolution that names what it clears and has its minutes on file."""
    from django.utils import timezone

    from contracts.models import ResolutionEvidence
    from debts.limitation import ClockState
    from debts.models import Claim
    from villages.models import Party

    today = timezone.localdate()
    states = {claim.clock.state(today) for claim in Claim.objects.filter(sealed=False)}
    assert {ClockState.CONFIRMED, ClockState.SUSPENDED, ClockState.RUNNING} <= states
    assert Claim.objects.filter(origin="滞纳金", penalty_of__isnull=False).exists()
    assert Party.objects.filter(status=Party.Status.DECEASED_NO_HEIRS).exists()
    minutes = ResolutionEvidence.objects.filter(kind="会议记录").select_related("resolution").first()
    assert minutes is not None and minutes.resolution.locked and minutes.resolution.covers.exists()
    assert minutes.content_type == "application/pdf" and minutes.size > 1000


def test_the_demo_county_tells_red_from_yellow_from_green(demo):
    """Most villages green; 阳湾村 yellow as a weak village (income under 100,000 元); 后沟村 red, owing its road
    builder more than ten years of an income under 50,000 元; 杨家沟村 red for its debts of the tax era."""
    from fixtures.demo_debts import TODAY
    from places.models import County
    from reports.measures import Place
    from reports.risk import village_risks

    risks = {r.village.name: r for r in village_risks(Place.of(County.objects.get(name="方山县")), today=TODAY)}
    assert len(risks) == 8        # the townships' own bodies are not classed
    by_level = {level: sorted(name for name, r in risks.items() if r.level == level) for level in ("红", "黄", "绿")}
    assert by_level == {"红": ["后沟村", "杨家沟村"], "黄": ["阳湾村"],
                        "绿": sorted({"积翠村", "张家塔村", "南阳沟村", "峪口村", "土屋村"})}

    def reasons(name):
        return {(c.label, i.label) for c in risks[name].classes for i in c.indicators if i.level == risks[name].level}

    assert reasons("后沟村") == {("集体经济风险村", "债务收入比"), ("空壳村", "村集体年收入")}
    assert reasons("杨家沟村") == {("集体经济风险村", "历史债务收入比")}
    assert reasons("阳湾村") == {("空壳村", "村集体年收入")}

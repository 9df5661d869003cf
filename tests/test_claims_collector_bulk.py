"""批量指定清收人: the claims ticked on the list get one collector, all or none, within the user's scope."""
from django.urls import reverse

from debts.factories import ClaimFactory
from debts.models import Claim

URL = reverse("debts:claims-collector")


def test_the_ticked_claims_get_one_collector(personas, client_for):
    claims = [ClaimFactory(village=personas.yukou) for _ in range(3)]
    client = client_for(personas.cadre)
    page = client.get(URL, {"claim": [c.pk for c in claims[:2]]})
    html = page.content.decode()
    assert "已勾选 <b>2</b> 笔债权" in html and claims[2].number not in html
    assert personas.accountant in page.context["form"].fields["collector"].queryset
    response = client.post(URL, {"claim": [c.pk for c in claims[:2]], "collector": personas.accountant.pk},
                           follow=True)
    assert "已为 2 笔债权指定清收责任人" in response.content.decode()
    assert [Claim.objects.get(pk=c.pk).collector for c in claims] == [personas.accountant] * 2 + [None]
    assert all(c.events.filter(kind="指定清收人").exists() for c in claims[:2])


def test_a_collector_who_cannot_take_cash_in_one_of_the_villages_is_refused_for_all(personas, client_for):
    claims = [ClaimFactory(village=personas.yukou), ClaimFactory(village=personas.tuwu)]
    client = client_for(personas.cadre)
    # Not offered for a selection that spans a village outside his own.
    page = client.get(URL, {"claim": [c.pk for c in claims]})
    assert personas.accountant not in page.context["form"].fields["collector"].queryset
    response = client.post(URL, {"claim": [c.pk for c in claims], "collector": personas.accountant.pk})
    assert response.status_code == 200
    assert not Claim.objects.filter(collector__isnull=False).exists()


def test_nothing_ticked_or_out_of_scope_changes_nothing(personas, client_for):
    claim = ClaimFactory(village=personas.yukou)
    outsider = client_for(personas.outsider)
    # Another township's cadre: the claim is not among his, and is not found.
    response = outsider.get(URL, {"claim": [claim.pk]})
    assert response.status_code == 404 and claim.number not in response.content.decode()
    assert outsider.post(URL, {"claim": [claim.pk], "collector": personas.outsider.pk}).status_code == 404
    client = client_for(personas.cadre)
    assert "没有勾选债权" in client.get(URL).content.decode()
    assert client.post(URL, {"collector": personas.accountant.pk}).status_code == 200
    assert Claim.objects.get(pk=claim.pk).collector is None


def test_read_only_users_may_not_assign(personas, client_for):
    claim = ClaimFactory(village=personas.yukou)
    for who in ("inspector", "accountant", "collector"):
        client = client_for(getattr(personas, who))
        assert client.get(URL, {"claim": [claim.pk]}).status_code == 403, who
        assert client.post(URL, {"claim": [claim.pk], "collector": personas.accountant.pk}).status_code == 403, who
    assert Claim.objects.get(pk=claim.pk).collector is None

"""使用说明 for every role (the P01–P12 table with the county's own thresholds and the law), and the village's
contact person and phone printed on its letters."""
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from contracts.models import RuleSettings
from debts.factories import ClaimFactory
from debts.letters import services as letters
from debts.letters.pdf import render_letters
from debts.models import LetterKind
from villages.factories import PartyFactory


@pytest.mark.parametrize("who", ["accountant", "cadre", "county_office", "inspector", "collector", "outsider"])
def test_every_role_reads_the_help_with_its_own_steps_first(personas, client_for, who):
    user = getattr(personas, who)
    page = client_for(user).get(reverse("reports:help")).content.decode()
    assert "使用说明" in page and "您的角色" in page
    first_card = page.index("card-header")
    assert user.get_role_display() in page[first_card:first_card + 200]
    for code in ("P01", "P03", "P11", "P12"):
        assert f'id="{code}"' in page
    assert "《农村土地承包法》第五十二条" in page and "《民法典》第七百零五条" in page


def test_the_help_shows_the_countys_own_thresholds(personas, client_for):
    RuleSettings.objects.create(county=personas.county, reserve_land_floor=Decimal("350"), max_term_years=15)
    page = client_for(personas.cadre).get(reverse("reports:help")).content.decode()
    assert "机动地 350.00 元" in page and "承包期超过 15 年" in page


def test_the_help_needs_a_login(client):
    response = client.get(reverse("reports:help"))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def letter_text(letter) -> str:
    pdf, _ = render_letters([letter.pk])
    return "".join("".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages)


def test_letters_carry_the_villages_contact_person_and_phone(personas, client_for):
    debtor = PartyFactory(village=personas.yukou, name="冯海平")
    claim = ClaimFactory(village=personas.yukou, debtor=debtor)
    letter = letters.letter_issue_for_claim(user=personas.accountant, claim=claim, kind=LetterKind.RECONCILIATION,
                                            as_of=timezone.localdate())
    assert "联系人" not in letter_text(letter)

    client = client_for(personas.cadre)
    url = reverse("villages:village-update", args=[personas.yukou.pk])
    form = client.get(url).context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    data.update(contact_person="村报账员 王丽", contact_phone="0358-6012345")
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert "村报账员 王丽 0358-6012345" in client.get(personas.yukou.get_absolute_url()).content.decode()
    letter.village.refresh_from_db()
    expected = "如有疑问，请与峪口村股份经济合作社联系。联系人：村报账员王丽，联系电话：0358-6012345。"
    assert expected in letter_text(letter)

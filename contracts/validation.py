"""Rules a contract is held to however it is written: registered on its page, or imported with thousands
of others. The services and the bulk services both call these."""
from django.core.exceptions import ValidationError

from core.pinyin import search_keys


def check_subjects(village, parcels, assets) -> None:
    """A contract's parcels and assets are its own village's."""
    foreign = [p.code for p in parcels if p.village_id != village.pk] + [a.code for a in assets
                                                                      if a.village_id != village.pk]
    if foreign:
        raise ValidationError({"parcels": f"标的不属于{village.name}：{'、'.join(foreign)}"})


def contract_search_keys(title: str, counterparty_name: str) -> str:
    """What the contract list's search matches: the title and the counterparty's name, in pinyin too."""
    return search_keys(f"{title} {counterparty_name}")

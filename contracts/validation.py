"""Rules a contract is held to however it is written: registered on its page, or imported with thousands
of others. The services and the bulk services both call these."""
from decimal import Decimal

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


def parcels_area(parcels) -> Decimal | None:
    """The parcels' ledger areas added up (None without parcels): the area of a contract that states none.

    The ledger area, not the measured one: the measured area is what P08 compares the contract's with."""
    parcels = list(parcels)
    return sum((p.ledger_area_mu for p in parcels), Decimal("0")) if parcels else None


def fill_area(contract, parcels, *, before: tuple[Decimal | None, bool] | None = None) -> None:
    """A contract with parcels and no area takes their total ledger area, noted in `area_from_parcels`.

    `before` is the (area, filled-from-parcels) the contract had before an edit: an area filled from the
    parcels and left as it was follows the parcels when they change. The note stays only while the area is
    the parcels' total, so an area somebody typed is never taken for one filled here.
    """
    total = parcels_area(parcels)
    untouched = before is not None and before[1] and contract.area_mu == before[0]
    if contract.area_mu is None or untouched:
        contract.area_mu = total
        contract.area_from_parcels = total is not None
    else:
        contract.area_from_parcels = bool(contract.area_from_parcels) and contract.area_mu == total

"""Every write to places, parties, parcels and assets."""
from typing import Any

from core.pinyin import search_keys
from core.services import record_create, record_delete, record_update

from .models import Asset, Group, Parcel, Party, Village


def _index_name(instance) -> None:
    instance.search_keys = search_keys(instance.name)


def village_create(*, user, data: dict[str, Any]) -> Village:
    return record_create(Village, user=user, data=data, prepare=_index_name)


def village_update(*, user, village: Village, data: dict[str, Any]) -> Village:
    return record_update(village, user=user, data=data, prepare=_index_name)


def group_create(*, user, village: Village, data: dict[str, Any]) -> Group:
    return record_create(Group, user=user, data={**data, "village": village})


def group_update(*, user, group: Group, data: dict[str, Any]) -> Group:
    return record_update(group, user=user, data=data)


def party_create(*, user, data: dict[str, Any]) -> Party:
    return record_create(Party, user=user, data=data, prepare=_index_name)


def party_update(*, user, party: Party, data: dict[str, Any]) -> Party:
    return record_update(party, user=user, data=data, prepare=_index_name)


def party_delete(*, user, party: Party) -> None:
    record_delete(party, user=user, in_use_message="该当事人已有合同或债权债务记录，不能删除。")


def parcel_create(*, user, data: dict[str, Any]) -> Parcel:
    return record_create(Parcel, user=user, data=data)


def parcel_update(*, user, parcel: Parcel, data: dict[str, Any]) -> Parcel:
    return record_update(parcel, user=user, data=data)


def parcel_delete(*, user, parcel: Parcel) -> None:
    record_delete(parcel, user=user, in_use_message="该地块已被合同引用，不能删除。")


def asset_create(*, user, data: dict[str, Any]) -> Asset:
    return record_create(Asset, user=user, data=data)


def asset_update(*, user, asset: Asset, data: dict[str, Any]) -> Asset:
    return record_update(asset, user=user, data=data)


def asset_delete(*, user, asset: Asset) -> None:
    record_delete(asset, user=user, in_use_message="该资产已被合同引用，不能删除。")

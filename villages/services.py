"""Every write to places, parties, parcels and assets.

Each is held to the right the page that calls it declares and to the user's
scope, locks the row it changes, and is audited.
"""
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from core import permissions as perms
from core.audit import acting_as
from core.pinyin import search_keys
from core.services import (
    lock_for_write,
    record_create,
    record_delete,
    record_update,
    require_perm,
    require_township_in_scope,
    require_village_in_scope,
)
from places.models import Group, Township, Village

from .models import Asset, Parcel, Party


def _index_name(instance) -> None:
    instance.search_keys = search_keys(instance.name)


def _moved_within_scope(user, data: dict[str, Any]) -> None:
    """A record moved to another village (or a village to another township) must land within the scope."""
    if data.get("village") is not None:
        require_village_in_scope(user, data["village"])


@transaction.atomic
def township_create(*, user, data: dict[str, Any]) -> Township:
    """A township, and with it its own unit (镇本级): every township has one from the start."""
    require_perm(user, perms.PLACES_IMPORT, message="您的角色不能新建乡镇。")
    if user.scope_level != "all" and data["county"].pk != user.county_id:
        raise PermissionDenied("该县不在您的管理范围内。")
    township = record_create(Township, user=user, data=data)
    with acting_as(user):
        township.body()
    return township


@transaction.atomic
def village_create(*, user, data: dict[str, Any]) -> Village:
    require_perm(user, perms.VILLAGE_ADD, message="您的角色不能登记村。")
    require_township_in_scope(user, data["township"])
    return record_create(Village, user=user, data=data, prepare=_index_name)


@transaction.atomic
def village_update(*, user, village: Village, data: dict[str, Any]) -> Village:
    locked = lock_for_write(Village, village, user=user, perm=perms.VILLAGE_CHANGE, message="您的角色不能修改村信息。",
                            path="")
    if data.get("township") is not None and data["township"].pk != locked.township_id:
        require_township_in_scope(user, data["township"])
    return record_update(locked, user=user, data=data, prepare=_index_name)


@transaction.atomic
def group_create(*, user, village: Village, data: dict[str, Any]) -> Group:
    require_perm(user, perms.GROUP_CHANGE, message="您的角色不能添加村民小组。")
    require_village_in_scope(user, village)
    return record_create(Group, user=user, data={**data, "village": village})


@transaction.atomic
def group_update(*, user, group: Group, data: dict[str, Any]) -> Group:
    locked = lock_for_write(Group, group, user=user, perm=perms.GROUP_CHANGE, message="您的角色不能修改村民小组。")
    return record_update(locked, user=user, data=data)


@transaction.atomic
def party_create(*, user, data: dict[str, Any]) -> Party:
    require_perm(user, perms.PARTY_CHANGE, message="您的角色不能登记当事人。")
    require_village_in_scope(user, data["village"])
    return record_create(Party, user=user, data=data, prepare=_index_name)


@transaction.atomic
def party_update(*, user, party: Party, data: dict[str, Any]) -> Party:
    locked = lock_for_write(Party, party, user=user, perm=perms.PARTY_CHANGE, message="您的角色不能修改当事人。")
    _moved_within_scope(user, data)
    return record_update(locked, user=user, data=data, prepare=_index_name)


@transaction.atomic
def party_delete(*, user, party: Party) -> None:
    locked = lock_for_write(Party, party, user=user, perm=perms.PARTY_CHANGE, message="您的角色不能删除当事人。")
    record_delete(locked, user=user, in_use_message="该当事人已有合同或债权债务记录，不能删除。")


@transaction.atomic
def parcel_create(*, user, data: dict[str, Any]) -> Parcel:
    require_perm(user, perms.PARCEL_CHANGE, message="您的角色不能登记地块。")
    require_village_in_scope(user, data["village"])
    return record_create(Parcel, user=user, data=data)


@transaction.atomic
def parcel_update(*, user, parcel: Parcel, data: dict[str, Any]) -> Parcel:
    locked = lock_for_write(Parcel, parcel, user=user, perm=perms.PARCEL_CHANGE, message="您的角色不能修改地块。")
    _moved_within_scope(user, data)
    return record_update(locked, user=user, data=dated_recovery(locked, data))


def dated_recovery(parcel: Parcel, data: dict[str, Any]) -> dict[str, Any]:
    """Land taken back (occupied land recovered, a parcel marked 已收回) is dated: on the day given, or today
    when the change is recorded without one (DOMAIN.md §11 counts it by that day)."""
    turning = data.get("state") == Parcel.State.RECOVERED and parcel.state != Parcel.State.RECOVERED
    if turning and not data.get("recovered_on"):
        return {**data, "recovered_on": timezone.localdate()}
    return data


@transaction.atomic
def parcel_delete(*, user, parcel: Parcel) -> None:
    locked = lock_for_write(Parcel, parcel, user=user, perm=perms.PARCEL_CHANGE, message="您的角色不能删除地块。")
    record_delete(locked, user=user, in_use_message="该地块已被合同引用，不能删除。")


@transaction.atomic
def asset_create(*, user, data: dict[str, Any]) -> Asset:
    require_perm(user, perms.ASSET_CHANGE, message="您的角色不能登记资产。")
    require_village_in_scope(user, data["village"])
    return record_create(Asset, user=user, data=data)


@transaction.atomic
def asset_update(*, user, asset: Asset, data: dict[str, Any]) -> Asset:
    locked = lock_for_write(Asset, asset, user=user, perm=perms.ASSET_CHANGE, message="您的角色不能修改资产。")
    _moved_within_scope(user, data)
    return record_update(locked, user=user, data=data)


@transaction.atomic
def asset_delete(*, user, asset: Asset) -> None:
    locked = lock_for_write(Asset, asset, user=user, perm=perms.ASSET_CHANGE, message="您的角色不能删除资产。")
    record_delete(locked, user=user, in_use_message="该资产已被合同引用，不能删除。")

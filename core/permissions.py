"""What each role may do. Scope (which villages) is separate: see core.scoping.

A permission here is a plain string naming an action. Views declare the one
they need; templates read `user_perms` to show only the buttons that work.
"""
from .models import Role

VILLAGE_ADD = "village.add"
VILLAGE_CHANGE = "village.change"
GROUP_CHANGE = "group.change"
PARTY_CHANGE = "party.change"
PARCEL_CHANGE = "parcel.change"
ASSET_CHANGE = "asset.change"
ID_NUMBER_VIEW = "idnumber.view"
AUDIT_VIEW = "audit.view"
STATUS_VIEW = "status.view"

CONTRACT_EDIT = "contract.edit"            # register, edit facts, schedule, attachments
CONTRACT_INVESTIGATE = "contract.investigate"
CONTRACT_DETERMINE = "contract.determine"  # determine, choose and complete a disposition
CONTRACT_APPROVE = "contract.approve"      # county approval, escalations
RESOLUTION_CHANGE = "resolution.change"
RULES_CHANGE = "rules.change"

CLAIM_EDIT = "claim.edit"                  # register claims and debts, edit their facts
LEDGER_CASH = "ledger.cash"                # cash received on a claim
LEDGER_ENTRY = "ledger.entry"              # repayments, adjustments, settlements in kind
LEDGER_RESOLVE = "ledger.resolve"          # write-offs, waivers, offsets (with a passed resolution)
LEDGER_REVERSE_ANY = "ledger.reverse_any"  # reverse entries whoever recorded them, on any day
CLAIM_FOLLOW_UP = "claim.follow_up"        # demands served, events on the timeline
CLAIM_MANAGE = "claim.manage"              # seal, assign collectors, mediation, court and 纪检 records
CLAIM_UNSEAL = "claim.unseal"
LEDGER_IMPORT = "ledger.import"            # upload Excel ledgers (each row also needs the right for its record)
PLACES_IMPORT = "ledger.import_places"    # townships, villages and groups from a places ledger
INCOME_EDIT = "income.edit"                # income records of 增收入 (new or recovered resources)
RISK_MANAGE = "risk.manage"                # key-village plans (处方单), their tasks and reviews
DOCUMENTS_PRINT = "documents.print"        # many contracts' 认定书 or 调查报告 printed as one PDF by a job

_LEDGER = {GROUP_CHANGE, PARTY_CHANGE, PARCEL_CHANGE, ASSET_CHANGE, LEDGER_IMPORT}
_FIELD_WORK = {CONTRACT_EDIT, CONTRACT_INVESTIGATE, RESOLUTION_CHANGE, CLAIM_EDIT, LEDGER_CASH, LEDGER_ENTRY,
               CLAIM_FOLLOW_UP, LEDGER_REVERSE_ANY, DOCUMENTS_PRINT}
_TOWNSHIP_MONEY = {LEDGER_RESOLVE, CLAIM_MANAGE}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.VILLAGE: frozenset(_LEDGER | _FIELD_WORK | {ID_NUMBER_VIEW, INCOME_EDIT}),
    Role.TOWNSHIP: frozenset(_LEDGER | _FIELD_WORK | _TOWNSHIP_MONEY | {
        VILLAGE_ADD, VILLAGE_CHANGE, ID_NUMBER_VIEW, AUDIT_VIEW, CONTRACT_DETERMINE, INCOME_EDIT, RISK_MANAGE}),
    Role.COUNTY: frozenset(_LEDGER | _FIELD_WORK | _TOWNSHIP_MONEY | {
        VILLAGE_ADD, VILLAGE_CHANGE, ID_NUMBER_VIEW, AUDIT_VIEW, CONTRACT_DETERMINE, CONTRACT_APPROVE, RULES_CHANGE,
        CLAIM_UNSEAL, INCOME_EDIT, RISK_MANAGE, PLACES_IMPORT}),
    # A collector records the cash collected and the demands served, and may reverse a cash entry of their
    # own on the day it was recorded (a slip of the finger), nobody else's; ID numbers stay masked.
    Role.COLLECTOR: frozenset({LEDGER_CASH, CLAIM_FOLLOW_UP}),
    # The province office reads the figures of every county in its province and ranks them; it changes
    # nothing, and ranks by the default weights (DOMAIN.md §11) since each county's weights are its own.
    # ID numbers stay masked: no province task needs a villager's.
    Role.PROVINCE: frozenset(),
    # Reads everything in scope, including the audit trail and ID numbers; changes nothing.
    Role.INSPECTOR: frozenset({ID_NUMBER_VIEW, AUDIT_VIEW}),
    # Runs the system; has no need to read villagers' ID numbers.
    # Workflow decisions (determination, approval) belong to the township and county, not to IT.
    Role.ADMIN: frozenset(_LEDGER | {VILLAGE_ADD, VILLAGE_CHANGE, AUDIT_VIEW, STATUS_VIEW, RULES_CHANGE,
                                     PLACES_IMPORT}),
}

READ_ONLY_ROLES = frozenset({Role.INSPECTOR, Role.PROVINCE})


def permissions_of(user) -> frozenset[str]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    return ROLE_PERMISSIONS.get(user.role, frozenset())


def has_perm(user, perm: str) -> bool:
    return perm in permissions_of(user)

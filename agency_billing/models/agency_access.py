"""Access checks the addon's public actions start with, before any ``sudo()``.

An action (a button, or a public method an integrator calls over RPC) first checks that
the current user may act on the records (``check_access``: ACLs and record rules) and
belongs to the group the action needs; only then may it use ``sudo()`` for the rules'
own work (reading contracts, posting notes, writing computed results).
"""

from odoo.exceptions import AccessError

BILLING_USER = "agency_billing.group_agency_billing_user"
BILLING_MANAGER = "agency_billing.group_agency_billing_manager"
INVOICING = "account.group_account_invoice"


def check_action(records, operation, group=None):
    """Raise :class:`AccessError` unless the current user may ``operation`` ("read",
    "write"...) ``records`` and, when given, belongs to ``group`` (an XML id); the
    message names the group. Superuser calls (crons, the rules) pass."""
    env = records.env
    if env.su:
        return
    if group and not env.user.has_group(group):
        raise AccessError(env._(
            "Only members of %(group)s may do this on %(model)s.",
            group=env.ref(group).sudo().full_name,  # sudo: the group's name only
            model=records._description,
        ))
    records.check_access(operation)

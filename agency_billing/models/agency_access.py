"""Access in Agency Billing (plain Python, not a model): who reads what, and the check
every public action starts with.

**Who reads what.** The groups of the money and internal-reason fields. The access
matrix of the README says it per role; these are its building blocks, used as field
``groups`` by the ``*_access.py`` files of the models Agency Billing extends (one file per
model, beside its other files by concern) and kept in step with the ACLs of
``security/ir.model.access.csv``: a field linking to a billing model carries the groups
that may read that model, so reading a record never fails on a link it cannot follow.
Odoo checks field groups on every read, search, group-by and write that does not run as
superuser, and removes the fields from the views of users outside them; stored computes
run as superuser, so recording time never needs them.

**Actions.** An action (a button, or a public method an integrator calls over RPC) first
checks that the current user may act on the records (``check_access``: ACLs and record
rules) and belongs to the group the action needs (:func:`check_action`); only then may it
use ``sudo()`` for the rules' own work (reading contracts, posting notes, writing computed
results).
"""

from odoo.exceptions import AccessError

# Rates, billed time and amounts, holds, exclusions, classification and rating reasons,
# rule links, review reasons, anomaly flags, send errors, retainer figures: the Agency
# Billing groups (its administrators imply its users) and Odoo's invoicing users and
# auditors (read-only accounting), who review and post the invoices.
BILLING_READERS = (
    "agency_billing.group_agency_billing_user,"
    "account.group_account_invoice,"
    "account.group_account_readonly"
)
# Contract terms a salesperson writes on the sale order (retainer hours, rollover) are
# read by sales too; sale orders copy them.
CONTRACT_READERS = "sales_team.group_sale_salesman," + BILLING_READERS
# Links to sale orders (change requests): whoever may read sale orders among staff.
SALE_ORDER_READERS = (
    "sales_team.group_sale_salesman,"
    "account.group_account_invoice,"
    "account.group_account_readonly"
)
# Client terms and preferences: internal users, never portal users.
INTERNAL_USERS = "base.group_user"

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

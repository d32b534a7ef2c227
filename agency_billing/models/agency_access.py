"""Who reads what: the groups of the money and internal-reason fields (not a model).

The access matrix of the README says it per role; these are its building blocks, used as
field ``groups`` by the ``*_access.py`` files of the models Agency Billing extends (one
file per model, beside its other files by concern) and kept in step with the ACLs of
``security/ir.model.access.csv``: a field linking to a billing model carries the groups
that may read that model, so reading a record never fails on a link it cannot follow.

Odoo checks field groups on every read, search, group-by and write that does not run as
superuser, and removes the fields from the views of users outside them; stored computes
run as superuser, so recording time never needs them.
"""

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

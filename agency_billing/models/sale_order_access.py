"""Contracts: who reads the retainer figures and the change-request links.

The retainer terms (hours per period, rollover, cap) are contract terms: read by sales
and by the billing readers (:data:`~.agency_access.CONTRACT_READERS`); the settled
periods and the balance by the billing readers only; the budget line a change request
grows by the Agency Billing groups and invoicing readers. Portal clients reading their
orders over RPC get none of them. See the README's access matrix.
"""

from odoo import fields, models

from .agency_access import BILLING_READERS, CONTRACT_READERS


# One file per concern of the model (see the model's main file): meant, not mergeable.
# pylint: disable=consider-merging-classes-inherited
class SaleOrderAccess(models.Model):
    _inherit = "sale.order"

    retainer_hours = fields.Float(groups=CONTRACT_READERS)
    retainer_rollover = fields.Selection(groups=CONTRACT_READERS)
    retainer_rollover_cap = fields.Float(groups=CONTRACT_READERS)
    retainer_period_ids = fields.One2many(groups=BILLING_READERS)
    retainer_balance_hours = fields.Float(groups=BILLING_READERS)
    retainer_carried_hours = fields.Float(groups=BILLING_READERS)
    agency_change_request_project_id = fields.Many2one(check_company=True)
    agency_scope_line_id = fields.Many2one(groups=BILLING_READERS, check_company=True)

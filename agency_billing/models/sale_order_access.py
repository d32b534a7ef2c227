"""Contracts: who reads and who changes the retainer figures, and the change-request
links.

The retainer terms (hours per period, rollover, cap) are contract terms: read by sales
and by the billing readers (:data:`~.agency_access.CONTRACT_READERS`); the settled
periods and the balance by the billing readers only; the budget line a change request
grows by the Agency Billing groups and invoicing readers. Portal clients reading their
orders over RPC get none of them.

Changing them (checked on ``create`` and ``write`` on the server): sales write the
retainer terms of a quotation (the client signs what it reads); once the order is
confirmed, they decide what the running contract bills each period and only Agency
Billing administrators change them. The opening balance (hours carried in to the first
settled period) is set by Agency Billing administrators only. Internal calls (importers,
``sudo()``) are not concerned. See the README's access matrix.
"""

from odoo import api, fields, models

from ..access import (
    BILLING_MANAGER,
    BILLING_READERS,
    CONTRACT_READERS,
    check_create,
    check_write,
)

# Quotations: the opening balance only; confirmed orders: the retainer terms too.
QUOTATION_GUARDED = {"retainer_opening_hours": BILLING_MANAGER}
CONFIRMED_GUARDED = {
    **dict.fromkeys(("retainer_hours", "retainer_rollover", "retainer_rollover_cap"),
                    BILLING_MANAGER),
    **QUOTATION_GUARDED,
}


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

    agency_retainer_editable = fields.Boolean(
        compute="_compute_agency_retainer_editable",
        help="Whether the current user may change the retainer terms: sales on a "
        "quotation, billing administrators on a confirmed order.",
    )

    @api.depends("state")
    @api.depends_context("uid")
    def _compute_agency_retainer_editable(self):
        manager = self.env.su or self.env.user.has_group(BILLING_MANAGER)
        for order in self:
            order.agency_retainer_editable = manager or order.state != "sale"

    @api.model_create_multi
    def create(self, vals_list):
        default_state = self.env.context.get("default_state")
        confirmed = [vals.get("state", default_state) == "sale" for vals in vals_list]
        check_create(self, QUOTATION_GUARDED,
                     [vals for vals, sale in zip(vals_list, confirmed, strict=True) if not sale])
        check_create(self, CONFIRMED_GUARDED,
                     [vals for vals, sale in zip(vals_list, confirmed, strict=True) if sale])
        return super().create(vals_list)

    def write(self, vals):
        # sudo: which orders are confirmed, before Odoo checks the user may write them.
        confirmed = self if vals.get("state") == "sale" else \
            self.sudo().filtered(lambda order: order.state == "sale").with_env(self.env)
        check_write(self - confirmed, QUOTATION_GUARDED, vals)
        check_write(confirmed, CONFIRMED_GUARDED, vals)
        return super().write(vals)

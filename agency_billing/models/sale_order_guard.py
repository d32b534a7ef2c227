"""Contracts: who changes the retainer figures.

Checked on ``create`` and ``write`` on the server: sales write the retainer terms of a
quotation (the client signs what it reads); once the order is confirmed, they decide what
the running contract bills each period and only Agency Billing administrators change
them. The opening balance (hours carried in to the first settled period) is set by Agency
Billing administrators only. Internal calls (importers, ``sudo()``) are not concerned.
Who *reads* them: the ``groups`` of their definitions (``sale_order.py``). See the
README's access matrix.
"""

from odoo import api, fields, models

from ..access import BILLING_MANAGER, check_create, check_write

# Quotations: the opening balance only; confirmed orders: the retainer terms too.
QUOTATION_GUARDED = {"retainer_opening_hours": BILLING_MANAGER}
CONFIRMED_GUARDED = {
    **dict.fromkeys(("retainer_hours", "retainer_rollover", "retainer_rollover_cap"),
                    BILLING_MANAGER),
    **QUOTATION_GUARDED,
}


# One file per concern of the model (see the model's main file): meant, not mergeable.
# pylint: disable=consider-merging-classes-inherited
class SaleOrderGuard(models.Model):
    _inherit = "sale.order"

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

    @api.model
    def _agency_guard_create(self, vals_list):
        """Step of ``create`` (see the model's main file): refuse
        (:class:`~odoo.exceptions.AccessError`) creating orders with retainer figures the
        current user may not set (superuser calls pass)."""
        default_state = self.env.context.get("default_state")
        confirmed = [vals.get("state", default_state) == "sale" for vals in vals_list]
        check_create(self, QUOTATION_GUARDED,
                     [vals for vals, sale in zip(vals_list, confirmed, strict=True) if not sale])
        check_create(self, CONFIRMED_GUARDED,
                     [vals for vals, sale in zip(vals_list, confirmed, strict=True) if sale])

    def _agency_guard_write(self, vals):
        """Step of ``write`` (see the model's main file): refuse
        (:class:`~odoo.exceptions.AccessError`) changing retainer figures the current user
        may not change (superuser calls pass)."""
        # sudo: which orders are confirmed, before Odoo checks the user may write them.
        confirmed = self if vals.get("state") == "sale" else \
            self.sudo().filtered(lambda order: order.state == "sale").with_env(self.env)
        check_write(self - confirmed, QUOTATION_GUARDED, vals)
        check_write(confirmed, CONFIRMED_GUARDED, vals)

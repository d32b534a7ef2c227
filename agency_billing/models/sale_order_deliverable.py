"""Contracts: their deliverables, the extra-round lines and the change requests of rounds."""

from odoo import api, fields, models

from ..access import BILLING_READERS, check_action


# One file per concern of the model (see the model's main file): meant, not mergeable.
# pylint: disable=consider-merging-classes-inherited
class SaleOrderDeliverable(models.Model):
    _inherit = "sale.order"

    agency_deliverable_ids = fields.One2many(
        "agency.deliverable", "sale_order_id", string="Deliverables", groups=BILLING_READERS,
    )
    agency_deliverable_count = fields.Integer(
        string="Deliverable Count", compute="_compute_agency_deliverable_count",
        groups=BILLING_READERS,
    )
    agency_deliverable_round_id = fields.Many2one(
        "agency.deliverable.round", string="Revision Round", copy=False, readonly=True,
        index="btree_not_null", ondelete="set null", groups=BILLING_READERS,
        help="This change request asks the client to approve an extra revision round.",
    )

    @api.depends("agency_deliverable_ids")
    def _compute_agency_deliverable_count(self):
        for order in self:
            order.agency_deliverable_count = len(order.agency_deliverable_ids)

    def action_agency_view_deliverables(self):
        """The contract's deliverables (smart button)."""
        check_action(self, "read")
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "agency_billing.action_agency_deliverable")
        action["domain"] = [("sale_order_id", "=", self.id)]
        action["context"] = {"default_sale_order_id": self.id}
        return action

    def action_confirm(self):
        res = super().action_confirm()
        # sudo: an accepted change request applies however it was confirmed (portal
        # signature included).
        for order in self.sudo().filtered(lambda o: o.agency_deliverable_round_id
                                          and o.state == "sale"):
            order.agency_deliverable_round_id._agency_change_request_accepted(order)
        return res

    def _action_cancel(self):
        res = super()._action_cancel()
        # sudo: a declined change request (cancelled by the client or the back office)
        # keeps its round's time held.
        for order in self.sudo().filtered("agency_deliverable_round_id"):
            order.agency_deliverable_round_id._agency_change_request_declined(order)
        return res


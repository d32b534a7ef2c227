"""Contract lines: the extra revision round a line bills."""

from odoo import fields, models

from ..access import BILLING_READERS


# One file per concern of the model (see the model's main file): meant, not mergeable.
# pylint: disable=consider-merging-classes-inherited
class SaleOrderLineDeliverable(models.Model):
    _inherit = "sale.order.line"

    agency_round_id = fields.Many2one(
        "agency.deliverable.round", string="Revision Round", copy=False, readonly=True,
        index="btree_not_null", ondelete="set null", groups=BILLING_READERS,
        help="The extra revision round this line bills.",
    )

    def _prepare_invoice_line(self, **optional_values):
        """An extra round's invoice line keeps the round's wording alone ("Logo — revision
        round 3 (2 included)"), without Odoo's product-name prefix."""
        values = super()._prepare_invoice_line(**optional_values)
        # sudo: the round link is a billing field; whoever invoices gets its wording.
        if self.sudo().agency_round_id:
            values["name"] = self.name
        return values

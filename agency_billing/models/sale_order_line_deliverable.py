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

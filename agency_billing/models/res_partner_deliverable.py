"""Clients: their default for extra revision rounds (billing preferences)."""

from odoo import api, fields, models


# One file per concern of the model (see the model's main file): meant, not mergeable.
# pylint: disable=consider-merging-classes-inherited
class ResPartnerDeliverable(models.Model):
    _inherit = "res.partner"

    agency_extra_round_policy = fields.Selection(
        [("bill", "Bill the extra round"), ("ask", "Ask the client first (change request)"),
         ("absorb", "Absorb (record, do not bill)")],
        string="Extra Revision Rounds", default="bill", groups="base.group_user",
        help="What happens when this client asks for more revision rounds than a deliverable "
        "includes: the default of its deliverables.",
    )

    @api.model
    def _commercial_fields(self):
        return super()._commercial_fields() + ["agency_extra_round_policy"]

import math

from odoo import api, fields, models

from ..access import BILLING_USER, check_action


class AgencyChangeRequestWizard(models.TransientModel):
    """Draft a change request: a quotation for extra hours of a budget line, at the
    client's rates, which the client accepts and signs in the portal."""

    _name = "agency.change.request.wizard"
    _description = "Change Request"

    scope_line_id = fields.Many2one("agency.scope.line", string="Budget Line", required=True)
    project_id = fields.Many2one(related="scope_line_id.project_id")
    held_hours = fields.Float(related="scope_line_id.held_hours", string="Held (h)")
    burn_percent = fields.Float(related="scope_line_id.burn_percent")
    hours = fields.Float(
        string="Extra Hours", required=True, digits=(16, 2),
        compute="_compute_hours", store=True, readonly=False, precompute=True,
        help="Hours the client is asked to approve: at least the held hours (billed at "
        "the rates they were rated at); the rest at the client's rate for this service.",
    )
    note = fields.Text(help="Why the extra hours are needed; shown on the quotation.")

    @api.depends("scope_line_id")
    def _compute_hours(self):
        for wizard in self:
            line = wizard.scope_line_id
            # The held time, else a fifth of the budget, in whole hours.
            wizard.hours = line.held_hours or math.ceil(line.budget_hours * 0.2) or 1.0

    def action_create(self):
        """Create the quotation and open it."""
        check_action(self.scope_line_id, "write", BILLING_USER)
        self.ensure_one()
        order = self.scope_line_id._agency_create_change_request(self.hours, self.note)
        return {
            "type": "ir.actions.act_window",
            "res_model": "sale.order",
            "res_id": order.id,
            "view_mode": "form",
            "target": "current",
        }

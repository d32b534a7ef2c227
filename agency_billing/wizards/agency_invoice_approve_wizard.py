from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..models.agency_access import INVOICING, check_action


class AgencyInvoiceApproveWizard(models.TransientModel):
    """Approve drafts from the review queue: post and send them, overriding their warning
    flags with a reason."""

    _name = "agency.invoice.approve.wizard"
    _description = "Approve and Send Invoices"

    move_ids = fields.Many2many("account.move", string="Invoices", required=True)
    anomaly_ids = fields.Many2many("agency.invoice.anomaly", compute="_compute_anomaly_ids",
                                   string="Flags to Override")
    reason = fields.Char(help="Why these invoices go out despite their flags.")

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if "move_ids" in fields_list and not values.get("move_ids"):
            if self.env.context.get("active_model") == "account.move":
                values["move_ids"] = [(6, 0, self.env.context.get("active_ids", []))]
        return values

    @api.depends("move_ids")
    def _compute_anomaly_ids(self):
        for wizard in self:
            wizard.anomaly_ids = wizard.move_ids.anomaly_ids.filtered(
                lambda a: a.state == "open")

    def action_approve(self):
        """Approve and send the invoices, overriding their warnings with the reason."""
        check_action(self.move_ids, "write", INVOICING)
        self.ensure_one()
        moves = self.move_ids.filtered(lambda m: m.review_state == "to_review")
        if not moves:
            raise UserError(_("None of these invoices waits in the review queue."))
        if self.anomaly_ids and not (self.reason or "").strip():
            raise UserError(_("Say why these invoices go out despite their flags."))
        moves.with_context(agency_review_reason=self.reason or False).action_agency_approve()
        return {"type": "ir.actions.act_window_close"}

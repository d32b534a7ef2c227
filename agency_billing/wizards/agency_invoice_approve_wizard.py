from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..access import INVOICING, check_action


class AgencyInvoiceApproveWizard(models.TransientModel):
    """Approve drafts from the review queue: post and send them, overriding their warning
    flags with a reason."""

    _name = "agency.invoice.approve.wizard"
    _description = "Approve and Send Invoices"

    move_ids = fields.Many2many("account.move", string="Invoices", required=True)
    anomaly_ids = fields.Many2many("agency.invoice.anomaly", compute="_compute_anomaly_ids",
                                   string="Flags to Override")
    reason = fields.Char(help="Why these invoices go out despite their flags.")
    earlier_warning = fields.Text(compute="_compute_earlier_warning")
    approve_out_of_order = fields.Boolean(
        string="Approve before the earlier drafts",
        help="Send these invoices although earlier periods of the same clients still wait "
        "in review.")

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

    @api.depends("move_ids")
    def _compute_earlier_warning(self):
        for wizard in self:
            earlier = wizard.move_ids._agency_earlier_drafts()
            wizard.earlier_warning = "\n".join(
                self.env._("%(invoice)s — still waiting in review for an earlier period: "
                           "%(drafts)s.",
                           invoice=move._agency_draft_label(),
                           drafts="; ".join(other._agency_draft_label() for other in
                                            others.sorted("billing_period_end")))
                for move, others in earlier.items()
            ) or False

    def action_approve(self):
        """Approve and send the invoices, overriding their warnings with the reason."""
        check_action(self.move_ids, "write", INVOICING)
        self.ensure_one()
        if self.earlier_warning and not self.approve_out_of_order:
            raise UserError(_("Approve the earlier drafts first, or tick \"Approve before "
                              "the earlier drafts\":\n%s", self.earlier_warning))
        moves = self.move_ids.filtered(lambda m: m.review_state == "to_review")
        if not moves:
            raise UserError(_("None of these invoices waits in the review queue."))
        if self.anomaly_ids and not (self.reason or "").strip():
            raise UserError(_("Say why these invoices go out despite their flags."))
        moves.with_context(agency_review_reason=self.reason or False,
                           agency_approve_out_of_order=True).action_agency_approve()
        return {"type": "ir.actions.act_window_close"}

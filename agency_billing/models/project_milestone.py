"""Milestones: reaching one drafts its invoice within one cron tick.

When a milestone with a sale line is marked reached (by hand, or by the Asana/Monday
sync writing ``is_reached``), the billing cron is triggered at once; it drafts the
milestone line's invoice and sends it when the client's preferences allow.
"""

from odoo import api, fields, models

from ..access import BILLING_READERS, check_create, check_write

# The invoice a run drafted for a milestone: set by the billing runs only (a milestone
# marked invoiced by hand would never be billed).
MILESTONE_GUARDED = {"agency_invoice_id": None}


class ProjectMilestone(models.Model):
    _inherit = "project.milestone"

    # Milestones have no company of their own: the invoice link is hidden from those who
    # may not read invoices' billing, not checked against a company.
    agency_invoice_id = fields.Many2one(
        "account.move", string="Invoice", copy=False, readonly=True, index="btree_not_null",
        ondelete="set null", help="The invoice a billing run drafted for this milestone.",
        groups=BILLING_READERS,
    )

    @api.model_create_multi
    def create(self, vals_list):
        check_create(self, MILESTONE_GUARDED, vals_list)
        milestones = super().create(vals_list)
        milestones.filtered("is_reached")._agency_trigger_billing()
        return milestones

    def write(self, vals):
        check_write(self, MILESTONE_GUARDED, vals)
        res = super().write(vals)
        if vals.get("is_reached"):
            self._agency_trigger_billing()
        return res

    def _agency_trigger_billing(self):
        """Wake the billing cron for milestones that bill something."""
        if not self.filtered("sale_line_id"):
            return
        cron = self.env.ref("agency_billing.ir_cron_agency_billing_run", raise_if_not_found=False)
        if cron:
            # sudo: waking the billing cron (ir.cron is for administrators); it decides by
            # itself.
            cron.sudo()._trigger()

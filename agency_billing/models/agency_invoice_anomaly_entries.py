"""Anomaly flags: the time entries a flag is about, one click away."""

from odoo import api, fields, models
from odoo.osv import expression

from ..access import check_action

# Flags about time entries, and which entries (of the flagged invoice) they mean.
ENTRY_CODES = ("no_rate_rule", "low_confidence", "held_time", "hours_spike")


# One file per concern of the model (see the model's main file): meant, not mergeable.
# pylint: disable=consider-merging-classes-inherited
class AgencyInvoiceAnomalyEntries(models.Model):
    _inherit = "agency.invoice.anomaly"

    has_entries = fields.Boolean(compute="_compute_has_entries")

    @api.depends("code")
    def _compute_has_entries(self):
        for flag in self:
            flag.has_entries = flag.code in ENTRY_CODES

    def _agency_entries_domain(self):
        """Domain of the time entries this flag is about."""
        self.ensure_one()
        move = self.move_id
        billed = [("timesheet_invoice_id", "=", move.id)]
        Entry = self.env["account.analytic.line"]
        # Time of the invoiced contracts, up to the period end, left out of the invoice.
        left_out = [("order_id", "in", move.invoice_line_ids.sale_line_ids.order_id.ids),
                    *Entry._agency_not_invoiced_domain()]
        if move.billing_period_end:
            left_out.append(("date", "<=", move.billing_period_end))
        if self.code == "no_rate_rule":
            return [*billed, ("no_rate_rule", "=", True), ("is_billable", "=", True)]
        if self.code == "low_confidence":
            return [*left_out, ("classification_method", "=", "review")]
        if self.code == "held_time":
            return expression.OR([[*billed, ("over_scope", "=", True)],
                                  [*left_out, ("billing_hold", "=", True)]])
        return billed

    def action_view_entries(self):
        """The time entries behind this flag, in the finance list."""
        check_action(self, "read")
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "agency_billing.action_agency_time_entry")
        action.update({
            "name": self.env._("%(flag)s: %(invoice)s", flag=dict(
                self._fields["code"]._description_selection(self.env))[self.code],
                invoice=self.move_id.display_name),
            "domain": self._agency_entries_domain(),
            "context": {"is_timesheet": 1, "create": False},
        })
        return action

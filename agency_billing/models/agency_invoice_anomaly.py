"""Anomaly flags on invoices drafted by billing runs.

Each flag says what looks wrong and why, in numbers: a total far from the client's
trailing average, an hours spike, a missing PO number, entries without rate rule,
low-confidence classifications, held or over-scope time, zero-amount lines, a near
duplicate, no billing contact, an e-invoice the client's system would reject. *Blocking*
flags hold the invoice in review until fixed;
*warnings* can be overridden by a person, with a reason, when approving. Raised by
``account.move._agency_check_anomalies``.
"""

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from ..access import BILLING_MANAGER

ANOMALY_CODES = [
    ("total_deviation", "Total far from average"),
    ("hours_spike", "Hours spike"),
    ("missing_po", "Missing PO number"),
    ("no_rate_rule", "Entries without rate rule"),
    ("low_confidence", "Low-confidence classification"),
    ("held_time", "Over-scope or held time"),
    ("zero_amount", "Zero-amount lines"),
    ("near_duplicate", "Near-duplicate invoice"),
    ("no_billing_contact", "No billing contact"),
    ("einvoice_invalid", "E-invoice fails validation"),
]
BLOCKING = {"missing_po", "no_billing_contact", "einvoice_invalid"}


class AgencyInvoiceAnomaly(models.Model):
    """A reason to look at an invoice before it goes out."""

    _name = "agency.invoice.anomaly"
    _description = "Invoice Anomaly Flag"
    _order = "move_id, severity, id"
    _check_company_auto = True

    move_id = fields.Many2one("account.move", string="Invoice", required=True,
                              ondelete="cascade", index=True, check_company=True)
    company_id = fields.Many2one(related="move_id.company_id", store=True, index=True)
    partner_id = fields.Many2one(related="move_id.commercial_partner_id", string="Client")
    code = fields.Selection(ANOMALY_CODES, string="Flag", required=True)
    severity = fields.Selection(
        [("blocking", "Blocking"), ("warning", "Warning")], required=True, default="warning",
        help="Blocking: the invoice cannot be approved until this is fixed. Warning: it can "
        "be approved with a reason.",
    )
    reason = fields.Char(required=True)
    state = fields.Selection(
        [("open", "Open"), ("overridden", "Overridden")], default="open", required=True,
    )
    override_reason = fields.Char(readonly=True)
    override_user_id = fields.Many2one("res.users", string="Overridden By", readonly=True)
    override_date = fields.Datetime(string="Overridden On", readonly=True)

    def write(self, vals):
        """Flags are raised and overridden by the review queue (``account.move``); a
        direct change is for Agency Billing administrators only, and overriding a flag
        needs a reason."""
        if not self.env.su:
            if not self.env.user.has_group(BILLING_MANAGER):
                raise AccessError(_(
                    "Only members of %s change anomaly flags directly; approve the invoice "
                    "from the review queue instead.",
                    # sudo: only the group's name, for the message.
                    self.env.ref(BILLING_MANAGER).sudo().full_name))
            if vals.get("state") == "overridden" and not (
                    vals.get("override_reason") or "").strip():
                raise UserError(_("Say why the flag is overridden."))
        return super().write(vals)

    @api.model
    def _severity(self, code):
        return "blocking" if code in BLOCKING else "warning"

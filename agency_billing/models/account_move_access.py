"""Customer invoices: who reads the review queue's internals.

Anomaly flags and their summary, the review state, send errors and attempts, disputes,
reminders, the billing run and the retainer periods and milestones an invoice billed are
internal to the agency: read by the Agency Billing groups and Odoo's invoicing users and
auditors (:data:`~.agency_access.BILLING_READERS`), never by the client — a portal user
reading its own invoice over RPC gets none of them. What the invoice prints (period,
detail level) stays readable. See the README's access matrix.
"""

from odoo import fields, models

from .agency_access import BILLING_READERS


# One file per concern of the model (see the model's main file): meant, not mergeable.
# pylint: disable=consider-merging-classes-inherited
class AccountMoveAccess(models.Model):
    _inherit = "account.move"

    billing_run_id = fields.Many2one(groups=BILLING_READERS, check_company=True)
    billing_trigger = fields.Selection(groups=BILLING_READERS)
    review_state = fields.Selection(groups=BILLING_READERS)
    anomaly_ids = fields.One2many(groups=BILLING_READERS)
    anomaly_count = fields.Integer(groups=BILLING_READERS)
    anomaly_summary = fields.Char(groups=BILLING_READERS)
    has_blocking_anomaly = fields.Boolean(groups=BILLING_READERS)
    send_error = fields.Text(groups=BILLING_READERS)
    send_attempts = fields.Integer(groups=BILLING_READERS)
    agency_sent_at = fields.Datetime(groups=BILLING_READERS)
    disputed = fields.Boolean(groups=BILLING_READERS)
    dispute_reason = fields.Char(groups=BILLING_READERS)
    dispute_date = fields.Date(groups=BILLING_READERS)
    reminder_ids = fields.One2many(groups=BILLING_READERS)
    reminder_count = fields.Integer(groups=BILLING_READERS)
    retainer_period_ids = fields.One2many(groups=BILLING_READERS)
    billing_milestone_ids = fields.One2many(groups=BILLING_READERS)

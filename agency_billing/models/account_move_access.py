"""Customer invoices: who reads the review queue's internals.

Anomaly flags and their summary, the review state, send errors and attempts, disputes,
reminders, the billing run and the retainer periods and milestones an invoice billed are
internal to the agency: read by the Agency Billing groups and Odoo's invoicing users and
auditors (:data:`~.agency_access.BILLING_READERS`), never by the client — a portal user
reading its own invoice over RPC gets none of them. What the invoice prints (period,
detail level) stays readable.

**Nobody writes the review queue's state by hand** (:data:`MOVE_INTERNAL`, checked on
``create`` and ``write`` on the server): the review state, the flags and their summary,
the billing run and trigger, the send error, attempts, date and delivery, the retainer
periods, milestones and reminders an invoice is linked to, and what a credit note gave
back are set by Agency Billing's own paths only — billing runs, the review queue's checks,
approving, sending, delivery tracking, cancelling and crediting — which check the
caller's rights first and then write as superuser. A person moves an invoice through the
queue with its actions (*Approve and Send*, *Retry Sending*, *Check*...), so an invoicing
user cannot mark a held draft approved or sent over RPC. Disputes (``disputed`` and its
reason) stay an invoicing user's edit. See the README's access matrix.
"""

from odoo import api, fields, models

from ..access import BILLING_READERS, check_create, check_write

MOVE_INTERNAL = dict.fromkeys((
    "review_state", "billing_run_id", "billing_trigger", "anomaly_ids", "anomaly_count",
    "anomaly_summary", "has_blocking_anomaly", "send_error", "send_attempts",
    "agency_sent_at", "agency_delivery_state", "agency_send_message_id", "reminder_ids",
    "retainer_period_ids", "billing_milestone_ids", "agency_credit_released",
    "agency_credit_entry_count",
))


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

    @api.model_create_multi
    def create(self, vals_list):
        check_create(self, MOVE_INTERNAL, vals_list)
        return super().create(vals_list)

    def write(self, vals):
        check_write(self, MOVE_INTERNAL, vals)
        return super().write(vals)

"""Customer invoices: nobody writes the review queue's state by hand.

The review state, the flags and their summary, the billing run and trigger, the send
error, attempts, date and delivery, the retainer periods, milestones and reminders an
invoice is linked to, and what a credit note gave back (:data:`MOVE_INTERNAL`, checked on
``create`` and ``write`` on the server) are set by Agency Billing's own paths only —
billing runs, the review queue's checks, approving, sending, delivery tracking,
cancelling and crediting — which check the caller's rights first and then write as
superuser. A person moves an invoice through the queue with its actions (*Approve and
Send*, *Retry Sending*, *Check*...), so an invoicing user cannot mark a held draft
approved or sent over RPC. Disputes (``disputed`` and its reason) stay an invoicing
user's edit. Who *reads* them: the ``groups`` of their definitions (``account_move.py``).
See the README's access matrix.
"""

from odoo import api, models

from ..access import check_create, check_write

MOVE_INTERNAL = dict.fromkeys((
    "review_state", "billing_run_id", "billing_trigger", "anomaly_ids", "anomaly_count",
    "anomaly_summary", "has_blocking_anomaly", "send_error", "send_attempts",
    "agency_sent_at", "agency_delivery_state", "agency_send_message_id", "reminder_ids",
    "retainer_period_ids", "billing_milestone_ids", "agency_credit_released",
    "agency_credit_entry_count",
))


# One file per concern of the model (see the model's main file): meant, not mergeable.
# pylint: disable=consider-merging-classes-inherited
class AccountMoveGuard(models.Model):
    _inherit = "account.move"

    @api.model
    def _agency_guard_create(self, vals_list):
        """Step of ``create`` (see the model's main file): refuse
        (:class:`~odoo.exceptions.AccessError`) creating invoices with the review queue's
        state set (superuser calls pass)."""
        check_create(self, MOVE_INTERNAL, vals_list)

    def _agency_guard_write(self, vals):
        """Step of ``write`` (see the model's main file): refuse
        (:class:`~odoo.exceptions.AccessError`) changing the review queue's state by hand
        (superuser calls pass)."""
        check_write(self, MOVE_INTERNAL, vals)

"""Customer invoices: whether the invoice email was delivered.

Sending an invoice hands an email to the mail server; *Sent* means the server accepted it
for every billing contact. The invoice remembers the message it was sent with
(``agency_send_message_id``) and follows the outcome of its ``mail.mail`` for each
recipient (``mail.notification``: sent, exception, bounce), whenever it comes — at once,
from the mail queue, or later as a bounce. An email that failed or bounced leaves the
invoice *Approved* (not sent: ``is_move_sent`` off) with the delivery error, counts as a
failed attempt and stays in the billing cron's retry list.
"""

from odoo import _, api, fields, models

from ..lib import delivery


# One file per concern of the model (see the model's main file): meant, not mergeable.
# pylint: disable=consider-merging-classes-inherited
class AccountMoveDelivery(models.Model):
    _inherit = "account.move"

    agency_send_message_id = fields.Many2one(
        "mail.message", string="Sent With", copy=False, readonly=True,
        index="btree_not_null", ondelete="set null",
        help="The email the invoice was last sent with.",
    )
    agency_delivery_state = fields.Selection(
        delivery.DELIVERY_STATES, string="Delivery", copy=False, readonly=True,
        help="What the mail server did with the invoice email: delivered to every "
        "billing contact, not delivered (refused, failed or bounced), or not known yet.",
    )

    def _agency_track_delivery(self, since_message_id):
        """After sending: remember the email sent (the newest message to the billing
        contacts after ``since_message_id``) and take its outcome so far."""
        self.ensure_one()
        # sudo: the email this invoice was sent with (read only), whoever sent it.
        message = self.env["mail.message"].sudo().search([
            ("model", "=", "account.move"), ("res_id", "=", self.id),
            ("message_type", "=", "comment"), ("id", ">", since_message_id),
            ("partner_ids", "!=", False),
        ], order="id desc", limit=1)
        # sudo: the delivery outcome is recorded by the sending only (fields people do not
        # edit).
        self.sudo().write({"agency_send_message_id": message.id or False,
                           "agency_delivery_state": "pending"})
        self._agency_sync_delivery()

    @api.model
    def _agency_sync_delivery_of(self, messages):
        """Follow the outcome of these messages' emails on the invoices sent with them."""
        if not messages:
            return
        # sudo: the mail queue reports an outcome (no user): the invoices it concerns.
        moves = self.sudo().search([("agency_send_message_id", "in", messages.ids)])
        moves._agency_sync_delivery()

    def _agency_sync_delivery(self):
        """Set each invoice's delivery from its email's notifications (hook): delivered
        is *Sent*; failed is *Approved*, not sent, with the error, one more attempt."""
        # sudo: the same, recorded on each invoice.
        for move in self.sudo().filtered("agency_send_message_id"):
            message = move.agency_send_message_id
            # The billing contacts the invoice was addressed to (not followers).
            notifications = message.notification_ids.filtered(
                lambda n, m=message: n.notification_type == "email"
                and n.res_partner_id in m.partner_ids)
            state = delivery.outcome(notifications.mapped("notification_status"))
            if state == move.agency_delivery_state and state != "pending":
                continue
            if state == "sent":
                move.write({"agency_delivery_state": "sent", "review_state": "sent",
                            "send_error": False, "is_move_sent": True,
                            "agency_sent_at": move.agency_sent_at or fields.Datetime.now()})
            elif state == "failed":
                move._agency_delivery_failed(notifications.filtered(
                    lambda n: n.notification_status in delivery.FAILED))
            else:
                move.write({"agency_delivery_state": "pending", "review_state": "approved"})

    def _agency_delivery_failed(self, notifications):
        """The email to some billing contacts failed or bounced: not sent, retried."""
        self.ensure_one()
        types = dict(notifications._fields["failure_type"]._description_selection(self.env))
        error = "; ".join(
            f"{notif.res_partner_id.email or notif.res_partner_id.display_name}: "
            f"{notif.failure_reason or types.get(notif.failure_type) or notif.notification_status}"
            for notif in notifications)
        attempts = self.send_attempts + 1
        self.write({"agency_delivery_state": "failed", "review_state": "approved",
                    "is_move_sent": False, "agency_sent_at": False,
                    "send_error": error, "send_attempts": attempts})
        self.message_post(body=_(
            "The invoice email was not delivered (attempt %(n)s): %(error)s. The invoice "
            "stays posted, not sent; the billing cron retries it.", n=attempts, error=error,
        ), subtype_xmlid="mail.mt_note")

"""Mail outcomes that invoices follow (see ``account_move_delivery``): a ``mail.mail``
sent or failed, a bounce received."""

from odoo import api, models


class MailMail(models.Model):
    _inherit = "mail.mail"

    def _postprocess_sent_message(self, success_pids, failure_reason=False, failure_type=None):
        # sudo: the mail queue (no user) reports delivery outcomes of invoice emails.
        messages = self.sudo().mail_message_id.filtered(lambda m: m.model == "account.move")
        res = super()._postprocess_sent_message(success_pids, failure_reason=failure_reason,
                                                failure_type=failure_type)
        self.env["account.move"]._agency_sync_delivery_of(messages)
        return res


class MailThread(models.AbstractModel):
    _inherit = "mail.thread"

    @api.model
    def _routing_handle_bounce(self, email_message, message_dict):
        res = super()._routing_handle_bounce(email_message, message_dict)
        message = message_dict.get("bounced_message")
        if message and message.model == "account.move":
            self.env["account.move"]._agency_sync_delivery_of(message)
        return res

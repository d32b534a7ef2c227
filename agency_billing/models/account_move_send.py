"""Customer invoices: approving drafts, posting and sending them to the billing contacts."""

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..access import BILLING_MANAGER, INVOICING, check_action

# Sending an approved invoice is retried by the billing cron up to this many attempts.
MAX_SEND_ATTEMPTS = 5


# One file per concern of the model (see the model's main file): meant, not mergeable.
# pylint: disable=consider-merging-classes-inherited
class AccountMoveSend(models.Model):
    _inherit = "account.move"

    # Review: approve, post, send
    # ------------------------------------------------------------------

    def action_agency_approve(self):
        """Approve these drafts: post them and send them to the billing contacts.

        Blocking flags (no billing contact, missing PO) must be fixed first — or, for an
        Agency Billing administrator only, overridden with a reason; other flags are
        overridden with a reason (the context key ``agency_review_reason``, or the
        wizard opened when it is missing)."""
        check_action(self, "write", INVOICING)
        moves = self.filtered(lambda m: m.review_state == "to_review")
        if not moves:
            raise UserError(_("Only invoices waiting in the review queue can be approved."))
        moves._agency_check_anomalies()
        reason = (self.env.context.get("agency_review_reason") or "").strip()
        blocked = moves.filtered("has_blocking_anomaly")
        if blocked and not (reason and self.env.user.has_group(BILLING_MANAGER)):
            raise UserError(_(
                "These invoices are held until their blocking flags are fixed (or an "
                "Agency Billing administrator approves them with a reason):\n%s",
                blocked._agency_held_summary(),
            ))
        earlier = {} if self.env.context.get("agency_approve_out_of_order") \
            else moves._agency_earlier_drafts()
        if (moves.filtered("anomaly_count") and not reason) or earlier:
            return {
                "type": "ir.actions.act_window",
                "name": _("Approve and Send"),
                "res_model": "agency.invoice.approve.wizard",
                "view_mode": "form",
                "target": "new",
                "context": {"default_move_ids": moves.ids},
            }
        moves._agency_approve(reason)
        return True

    def _agency_held_summary(self):
        """One line per draft: its blocking flags, then its warnings, named as such (a
        warning never reads as what holds the draft)."""
        lines = []
        for move in self:
            text = _("%(invoice)s: blocking: %(blocking)s", invoice=move._agency_draft_label(),
                     blocking=move.anomaly_blocking_summary or _("none"))
            if move.anomaly_warning_summary:
                text += _("; warnings (not blocking): %s", move.anomaly_warning_summary)
            lines.append(text)
        return "\n".join(lines)

    def _agency_held_in_review(self, soft=True):
        """Step of ``_post`` (see the model's main file), first: a draft held in review by
        a blocking flag is never posted, by any path (the Confirm button,
        ``action_post``, RPC, automatic posting): its cause is fixed first (flags are
        re-checked here), or an Agency Billing administrator overrides the flag with a
        reason when approving. Refused (:class:`UserError`) unless ``soft``: automatic
        posting skips it.

        :return: the drafts held, which are not posted
        """
        held = self.filtered(lambda m: m.state == "draft" and m.has_blocking_anomaly)
        if held:
            held._agency_check_anomalies()  # a fixed cause clears its flag
            held = held.filtered("has_blocking_anomaly")
        if held and not soft:
            raise UserError(_(
                "These invoices are held in review by blocking flags and cannot be "
                "posted until they are fixed:\n%s", held._agency_held_summary(),
            ))
        return held

    def _agency_earlier_drafts(self):
        """{invoice: drafts of the same client for an earlier period, still waiting in
        review} — approving a later period first is asked for confirmation."""
        waiting = self.search([
            ("review_state", "=", "to_review"), ("state", "=", "draft"),
            ("commercial_partner_id", "in", self.commercial_partner_id.ids),
            ("id", "not in", self.ids),
        ])
        result = {}
        for move in self:
            start = move.billing_period_start or move.billing_period_end
            if not start:
                continue
            earlier = waiting.filtered(
                lambda other, m=move, s=start: other.commercial_partner_id
                == m.commercial_partner_id and other.billing_period_end
                and other.billing_period_end < s)
            if earlier:
                result[move] = earlier
        return result

    def _agency_approve(self, reason=None, auto=False):
        """Override open warnings with the reason, post, mark approved, send."""
        who = self.env.user
        now = fields.Datetime.now()
        for move in self:
            flags = move.anomaly_ids.filtered(lambda a: a.state == "open")
            if flags:
                # sudo: approval was checked (invoicing user; blocking flags only by an Agency
                # Billing administrator with a reason); flags are read-only to people.
                flags.sudo().write({"state": "overridden", "override_reason": reason,
                                    "override_user_id": who.id, "override_date": now})
            if auto:
                body = _("Sent automatically: no anomaly flagged and %s sends automatically.",
                         move.commercial_partner_id.name)
            elif flags:
                body = _("Approved by %(who)s, overriding %(flags)s. Reason: %(why)s",
                         who=who.name, flags=", ".join(flags.mapped("reason")), why=reason)
            else:
                why = f": {reason}" if reason else ""
                body = _("Approved by %(who)s%(why)s", who=who.name, why=why)
            move.message_post(body=body, subtype_xmlid="mail.mt_note")
        drafts = self.filtered(lambda m: m.state == "draft")
        if drafts:
            drafts.action_post()
        # sudo: the review state is set by the queue only (account_move_guard.py); the
        # approval was checked above (action_agency_approve, the wizard, the run).
        self.sudo().write({"review_state": "approved"})
        self._agency_send()

    def _agency_send(self):
        """Send these posted invoices through Odoo's send flow to the billing contacts,
        each in its own savepoint: one that fails stays posted with the error (and is
        retried by the billing cron). An invoice is *Sent* once the mail server took its
        email for every billing contact (see ``account_move_delivery``)."""
        template = self.env.ref("agency_billing.mail_template_agency_invoice",
                                raise_if_not_found=False)
        sent = self.env["account.move"]
        for move in self.filtered(lambda m: m.state == "posted"):
            recipients = move.commercial_partner_id._agency_billing_recipients()
            try:
                if not recipients:
                    raise UserError(_("%s has no billing contact with an email address.",
                                      move.commercial_partner_id.name))
                with self.env.cr.savepoint():
                    # sudo: where the sending starts in the invoice's chatter (read only), for
                    # its delivery.
                    since = max(move.sudo().message_ids.ids or [0])
                    self.env["account.move.send"]._generate_and_send_invoices(
                        move,
                        sending_methods={"email"},
                        mail_template=template or move._get_mail_template(),
                        mail_partner_ids=recipients.ids,
                    )
                    move._agency_track_delivery(since)
                if move.review_state == "sent":
                    sent |= move
            except Exception as error:  # any failure leaves it posted, with the error
                message = str(error) or error.__class__.__name__
                # sudo: the send outcome is recorded by the sending only (fields people
                # do not edit).
                move.sudo().write({"send_error": message,
                                   "send_attempts": move.send_attempts + 1})
                move.message_post(body=_(
                    "Sending failed (attempt %(n)s): %(error)s. The invoice stays posted; "
                    "the billing cron retries it.", n=move.send_attempts, error=message,
                ), subtype_xmlid="mail.mt_note")
        return sent

    @api.model
    def _agency_retry_sending(self, limit=200):
        """Send approved invoices not sent yet (failed before), a bounded number of times."""
        moves = self.search([
            ("review_state", "=", "approved"), ("state", "=", "posted"),
            ("send_attempts", "<", MAX_SEND_ATTEMPTS),
            # An email the mail server has not handled yet is not sent twice.
            ("agency_delivery_state", "!=", "pending"),
        ], limit=limit, order="id")
        return moves._agency_send()

    def action_agency_retry_send(self):
        """Try again to send these approved invoices now (also an email still waiting in
        the mail queue: it goes again)."""
        check_action(self, "write", INVOICING)
        self.filtered(lambda m: m.review_state == "approved")._agency_send()
        return True

    # ------------------------------------------------------------------

"""Customer invoices: overdue reminders per the client's policy."""

from collections import defaultdict

from odoo import _, api, models

from ..lib import reminder


# One file per concern of the model (see the model's main file): meant, not mergeable.
# pylint: disable=consider-merging-classes-inherited
class AccountMoveReminder(models.Model):
    _inherit = "account.move"

    # Overdue reminders
    # ------------------------------------------------------------------

    @api.model
    def _cron_agency_reminders(self):
        """Cron: send the reminder step due today of each overdue invoice of clients with
        billing automation; paid or disputed invoices get none."""
        today = self.env.company._agency_billing_today()
        moves = self.search(self._agency_reminder_domain(today), order="invoice_date_due, id")
        return moves._agency_send_reminders(today)

    @api.model
    def _agency_reminder_domain(self, today):
        return [
            ("move_type", "=", "out_invoice"),
            ("state", "=", "posted"),
            ("payment_state", "in", ("not_paid", "partial")),
            ("disputed", "=", False),
            ("invoice_date_due", "<", today),
            ("commercial_partner_id.billing_automation", "=", True),
        ]

    def _agency_send_reminders(self, today):
        """Send what each policy says is due today; return the reminders logged."""
        # sudo: reminder logs are written by the reminder cron only (reminders are not edited by
        # hand).
        Reminder = self.env["agency.invoice.reminder"].sudo()
        logged = Reminder
        sent_steps = defaultdict(set)
        for log in Reminder.search([("move_id", "in", self.ids)]):
            sent_steps[log.move_id.id].add(log.step_id.id)
        for move in self:
            policy = move.commercial_partner_id._agency_reminder_policy(move.company_id)
            if not policy or move.payment_state in ("paid", "in_payment", "reversed"):
                continue
            steps = [reminder.Step(step.id, step.days) for step in policy.step_ids]
            days = (today - move.invoice_date_due).days
            due = reminder.due_step(days, steps, sent_steps[move.id])
            if not due:
                continue
            step = self.env["agency.reminder.step"].browse(due.key)
            try:
                with self.env.cr.savepoint():
                    message = move._agency_post_reminder(step)
                    logged |= Reminder.create({
                        "move_id": move.id, "step_id": step.id, "days_overdue": days,
                        "date": today, "mail_template_id": step.mail_template_id.id,
                        "message_id": message[:1].id,
                    })
            except Exception as error:  # one invoice never stops the others
                move.message_post(body=_("Reminder %(step)s could not be sent: %(error)s",
                                         step=step.name, error=error),
                                  subtype_xmlid="mail.mt_note")
        return logged

    def _agency_post_reminder(self, step):
        """Post the step's mail template on the invoice (emails the billing contacts)."""
        self.ensure_one()
        template = step.mail_template_id or self.env.ref(
            "agency_billing.mail_template_agency_reminder")
        return self.with_context(agency_reminder_step=step.name).message_post_with_source(
            template, message_type="comment", subtype_xmlid="mail.mt_comment",
        )

    # ------------------------------------------------------------------

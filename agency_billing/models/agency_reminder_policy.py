"""Reminder policies for overdue invoices and the log of reminders sent.

A policy is a list of steps, each sent a number of days after the due date from its own
mail template (for example a friendly note after 3 days, a firm one after 10, a final one
after 20). Clients use their own policy or the company's default. Reminders stop when the
invoice is paid or flagged as disputed. Which step is due is decided by
``..lib.reminder.due_step``.
"""

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class AgencyReminderPolicy(models.Model):
    """When overdue invoices get reminders, and with which mail."""

    _name = "agency.reminder.policy"
    _description = "Reminder Policy"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", index=True,
                                 help="Leave empty to share between companies.")
    step_ids = fields.One2many("agency.reminder.step", "policy_id", string="Steps", copy=True)
    summary = fields.Char(compute="_compute_summary")

    @api.depends("step_ids.days")
    def _compute_summary(self):
        for policy in self:
            days = sorted(policy.step_ids.mapped("days"))
            policy.summary = _("%s days after the due date", ", ".join(map(str, days))) \
                if days else _("No reminders")


class AgencyReminderStep(models.Model):
    """One reminder of a policy."""

    _name = "agency.reminder.step"
    _description = "Reminder Step"
    _order = "policy_id, days, id"
    _check_company_auto = True

    policy_id = fields.Many2one("agency.reminder.policy", required=True, ondelete="cascade",
                                index=True, check_company=True)
    company_id = fields.Many2one(related="policy_id.company_id", store=True, index=True)
    name = fields.Char(required=True, translate=True)
    days = fields.Integer(string="Days After Due Date", required=True)
    mail_template_id = fields.Many2one(
        "mail.template", domain=[("model", "=", "account.move")],
        help="Sent to the client's billing contacts (default: the Agency Billing reminder).",
    )

    @api.constrains("days")
    def _check_days(self):
        for step in self:
            if step.days < 1:
                raise ValidationError(_("A reminder is sent at least one day after the due "
                                        "date."))


class AgencyInvoiceReminder(models.Model):
    """A reminder sent for an overdue invoice (log)."""

    _name = "agency.invoice.reminder"
    _description = "Invoice Reminder Sent"
    _order = "date desc, id desc"
    _check_company_auto = True

    move_id = fields.Many2one("account.move", string="Invoice", required=True,
                              ondelete="cascade", index=True, check_company=True)
    company_id = fields.Many2one(related="move_id.company_id", store=True, index=True)
    partner_id = fields.Many2one(related="move_id.commercial_partner_id", string="Client",
                                 store=True)
    step_id = fields.Many2one("agency.reminder.step", ondelete="set null", check_company=True)
    days_overdue = fields.Integer()
    date = fields.Date(required=True)
    mail_template_id = fields.Many2one("mail.template", ondelete="set null")
    message_id = fields.Many2one("mail.message", ondelete="set null")

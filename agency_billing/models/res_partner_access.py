"""Clients: who reads their billing terms and billing state, and company consistency.

Billing terms and preferences (rounding, over-scope policy, cycle, detail level, PO
number, contacts, reminder policy) are read by internal users only, never by portal
users; the billing state (billed up to, next date, last run and error, disputes) and the
client's rate agreements by the billing readers
(:data:`~.agency_access.BILLING_READERS`). See the README's access matrix.
"""

from odoo import api, fields, models

from .agency_access import BILLING_READERS, INTERNAL_USERS


# One file per concern of the model (see the model's main file): meant, not mergeable.
# pylint: disable=consider-merging-classes-inherited
class ResPartnerAccess(models.Model):
    _inherit = "res.partner"

    time_rounding = fields.Selection(groups=INTERNAL_USERS)
    time_rounding_unit = fields.Integer(groups=INTERNAL_USERS)
    time_rounding_minimum = fields.Integer(groups=INTERNAL_USERS)
    agency_over_scope_policy = fields.Selection(groups=INTERNAL_USERS)
    billing_automation = fields.Boolean(groups=INTERNAL_USERS)
    billing_cycle = fields.Selection(groups=INTERNAL_USERS)
    billing_weekday = fields.Selection(groups=INTERNAL_USERS)
    billing_month_day = fields.Integer(groups=INTERNAL_USERS)
    billing_anchor_date = fields.Date(groups=INTERNAL_USERS)
    invoice_detail_level = fields.Selection(groups=INTERNAL_USERS)
    invoice_grouping = fields.Selection(groups=INTERNAL_USERS)
    po_required = fields.Boolean(groups=INTERNAL_USERS)
    auto_send = fields.Boolean(groups=INTERNAL_USERS)
    billing_contact_ids = fields.Many2many(groups=INTERNAL_USERS, check_company=True)
    reminder_policy_id = fields.Many2one(groups=INTERNAL_USERS, check_company=True)
    agency_rate_rule_ids = fields.One2many(groups=BILLING_READERS)
    billing_last_period_end = fields.Date(groups=BILLING_READERS)
    billing_next_date = fields.Date(groups=BILLING_READERS)
    billing_last_run_id = fields.Many2one(groups=BILLING_READERS)
    billing_last_error = fields.Char(groups=BILLING_READERS)
    billing_last_error_at = fields.Datetime(groups=BILLING_READERS)
    billing_dispute_count = fields.Integer(groups=BILLING_READERS)

    @api.constrains("reminder_policy_id", "billing_contact_ids", "company_id")
    def _check_agency_company(self):
        """Partners do not check companies by themselves: the addon's links are checked
        here."""
        self._check_company(["reminder_policy_id", "billing_contact_ids"])


# pylint: disable=consider-merging-classes-inherited
class ResCompanyAccess(models.Model):
    _inherit = "res.company"

    agency_reminder_policy_id = fields.Many2one(check_company=True)

    @api.constrains("agency_reminder_policy_id")
    def _check_agency_company(self):
        self._check_company(["agency_reminder_policy_id"])

"""Clients: who reads and who changes their billing terms and billing state, and company
consistency.

**Reading.** Billing terms and preferences (rounding, over-scope policy, cycle, detail
level, PO number, contacts, reminder policy) are read by internal users only, never by
portal users; the billing state (billed up to, next date, last run and error, disputes)
and the client's rate agreements by the billing readers
(:data:`~.agency_access.BILLING_READERS`).

**Changing** (:data:`PARTNER_GUARDED`, checked on ``create`` and ``write`` on the
server, whatever the form shows): what decides what the client pays, when it is billed
and whether its invoices are reviewed — rounding, over-scope policy, billing automation,
cycle and its dates, PO requirement, automatic sending, *Billed Up To* — is changed by
Agency Billing administrators (finance) only; how its invoices look and who receives them
(detail level, grouping, billing contacts, reminder policy, names and raw time shown) by
Agency Billing users (Account Directors) too; the billing state the runs keep (next
date, last run and error) by no person. Salespeople and contact managers keep editing
the rest of the partner; internal calls (importers, runs: ``sudo()``) are not concerned.
See the README's access matrix.
"""

from odoo import api, fields, models

from ..access import (
    BILLING_MANAGER,
    BILLING_READERS,
    BILLING_USER,
    INTERNAL_USERS,
    check_create,
    check_write,
)

PARTNER_GUARDED = {
    **dict.fromkeys((
        "time_rounding", "time_rounding_unit", "time_rounding_minimum",
        "agency_over_scope_policy", "billing_automation", "billing_cycle", "billing_weekday",
        "billing_month_day", "billing_anchor_date", "po_required", "auto_send",
        "billing_last_period_end",
    ), BILLING_MANAGER),
    **dict.fromkeys((
        "invoice_detail_level", "invoice_grouping", "billing_contact_ids",
        "reminder_policy_id", "invoice_show_names", "portal_show_raw_time",
    ), BILLING_USER),
    **dict.fromkeys((
        "billing_next_date", "billing_last_run_id", "billing_last_error",
        "billing_last_error_at",
    ), None),
}


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

    agency_terms_editable = fields.Boolean(
        compute="_compute_agency_terms_editable",
        help="Whether the current user may change the client's billing terms (the form "
        "shows them read-only otherwise; the server refuses the change anyway).",
    )

    @api.depends_context("uid")
    def _compute_agency_terms_editable(self):
        self.agency_terms_editable = self.env.su or self.env.user.has_group(BILLING_MANAGER)

    @api.model_create_multi
    def create(self, vals_list):
        check_create(self, PARTNER_GUARDED, vals_list)
        return super().create(vals_list)

    def write(self, vals):
        check_write(self, PARTNER_GUARDED, vals)
        return super().write(vals)

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

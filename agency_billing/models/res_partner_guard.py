"""Clients: who changes their billing terms and billing state.

**Changing** (:data:`PARTNER_GUARDED`, checked on ``create`` and ``write`` on the
server, whatever the form shows): what decides what the client pays, when it is billed
and whether its invoices are reviewed — rounding, over-scope policy, billing automation,
cycle and its dates, PO requirement, automatic sending, *Billed Up To* — is changed by
Agency Billing administrators (finance) only; how its invoices look and who receives them
(detail level, grouping, billing contacts, reminder policy, names and raw time shown) by
Agency Billing users (Account Directors) too; the billing state the runs keep (next
date, last run and error) by no person. Salespeople and contact managers keep editing
the rest of the partner; internal calls (importers, runs: ``sudo()``) are not concerned.
Who *reads* them: the ``groups`` of their definitions (``res_partner.py``). See the
README's access matrix.
"""

from odoo import api, fields, models

from ..access import BILLING_MANAGER, BILLING_USER, check_create, check_write

PARTNER_GUARDED = {
    **dict.fromkeys((
        "time_rounding", "time_rounding_unit", "time_rounding_minimum",
        "agency_over_scope_policy", "billing_automation", "billing_cycle", "billing_weekday",
        "agency_extra_round_policy",
        "billing_month_day", "billing_anchor_date", "po_required", "auto_send",
        "billing_last_period_end",
    ), BILLING_MANAGER),
    **dict.fromkeys((
        "invoice_detail_level", "invoice_grouping", "billing_contact_ids",
        "reminder_policy_id", "invoice_show_names", "portal_show_raw_time",
        "portal_show_unbilled_time", "agency_buyer_reference",
    ), BILLING_USER),
    **dict.fromkeys((
        "billing_next_date", "billing_last_run_id", "billing_last_error",
        "billing_last_error_at",
    ), None),
}


# One file per concern of the model (see the model's main file): meant, not mergeable.
# pylint: disable=consider-merging-classes-inherited
class ResPartnerGuard(models.Model):
    _inherit = "res.partner"

    agency_terms_editable = fields.Boolean(
        compute="_compute_agency_terms_editable",
        help="Whether the current user may change the client's billing terms (the form "
        "shows them read-only otherwise; the server refuses the change anyway).",
    )

    @api.depends_context("uid")
    def _compute_agency_terms_editable(self):
        self.agency_terms_editable = self.env.su or self.env.user.has_group(BILLING_MANAGER)

    @api.model
    def _agency_guard_create(self, vals_list):
        """Step of ``create`` (see the model's main file): refuse
        (:class:`~odoo.exceptions.AccessError`) creating clients with billing terms the
        current user may not set (superuser calls pass)."""
        check_create(self, PARTNER_GUARDED, vals_list)

    def _agency_guard_write(self, vals):
        """Step of ``write`` (see the model's main file): refuse
        (:class:`~odoo.exceptions.AccessError`) changing billing terms the current user
        may not change (superuser calls pass)."""
        check_write(self, PARTNER_GUARDED, vals)

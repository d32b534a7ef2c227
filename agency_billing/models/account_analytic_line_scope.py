"""Time entries: burn against scope budget lines, over-scope policy."""

from odoo import api, fields, models

from ..access import BILLING_READERS
from ..lib import scope

# Changes of these fields move time between budget lines or change its burn.
SCOPE_FIELDS = {
    "project_id", "task_id", "service_type_id", "unit_amount", "date", "employee_id",
    "job_id", "agency_rate", "exclude_from_billing", "classification_billable",
    "is_billable", "billed_unit_amount", "billing_hold", "service_type_hint_id",
    "source_non_billable",
}
# Changes of these fields record the entry on another budget line.
SCOPE_MOVE_FIELDS = {"project_id", "task_id", "service_type_id", "service_type_hint_id"}


# One file per concern of the model (see the model's main file): meant, not mergeable.
# pylint: disable=consider-merging-classes-inherited
class AccountAnalyticLineScope(models.Model):
    _inherit = "account.analytic.line"

    # ------------------------------------------------------------------
    # Scope: burn against budget lines, over-scope policy
    # ------------------------------------------------------------------
    # Recording or changing time refreshes the burn of the budget lines it touches, applies
    # the client's over-scope policy to time recorded after a line is used up, and sends
    # due alerts — once per batch (see agency.scope.line). Context key agency_scope_skip
    # turns this off (internal writes, bulk loads).

    over_scope_policy = fields.Selection(
        scope.OVER_SCOPE_POLICIES, copy=False, readonly=True, index="btree_not_null",
        help="How this entry, recorded after its budget line was used up, is treated.",
        groups=BILLING_READERS,
    )
    over_scope_reason = fields.Char(copy=False, readonly=True, groups=BILLING_READERS)

    def _agency_scope_pairs(self):
        """{(project id, service type id)} of these entries (which budget lines they burn)."""
        return {(line.project_id.id, line.service_type_id.id) for line in self
                if line.project_id and line.service_type_id}

    @api.model
    def _agency_scope_update(self, pairs, recorded=None):
        """Refresh the budget lines of these (project, service type) pairs; ``recorded``
        entries are new on their line and get the over-scope policy."""
        if not pairs or self.env.context.get("agency_scope_skip"):
            return
        # sudo: the budget lines a time entry burns follow whoever records it (a timesheet user
        # may not read budgets).
        lines = self.env["agency.scope.line"].sudo().search_fetch(
            [("project_id", "in", list({project for project, _type in pairs}))],
            ["project_id", "service_type_id", "milestone_id"],
        ).filtered(lambda line: (line.project_id.id, line.service_type_id.id) in pairs)
        if lines:
            lines._agency_after_time_recorded(recorded)

    def _agency_scope_recorded(self):
        """After create: these entries are recorded on their budget lines."""
        self._agency_scope_update(self._agency_scope_pairs(), recorded=self)

    def _agency_scope_snapshot(self, vals):
        """Before write: the budget lines the entries burn, when ``vals`` may change it."""
        if self.env.context.get("agency_scope_skip") or not SCOPE_FIELDS & vals.keys():
            return None
        return self._agency_scope_pairs()

    def _agency_scope_written(self, vals, before):
        """After write: refresh the lines left and joined; moved entries count as newly
        recorded on their new line."""
        if before is None:
            return
        moved = self if SCOPE_MOVE_FIELDS & vals.keys() else None
        self._agency_scope_update(before | self._agency_scope_pairs(), recorded=moved)

    def unlink(self):
        pairs = None if self.env.context.get("agency_scope_skip") else self._agency_scope_pairs()
        res = super().unlink()
        if pairs:
            self._agency_scope_update(pairs)
        return res

    def _agency_change_request_key(self, order):
        """(order id, product id, rate) of the change-request line billing this entry."""
        product = self.service_type_id.product_id
        if not product:
            return None
        return (order.id, product.id, order.currency_id.round(self.billing_rate))


"""Time entries (Odoo timesheets) in Agency Billing.

Each open time entry is classified (service type, billable or not, and why), rated
(the hourly rate of the winning rate rule, or one set by hand, and why), its billed time
rounded per the client's policy, and routed to the sale-order line that bills that
service at that rate — created on the order when missing. Odoo's own sale-order
invoicing then bills the right hours at the right rate, each entry exactly once
(``timesheet_invoice_id``). Overrides by hand are kept across re-rating and logged.

The decisions themselves are plain functions in ``..lib`` (rating, rounding,
classification); this model gathers records, calls them and writes the results.

Files by concern (each an ``_inherit`` of this model): this one holds the entry's own
fields, ``create``/``write`` and the helpers the others share; ``…_override`` (set by
hand, logged), ``…_rerate`` (re-rating after rules change), ``…_classification``,
``…_rating`` (role, rate, rounding, billed amount), ``…_routing`` (the sale line that
bills the entry), ``…_scope`` (burn and over-scope policy).
"""

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from .agency_classification_rule import SOURCES

# Fields a person (or an integration) may set by hand; each such change is an override
# that re-rating keeps, logged with who and why.
OVERRIDE_FIELDS = {
    "service_type_id": "classification",
    "agency_rate": "rate",
    "exclude_from_billing": "exclusion",
}
# Stored computed fields recomputed by a re-rate.
RERATE_FIELDS = (
    "service_type_id",
    "is_billable",
    "agency_rate",
    "billed_unit_amount",
    "so_line",
)

CLASSIFICATION_METHODS = [
    ("manual", "Set by hand"),
    ("rule", "Classification rule"),
    ("hint", "Source's hint"),
    ("task", "Task's service type"),
    ("learned", "Learned suggestion"),
    ("project", "Project's service type"),
    ("review", "Needs review"),
]
CLASSIFICATION_FIELDS = (
    "service_type_id",
    "classification_method",
    "classification_rule_id",
    "classification_confidence",
    "classification_reason",
    "classification_billable",
)

# Changes of these fields move time between budget lines or change its burn.
SCOPE_FIELDS = {
    "project_id", "task_id", "service_type_id", "unit_amount", "date", "employee_id",
    "job_id", "agency_rate", "exclude_from_billing", "classification_billable",
    "is_billable", "billed_unit_amount", "billing_hold", "service_type_hint_id",
    "source_non_billable",
}
# Changes of these fields may route the entry to a sale line the order lacks.
ROUTING_FIELDS = {
    "project_id", "task_id", "employee_id", "job_id", "date", "name", "source",
    "external_activity_type", "service_type_id", "service_type_hint_id", "agency_rate",
    "rate_locked", "classification_locked", "classification_billable", "exclude_from_billing",
    "is_billable", "is_so_line_edited", "so_line", "over_scope_policy", "source_non_billable",
}
# Changes of these fields record the entry on another budget line.
SCOPE_MOVE_FIELDS = {"project_id", "task_id", "service_type_id", "service_type_hint_id"}

# Fields that decide what a client pays for an entry, or say why. People change them only
# through the Agency Billing groups (the group each one needs); the rules themselves
# (computes, internal calls under sudo) and importers (``_agency_import_create`` and
# ``_agency_import_write``, which refuse them all but the hint) are the trusted paths.
# Billing users (Account Directors) classify and hold time; billing administrators
# (finance) also price it: rate, role, billed time, billability, exclusion, retainer,
# over scope, the sale line it is billed on.
BILLING_USER_GROUP = "agency_billing.group_agency_billing_user"
BILLING_MANAGER_GROUP = "agency_billing.group_agency_billing_manager"
PROTECTED_FIELDS = {
    **dict.fromkeys((
        "service_type_id", "service_type_hint_id", "classification_method",
        "classification_rule_id", "classification_confidence", "classification_reason",
        "classification_billable", "classification_locked", "billing_hold",
        "billing_hold_reason",
    ), BILLING_USER_GROUP),
    **dict.fromkeys((
        "agency_rate", "agency_currency_id", "rate_rule_id", "rate_reason", "no_rate_rule",
        "rate_issue", "rate_locked", "job_id", "billed_unit_amount", "billing_rate",
        "billed_amount", "is_billable", "exclude_from_billing", "exclusion_reason",
        "retainer_hours", "retainer_period_id", "over_scope", "over_scope_policy",
        "over_scope_reason", "needs_review", "review_reason", "so_line",
        "agency_credit_note_id", "billing_discount", "source_non_billable",
        # Odoo links invoiced time as superuser; by hand it would hide time from billing.
        "timesheet_invoice_id",
    ), BILLING_MANAGER_GROUP),
}

RATING_FIELDS = (
    "agency_currency_id",
    "rate_rule_id",
    "agency_rate",
    "rate_reason",
    "no_rate_rule",
    "rate_issue",
)


# Outputs of the rating and classification computes (set only with an override).
COMPUTED_OUTPUTS = (set(RATING_FIELDS) | set(CLASSIFICATION_FIELDS)) - set(OVERRIDE_FIELDS)


class AccountAnalyticLine(models.Model):
    _inherit = "account.analytic.line"

    source = fields.Selection(
        SOURCES, default="manual", help="Where this time entry was recorded."
    )
    external_ref = fields.Char(
        string="External Reference", index="btree_not_null", copy=False,
        help="Identifier of the entry in the system it came from (Asana, Monday, HubSpot).",
    )
    external_activity_type = fields.Char(
        help="Type of the external activity (e.g. call, meeting, email, task)."
    )
    needs_review = fields.Boolean(
        compute="_compute_needs_review", store=True,
        help="Classification or rating could not be decided with confidence.",
    )
    review_reason = fields.Char(compute="_compute_needs_review", store=True)
    agency_rerate_needed = fields.Boolean(
        copy=False, help="Rules changed since this open entry was last rated."
    )
    override_ids = fields.One2many(
        "agency.time.override", "line_id", string="Overrides", readonly=True
    )
    billing_hold = fields.Boolean(
        string="Held", copy=False,
        help="Billable, but neither counted as delivered nor invoiced until released "
        "(e.g. over scope until the client approves a change request).",
    )
    billing_hold_reason = fields.Char(string="Hold Reason", copy=False)
    over_scope = fields.Boolean(
        copy=False, help="Recorded after its scope budget line was used up."
    )

    def init(self):
        # Partial indexes: the few entries to review or to re-rate, found without adding
        # index upkeep to every time entry written.
        self.env.cr.execute(
            "CREATE INDEX IF NOT EXISTS account_analytic_line_agency_review_idx "
            "ON account_analytic_line (company_id) WHERE needs_review"
        )
        self.env.cr.execute(
            "CREATE INDEX IF NOT EXISTS account_analytic_line_agency_rerate_idx "
            "ON account_analytic_line (company_id) WHERE agency_rerate_needed"
        )

    # ------------------------------------------------------------------
    # Review flags
    # ------------------------------------------------------------------

    @api.depends("classification_method", "classification_reason", "no_rate_rule",
                 "rate_issue", "is_billable", "project_id.allow_billable")
    def _compute_needs_review(self):
        no_rule = self.env._("No rate rule: billed at the sale line's price")
        values = {}
        for line in self:
            reasons = []
            if line.project_id and line.classification_method == "review":
                reasons.append(line.classification_reason or self.env._("Unclassified"))
            if line.is_billable and line.project_id.allow_billable:
                if line.rate_issue:
                    reasons.append(line.rate_issue)
                elif line.no_rate_rule:
                    reasons.append(no_rule)
            values[line] = {"needs_review": bool(reasons),
                            "review_reason": "; ".join(reasons) or False}
        self._agency_assign(values)

    # ------------------------------------------------------------------
    # Overrides by hand, with who and why
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._agency_drop_computed_outputs(vals)
        # What the caller set by hand (create() adds computed values to vals_list).
        explicit = [OVERRIDE_FIELDS.keys() & vals.keys() for vals in vals_list]
        for vals, changed in zip(vals_list, explicit, strict=True):
            if changed:
                self._agency_override_locks(vals)
        lines = super().create(vals_list)  # routed by _check_can_create (see routing)
        for line, changed in zip(lines, explicit, strict=True):
            if changed and line.project_id:
                line._agency_log_overrides(dict.fromkeys(changed))
        lines._agency_scope_recorded()
        return lines

    def write(self, vals):
        if COMPUTED_OUTPUTS & vals.keys():
            # Given one output of a compute, Odoo would not recompute the others of the
            # same method in this write (e.g. a form sending the rate's currency).
            vals = dict(vals)
            self._agency_drop_computed_outputs(vals)
        scope_before = self._agency_scope_snapshot(vals)
        changed = OVERRIDE_FIELDS.keys() & vals.keys()
        if not changed:
            res = super().write(vals)
            if ROUTING_FIELDS & vals.keys():
                self._agency_route_missing()
            self._agency_scope_written(vals, scope_before)
            return res
        billed = self.filtered(lambda line: not line._is_not_billed())
        if billed:
            raise UserError(_(
                "These time entries are already invoiced; their rate, classification and "
                "billability cannot change: %s", ", ".join(billed.mapped("display_name"))
            ))
        before = {line.id: {fname: line[fname] for fname in changed} for line in self}
        vals = dict(vals)
        self._agency_override_locks(vals)
        res = super().write(vals)
        self._agency_route_missing()
        for line in self:
            line._agency_log_overrides(before[line.id])
        self._agency_scope_written(vals, scope_before)
        return res

    @api.model
    def _agency_drop_computed_outputs(self, vals):
        """Drop, in place, the outputs of the rating and classification computes that a
        form sends back with an entry (e.g. the rate's currency): given one, Odoo would
        not compute the others of the same method. Kept when the rate or the service
        type is set by hand (an override sets them all)."""
        if "agency_rate" not in vals:
            for fname in RATING_FIELDS:
                vals.pop(fname, None)
        if "service_type_id" not in vals:
            for fname in CLASSIFICATION_FIELDS:
                vals.pop(fname, None)

    def _agency_keep(self, fnames):
        """Keep the current values of computed fields (for invoiced or locked entries)."""
        for fname in fnames:
            self[fname] = self[fname]

    def _agency_assign(self, values_by_line):
        """Assign computed values, one cache write per group of entries sharing the same
        values (per-record assignment dominates the cost of rating large batches).

        :param values_by_line: {entry: {field name: value}}
        """
        groups = {}
        for line, values in values_by_line.items():
            # Odoo writes a monetary value to entries of one currency at a time: entries of
            # contracts in other currencies sharing a value go in separate groups.
            currencies = tuple(
                line[field.get_currency_field(line)] for fname in values
                if (field := self._fields[fname]).type == "monetary"
                and field.get_currency_field(line) not in values)
            groups.setdefault((tuple(values.items()), currencies), []).append(line.id)
        for (items, _currencies), ids in groups.items():
            lines = self.browse(ids)
            for fname, value in items:
                lines[fname] = value

    # ------------------------------------------------------------------
    # Billing: time covered by a retainer; what linking entries to an invoice keeps
    # ------------------------------------------------------------------

    retainer_period_id = fields.Many2one(
        "agency.retainer.period", copy=False, readonly=True,
        index="btree_not_null", ondelete="set null",
        help="The retainer period whose billing this entry belongs to.",
    )
    retainer_hours = fields.Float(
        string="Covered by Retainer", copy=False, readonly=True, digits=(16, 6),
        help="Part of the billed time the retainer fee covers; only the rest is billed at "
        "the entry's rate.",
    )

    @api.model
    def _agency_fields_kept_when_billed(self):
        """Stored fields of entries that depend on their invoice: their computes keep the
        value of billed entries, so linking entries to an invoice need not recompute them
        (see account.move._link_timesheets_to_invoice)."""
        tree = self.env.registry.get_trigger_tree([self._fields["timesheet_invoice_id"]])
        return [field for field in tree.root if field.model_name == self._name and field.store]


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
fields, the one ``create`` and ``write`` (each calls the other files' steps in an order
its docstring states) and the helpers the others share; ``…_override`` (set by hand,
logged), ``…_rerate`` (re-rating after rules change), ``…_classification``,
``…_rating`` (role, rate, rounding, billed amount), ``…_routing`` (the sale line that
bills the entry), ``…_scope`` (burn and over-scope policy), ``…_invoicing`` (invoiced or
not, held), ``…_import`` (the importers' path), ``…_guard`` (who may change what a client
pays), ``…_company`` (company consistency), ``…_portal``.

**Who reads what.** What an entry costs the client and why (rate, billed time and amount,
the rules that set them, holds, exclusions, over-scope and review reasons, overrides,
retainer cover) is read by the Agency Billing groups and Odoo's invoicing users and
auditors only (``groups=BILLING_READERS`` on each definition, in the file of its
concern): timesheet users, approvers, project users and portal users (project
collaborators included) record and see the time, its service type, role and
billability, not its price. Links to records of a company carry ``check_company``. See
the README's access matrix.
"""

from contextlib import nullcontext

from odoo import api, fields, models

from ..access import BILLING_READERS
from ..constants import CLASSIFICATION_FIELDS, OVERRIDE_FIELDS, RATING_FIELDS, SOURCES

# Changes of these fields may route the entry to a sale line the order lacks.
ROUTING_FIELDS = {
    "project_id", "task_id", "employee_id", "job_id", "date", "name", "source",
    "external_activity_type", "service_type_id", "service_type_hint_id", "agency_rate",
    "rate_locked", "classification_locked", "classification_billable", "exclude_from_billing",
    "is_billable", "is_so_line_edited", "so_line", "over_scope_policy", "source_non_billable",
}
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
        groups=BILLING_READERS,
    )
    review_reason = fields.Char(compute="_compute_needs_review", store=True, groups=BILLING_READERS)
    agency_rerate_needed = fields.Boolean(
        copy=False, help="Rules changed since this open entry was last rated.",
        groups=BILLING_READERS,
    )
    override_ids = fields.One2many(
        "agency.time.override", "line_id", string="Overrides", readonly=True,
        groups=BILLING_READERS,
    )
    billing_hold = fields.Boolean(
        string="Held", copy=False,
        help="Billable, but neither counted as delivered nor invoiced until released "
        "(e.g. over scope until the client approves a change request).",
        groups=BILLING_READERS,
    )
    billing_hold_reason = fields.Char(string="Hold Reason", copy=False, groups=BILLING_READERS)
    over_scope = fields.Boolean(
        copy=False, help="Recorded after its scope budget line was used up.",
        groups=BILLING_READERS,
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
    # Create and write: the steps of the model's files, in a stated order
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        """The one ``create`` of time entries: the steps of the model's files, in this
        order (``tests/test_write_order.py`` pins it):

        1. protected fields (``…_guard``, :meth:`_agency_protected_create_vals`): values
           the user may not set are refused; computed ones are set aside;
        2. the computes' outputs a form sends are dropped
           (:meth:`_agency_drop_computed_outputs`), values set by hand become locked
           overrides (``…_override``, :meth:`_agency_override_locks`);
        3. Odoo creates the entries (routed to their sale lines by ``_check_can_create``,
           ``…_routing``; the cost amounts Odoo writes entry by entry written in batches,
           :meth:`_agency_write_postprocessed`); the overrides are logged and the budget lines
           refreshed (``…_scope``, :meth:`_agency_scope_recorded`);
        4. the computed values set aside in 1 are compared with the rules' own
           (``…_guard``, :meth:`_agency_check_computed_protected`), in one savepoint
           with 2 and 3.
        """
        vals_list, protected = self._agency_protected_create_vals(vals_list)
        with self.env.cr.savepoint() if protected is not None else nullcontext():
            for vals in vals_list:
                self._agency_drop_computed_outputs(vals)
            # What the caller set by hand (create() adds computed values to vals_list).
            explicit = [OVERRIDE_FIELDS.keys() & vals.keys() for vals in vals_list]
            for vals, changed in zip(vals_list, explicit, strict=True):
                if changed:
                    self._agency_override_locks(vals)
            # Odoo's create; the values hr_timesheet writes on each new entry afterwards
            # are set aside and written in batches (_agency_write_postprocessed).
            key = id(vals_list)
            buffer = self.env.cr.cache[("agency_postprocess", key)] = {}
            try:
                lines = super(AccountAnalyticLine, self.with_context(
                    agency_postprocess=key)).create(vals_list).with_env(self.env)
            finally:
                self.env.cr.cache.pop(("agency_postprocess", key), None)
            lines._agency_write_postprocessed(buffer)
            for line, changed in zip(lines, explicit, strict=True):
                if changed and line.project_id:
                    line._agency_log_overrides(dict.fromkeys(changed))
            lines._agency_scope_recorded()
            if protected is not None:
                for line, values in zip(lines, protected, strict=True):
                    line._agency_check_computed_protected(values)
        return lines

    def write(self, vals):
        """The one ``write`` of time entries: the steps of the model's files, in this
        order (``tests/test_write_order.py`` pins it):

        1. invoicing (``…_invoicing``, :meth:`_agency_invoice_link_vals`): entries
           linked to an invoice, or unlinked, lose what a credit note gave back;
        2. protected fields (``…_guard``, :meth:`_agency_protected_write_vals`): a change
           the user may not make is refused; computed values are set aside;
        3. the computes' outputs a form sends are dropped
           (:meth:`_agency_drop_computed_outputs`); the budget lines the entries burn
           are noted (``…_scope``); values set by hand become locked overrides, refused
           on invoiced entries (``…_override``, :meth:`_agency_override_vals`);
        4. Odoo writes (entries whose classification a new description leaves as it is
           recompute nothing, ``…_classification``,
           :meth:`_agency_description_unchanged`); missing sale lines are added
           (``…_routing``, :meth:`_agency_route_missing`), the overrides logged and the
           budget lines refreshed (:meth:`_agency_scope_written`);
        5. the computed values set aside in 2 are compared with the rules' own
           (``…_guard``, :meth:`_agency_check_computed_protected`), in one savepoint
           with 3 and 4.
        """
        vals = self._agency_invoice_link_vals(vals)
        vals, protected = self._agency_protected_write_vals(vals)
        res = True
        with self.env.cr.savepoint() if protected else nullcontext():
            if vals or not protected:  # else only computed values came: nothing to write
                if COMPUTED_OUTPUTS & vals.keys():
                    # Given one output of a compute, Odoo would not recompute the others of
                    # the same method in this write (e.g. a form sending the rate's
                    # currency).
                    vals = dict(vals)
                    self._agency_drop_computed_outputs(vals)
                scope_before = self._agency_scope_snapshot(vals)
                vals, overridden = self._agency_override_vals(vals)
                unchanged, quiet = self._agency_description_unchanged(vals)
                with self.env.protecting(quiet) if quiet else nullcontext():
                    res = super().write(vals)
                if ROUTING_FIELDS & vals.keys():
                    (self - unchanged if unchanged else self)._agency_route_missing()
                for line in self if overridden else ():
                    line._agency_log_overrides(overridden[line.id])
                self._agency_scope_written(vals, scope_before)
            for line in self if protected else ():
                line._agency_check_computed_protected(protected)
        return res

    def _agency_write_postprocessed(self, buffer):
        """Write on these new entries the values ``hr_timesheet`` computed for each one
        after creating it (its cost ``amount``), once per distinct value instead of one
        ``write`` per entry: the same values, without paying a whole ``write`` (and the
        guards and recomputations it triggers) for every entry of a large batch.

        :param buffer: {entry id: values}, filled by :meth:`_timesheet_postprocess_values`
        """
        groups = {}
        for line_id, values in buffer.items():
            try:
                groups.setdefault(tuple(sorted(values.items())), []).append(line_id)
            except TypeError:  # an unhashable value: written alone
                groups[(line_id,)] = (values, [line_id])
        # sudo: as hr_timesheet writes them (values it computed, not the caller's).
        entries = self.sudo()
        for items, ids in groups.items():
            values, ids = ids if isinstance(ids, tuple) else (dict(items), ids)
            entries.browse(ids).write(values)

    def _timesheet_postprocess_values(self, values):
        """Within ``create``, the values to write on the new entries are set aside, to be
        written in batches once they all exist (:meth:`_agency_write_postprocessed`)."""
        result = super()._timesheet_postprocess_values(values)
        key = self.env.context.get("agency_postprocess")
        buffer = self.env.cr.cache.get(("agency_postprocess", key)) if key else None
        if buffer is None:
            return result
        for line_id, line_values in result.items():
            if line_values:
                buffer.setdefault(line_id, {}).update(line_values)
        return {line_id: {} for line_id in result}

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
        currency_fields = {}  # {field names given: currency fields to group by}
        for line, values in values_by_line.items():
            # Odoo writes a monetary value to entries of one currency at a time: entries of
            # contracts in other currencies sharing a value go in separate groups.
            fnames = tuple(values)
            if fnames not in currency_fields:
                currency_fields[fnames] = tuple(dict.fromkeys(
                    currency for fname in fnames
                    if (field := self._fields[fname]).type == "monetary"
                    and (currency := field.get_currency_field(line)) not in values))
            currencies = tuple(line[fname] for fname in currency_fields[fnames])
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
        groups=BILLING_READERS, check_company=True,
    )
    retainer_hours = fields.Float(
        string="Covered by Retainer", copy=False, readonly=True, digits=(16, 6),
        help="Part of the billed time the retainer fee covers; only the rest is billed at "
        "the entry's rate.",
        groups=BILLING_READERS,
    )

    @api.model
    def _agency_fields_kept_when_billed(self):
        """Stored fields of entries that depend on their invoice: their computes keep the
        value of billed entries, so linking entries to an invoice need not recompute them
        (see account.move._link_timesheets_to_invoice)."""
        tree = self.env.registry.get_trigger_tree([self._fields["timesheet_invoice_id"]])
        return [field for field in tree.root if field.model_name == self._name and field.store]


"""Time entries (Odoo timesheets) in Agency Billing.

Each open time entry is classified (service type, billable or not, and why), rated
(the hourly rate of the winning rate rule, or one set by hand, and why), its billed time
rounded per the client's policy, and routed to the sale-order line that bills that
service at that rate — created on the order when missing. Odoo's own sale-order
invoicing then bills the right hours at the right rate, each entry exactly once
(``timesheet_invoice_id``). Overrides by hand are kept across re-rating and logged.

The decisions themselves are plain functions in ``..lib`` (rating, rounding,
classification); this model gathers records, calls them and writes the results.
"""

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, float_round

from ..lib import classification, rating, rounding, scope
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
    "is_billable", "billed_unit_amount", "billing_hold",
}
# Changes of these fields record the entry on another budget line.
SCOPE_MOVE_FIELDS = {"project_id", "task_id", "service_type_id"}

RATING_FIELDS = (
    "agency_currency_id",
    "rate_rule_id",
    "agency_rate",
    "rate_reason",
    "no_rate_rule",
    "rate_issue",
)


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
        # What the caller set by hand (create() adds computed values to vals_list).
        explicit = [OVERRIDE_FIELDS.keys() & vals.keys() for vals in vals_list]
        for vals, changed in zip(vals_list, explicit, strict=True):
            if changed:
                self._agency_override_locks(vals)
        lines = super().create(vals_list)
        for line, changed in zip(lines, explicit, strict=True):
            if changed and line.project_id:
                line._agency_log_overrides(dict.fromkeys(changed))
        lines._agency_scope_recorded()
        return lines

    def write(self, vals):
        scope_before = self._agency_scope_snapshot(vals)
        changed = OVERRIDE_FIELDS.keys() & vals.keys()
        if not changed:
            res = super().write(vals)
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
        for line in self:
            line._agency_log_overrides(before[line.id])
        self._agency_scope_written(vals, scope_before)
        return res

    def _agency_override_locks(self, vals):
        """Turn values set by hand into locked overrides, in place."""
        reason = self.env.context.get("agency_override_reason")
        who = self.env.user.name
        if "service_type_id" in vals:
            vals.setdefault("classification_locked", True)
            vals.setdefault("classification_method", "manual")
            vals.setdefault("classification_rule_id", False)
            vals.setdefault("classification_confidence", 1.0)
            vals.setdefault("classification_reason", _(
                "Set by hand by %(who)s: %(why)s", who=who, why=reason or _("no reason given")
            ))
        if "agency_rate" in vals:
            vals.setdefault("rate_locked", True)
            vals.setdefault("rate_rule_id", False)
            vals.setdefault("no_rate_rule", False)
            vals.setdefault("rate_issue", False)
            vals.setdefault("rate_reason", _(
                "Set by hand by %(who)s: %(why)s", who=who, why=reason or _("no reason given")
            ))
        if vals.get("exclude_from_billing") and not vals.get("exclusion_reason"):
            vals["exclusion_reason"] = reason or False

    def _agency_log_overrides(self, before):
        """Record each override of this entry and say it in the project's chatter."""
        self.ensure_one()
        reason = self.env.context.get("agency_override_reason") or (
            self.exclusion_reason if "exclude_from_billing" in before else False
        )
        logs = []
        for fname, old in before.items():
            new = self[fname]
            logs.append({
                "line_id": self.id,
                "kind": OVERRIDE_FIELDS[fname],
                "old_value": self._agency_display_value(fname, old),
                "new_value": self._agency_display_value(fname, new),
                "reason": reason or _("no reason given"),
            })
        overrides = self.env["agency.time.override"].sudo().create(logs)
        if self.project_id:
            body = _(
                "Time entry %(entry)s: %(changes)s — by %(who)s. Reason: %(why)s",
                entry=f"{self.date} {self.employee_id.name or ''} «{self.name or ''}»",
                changes="; ".join(o.summary for o in overrides),
                who=self.env.user.name,
                why=reason or _("no reason given"),
            )
            self.project_id.sudo().message_post(body=body, message_type="comment",
                                                subtype_xmlid="mail.mt_note")

    def _agency_display_value(self, fname, value):
        if value is None:
            return _("(computed)")
        field = self._fields[fname]
        if field.type == "many2one":
            return value.display_name if value else _("none")
        if field.type == "boolean":
            return _("excluded") if value else _("billable")
        if field.type == "monetary":
            return f"{value or 0.0:.2f}"
        return str(value)

    @api.constrains("exclude_from_billing", "exclusion_reason")
    def _check_exclusion_reason(self):
        for line in self:
            if line.exclude_from_billing and not (line.exclusion_reason or "").strip():
                raise ValidationError(_("Say why the time entry is excluded from billing."))

    def action_agency_unlock(self):
        """Drop the overrides of these open entries and let the rules decide again."""
        lines = self.filtered(lambda line: line._is_not_billed())
        lines.write({"classification_locked": False, "rate_locked": False})
        for line in lines:
            if line.project_id:
                line.project_id.sudo().message_post(
                    body=_("Time entry %(entry)s: overrides removed by %(who)s; rules apply.",
                           entry=f"{line.date} «{line.name or ''}»", who=self.env.user.name),
                    subtype_xmlid="mail.mt_note",
                )
        lines._agency_rerate()
        return True

    # ------------------------------------------------------------------
    # Re-rating after rules change
    # ------------------------------------------------------------------

    def _agency_open_domain(self, companies, partners=None):
        """Time entries not (or no longer) invoiced, of these companies or clients."""
        domain = [
            ("project_id", "!=", False),
            ("company_id", "in", companies.ids),
            "|",
            ("timesheet_invoice_id", "=", False),
            ("timesheet_invoice_id.state", "=", "cancel"),
        ]
        if partners:
            domain += [
                "|", ("project_id.partner_id", "child_of", partners.ids),
                ("order_id.partner_id", "child_of", partners.ids),
            ]
        return domain

    @api.model
    def _agency_flag_rerate(self, companies, partners=None):
        """Mark the open entries of these companies (or clients) for re-rating, in one
        query, and wake the re-rate cron."""
        if not companies:
            return
        self.env.flush_all()  # the raw UPDATE below reads what the ORM may still hold
        query = self.sudo()._search(self._agency_open_domain(companies, partners))
        self.env.cr.execute(SQL(
            "UPDATE account_analytic_line SET agency_rerate_needed = TRUE "
            "WHERE agency_rerate_needed IS NOT TRUE AND id IN %s", query.subselect()
        ))
        self.invalidate_model(["agency_rerate_needed"])
        cron = self.env.ref("agency_billing.ir_cron_agency_rerate", raise_if_not_found=False)
        if cron:
            cron.sudo()._trigger()

    def _agency_rerate(self):
        """Re-classify, re-rate, re-round and re-route these entries; invoiced ones and
        overrides are kept by the compute methods themselves."""
        lines = self.filtered(lambda line: line.project_id and line._is_not_billed())
        # Dependents of the old values (e.g. the sale line an entry leaves) and of the new
        # ones (the line it joins) must follow: a plain recompute does not notify them.
        lines.modified(RERATE_FIELDS, before=True)
        for fname in RERATE_FIELDS:
            self.env.add_to_compute(self._fields[fname], lines)
        lines._recompute_recordset()
        lines.modified(RERATE_FIELDS)
        self.env.flush_all()
        self.filtered("agency_rerate_needed").write({"agency_rerate_needed": False})
        return len(lines)

    @api.model
    def _agency_rerate_pending(self, companies, limit=2000):
        lines = self.sudo().search(
            [("agency_rerate_needed", "=", True), ("company_id", "in", companies.ids)],
            limit=limit,
        )
        return lines._agency_rerate()

    @api.model
    def _cron_agency_rerate(self, batch_size=2000):
        """Cron: re-rate flagged entries one batch per call (the cron loops while there
        are some left, committing each batch)."""
        done = self._agency_rerate_pending(self.env["res.company"].search([]), limit=batch_size)
        remaining = self.sudo().search_count([("agency_rerate_needed", "=", True)])
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)

    # ------------------------------------------------------------------
    # Classification: service type and billability, and why
    # ------------------------------------------------------------------

    service_type_id = fields.Many2one(
        "agency.service.type", compute="_compute_classification", store=True,
        readonly=False,
    )
    classification_method = fields.Selection(
        CLASSIFICATION_METHODS, compute="_compute_classification", store=True,
        readonly=False, string="Classified By",
    )
    classification_rule_id = fields.Many2one(
        "agency.classification.rule", compute="_compute_classification", store=True,
        readonly=False, ondelete="set null",
    )
    classification_confidence = fields.Float(
        compute="_compute_classification", store=True, readonly=False,
        digits=(3, 2), help="1.0 for rules and people; the probability of a learned suggestion.",
    )
    classification_reason = fields.Char(
        compute="_compute_classification", store=True, readonly=False,
    )
    classification_billable = fields.Selection(
        [("default", "Service type"), ("billable", "Billable"), ("non_billable", "Non-billable")],
        compute="_compute_classification", store=True, readonly=False,
    )
    classification_locked = fields.Boolean(
        copy=False, help="Classified by hand: rules and re-rating leave it alone."
    )
    exclude_from_billing = fields.Boolean(
        copy=False, help="Never invoiced, whatever the rules say."
    )
    exclusion_reason = fields.Char(copy=False)
    is_billable = fields.Boolean(
        string="Billable Time", compute="_compute_is_billable", store=True, readonly=False,
    )

    @api.depends("name", "source", "external_activity_type", "project_id", "task_id",
                 "task_id.name", "task_id.tag_ids", "task_id.service_type_id",
                 "project_id.service_type_id", "classification_locked")
    def _compute_classification(self):
        todo = self.filtered(
            lambda line: line.project_id and not line.classification_locked
            and line._is_not_billed()
        )
        for line in self - todo:
            line._agency_keep(CLASSIFICATION_FIELDS)
        for company in todo.company_id:
            todo.filtered(lambda line, c=company: line.company_id == c)._agency_classify(company)

    def _agency_classify(self, company):
        """Classify entries of one company: rule, then task, learned suggestion, project."""
        rules = self.env["agency.classification.rule"]._plain_rules(company)
        threshold = company.agency_classification_threshold
        decisions = {}
        need_learning = {}
        for line in self:
            task = line.task_id
            item = classification.Item(
                description=line.name or "",
                task_name=task.name or "",
                source=line.source or None,
                project=line.project_id.id,
                tags=frozenset(task.tag_ids.ids),
                activity_type=line.external_activity_type or None,
            )
            rule = classification.first_matching_rule(rules, item)
            decision = {
                "classification_rule_id": rule.id if rule else False,
                "classification_billable": rule.billable if rule else "default",
                "service_type_id": False,
                "classification_confidence": 0.0,
            }
            notes = [self.env._("Rule: %s", rule.reason)] if rule else []
            if rule and rule.service_type:
                decision.update(service_type_id=rule.service_type,
                                classification_method="rule", classification_confidence=1.0)
            elif task.service_type_id:
                decision.update(service_type_id=task.service_type_id.id,
                                classification_method="task", classification_confidence=1.0)
                notes.append(self.env._("Task '%(task)s' is %(type)s work", task=task.name,
                               type=task.service_type_id.name))
            else:
                need_learning[line] = classification.features(
                    line.name, task.name, line.source, line.external_activity_type
                )
            decisions[line] = (decision, notes)
        if need_learning:
            tokens = sorted({t for toks in need_learning.values() for t in toks})
            counts, totals = self.env["agency.classification.stat"]._statistics(company, tokens)
            types = self.env["agency.service.type"].browse(list(totals))
            names = {stype.id: stype.name for stype in types}
            for line, tokens in need_learning.items():
                decision, notes = decisions[line]
                suggestion = classification.suggest(tokens, counts, totals)
                line._agency_decide_learned(decision, notes, suggestion, threshold, names)
        for decision, notes in decisions.values():
            decision["classification_reason"] = "; ".join(notes) or False
        self._agency_assign({line: decision for line, (decision, _notes) in decisions.items()})

    def _agency_decide_learned(self, decision, notes, suggestion, threshold, names):
        """Apply a confident suggestion, else the project's type, else flag for review."""
        line = self
        if suggestion and suggestion.confidence >= threshold:
            decision.update(service_type_id=suggestion.service_type,
                            classification_method="learned",
                            classification_confidence=round(suggestion.confidence, 2))
            notes.append(self.env._(
                "Learned from %(n)s past entries: %(words)s → %(type)s (%(pct)s%%)",
                n=suggestion.entries, words=", ".join(f"'{w}'" for w in suggestion.evidence),
                type=names.get(suggestion.service_type, ""),
                pct=int(suggestion.confidence * 100),
            ))
            return
        if suggestion:
            decision["classification_confidence"] = round(suggestion.confidence, 2)
        project_type = line.project_id.service_type_id
        if project_type:
            decision.update(service_type_id=project_type.id, classification_method="project")
            notes.append(self.env._("Project's service type %s", project_type.name))
        elif suggestion:
            decision["classification_method"] = "review"
            notes.append(self.env._(
                "Low-confidence suggestion %(type)s (%(pct)s%%, below %(min)s%%): please "
                "classify", type=names.get(suggestion.service_type, ""),
                pct=int(suggestion.confidence * 100), min=int(threshold * 100),
            ))
        else:
            decision["classification_method"] = "review"
            notes.append(self.env._(
                "No rule, task type, learned suggestion or project type: please classify"
            ))

    @api.depends("exclude_from_billing", "service_type_id", "service_type_id.billable",
                 "classification_billable", "project_id", "over_scope_policy")
    def _compute_is_billable(self):
        values = {}
        for line in self:
            if not line._is_not_billed():
                billable = line.is_billable  # kept as invoiced
            elif not line.project_id or line.exclude_from_billing:
                billable = False
            elif line.over_scope_policy == "absorbed":
                billable = False  # over scope, absorbed by the agency
            elif line.classification_billable == "billable":
                billable = True
            elif line.classification_billable == "non_billable":
                billable = False
            elif line.service_type_id:
                billable = line.service_type_id.billable
            else:
                billable = True
            values[line] = {"is_billable": billable}
        self._agency_assign(values)

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
            groups.setdefault(tuple(values.items()), []).append(line.id)
        for items, ids in groups.items():
            lines = self.browse(ids)
            for fname, value in items:
                lines[fname] = value

    # ------------------------------------------------------------------
    # Rating: role, rate rule, rate, billed time and amount
    # ------------------------------------------------------------------

    job_id = fields.Many2one(
        "hr.job", string="Role", compute="_compute_job_id", store=True, readonly=False,
        help="The employee's job position unless set on the entry.",
    )
    agency_currency_id = fields.Many2one(
        "res.currency", string="Rate Currency", compute="_compute_agency_rating", store=True,
        readonly=False,
    )
    rate_rule_id = fields.Many2one(
        "agency.rate.rule", compute="_compute_agency_rating", store=True,
        readonly=False, ondelete="set null",
    )
    agency_rate = fields.Monetary(
        string="Rate", currency_field="agency_currency_id", compute="_compute_agency_rating",
        store=True, readonly=False,
        help="Hourly rate from the winning rate rule (or set by hand), in the order's currency.",
    )
    rate_reason = fields.Char(
        compute="_compute_agency_rating", store=True, readonly=False,
    )
    no_rate_rule = fields.Boolean(
        compute="_compute_agency_rating", store=True, readonly=False,
        help="No rate rule matched: Odoo's own sale line decides the price.",
    )
    rate_issue = fields.Char(
        compute="_compute_agency_rating", store=True, readonly=False,
        help="Why the rate could not be fully resolved (client, currency...).",
    )
    rate_locked = fields.Boolean(copy=False, help="Rate set by hand: re-rating keeps it.")
    billed_unit_amount = fields.Float(
        string="Billed Time", compute="_compute_billed_unit_amount", store=True,
        readonly=False, digits="Product Unit of Measure",
        help="Time invoiced for this entry: the raw time rounded per the client's policy "
        "(zero when the entry is not billable).",
    )
    billing_rate = fields.Monetary(
        currency_field="agency_currency_id", compute="_compute_billed_amount", store=True,
        help="Rate the entry is invoiced at: the rule's rate or its sale line's price.",
    )
    billed_amount = fields.Monetary(
        currency_field="agency_currency_id", compute="_compute_billed_amount", store=True,
        help="Billed time × billing rate.",
    )

    # ------------------------------------------------------------------
    # Role
    # ------------------------------------------------------------------

    @api.depends("employee_id")
    def _compute_job_id(self):
        self._agency_assign({
            line: {"job_id": line.employee_id.job_id if line._is_not_billed() else line.job_id}
            for line in self
        })

    # ------------------------------------------------------------------
    # Rating
    # ------------------------------------------------------------------

    def _agency_sale_order(self):
        """The sale order (contract) this entry's work belongs to, if any."""
        return (self.task_id.sale_line_id or self.project_id.sale_line_id).order_id

    def _agency_client(self, order):
        partner = order.partner_id or self.task_id.partner_id or self.project_id.partner_id
        return partner.commercial_partner_id

    def _agency_context(self, memo):
        """{'order', 'client'} of this entry, memoised per (task, project) in `memo`."""
        key = (self.task_id.id, self.project_id.id)
        if key not in memo:
            order = self._agency_sale_order()
            memo[key] = {"order": order, "client": self._agency_client(order)}
        return memo[key]

    @api.depends("employee_id", "job_id", "service_type_id", "project_id", "task_id", "date",
                 "rate_locked", "project_id.sale_line_id", "task_id.sale_line_id",
                 "project_id.partner_id", "task_id.partner_id")
    def _compute_agency_rating(self):
        todo = self.filtered(
            lambda line: line.project_id and not line.rate_locked and line._is_not_billed()
        )
        for line in self - todo:
            if line.project_id:
                line._agency_keep(RATING_FIELDS)
            else:
                line.update(dict.fromkeys(RATING_FIELDS, False))
        for company in todo.company_id:
            lines = todo.filtered(lambda line, c=company: line.company_id == c)
            lines._agency_rate(company)

    def _agency_rate(self, company):
        """Rate the entries of one company against its rules, in one pass."""
        index = self.env["agency.rate.rule"]._rule_index(company)
        converter = _Converter(self.env, company)
        no_rule = self.env._("No rate rule matches: Odoo's own sale line decides")
        no_client = self.env._("No client on the project or its sale order")
        memo, contexts, values = {}, {}, {}
        for line in self:
            context = line._agency_context(contexts)
            order, client = context["order"], context["client"]
            currency = order.currency_id or company.currency_id
            entry = rating.Entry(
                date=line.date,
                order=order.id or None,
                project=line.project_id.id,
                partner=client.id or None,
                employee=line.employee_id.id or None,
                job=line.job_id.id or None,
                service_type=line.service_type_id.id or None,
            )
            memo_key = index.memo_key(entry, currency.id)
            result = memo.get(memo_key) if memo_key else None
            result = result or index.resolve(
                entry,
                convert=lambda amount, cur, day, to=currency: converter.convert(amount, cur, to,
                                                                               day),
                fallback=lambda line=line, order=order: line._agency_fallback_price(order,
                                                                                    company),
            )
            if memo_key:
                memo[memo_key] = result
            issues = []
            if not client and line.project_id.allow_billable:
                issues.append(no_client)
            issues += converter.pop_issues()
            if result.rule:
                reason = result.reason
            elif result.candidates:
                reason = self.env._("No rate rule matches (%s): Odoo's own sale line decides",
                                    result.reason)
            else:
                reason = no_rule
            values[line] = {
                "agency_currency_id": currency,
                "rate_rule_id": result.rule.id if result.rule else False,
                "agency_rate": currency.round(result.rate) if result.rule else 0.0,
                "no_rate_rule": not result.rule,
                "rate_reason": reason,
                "rate_issue": "; ".join(issues) or False,
            }
        self._agency_assign(values)

    def _agency_fallback_price(self, order, company):
        """(rate, currency id, label) a discount applies to when no fixed rule ranks below it:
        the order's own line for the service's product, else the product's sales price."""
        return self._agency_product_price(self.service_type_id.product_id, order, company)

    @api.model
    def _agency_product_price(self, product, order, company):
        """(rate, currency id, label) of a service product on an order (its line, else the
        product's sales price), or None without product."""
        if not product:
            return None
        if order:
            line = next((sol for sol in order.order_line if sol.product_id == product
                         and not sol.display_type), None)
            if line:
                label = self.env._("sale line %s", line.name)
                return (line.price_unit, order.currency_id.id, label)
        label = self.env._("price of %s", product.name)
        return (product.lst_price, company.currency_id.id, label)

    # ------------------------------------------------------------------
    # Rounding
    # ------------------------------------------------------------------

    @api.depends("unit_amount", "product_uom_id", "is_billable", "project_id", "task_id",
                 "project_id.sale_line_id")
    def _compute_billed_unit_amount(self):
        hour = self.env.ref("uom.product_uom_hour")
        contexts, policies, values = {}, {}, {}
        for line in self:
            if not line._is_not_billed():
                # Kept once invoiced; entries invoiced before this addon existed keep their
                # raw time.
                values[line] = {"billed_unit_amount": line.billed_unit_amount
                                or line.unit_amount}
                continue
            if not line.project_id or not line.is_billable:
                values[line] = {"billed_unit_amount": 0.0}
                continue
            context = line._agency_context(contexts)
            policy_key = (context["client"].id, line.company_id.id)
            if policy_key not in policies:
                policies[policy_key] = context["client"]._agency_rounding_policy(
                    line.company_id
                )
            method, unit, minimum = policies[policy_key]
            uom = line.product_uom_id or line.company_id.project_time_mode_id or hour
            if uom == hour or uom.category_id != hour.category_id:
                billed = rounding.round_hours(line.unit_amount, method, unit, minimum)
            else:
                hours = uom._compute_quantity(line.unit_amount, hour, round=False)
                billed = hour._compute_quantity(
                    rounding.round_hours(hours, method, unit, minimum), uom, round=False
                )
            values[line] = {"billed_unit_amount": billed}
        self._agency_assign(values)

    @api.depends("billed_unit_amount", "agency_rate", "rate_rule_id", "rate_locked",
                 "so_line.price_unit")
    def _compute_billed_amount(self):
        values = {}
        for line in self:
            if line.rate_rule_id or line.rate_locked:
                rate = line.agency_rate
            else:
                rate = line.so_line.price_unit
            currency = line.agency_currency_id
            amount = line.billed_unit_amount * rate
            values[line] = {
                "billing_rate": rate,
                "billed_amount": float_round(amount, precision_rounding=currency.rounding)
                if currency else amount,
            }
        self._agency_assign(values)

    # ------------------------------------------------------------------
    # Routing to the sale line that bills the entry
    # ------------------------------------------------------------------

    @api.depends("is_billable", "service_type_id", "rate_rule_id", "agency_rate", "rate_locked",
                 "agency_currency_id")
    def _compute_so_line(self):
        lines_map = self._agency_prepare_sale_lines()
        return super(AccountAnalyticLine, self.with_context(agency_sale_lines=lines_map)
                     )._compute_so_line()

    def _timesheet_determine_sale_line(self):
        """Route billable entries rated by a rule (or by hand) to the order line of their
        service at their rate; non-billable ones to none; others as Odoo does."""
        if self.project_id and not self.is_billable:
            return self.env["sale.order.line"]
        key = self._agency_route_key()
        if key:
            lines_map = self.env.context.get("agency_sale_lines")
            if lines_map is None or key not in lines_map:
                lines_map = self._agency_prepare_sale_lines()
            if line_id := lines_map.get(key):
                return self.env["sale.order.line"].browse(line_id)
        return super()._timesheet_determine_sale_line()

    def _agency_route_key(self):
        """(order id, product id, rate) of the sale line that should bill this entry."""
        if not (self.rate_rule_id or self.rate_locked) or not self.is_billable:
            return None
        contract_line = self.task_id.sale_line_id or self.project_id.sale_line_id
        order = contract_line.order_id
        # The service type's product; without a type, the product of the contract line
        # Odoo would bill this time on.
        product = self.service_type_id.product_id or contract_line.product_id
        if not order or not product or order.currency_id != self.agency_currency_id:
            return None
        return (order.id, product.id, order.currency_id.round(self.agency_rate))

    def _agency_prepare_sale_lines(self):
        """Find, or create in one batch, the sale lines the given entries route to.

        :return: {(order id, product id, rate): sale line id}
        """
        todo = self.filtered(
            lambda line: not line.is_so_line_edited and line._is_not_billed()
            and line.project_id.allow_billable
        )
        keys = {key: line for line in todo if (key := line._agency_route_key())}
        if not keys:
            return {}
        mapping = self._agency_find_sale_lines(keys)
        return mapping

    def _agency_find_sale_lines(self, keys):
        """{key: sale line id} for route keys, creating the missing lines in one batch.

        :param keys: {(order id, product id, rate): an entry routed there}
        """
        SaleLine = self.env["sale.order.line"].sudo()
        orders = self.env["sale.order"].sudo().browse({key[0] for key in keys})
        existing = SaleLine.search([
            ("order_id", "in", orders.ids),
            ("product_id", "in", list({key[1] for key in keys})),
            ("display_type", "=", False),
            ("is_downpayment", "=", False),
            ("is_expense", "=", False),
        ], order="sequence, id")
        mapping = {}
        for sol in existing:
            key = (sol.order_id.id, sol.product_id.id, sol.currency_id.round(sol.price_unit))
            mapping.setdefault(key, sol.id)
        vals_list = []
        next_sequence = {order.id: max(order.order_line.mapped("sequence") or [0]) + 1
                         for order in orders}
        for key, line in keys.items():
            if key in mapping:
                continue
            order = orders.browse(key[0])
            if order.state != "sale" or order.locked:
                continue
            vals_list.append(line._agency_sale_line_values(order, key, next_sequence))
        if vals_list:
            created = SaleLine.with_context(
                no_update_allocated_hours=True, sale_no_log_for_new_lines=True
            ).create(vals_list)
            for sol in created:
                mapping[(sol.order_id.id, sol.product_id.id,
                         sol.currency_id.round(sol.price_unit))] = sol.id
            self._agency_log_new_sale_lines(created)
        return mapping

    @api.model
    def _agency_log_new_sale_lines(self, sale_lines):
        """One chatter note per order listing the billing lines rate rules added."""
        bodies = {}
        for sol in sale_lines:
            bodies.setdefault(sol.order_id.id, []).append(f"{sol.name} ({sol.price_unit:.2f})")
        orders = sale_lines.order_id
        orders._message_log_batch(bodies={
            order_id: self.env._("Agency Billing added billing lines for rated time: %s",
                                 ", ".join(lines))
            for order_id, lines in bodies.items()
        })

    def _agency_sale_line_values(self, order, key, next_sequence):
        """Values of a new time-and-materials line billing this entry's rate (hook)."""
        product = self.env["product.product"].browse(key[1])
        label = self.rate_rule_id.name or (
            _("rate set by hand") if self.rate_locked else self.rate_rule_id.display_name
        )
        sequence = next_sequence[order.id]
        next_sequence[order.id] += 1
        values = {
            "order_id": order.id,
            "product_id": product.id,
            "name": f"{product.display_name} – {label}",
            "product_uom_qty": 0.0,
            "price_unit": key[2],
            "discount": 0.0,
            "sequence": sequence,
        }
        contract_line = self.task_id.sale_line_id or self.project_id.sale_line_id
        if contract_line.order_id == order:
            # Same project, same analytic accounts as the contract line it sits next to.
            values["analytic_distribution"] = contract_line.analytic_distribution
        sibling = next((sol for sol in order.order_line
                        if sol.product_id == product and not sol.display_type), None)
        if sibling:
            # Same product on the same order: same taxes, unit and lead time (saves Odoo
            # computing them line by line when rules add many lines at once).
            values.update(tax_id=[(6, 0, sibling.tax_id.ids)],
                          product_uom=sibling.product_uom.id,
                          customer_lead=sibling.customer_lead)
        if product.service_tracking != "no":
            values["project_id"] = self.project_id.id  # never spawn a project
        return values

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
    )
    over_scope_reason = fields.Char(copy=False, readonly=True)

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

    # ------------------------------------------------------------------
    # Billing: time covered by a retainer; what linking entries to an invoice keeps
    # ------------------------------------------------------------------

    retainer_period_id = fields.Many2one(
        "agency.retainer.period", copy=False, readonly=True,
        index="btree_not_null", ondelete="set null",
        help="The retainer period whose billing this entry belongs to.",
    )
    retainer_hours = fields.Float(
        string="Covered by Retainer", copy=False, readonly=True, digits=(16, 4),
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


class _Converter:
    """Currency conversion at an entry's date, memoised per (currency, date)."""

    def __init__(self, env, company):
        self.env = env
        self.company = company
        self._rates = {}
        self._issues = []

    def convert(self, amount, from_id, to_currency, day):
        if not amount or not from_id or from_id == to_currency.id:
            return amount
        key = (from_id, to_currency.id, day)
        if key not in self._rates:
            source = self.env["res.currency"].browse(from_id)
            known = self._has_rate(source, day) and self._has_rate(to_currency, day)
            self._rates[key] = (source._convert(1.0, to_currency, self.company, day,
                                                round=False), known)
        factor, known = self._rates[key]
        if not known:
            self._issues.append(self.env._(
                "No exchange rate for %(from)s→%(to)s on %(day)s: converted at 1:1",
                **{"from": self.env["res.currency"].browse(from_id).name,
                   "to": to_currency.name, "day": day},
            ))
        return amount * factor

    def _has_rate(self, currency, day):
        if currency == self.company.currency_id:
            return True
        return bool(self.env["res.currency.rate"].sudo().search_count([
            ("currency_id", "=", currency.id),
            ("name", "<=", day),
            ("company_id", "in", [self.company.id, False]),
        ], limit=1))

    def pop_issues(self):
        issues, self._issues = list(dict.fromkeys(self._issues)), []
        return issues

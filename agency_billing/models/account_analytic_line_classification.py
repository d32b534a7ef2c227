"""Time entries: classification (service type, billable or not, and why)."""

from odoo import api, fields, models

from ..access import BILLING_READERS
from ..constants import CLASSIFICATION_FIELDS
from ..lib import classification


def _stored_compute(field):
    return bool(field.compute and field.store)


def _flat_tree(tree):
    """Every field of a trigger tree (of any model, at any depth)."""
    fields_ = set(tree.root)
    for subtree in tree.values():
        fields_ |= _flat_tree(subtree)
    return fields_


CLASSIFICATION_METHODS = [
    ("manual", "Set by hand"),
    ("rule", "Classification rule"),
    ("hint", "Source's hint"),
    ("task", "Task's service type"),
    ("learned", "Learned suggestion"),
    ("project", "Project's service type"),
    ("review", "Needs review"),
]


# One file per concern of the model (see the model's main file): meant, not mergeable.
# pylint: disable=consider-merging-classes-inherited
class AccountAnalyticLineClassification(models.Model):
    _inherit = "account.analytic.line"

    # ------------------------------------------------------------------
    # Classification: service type and billability, and why
    # ------------------------------------------------------------------

    service_type_id = fields.Many2one(
        "agency.service.type", compute="_compute_classification", store=True,
        readonly=False,
        check_company=True,
    )
    classification_method = fields.Selection(
        CLASSIFICATION_METHODS, compute="_compute_classification", store=True,
        readonly=False, string="Classified By",
        groups=BILLING_READERS,
    )
    classification_rule_id = fields.Many2one(
        "agency.classification.rule", compute="_compute_classification", store=True,
        readonly=False, ondelete="set null",
        groups=BILLING_READERS, check_company=True,
    )
    classification_confidence = fields.Float(
        compute="_compute_classification", store=True, readonly=False,
        digits=(3, 2), help="1.0 for rules and people; the probability of a learned suggestion.",
        groups=BILLING_READERS,
    )
    classification_reason = fields.Char(
        compute="_compute_classification", store=True, readonly=False,
        groups=BILLING_READERS,
    )
    classification_billable = fields.Selection(
        [("default", "Service type"), ("billable", "Billable"), ("non_billable", "Non-billable")],
        compute="_compute_classification", store=True, readonly=False,
        groups=BILLING_READERS,
    )
    classification_locked = fields.Boolean(
        copy=False, help="Classified by hand: rules and re-rating leave it alone.",
        groups=BILLING_READERS,
    )
    exclude_from_billing = fields.Boolean(
        copy=False, help="Never invoiced, whatever the rules say.",
        groups=BILLING_READERS,
    )
    exclusion_reason = fields.Char(copy=False, groups=BILLING_READERS)
    is_billable = fields.Boolean(
        string="Billable Time", compute="_compute_is_billable", store=True, readonly=False,
    )

    @api.depends("name", "source", "external_activity_type", "project_id", "task_id",
                 "task_id.name", "task_id.tag_ids", "task_id.service_type_id",
                 "project_id.service_type_id", "classification_locked", "service_type_hint_id")
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
        """Classify entries of one company: rule, then the source's hint, the task's type,
        a learned suggestion, the project's type (a manual override never gets here)."""
        self._agency_assign(self._agency_classification_decisions(company))

    def _agency_classification_decisions(self, company, descriptions=None):
        """{entry: values of CLASSIFICATION_FIELDS} the rules give these entries of one
        company (nothing assigned).

        :param descriptions: optional {entry id: description} classified instead of the
            entries' own (what a write of ``name`` is about to store)
        """
        descriptions = descriptions or {}
        rules = self.env["agency.classification.rule"]._plain_rules(company)
        sources = dict(self._fields["source"]._description_selection(self.env))
        threshold = company.agency_classification_threshold
        decisions = {}
        need_learning = {}
        for line in self:
            task = line.task_id
            name = descriptions.get(line.id, line.name)
            item = classification.Item(
                description=name or "",
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
            hint = line.service_type_hint_id
            if hint.company_id and hint.company_id != company:
                hint = hint.browse()  # another company's type: not a hint for this entry
            if rule and rule.service_type:
                decision.update(service_type_id=rule.service_type,
                                classification_method="rule", classification_confidence=1.0)
            elif hint:
                decision.update(service_type_id=hint.id, classification_method="hint",
                                classification_confidence=1.0)
                notes.append(self.env._("%(origin)s's hint: %(type)s work",
                                        origin=sources.get(line.source, line.source or ""),
                                        type=hint.name))
            elif task.service_type_id:
                decision.update(service_type_id=task.service_type_id.id,
                                classification_method="task", classification_confidence=1.0)
                notes.append(self.env._("Task '%(task)s' is %(type)s work", task=task.name,
                               type=task.service_type_id.name))
            else:
                need_learning[line] = classification.features(
                    name, task.name, line.source, line.external_activity_type
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
        return {line: decision for line, (decision, _notes) in decisions.items()}

    # ------------------------------------------------------------------
    # A new description that changes no classification changes nothing else
    # ------------------------------------------------------------------

    def _agency_description_unchanged(self, vals):
        """Step of ``write`` (see the model's main file): when ``vals`` only changes the
        description, the entries whose classification the new description leaves as it is.

        Everything the rules decide for an entry follows from its classification, never
        from its description itself, so for these entries Odoo need not recompute the
        classification, rate, route, billed time and amount, review flags and the sale
        lines' delivered time (a grid edit of descriptions would otherwise re-rate every
        entry it touches). Entries whose classification does change (a keyword a rule
        matches, a learned word) are recomputed as usual.

        :return: ``(entries, pairs)``: the entries left alone and the (fields, records) to
            protect from recomputation while writing; ``(None, None)`` when the
            optimisation does not apply
        """
        if vals.keys() != {"name"} or not self or not all(self._ids):
            return None, None
        name_field = self._fields["name"]
        tree = self.pool.get_trigger_tree([name_field], select=_stored_compute)
        if not tree:
            return None, None
        outputs = [self._fields[fname] for fname in CLASSIFICATION_FIELDS]
        allowed = set(outputs) | _flat_tree(
            self.pool.get_trigger_tree(outputs, select=_stored_compute))
        if not _flat_tree(tree) <= allowed:
            # Another module computes something from the description itself.
            return None, None
        # sudo: the rules' own decision (as their computes, which run as superuser).
        entries = self.sudo()
        name = name_field.convert_to_cache(vals["name"], entries)
        todo = entries.filtered(
            lambda line: line.project_id and not line.classification_locked
            and line._is_not_billed()
        )
        unchanged = entries - todo
        for company in todo.company_id:
            lines = todo.filtered(lambda line, c=company: line.company_id == c)
            decisions = lines._agency_classification_decisions(
                company, descriptions=dict.fromkeys(lines.ids, name))
            unchanged |= lines.browse([
                line.id for line, decision in decisions.items()
                if all(line._agency_same_value(fname, value)
                       for fname, value in decision.items())
            ])
        if not unchanged:
            return None, None
        # The records other models recompute from these entries (the sale lines' delivered
        # time) are left alone only when no entry of the write changes: another entry may
        # share them.
        everything = unchanged == entries
        pairs = [([field], records & unchanged if records._name == self._name else records)
                 for field, records, _create
                 in unchanged.with_context(active_test=False)._modified_triggers(tree)
                 if everything or records._name == self._name]
        return self.browse(unchanged.ids), pairs

    def _agency_decide_learned(self, decision, notes, suggestion, threshold, names):
        """Apply a confident suggestion, else the project's type, else flag for review."""
        line = self
        if suggestion and suggestion.confidence >= threshold:
            decision.update(service_type_id=suggestion.service_type,
                            classification_method="learned",
                            classification_confidence=round(suggestion.confidence, 2))
            words = ", ".join(f"'{w}'" for w in suggestion.evidence)
            notes.append(self.env._(
                "Learned from %(n)s past entries: %(words)s → %(type)s (%(pct)s%%)",
                n=suggestion.entries, words=words,
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
                 "classification_billable", "project_id", "over_scope_policy",
                 "source_non_billable")
    def _compute_is_billable(self):
        """Billable or not: the chain of ``lib.classification.billability``; invoiced
        entries keep theirs."""
        values = {}
        for line in self:
            if not line._is_not_billed():
                billable = line.is_billable  # kept as invoiced
            else:
                billable, _code = classification.billability(
                    bool(line.project_id), line.exclude_from_billing,
                    line.over_scope_policy == "absorbed", line.classification_billable,
                    line.service_type_id.billable if line.service_type_id else None,
                    source_non_billable=line.source_non_billable,
                )
            values[line] = {"is_billable": billable}
        self._agency_assign(values)


from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..constants import SOURCES
from ..lib import classification


class AgencyClassificationRule(models.Model):
    """Decides the service type and billability of matching time entries.

    Rules are tried by sequence; the first whose criteria all match wins. Empty criteria
    match anything; a rule needs at least one criterion and one outcome.
    """

    _name = "agency.classification.rule"
    _inherit = ["agency.rerate.mixin"]
    _description = "Classification Rule"
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    sequence = fields.Integer(default=10)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    source = fields.Selection(SOURCES, help="Where the time entry came from.")
    project_id = fields.Many2one("project.project", check_company=True)
    tag_ids = fields.Many2many(
        "project.tags", string="Task Tags", help="Matches when the task has any of these tags."
    )
    keywords = fields.Char(
        help="Comma-separated words or phrases; matches when any appears in the entry's "
        "description or its task's name (whole words, any case).",
    )
    activity_type = fields.Char(
        string="External Activity Type",
        help="Type of the external activity the entry came from, e.g. call, meeting, email.",
    )
    service_type_id = fields.Many2one("agency.service.type", string="Set Service Type",
                                      check_company=True)
    billable = fields.Selection(
        [
            ("default", "As the service type says"),
            ("billable", "Billable"),
            ("non_billable", "Non-billable"),
        ],
        string="Set Billable",
        required=True,
        default="default",
    )
    reason = fields.Char(
        translate=True, help="Shown on each entry this rule classifies; defaults to the name."
    )

    @api.constrains("source", "project_id", "tag_ids", "keywords", "activity_type",
                    "service_type_id", "billable")
    def _check_rule(self):
        for rule in self:
            has_criterion = any([
                rule.source, rule.project_id, rule.tag_ids,
                (rule.keywords or "").strip(), (rule.activity_type or "").strip(),
            ])
            if not has_criterion:
                raise ValidationError(
                    _("The classification rule '%s' needs at least one criterion.", rule.name)
                )
            if not rule.service_type_id and rule.billable == "default":
                raise ValidationError(
                    _("The classification rule '%s' must set a service type or billability.",
                      rule.name)
                )

    def _to_plain(self):
        self.ensure_one()
        return classification.ClassificationRule(
            id=self.id,
            sequence=self.sequence,
            source=self.source or None,
            project=self.project_id.id or None,
            tags=frozenset(self.tag_ids.ids),
            keywords=classification.parse_keywords(self.keywords),
            activity_type=(self.activity_type or "").strip() or None,
            service_type=self.service_type_id.id or None,
            billable=self.billable,
            reason=self.reason or self.name,
        )

    @api.model
    def _plain_rules(self, company):
        # sudo: classification (a compute, for any user recording time) reads every rule of the
        # company.
        rules = self.sudo().with_context(active_test=True).search(
            [("company_id", "=", company.id)]
        )
        return [rule._to_plain() for rule in rules]


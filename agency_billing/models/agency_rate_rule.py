from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..access import BILLING_MANAGER, check_action
from ..lib import rating

CRITERIA_FIELDS = {
    "order": "order_id",
    "project": "project_id",
    "partner": "partner_id",
    "employee": "employee_id",
    "job": "job_id",
    "service_type": "service_type_id",
}


class AgencyRateRule(models.Model):
    """An hourly rate for the time entries matching its criteria.

    The agency's rate card ("Designer: 120/h") and each client agreement ("ACME pays
    180/h for a Creative Director", "10% off Creative for Globex") are rate rules. The
    most specific matching rule wins; see :mod:`..lib.rating` for the precedence.
    """

    _name = "agency.rate.rule"
    _inherit = ["agency.rerate.mixin"]
    _description = "Rate Rule"
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(
        string="Label", help="Optional words shown in the reason of rated time entries."
    )
    active = fields.Boolean(default=True)
    sequence = fields.Integer(default=10, help="Breaks ties between equally specific rules.")
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    employee_id = fields.Many2one("hr.employee", index="btree_not_null", check_company=True)
    job_id = fields.Many2one("hr.job", string="Role", index="btree_not_null",
                             check_company=True)
    service_type_id = fields.Many2one("agency.service.type", check_company=True)
    project_id = fields.Many2one("project.project", index="btree_not_null",
                                 check_company=True)
    order_id = fields.Many2one(
        "sale.order", string="Sale Order", index="btree_not_null", check_company=True,
        domain="[('state', '!=', 'cancel')]",
    )
    partner_id = fields.Many2one(
        "res.partner", string="Client", index="btree_not_null", check_company=True,
        domain="[('is_company', '=', True)]",
        help="The client (commercial partner) this agreement applies to.",
    )
    date_from = fields.Date(string="Valid From")
    date_to = fields.Date(string="Valid Until")
    rate_type = fields.Selection(
        [("fixed", "Hourly rate"), ("discount", "Discount")], required=True, default="fixed"
    )
    rate = fields.Monetary(currency_field="currency_id", help="Hourly rate in the currency.")
    discount = fields.Float(
        string="Discount (%)", help="Percentage off the rate the entry would get otherwise."
    )
    currency_id = fields.Many2one(
        "res.currency", required=True, default=lambda self: self.env.company.currency_id
    )
    specificity = fields.Integer(compute="_compute_specificity", help="Higher wins.")
    criteria_summary = fields.Char(compute="_compute_specificity", string="Matches on")
    note = fields.Text()

    @api.model
    def _agency_criteria_labels(self):
        """{criterion code (lib.rating.CRITERIA): its words, translated}."""
        return {
            "order": self.env._("sale order"),
            "project": self.env._("project"),
            "partner": self.env._("client"),
            "employee": self.env._("employee"),
            "job": self.env._("role"),
            "service_type": self.env._("service type"),
        }

    @api.depends(*CRITERIA_FIELDS.values(), "date_from", "date_to")
    def _compute_specificity(self):
        labels = self._agency_criteria_labels()
        for rule in self:
            plain = rule._to_plain()
            rule.specificity = rating.specificity(plain)
            rule.criteria_summary = " + ".join(
                labels[code] for code in rating.criteria(plain)) or _("any entry")

    @api.depends("name", "rate", "discount", "rate_type", "currency_id", *CRITERIA_FIELDS.values())
    def _compute_display_name(self):
        for rule in self:
            parts = [
                rule[fname].display_name for fname in CRITERIA_FIELDS.values() if rule[fname]
            ]
            scope = " · ".join(parts) or _("Everyone")
            if rule.rate_type == "discount":
                value = _("%(discount)s%% off", discount=format(rule.discount, "g"))
            else:
                value = f"{rule.rate:.2f} {rule.currency_id.name or ''}/h"
            label = f"{rule.name}: " if rule.name else ""
            rule.display_name = f"{label}{scope} — {value}"

    # ------------------------------------------------------------------
    # Validation
    # ------------------------------------------------------------------

    @api.constrains("rate", "discount", "rate_type")
    def _check_amounts(self):
        for rule in self:
            if rule.rate_type == "fixed" and rule.rate < 0:
                raise ValidationError(_("A rate rule cannot have a negative rate (%s).", rule.rate))
            if rule.rate_type == "discount" and not 0 < rule.discount <= 100:
                raise ValidationError(
                    _("A discount must be more than 0%% and at most 100%% (got %s%%).",
                      rule.discount)
                )

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for rule in self:
            if rule.date_from and rule.date_to and rule.date_to < rule.date_from:
                raise ValidationError(
                    _("The rate rule '%(rule)s' ends (%(end)s) before it starts (%(start)s).",
                      rule=rule.display_name, end=rule.date_to, start=rule.date_from)
                )

    @api.constrains(*CRITERIA_FIELDS.values(), "date_from", "date_to", "sequence", "active",
                    "company_id")
    def _check_not_duplicate(self):
        for rule in self.filtered("active"):
            domain = [
                ("id", "!=", rule.id),
                ("company_id", "=", rule.company_id.id),
                ("sequence", "=", rule.sequence),
                ("date_from", "=", rule.date_from),
                ("date_to", "=", rule.date_to),
            ] + [(fname, "=", rule[fname].id) for fname in CRITERIA_FIELDS.values()]
            twin = self.search(domain, limit=1)
            if twin:
                raise ValidationError(
                    _("The rate rule '%(rule)s' has the same criteria and sequence as "
                      "'%(twin)s': change the sequence or a criterion so one of them wins.",
                      rule=rule.display_name, twin=twin.display_name)
                )

    # ------------------------------------------------------------------
    # Matching
    # ------------------------------------------------------------------

    def _to_plain(self):
        """This rule as :class:`..lib.rating.Rule` (plain data for matching)."""
        self.ensure_one()
        values = {key: self[fname].id or None for key, fname in CRITERIA_FIELDS.items()}
        return rating.Rule(
            id=self.id or 0,
            sequence=self.sequence,
            date_from=self.date_from or None,
            date_to=self.date_to or None,
            kind=self.rate_type,
            rate=self.rate,
            discount=self.discount,
            currency=self.currency_id.id,
            label=self.name or self.display_name,
            **values,
        )

    @api.model
    def _rule_index(self, company):
        """All active rules of a company, ready for matching (one query)."""
        # sudo: rating (a compute, for any user recording time) reads every rule of the company;
        # only the rules' outcome reaches the entry.
        rules = self.sudo().with_context(active_test=True).search(
            [("company_id", "=", company.id)]
        )
        return rating.RuleIndex(rule._to_plain() for rule in rules)


    def action_rerate_now(self):
        """Re-rate the open time entries of these rules' companies now (button); not the
        company the user happens to work in."""
        check_action(self, "write", BILLING_MANAGER)
        count = self.env["account.analytic.line"]._agency_rerate_pending(
            self.company_id or self.env.company, limit=None
        )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": _("Time re-rated"),
                "message": _("%s open time entries were re-rated.", count),
                "type": "success",
                "sticky": False,
            },
        }

"""Rate suggestions: where a service type or a client runs consistently over its estimates
on finished projects, a new estimate multiplier and the rate that would have reached the
company's target margin — with the evidence. Never applied automatically."""

from odoo import api, fields, models
from odoo.exceptions import AccessError

from ..lib import analytics


class AgencyRateSuggestion(models.Model):
    """A suggestion for one service type (all clients) or one client (all its service
    types), rebuilt by *Refresh Suggestions* or the monthly snapshot cron from the
    finished projects' budget lines (``agency.report.estimate``) and their revenue and
    cost (``agency.report.profitability``)."""

    _name = "agency.rate.suggestion"
    _description = "Agency Billing: estimate and rate suggestion"
    _order = "company_id, confidence_rank desc, multiplier desc"
    _check_company_auto = True

    company_id = fields.Many2one("res.company", required=True, index=True,
                                 default=lambda self: self.env.company)
    kind = fields.Selection([("service_type", "Service type"), ("client", "Client")],
                            required=True)
    service_type_id = fields.Many2one("agency.service.type")
    partner_id = fields.Many2one("res.partner", string="Client")
    project_ids = fields.Many2many("project.project", string="Evidence Projects")
    project_count = fields.Integer(string="Projects")
    over_count = fields.Integer(string="Projects Over Budget")
    budget_hours = fields.Float()
    actual_hours = fields.Float()
    multiplier = fields.Float(string="Estimate Multiplier", digits=(16, 4),
                              help="Multiply future estimates by this (Σ actual ÷ Σ budget).")
    margin_percent = fields.Float(string="Margin %")
    target_margin = fields.Float(string="Target Margin %")
    rate_factor = fields.Float(digits=(16, 4),
                               help="Multiply today's rates by this to reach the target margin.")
    confidence = fields.Selection(
        [("low", "Low"), ("medium", "Medium"), ("high", "High")], required=True)
    confidence_rank = fields.Integer()
    evidence = fields.Text()

    @api.model
    def action_refresh(self):
        """Rebuild the current company's suggestions (administrators)."""
        if not self.env.user.has_group("agency_billing.group_agency_billing_manager"):
            raise AccessError(self.env._(
                "Only Agency Billing administrators can refresh suggestions."))
        self._agency_refresh(self.env.company)
        return self.env["ir.actions.act_window"]._for_xml_id(
            "agency_billing_analytics.action_agency_rate_suggestion")

    @api.model
    def _agency_refresh(self, company):
        estimate = self.env["agency.report.estimate"]._read_group(
            [("company_id", "=", company.id), ("finished", "=", True),
             ("has_budget", "=", True)],
            ["project_id", "service_type_id"], ["budget_hours:sum", "actual_hours:sum"])
        projects = {p for p, _s, _b, _a in estimate}
        money = {
            (project, stype): (revenue, cost)
            for project, stype, revenue, cost in self.env[
                "agency.report.profitability"]._read_group(
                [("project_id", "in", [p.id for p in projects])],
                ["project_id", "service_type_id"], ["revenue:sum", "cost:sum"])
        }
        by_type, by_client = {}, {}
        for project, stype, budget, actual in estimate:
            revenue, cost = money.get((project, stype), (0.0, 0.0))
            by_type.setdefault(stype, {})[project] = (budget, actual, revenue, cost)
            rows = by_client.setdefault(project.partner_id.commercial_partner_id, {})
            b0, a0, r0, c0 = rows.get(project, (0.0, 0.0, 0.0, 0.0))
            rows[project] = (b0 + budget, a0 + actual, r0 + revenue, c0 + cost)
        target = company.agency_target_margin
        vals_list = []
        for kind, groups in (("service_type", by_type), ("client", by_client)):
            for key, rows in groups.items():
                if not key:
                    continue
                found = analytics.suggest(list(rows.values()), target)
                if not found:
                    continue
                vals_list.append(self._agency_vals(company, kind, key, rows, found, target))
        self.search([("company_id", "=", company.id)]).unlink()
        return self.create(vals_list)

    def _agency_vals(self, company, kind, key, rows, found, target):
        lines = [
            self.env._("%(project)s: %(budget).1f h budgeted, %(actual).1f h worked (%(over)s), "
              "margin %(margin)s",
              project=project.display_name, budget=b, actual=a,
              over=("%+.0f%%" % ((a / b - 1) * 100)) if b else "-",
              margin=("%.1f%%" % analytics.margin(r, c)[1]) if r else self.env._("no revenue"))
            for project, (b, a, r, c) in sorted(rows.items(), key=lambda i: i[0].id)
        ]
        return {
            "company_id": company.id,
            "kind": kind,
            "service_type_id": key.id if kind == "service_type" else False,
            "partner_id": key.id if kind == "client" else False,
            "project_ids": [(6, 0, [p.id for p in rows])],
            "project_count": found["project_count"],
            "over_count": found["over_count"],
            "budget_hours": sum(r[0] for r in rows.values()),
            "actual_hours": sum(r[1] for r in rows.values()),
            "multiplier": found["multiplier"],
            "margin_percent": found["margin_percent"] or 0.0,
            "target_margin": target,
            "rate_factor": found["rate_factor"] or 0.0,
            "confidence": found["confidence"],
            "confidence_rank": {"low": 1, "medium": 2, "high": 3}[found["confidence"]],
            "evidence": "\n".join(lines),
        }

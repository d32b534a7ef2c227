"""Projects: the scope headline as a person reads it (worst line, overall burn, used up)."""

from odoo import api, fields, models
from odoo.tools import format_date


# One file per concern of the model (see the model's main file): meant, not mergeable.
# pylint: disable=consider-merging-classes-inherited
class ProjectProjectScopeSummary(models.Model):
    _inherit = "project.project"

    agency_scope_overall_percent = fields.Float(
        string="Overall Burn (%)", compute="_compute_agency_scope_summary", digits=(16, 2),
        help="Burn of the whole budget: hours burned / hours budgeted over the lines budgeted "
        "in hours, else amount burned / amount budgeted.",
    )
    agency_scope_used_up_text = fields.Char(
        string="First Line Used Up", compute="_compute_agency_scope_summary",
        help="\"Used up\" when a line already is, else the earliest forecast date.",
    )

    @api.depends("agency_scope_line_ids.budget_hours", "agency_scope_line_ids.burn_hours",
                 "agency_scope_line_ids.budget_amount", "agency_scope_line_ids.burn_amount",
                 "agency_scope_line_ids.status", "agency_scope_forecast_date")
    def _compute_agency_scope_summary(self):
        for project in self:
            lines = project.agency_scope_line_ids
            hourly = lines.filtered("budget_hours")
            if hourly:
                budget, burn = sum(hourly.mapped("budget_hours")), sum(hourly.mapped("burn_hours"))
            else:
                budget, burn = sum(lines.mapped("budget_amount")), sum(lines.mapped("burn_amount"))
            project.agency_scope_overall_percent = round(burn / budget * 100, 2) if budget else 0.0
            if any(line.status == "over" for line in lines):
                project.agency_scope_used_up_text = self.env._("Used up")
            elif project.agency_scope_forecast_date:
                project.agency_scope_used_up_text = format_date(
                    self.env, project.agency_scope_forecast_date)
            else:
                project.agency_scope_used_up_text = False

from odoo import api, fields, models

KINDS = [("classification", "Service type"), ("rate", "Rate"), ("exclusion", "Billability")]


class AgencyTimeOverride(models.Model):
    """One change made by hand to a time entry's classification, rate or billability:
    who, when, from what to what, and why. Re-rating keeps overridden values."""

    _name = "agency.time.override"
    _description = "Time Entry Override"
    _order = "create_date desc, id desc"
    _check_company_auto = True

    line_id = fields.Many2one(
        "account.analytic.line", string="Time Entry", required=True, ondelete="cascade",
        index=True, check_company=True,
    )
    company_id = fields.Many2one(related="line_id.company_id", store=True, index=True)
    project_id = fields.Many2one(related="line_id.project_id", store=True)
    kind = fields.Selection(KINDS, required=True)
    old_value = fields.Char(string="From")
    new_value = fields.Char(string="To")
    reason = fields.Char(required=True)
    user_id = fields.Many2one(
        "res.users", string="By", required=True, default=lambda self: self.env.user
    )
    summary = fields.Char(compute="_compute_summary")

    @api.depends("kind", "old_value", "new_value")
    def _compute_summary(self):
        labels = dict(KINDS)
        for override in self:
            override.summary = (
                f"{labels[override.kind]}: {override.old_value} → {override.new_value}"
            )

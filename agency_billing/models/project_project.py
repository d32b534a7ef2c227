from odoo import api, fields, models


class ProjectProject(models.Model):
    _inherit = "project.project"

    service_type_id = fields.Many2one(
        "agency.service.type",
        string="Default Service Type",
        help="Service type of this project's time when neither a rule, the task nor a "
        "confident learned suggestion decides.",
    )

    # ------------------------------------------------------------------
    # Billing: retainer balance of the project's contract
    # ------------------------------------------------------------------

    retainer_balance_hours = fields.Float(
        string="Retainer Balance (h)", compute="_compute_retainer_balance", digits=(16, 2),
        help="Hours left in the current retainer period of the project's contract.",
    )
    has_retainer = fields.Boolean(compute="_compute_retainer_balance")

    @api.depends("sale_line_id.order_id.retainer_balance_hours")
    def _compute_retainer_balance(self):
        for project in self:
            order = project.sudo().sale_line_id.order_id
            project.has_retainer = bool(order.retainer_line_id)
            project.retainer_balance_hours = order.retainer_balance_hours if order else 0.0


class ProjectTask(models.Model):
    _inherit = "project.task"

    service_type_id = fields.Many2one(
        "agency.service.type",
        help="Time on this task is of this service type unless a classification rule says "
        "otherwise.",
    )

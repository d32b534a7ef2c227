from odoo import fields, models


class ProjectProject(models.Model):
    _inherit = "project.project"

    service_type_id = fields.Many2one(
        "agency.service.type",
        string="Default Service Type",
        help="Service type of this project's time when neither a rule, the task nor a "
        "confident learned suggestion decides.",
    )


class ProjectTask(models.Model):
    _inherit = "project.task"

    service_type_id = fields.Many2one(
        "agency.service.type",
        help="Time on this task is of this service type unless a classification rule says "
        "otherwise.",
    )

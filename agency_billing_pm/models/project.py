"""The Asana / Monday.com link on projects, tasks and time entries."""

from odoo import fields, models

from odoo.addons.agency_billing.access import BILLING_USER as BILLING_USER_GROUP


class ProjectProject(models.Model):
    _inherit = "project.project"

    agency_pm_link_ids = fields.One2many("agency.pm.project.link", "project_id",
                                         string="Asana / Monday.com",
                                         groups="agency_billing.group_agency_billing_manager")
    agency_pm_url = fields.Char(string="Open at the Source", compute="_compute_agency_pm_url")

    def _compute_agency_pm_url(self):
        # sudo: every reader of the project sees its link at the source (only the URL; the
        # mapping rows are for billing administrators).
        links = self.env["agency.pm.project.link"].sudo().search(
            [("project_id", "in", self.ids)], order="id")
        urls = {}
        for link in links:
            urls.setdefault(link.project_id.id, link.url)
        for project in self:
            project.agency_pm_url = urls.get(project.id) or False


class ProjectTask(models.Model):
    _inherit = "project.task"

    agency_pm_url = fields.Char(string="Open at the Source", readonly=True, copy=False,
                                help="The task in Asana or Monday.com.")
    agency_pm_status = fields.Char(
        string="Status at the Source", readonly=True, copy=False,
        help="The task's section, group or status at the source (what marks its milestone "
        "reached).")
    service_type_hint_id = fields.Many2one(
        "agency.service.type", readonly=True, copy=False,
        groups=BILLING_USER_GROUP, ondelete="set null",
        help="The service type the source gives the task; its time entries carry it as their "
        "classification hint (rules still come first).")


class AccountAnalyticLine(models.Model):
    _inherit = "account.analytic.line"

    agency_pm_url = fields.Char(string="Task at the Source",
                                compute="_compute_agency_pm_url")

    def _compute_agency_pm_url(self):
        for line in self:
            # sudo: the task's link only, for whoever reads the entry (portal included).
            line.agency_pm_url = (line.task_id.sudo().agency_pm_url
                                  if line.source in ("asana", "monday") else False)

"""Demo agency: scope budgets on the demo projects (demo data only).

Budgets are set from the time the demo generated (relative to its install date), so the
same situations show in every demo database: one project with a line near 90 % of its
budget, one over budget whose extra time is held pending a change request the client has
been sent, the others on track, and one project without an Account Director.
"""

import math
from datetime import timedelta

from odoo import api, fields, models


class AgencyScopeDemo(models.AbstractModel):
    """Helpers that set up the demo scope budgets (demo data only)."""

    _name = "agency.scope.demo"
    _description = "Agency Billing scope demo helpers"

    @api.model
    def _generate_demo_scope(self, project_xmlids, near_task_xmlid, over_task_xmlid,
                             no_director_xmlid, over_employee_xmlids):
        """Budget lines from the sale orders on every demo project, then: the line of
        ``near_task_xmlid``'s service type near 90 %, the line of ``over_task_xmlid``'s used
        up with held time and a change request sent, no Account Director on
        ``no_director_xmlid``; the others on track."""
        ref = self.env.ref
        admin = ref("base.user_admin")
        projects = self.env["project.project"].browse([ref(x).id for x in project_xmlids])
        quiet = self.with_context(agency_scope_skip=True, tracking_disable=True)
        for project in projects:
            values = {"user_id": admin.id}
            if project != ref(no_director_xmlid) and not project.account_director_id:
                values["account_director_id"] = admin.id
            project.with_context(tracking_disable=True).write(values)
            project.with_env(quiet.env).action_agency_scope_from_order()
        lines = projects.agency_scope_line_ids
        lines._agency_refresh_burn()
        near_task, over_task = ref(near_task_xmlid), ref(over_task_xmlid)
        over = over_task.project_id
        for line in lines.with_env(quiet.env):
            key = (line.project_id, line.service_type_id)
            if key == (near_task.project_id, near_task.service_type_id):
                target = 0.88  # near 90 %: the 75 % alert is out, the 90 % one is next
            elif key == (over, over_task.service_type_id):
                target = 1.05  # used up: further time is held
            elif line.burn_percent > 35:
                target = 0.3  # on track: the sold budget is raised (the demo time is random)
            else:
                continue
            line.write(self._demo_budget(line, target))
        # The over-budget client has its extra time held until it approves more scope.
        over.partner_id.commercial_partner_id.agency_over_scope_policy = "held"
        lines._agency_refresh_burn()
        lines._agency_evaluate_alerts()
        yesterday = fields.Date.context_today(self) - timedelta(days=1)
        employees = [ref(x) for x in over_employee_xmlids]
        self.env["account.analytic.line"].create([
            {"name": name, "date": yesterday - timedelta(days=i), "project_id": over.id,
             "task_id": over_task.id, "employee_id": employees[i % len(employees)].id,
             "unit_amount": hours}
            for i, (name, hours) in enumerate([
                ("Third round of revisions on the social key visual", 2.5),
                ("Extra carousel variants requested by the client", 1.75),
                ("Re-brief after the client's new guidelines", 1.25),
            ])
        ])
        line = over.agency_scope_line_ids.filtered(
            lambda scope_line: scope_line.service_type_id == over_task.service_type_id
        )
        order = line._agency_create_change_request(
            line.held_hours + 8.0,
            "Extra revision rounds asked for after the new brand guidelines, and the "
            "carousel variants for the summer push.",
        )
        order.action_quotation_sent()
        return order.id

    @api.model
    def _demo_budget(self, line, target):
        """Budget values putting the line at about ``target`` (share) of its budget."""
        hours = max(math.ceil(line.burn_hours / target), 1)
        values = {"budget_hours": hours}
        if line.budget_amount:
            values["budget_amount"] = max(math.ceil(line.burn_amount / target / 10) * 10, 10)
        return values

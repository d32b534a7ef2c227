"""Time entries recorded in Asana or Monday.com: their source."""

from odoo import fields, models


# The entries' link to their task at the source is in project.py (with the tasks).
# pylint: disable=consider-merging-classes-inherited
class AccountAnalyticLine(models.Model):
    _inherit = "account.analytic.line"

    # Asana and Monday.com are sources of time beside the core's own (Timesheet, Import).
    # Uninstalling this addon keeps the entries, as imported time.
    source = fields.Selection(
        selection_add=[("asana", "Asana"), ("monday", "Monday.com"), ("import",)],
        ondelete={"asana": "set import", "monday": "set import"},
    )

"""Classification rules may match the time recorded in Asana or Monday.com."""

from odoo import fields, models


class AgencyClassificationRule(models.Model):
    _inherit = "agency.classification.rule"

    # The same sources as the time entries'. Uninstalling this addon makes a rule for
    # Asana or Monday.com time a rule for imported time, as the entries it matched become.
    source = fields.Selection(
        selection_add=[("asana", "Asana"), ("monday", "Monday.com"), ("import",)],
        ondelete={"asana": "set import", "monday": "set import"},
    )

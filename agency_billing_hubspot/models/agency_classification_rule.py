"""Classification rules may match the time logged in HubSpot."""

from odoo import fields, models


class AgencyClassificationRule(models.Model):
    _inherit = "agency.classification.rule"

    # The same source as the time entries'. Uninstalling this addon makes a rule for
    # HubSpot time a rule for imported time, as the entries it matched become.
    source = fields.Selection(
        selection_add=[("hubspot", "HubSpot"), ("import",)],
        ondelete={"hubspot": "set import"},
    )

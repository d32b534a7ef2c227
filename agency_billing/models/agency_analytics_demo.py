"""Demo history for the analytics (placeholder, filled below)."""

from odoo import api, models


class AgencyAnalyticsDemo(models.AbstractModel):
    """Helpers that build the demo agency's analytics history (demo data only)."""

    _name = "agency.analytics.demo"
    _description = "Agency Billing analytics demo helpers"

    @api.model
    def _generate_demo_history(self):
        return True

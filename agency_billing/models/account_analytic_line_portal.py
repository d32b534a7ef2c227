"""Time entries as the client reads them in the portal."""

from odoo import models

from ..lib import invoice_text


# One file per concern of the model (see the model's main file): meant, not mergeable.
# pylint: disable=consider-merging-classes-inherited
class AccountAnalyticLinePortal(models.Model):
    _inherit = "account.analytic.line"

    def _agency_portal_hours(self, hours):
        """Hours in the company's format (decimal or hh:mm), as the invoice prints them."""
        company = self[:1].company_id or self.env.company
        return invoice_text.format_hours(hours, company.agency_hours_format or "decimal")

"""Web client session: how Agency Billing lists show hours (the company's format)."""

from odoo import models


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    def session_info(self):
        result = super().session_info()
        if self.env.user._is_internal():
            result["agency_hours_format"] = self.env.company.agency_hours_format
        return result

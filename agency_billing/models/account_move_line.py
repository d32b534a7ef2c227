from odoo import api, models
from odoo.osv import expression


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    @api.model
    def _timesheet_domain_get_invoiced_lines(self, sale_line_delivery):
        """Held time entries are not linked to (invoiced by) the invoice being made."""
        return expression.AND([
            super()._timesheet_domain_get_invoiced_lines(sale_line_delivery),
            [("billing_hold", "=", False)],
        ])

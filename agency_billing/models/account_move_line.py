from odoo import api, models
from odoo.osv import expression


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    @api.model
    def _timesheet_domain_get_invoiced_lines(self, sale_line_delivery):
        """The time entries an invoice of these sale lines bills: Odoo's own (open, or of a
        cancelled or reversed invoice), plus the entries a credit note gave back; never
        held time or time waiting to be classified."""
        Line = self.env["account.analytic.line"]
        given_back = [("so_line", "in", sale_line_delivery.ids), ("project_id", "!=", False),
                      ("agency_credit_note_id", "!=", False)]
        return expression.AND([
            expression.OR([super()._timesheet_domain_get_invoiced_lines(sale_line_delivery),
                           given_back]),
            Line._agency_invoiceable_domain(),
        ])

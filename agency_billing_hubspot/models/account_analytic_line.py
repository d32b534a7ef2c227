from odoo import models


class AccountAnalyticLine(models.Model):
    _name = "account.analytic.line"
    _inherit = ["account.analytic.line", "agency.hubspot.link.mixin"]

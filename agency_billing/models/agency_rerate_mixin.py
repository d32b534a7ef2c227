from odoo import api, models


class AgencyRerateMixin(models.AbstractModel):
    """Rules whose changes re-rate the open time entries of their company.

    Creating, changing or deleting such a rule flags the company's open (not invoiced)
    time entries; the re-rate cron then classifies, rates and rounds them again.
    Models using it have a ``company_id`` field.
    """

    _name = "agency.rerate.mixin"
    _description = "Rules that re-rate open time entries when they change"

    @api.model_create_multi
    def create(self, vals_list):
        rules = super().create(vals_list)
        self.env["account.analytic.line"]._agency_flag_rerate(rules.company_id)
        return rules

    def write(self, vals):
        companies = self.company_id
        res = super().write(vals)
        self.env["account.analytic.line"]._agency_flag_rerate(companies | self.company_id)
        return res

    def unlink(self):
        companies = self.company_id
        res = super().unlink()
        self.env["account.analytic.line"]._agency_flag_rerate(companies)
        return res

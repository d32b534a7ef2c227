from odoo import api, fields, models


class AgencyServiceType(models.Model):
    """A kind of agency work (Strategy, Design, Media buying...).

    Time is classified into a service type; the type says whether that work is
    billable by default and under which service product it is invoiced.
    """

    _name = "agency.service.type"
    _description = "Agency Service Type"
    _order = "sequence, name"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    code = fields.Char(help="Short technical name used by integrations and reports.")
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    billable = fields.Boolean(
        default=True,
        help="Time of this type is billable unless a rule or a person says otherwise.",
    )
    product_id = fields.Many2one(
        "product.product",
        string="Service Product",
        check_company=True,
        domain="[('type', '=', 'service'), ('service_type', '=', 'timesheet')]",
        help="Invoice lines for this type of work are made with this product.",
    )
    company_id = fields.Many2one("res.company", help="Leave empty to share between companies.")
    description = fields.Text(translate=True)
    color = fields.Integer()

    _sql_constraints = [
        (
            "code_company_uniq",
            "unique(code, company_id)",
            "A service type code must be unique per company.",
        ),
    ]

    @api.onchange("billable")
    def _onchange_billable(self):
        if not self.billable:
            self.product_id = False

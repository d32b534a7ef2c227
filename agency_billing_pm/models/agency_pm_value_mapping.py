from odoo import fields, models


class AgencyPmValueMapping(models.Model):
    """A value of the source's service type field (an Asana enum option, a Monday.com label,
    a section, a tag) and the service type it means. Values without a line are matched to
    a service type by name or code; a value matching none is reported in the quarantine."""

    _name = "agency.pm.value.mapping"
    _description = "Service Type Value Mapping"
    _order = "backend_id, value"

    backend_id = fields.Many2one("agency.pm.backend", required=True, ondelete="cascade",
                                 index=True)
    company_id = fields.Many2one(related="backend_id.company_id", store=True)
    value = fields.Char(string="Value at the Source", required=True)
    service_type_id = fields.Many2one("agency.service.type", required=True,
                                      ondelete="cascade")

    _sql_constraints = [
        ("value_uniq", "unique(backend_id, value)", "A value is mapped once per account."),
    ]

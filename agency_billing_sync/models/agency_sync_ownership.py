from odoo import api, fields, models

from ..lib.ownership import OWNERS


class AgencySyncOwnership(models.Model):
    """Which side owns one mapped field on one backend (overrides the vendor's default).

    *Source*: a change at the source is written to Odoo (a change on both sides is a
    conflict). *Odoo*: set when the record is created, never overwritten afterwards.
    """

    _name = "agency.sync.ownership"
    _inherit = ["agency.sync.backend.ref"]
    _description = "Sync Field Ownership"
    _order = "external_type, field_name"

    # Lines are edited on the backend's form (administrators).
    backend_model = fields.Char(readonly=False)
    backend_id = fields.Many2oneReference(readonly=False)
    external_type = fields.Char(required=True, help="Kind of source record, e.g. company.")
    res_model = fields.Char(string="Odoo Model", required=True)
    field_name = fields.Char(required=True)
    field_description = fields.Char(string="Field", compute="_compute_field_description")
    owner = fields.Selection([(owner, owner.capitalize()) for owner in OWNERS],
                             string="Owned by", required=True, default="source")
    company_id = fields.Many2one(readonly=False)

    _sql_constraints = [
        ("field_uniq", "unique(backend_model, backend_id, external_type, field_name)",
         "A field has one owner per backend and record type."),
    ]

    @api.depends("res_model", "field_name")
    def _compute_field_description(self):
        for line in self:
            known = line.res_model and line.res_model in self.env
            field = self.env[line.res_model]._fields.get(line.field_name) if known else None
            line.field_description = field.string if field else line.field_name

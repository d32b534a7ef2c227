from odoo import api, fields, models


class AgencySyncBackendRef(models.AbstractModel):
    """A record of the sync layer that belongs to one backend (a HubSpot, Asana or
    Monday.com account of any vendor addon): bindings, runs, quarantine, conflicts,
    webhook events, field ownership.

    The backend is referenced by model and id (``Many2oneReference``): the sync layer
    knows no vendor model. Models that need other attributes on these fields (no index,
    editable) redeclare only those attributes.
    """

    _name = "agency.sync.backend.ref"
    _description = "Sync Backend Reference"

    backend_model = fields.Char(required=True, index=True, readonly=True)
    backend_id = fields.Many2oneReference(
        model_field="backend_model", required=True, index=True, readonly=True
    )
    company_id = fields.Many2one("res.company", index=True, readonly=True)

    @api.model
    def _agency_backend_domain(self, backends):
        """The domain of the records of these backends (one vendor model)."""
        ids = backends.ids
        if len(ids) == 1:
            return [("backend_model", "=", backends._name), ("backend_id", "=", ids[0])]
        return [("backend_model", "=", backends._name), ("backend_id", "in", ids)]

    @api.model
    def _agency_backend_values(self, backend):
        """The values that tie a new record to ``backend``."""
        values = {"backend_model": backend._name, "backend_id": backend.id,
                  "company_id": backend.company_id.id if "company_id" in backend._fields
                  else False}
        if "backend_name" in self._fields:
            values["backend_name"] = backend.display_name
        return values

    def _agency_backend(self):
        """The backend record this record belongs to."""
        self.ensure_one()
        return self.env[self.backend_model].browse(self.backend_id)


class AgencySyncBackendRefNamed(models.AbstractModel):
    """A backend reference that also keeps the account's name as it was (runs, quarantine
    and conflicts are read in lists across accounts)."""

    _name = "agency.sync.backend.ref.named"
    _inherit = ["agency.sync.backend.ref"]
    _description = "Sync Backend Reference (with the account's name)"

    backend_name = fields.Char(string="Account", readonly=True)

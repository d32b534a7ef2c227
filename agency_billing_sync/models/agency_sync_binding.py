import json

from odoo import api, fields, models
from odoo.tools import SQL


class AgencySyncBinding(models.Model):
    """The link between one record of a source system (a HubSpot company, an Asana task)
    and the Odoo record it became.

    A binding is unique per (backend, external type, external id). It keeps the hash of
    the values last imported, so an unchanged record is never written again, and the values
    both sides agreed on at the last sync (``synced_values``), so an edit in Odoo is told
    apart from an edit at the source. Editing the Odoo record never breaks the link: the
    binding points at it by id. Integrators may create bindings over RPC to link existing
    Odoo records before a first sync.

    The sync code looks bindings up and binds only through the binder
    (``components/binder.py``, ``backend._agency_binder(external_type)``).
    """

    _name = "agency.sync.binding"
    _inherit = ["agency.sync.backend.ref"]
    _description = "Sync Binding"
    _order = "id desc"
    _rec_name = "external_id"

    external_type = fields.Char(
        required=True, readonly=True, help="Kind of source record, e.g. company, deal, call."
    )
    external_id = fields.Char(required=True, readonly=True, string="External ID")
    res_model = fields.Char(string="Odoo Model", required=True, index=True, readonly=True)
    res_id = fields.Many2oneReference(
        string="Odoo Record ID", model_field="res_model", required=True, index=True
    )
    record_name = fields.Char(compute="_compute_record_name", string="Odoo Record")
    sync_date = fields.Datetime(
        string="Last Synced", readonly=True, help="When the source's values were last applied."
    )
    payload_hash = fields.Char(
        readonly=True, copy=False,
        help="Hash of the Odoo values last imported: an identical hash writes nothing.",
    )
    synced_values = fields.Json(
        readonly=True, copy=False,
        help="Mapped values as both sides had them after the last sync (detects edits made "
        "in Odoo since, and conflicts).",
    )
    external_updated_at = fields.Datetime(
        string="Changed at Source", readonly=True,
        help="The source's last modification time of the record, when it says.",
    )
    archived = fields.Boolean(
        string="Archived at Source", readonly=True,
        help="Deleted or archived in the source system; the Odoo record is archived (never "
        "deleted).",
    )
    _sql_constraints = [
        (
            "external_uniq",
            "unique(backend_model, backend_id, external_type, external_id)",
            "A source record is bound to one Odoo record per backend.",
        ),
    ]

    def init(self):
        # Links shown on records (partners, orders, time entries) look bindings up by record.
        self.env.cr.execute(
            "CREATE INDEX IF NOT EXISTS agency_sync_binding_record_idx "
            "ON agency_sync_binding (res_model, res_id)"
        )

    @api.depends("res_model", "res_id")
    def _compute_record_name(self):
        for binding in self:
            record = binding._agency_record()
            binding.record_name = record.display_name if record else False

    def _agency_record(self):
        """The bound Odoo record (empty when the model is unknown or it was deleted)."""
        self.ensure_one()
        if not self.res_model or self.res_model not in self.env or not self.res_id:
            return None
        return self.env[self.res_model].browse(self.res_id).exists()

    @api.model
    def _agency_insert(self, vals_list):
        """Create bindings in one INSERT (importers bind thousands of records per run;
        the ORM's create costs more than the records' own): the binder's storage, see
        ``components/binder.py``. ``vals_list`` holds the columns below only; the
        bindings are returned in order."""
        if not vals_list:
            return self.browse()
        columns = ["backend_model", "backend_id", "external_type", "external_id", "res_model",
                   "res_id", "sync_date", "payload_hash", "synced_values",
                   "external_updated_at", "archived", "company_id"]
        unknown = {key for vals in vals_list for key in vals} - set(columns)
        if unknown:
            raise ValueError(f"unexpected binding values: {sorted(unknown)}")
        uid = self.env.uid
        rows = []
        for vals in vals_list:
            values = [vals.get(column) or None for column in columns]
            values[columns.index("archived")] = bool(vals.get("archived"))
            synced = vals.get("synced_values")
            values[columns.index("synced_values")] = (
                json.dumps(synced) if synced is not None else None)
            rows.append(SQL("(%s, %s, now() at time zone 'UTC', %s, now() at time zone 'UTC')",
                            SQL(", ").join(values), uid, uid))
        self.env.cr.execute(SQL(
            "INSERT INTO agency_sync_binding (%s, create_uid, create_date, write_uid, "
            "write_date) VALUES %s RETURNING id",
            SQL(", ").join(SQL.identifier(column) for column in columns),
            SQL(", ").join(rows)))
        return self.browse([row[0] for row in self.env.cr.fetchall()])

    def action_agency_open_record(self):
        """Open the bound Odoo record."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self.res_model,
            "res_id": self.res_id,
            "view_mode": "form",
        }

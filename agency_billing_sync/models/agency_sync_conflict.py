import json

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from odoo.addons.agency_billing.access import BILLING_MANAGER, check_action

from ..lib.ownership import OWNERS

CONFLICT_STATES = [
    ("open", "To Decide"),
    ("kept_odoo", "Kept Odoo"),
    ("took_source", "Took Source"),
]


def _display(value):
    """A value as a person reads it in the conflict list."""
    if value is None or value is False:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


class AgencySyncConflict(models.Model):
    """A synced field changed on both sides since the last sync (or a source change the
    importer must not apply by itself, such as a won deal leaving its stage after its order
    was confirmed, or a call edited after its time entry was invoiced).

    Nothing is overwritten until a person decides: *Keep Odoo* leaves the record as it is
    and acknowledges the source's value (the same value never raises the conflict again),
    *Take Source* writes the source's value (the backend may refuse, e.g. on invoiced time).
    One open conflict per record and field: a newer source value updates it.
    """

    _name = "agency.sync.conflict"
    _inherit = ["agency.sync.backend.ref.named"]
    _description = "Sync Conflict"
    _order = "id desc"
    _rec_name = "field_description"

    run_id = fields.Many2one("agency.sync.run", string="Found by", readonly=True,
                             ondelete="set null", index="btree_not_null")
    binding_id = fields.Many2one("agency.sync.binding", readonly=True, ondelete="cascade",
                                 index=True)
    external_type = fields.Char(readonly=True)
    external_id = fields.Char(readonly=True, string="External ID")
    res_model = fields.Char(string="Odoo Model", required=True, readonly=True)
    res_id = fields.Many2oneReference(string="Record ID", model_field="res_model",
                                      required=True, readonly=True)
    record_name = fields.Char(string="Record", readonly=True)
    field_name = fields.Char(required=True, readonly=True)
    field_description = fields.Char(string="Field", readonly=True)
    odoo_value = fields.Char(readonly=True, help="The value in Odoo when the conflict was found.")
    source_value = fields.Char(readonly=True, help="The value the source has now.")
    source_raw = fields.Json(readonly=True, help="The source's value as Odoo would write it.")
    owner = fields.Selection([(owner, owner.capitalize()) for owner in OWNERS],
                             string="Owned by", readonly=True,
                             help="The side that owns this field on this backend.")
    note = fields.Text(readonly=True, help="What happened, when it is not a plain field edit.")
    state = fields.Selection(CONFLICT_STATES, required=True, default="open", readonly=True,
                             index=True)
    resolved_by = fields.Many2one("res.users", readonly=True)
    resolved_date = fields.Datetime(readonly=True)

    @api.model
    def _agency_open(self, backend, run, entries):
        """Record conflicts. ``entries``: dicts with ``binding`` (agency.sync.binding or
        None), ``record``, ``field``, ``odoo_value``, ``source_value`` and optionally
        ``owner``, ``note``, ``label``. An open conflict on the same record and field is
        updated instead of duplicated. Returns the conflicts."""
        if not entries:
            return self.browse()
        keys = {(e["record"]._name, e["record"].id, e["field"]) for e in entries}
        existing = {
            (c.res_model, c.res_id, c.field_name): c
            for c in self.search(self._agency_backend_domain(backend) + [
                ("state", "=", "open"),
                ("res_id", "in", list({res_id for _model, res_id, _f in keys})),
            ])
        }
        conflicts, to_create = self.browse(), []
        for entry in entries:
            record, fname = entry["record"], entry["field"]
            field = record._fields.get(fname)
            values = {
                "run_id": run.id if run else False,
                "odoo_value": _display(entry["odoo_value"]),
                "source_value": _display(entry["source_value"]),
                "source_raw": entry.get("source_raw", entry["source_value"]),
                "note": entry.get("note") or False,
            }
            conflict = existing.get((record._name, record.id, fname))
            if conflict:
                conflict.write(values)
                conflicts |= conflict
                continue
            binding = entry.get("binding")
            values.update({
                **self._agency_backend_values(backend),
                "binding_id": binding.id if binding else False,
                "external_type": binding.external_type if binding else entry.get("external_type"),
                "external_id": binding.external_id if binding else entry.get("external_id"),
                "res_model": record._name, "res_id": record.id,
                "record_name": record.display_name,
                "field_name": fname,
                "field_description": entry.get("label") or (field.string if field else fname),
                "owner": entry.get("owner", "source"),
            })
            to_create.append(values)
        return conflicts | self.create(to_create)

    def _agency_record(self):
        self.ensure_one()
        if self.res_model not in self.env:
            return None
        return self.env[self.res_model].browse(self.res_id).exists()

    def _agency_check_open(self):
        check_action(self, "write", BILLING_MANAGER)
        if any(conflict.state != "open" for conflict in self):
            raise UserError(_("This conflict was already decided."))

    def action_agency_keep_odoo(self):
        """Keep the Odoo value; the source's value is acknowledged."""
        self._agency_check_open()
        for conflict in self:
            # sudo: the backend and bindings are technical records of the sync layer;
            # access to the conflict was checked above.
            backend = conflict.sudo()._agency_backend()
            backend._agency_sync_keep_odoo(conflict.sudo())
            conflict.sudo().write(self._agency_resolution("kept_odoo"))
        return True

    def action_agency_take_source(self):
        """Write the source's value into the Odoo record."""
        self._agency_check_open()
        for conflict in self:
            if conflict._agency_record() is None:
                raise UserError(_("The record of this conflict no longer exists."))
            # sudo: as above; the backend's hook refuses what must not change (e.g.
            # invoiced time entries).
            backend = conflict.sudo()._agency_backend()
            backend._agency_sync_take_source(conflict.sudo())
            conflict.sudo().write(self._agency_resolution("took_source"))
        return True

    def _agency_resolution(self, state):
        return {"state": state, "resolved_by": self.env.user.id,
                "resolved_date": fields.Datetime.now()}

    def action_agency_open_record(self):
        """Open the Odoo record in conflict."""
        self.ensure_one()
        return {"type": "ir.actions.act_window", "res_model": self.res_model,
                "res_id": self.res_id, "view_mode": "form"}

from collections import defaultdict

from odoo import _, api, fields, models

from odoo.addons.agency_billing.access import BILLING_MANAGER, check_action

from ..lib.payload import pretty_json, redact

LOG_STATES = [
    ("open", "Open"),
    ("pending", "Retry Pending"),
    ("retried", "Retried"),
    ("ignored", "Ignored"),
]


class AgencySyncLog(models.Model):
    """The quarantine: a source record that could not be imported (or not entirely), with
    its payload and the reason, while the rest of its batch went on.

    There is one open entry per source record: a record failing again updates it
    (``attempts`` + 1; the same failure of an unchanged record met again by a sync writes
    nothing). *Retry* re-reads the record from the source and imports it once
    the cause is fixed (an owner mapped to an employee, a property corrected); a record
    that later imports cleanly closes its entry as *Retried*. *Ignore* sets it aside.

    A record that could not be imported because another transaction was changing the same
    rows (a billing run, another worker) is not bad data: its entry is *Retry Pending*,
    and the next run of the backend's cron imports it without a person.
    Payloads and errors never hold secrets (the backend's tokens are redacted).
    """

    _name = "agency.sync.log"
    _inherit = ["agency.sync.backend.ref.named"]
    _description = "Sync Quarantine"
    _order = "id desc"
    _rec_name = "external_id"

    run_id = fields.Many2one("agency.sync.run", string="Last Run", readonly=True,
                             ondelete="set null", index="btree_not_null")
    external_type = fields.Char(required=True, readonly=True)
    external_id = fields.Char(required=True, readonly=True, string="External ID")
    error = fields.Text(required=True, readonly=True)
    payload = fields.Text(readonly=True, help="The record as the source sent it.")
    state = fields.Selection(LOG_STATES, required=True, default="open", readonly=True,
                             index=True)
    attempts = fields.Integer(default=1, readonly=True,
                              help="How many times the record failed to import.")
    last_attempt = fields.Datetime(default=fields.Datetime.now, readonly=True)

    @api.model
    def _agency_quarantine(self, backend, run, entries, state="open"):
        """Quarantine source records: ``entries`` is a list of
        ``(external type, external id, error, payload)``. An open (or pending) entry of the
        same record is updated (attempts + 1) instead of adding another. ``state``
        ``pending`` keeps records for the next run (they collided with another
        transaction) instead of quarantining them. Returns the entries."""
        if not entries:
            return self.browse()
        secrets = backend._agency_sync_secrets()
        keys = {(etype, str(eid)) for etype, eid, _error, _payload in entries}
        existing = {
            (log.external_type, log.external_id): log
            for log in self.search(self._agency_backend_domain(backend) + [
                ("state", "in", ("open", "pending")),
                ("external_id", "in", [eid for _etype, eid in keys]),
            ])
        }
        now = fields.Datetime.now()
        logs, to_create, seen = self.browse(), [], {}
        for etype, eid, error, payload in entries:
            key = (etype, str(eid))
            text = redact(error, secrets)
            body = redact(pretty_json(payload), secrets) if payload is not None else False
            if key in seen:  # the same record twice in a batch: one entry, both reasons
                seen[key]["error"] = f"{seen[key]['error']}\n{text}"
                continue
            log = existing.get(key)
            if log:
                # The same failure of the same payload, met again by a re-read: nothing to
                # write (a re-sync of unchanged data writes nothing); a retry counts.
                if log.error != text or log.payload != body or log.state != state or (
                        run and run.kind == "retry"):
                    log.write({"error": text, "payload": body, "attempts": log.attempts + 1,
                               "run_id": run.id if run else False, "last_attempt": now,
                               "state": state})
                logs |= log
                continue
            seen[key] = {
                **self._agency_backend_values(backend),
                "run_id": run.id if run else False, "external_type": etype,
                "external_id": str(eid), "error": text, "payload": body,
                "last_attempt": now, "state": state,
            }
            to_create.append(seen[key])
        return logs | self.create(to_create)

    @api.model
    def _agency_retry_pending(self, backend):
        """The backend's records kept for the next run (they collided)."""
        return self.search(self._agency_backend_domain(backend) + [("state", "=", "pending")],
                           order="id")

    @api.model
    def _agency_resolve(self, backend, external_type, external_ids):
        """Close the open (and pending) entries of records that imported cleanly now."""
        if not external_ids:
            return
        logs = self.search(self._agency_backend_domain(backend) + [
            ("external_type", "=", external_type), ("state", "in", ("open", "pending")),
            ("external_id", "in", [str(eid) for eid in external_ids]),
        ])
        if logs:
            logs.write({"state": "retried", "last_attempt": fields.Datetime.now()})

    def action_agency_retry(self):
        """Re-read these records from their source and import them again (after the
        cause was fixed). Returns the sync run that did it when there was one backend."""
        check_action(self, "write", BILLING_MANAGER)
        by_backend = defaultdict(lambda: self.browse())
        for log in self.filtered(lambda entry: entry.state != "retried"):
            by_backend[(log.backend_model, log.backend_id)] |= log
        runs = self.env["agency.sync.run"]
        for (model, backend_id), logs in by_backend.items():
            # sudo: the backend holds the credentials the manager cannot read; the
            # access to the quarantine was checked above.
            backend = self.env[model].sudo().browse(backend_id).exists()
            if backend:
                runs |= backend._agency_sync_retry(logs.sudo())
        if len(runs) == 1:
            return {
                "type": "ir.actions.act_window", "res_model": "agency.sync.run",
                "res_id": runs.id, "view_mode": "form", "name": _("Retry"),
            }
        return True

    def action_agency_ignore(self):
        """Set these records aside: nothing is retried."""
        check_action(self, "write", BILLING_MANAGER)
        self.filtered(lambda log: log.state == "open").sudo().write({"state": "ignored"})
        return True

    def action_agency_reopen(self):
        """Put ignored records back in the quarantine."""
        check_action(self, "write", BILLING_MANAGER)
        self.filtered(lambda log: log.state == "ignored").sudo().write({"state": "open"})
        return True

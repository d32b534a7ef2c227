from odoo import _, api, fields, models
from odoo.exceptions import UserError

from odoo.addons.agency_billing.access import BILLING_MANAGER, check_action

TRIGGERS = [
    ("cron", "Scheduled"),
    ("manual", "Manual"),
    ("webhook", "Webhook"),
]
STATES = [
    ("running", "Running"),
    ("partial", "Continues"),
    ("confirm", "Archive to Confirm"),
    ("done", "Done"),
    ("failed", "Failed"),
]
RUN_KINDS = [
    ("sync", "Sync"),
    ("events", "Webhook events"),
    ("retry", "Retry"),
    ("archive", "Confirmed archive"),
]
COUNTERS = ("created", "updated", "unchanged", "quarantined", "archived", "conflicts",
            "retry_pending", "collisions")


class AgencySyncRun(models.Model):
    """One sync of a backend: what triggered it, when, what it did, what it could not do.

    Counts add up per batch and are committed with the batch, so an interrupted run still
    says how far it got. ``log`` lists what was done, a line per step. A run whose
    archiving was held back by the archive guard waits in *Archive to Confirm* until a
    person confirms (``action_agency_confirm_archive``) or dismisses it.
    """

    _name = "agency.sync.run"
    _inherit = ["agency.sync.backend.ref.named"]
    _description = "Sync Run"
    _order = "id desc"

    name = fields.Char(compute="_compute_name")
    trigger = fields.Selection(TRIGGERS, required=True, default="manual", readonly=True)
    kind = fields.Selection(RUN_KINDS, required=True, default="sync", readonly=True,
                            help="What the run did: a sync of what changed, the records "
                            "webhook events named, a retry of quarantined records, or "
                            "an archive a person confirmed.")
    state = fields.Selection(STATES, required=True, default="running", readonly=True)
    date_start = fields.Datetime(
        string="Started", required=True, default=fields.Datetime.now, readonly=True
    )
    date_end = fields.Datetime(string="Ended", readonly=True)
    duration = fields.Float(
        string="Seconds", compute="_compute_duration", digits=(16, 1)
    )
    created = fields.Integer(readonly=True)
    updated = fields.Integer(readonly=True)
    unchanged = fields.Integer(readonly=True)
    quarantined = fields.Integer(readonly=True)
    archived = fields.Integer(readonly=True)
    conflicts = fields.Integer(readonly=True)
    retry_pending = fields.Integer(
        readonly=True,
        help="Records kept for the next run: another transaction was changing the same "
        "rows at each try (not a data error).")
    collisions = fields.Integer(
        readonly=True,
        help="Batches that collided with another transaction (a serialization failure, a "
        "deadlock, a lock timeout) and were tried again.")
    requests = fields.Integer(string="API Requests", readonly=True)
    batches = fields.Integer(readonly=True, help="Batches imported and committed.")
    max_batches = fields.Integer(
        readonly=True, help="The run pauses after this many batches (cron calls; 0: never).")
    log = fields.Text(readonly=True, help="What the run did, step by step.")
    error = fields.Text(readonly=True, help="Why the run stopped (secrets are never shown).")
    pending_archive = fields.Json(
        readonly=True, copy=False,
        help="Source records the archive guard held back: {external type: [ids]}.",
    )
    pending_archive_count = fields.Integer(compute="_compute_pending_archive_count")
    user_id = fields.Many2one("res.users", string="Started by", readonly=True,
                              default=lambda self: self.env.user)
    quarantine_ids = fields.One2many("agency.sync.log", "run_id", string="Quarantine Entries")
    conflict_ids = fields.One2many("agency.sync.conflict", "run_id", string="Conflicts Found")

    @api.depends("backend_name", "date_start")
    def _compute_name(self):
        for run in self:
            run.name = _("%(account)s — %(date)s", account=run.backend_name or "?",
                         date=fields.Datetime.to_string(run.date_start) if run.date_start else "")

    @api.depends("date_start", "date_end")
    def _compute_duration(self):
        for run in self:
            end = run.date_end or fields.Datetime.now()
            run.duration = (end - run.date_start).total_seconds() if run.date_start else 0.0

    @api.depends("pending_archive")
    def _compute_pending_archive_count(self):
        for run in self:
            pending = run.pending_archive or {}
            run.pending_archive_count = sum(len(ids) for ids in pending.values())

    def _agency_add(self, **counts):
        """Add to the run's counters (``created=3, unchanged=10``...); one write."""
        self.ensure_one()
        values = {key: self[key] + value for key, value in counts.items() if value}
        if values:
            self.write(values)

    def _agency_log(self, line):
        """Append a line to the run's log (a person reads it)."""
        self.ensure_one()
        self.log = f"{self.log}\n{line}" if self.log else line

    def _agency_hold_archive(self, external_type, external_ids):
        """Keep source records to archive until a person confirms (archive guard)."""
        self.ensure_one()
        pending = dict(self.pending_archive or {})
        pending[external_type] = sorted({*pending.get(external_type, []),
                                         *map(str, external_ids)})
        self.pending_archive = pending

    def _agency_finish(self, state=None, error=None):
        """Close the run: done, or waiting for an archive confirmation, or failed."""
        self.ensure_one()
        if state is None:
            state = "confirm" if self.pending_archive else "done"
        values = {"state": state, "date_end": fields.Datetime.now()}
        if error:
            values["error"] = error
        self.write(values)

    def action_agency_confirm_archive(self):
        """Archive what the guard held back: a person checked that the source really
        lost those records."""
        check_action(self, "write", BILLING_MANAGER)
        for run in self:
            if run.state != "confirm" or not run.pending_archive:
                raise UserError(_("This sync run has nothing waiting to be archived."))
            # sudo: the importers archive through the backend, whose secrets the
            # billing manager cannot read; access was checked above.
            run.sudo()._agency_backend()._agency_sync_confirm_archive(run.sudo())
        return True

    def action_agency_dismiss_archive(self):
        """Archive nothing: the held records stay active (the next sync asks again if the
        source still lacks them)."""
        check_action(self, "write", BILLING_MANAGER)
        for run in self.filtered(lambda r: r.state == "confirm"):
            run.sudo().write({"state": "done", "pending_archive": False})
            run.sudo()._agency_log(_("Archive dismissed by %s.", self.env.user.name))
        return True

    def action_agency_open_backend(self):
        """Open the account the run synced."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self.backend_model,
            "res_id": self.backend_id,
            "view_mode": "form",
        }

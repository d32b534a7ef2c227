from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

EVENT_STATES = [
    ("pending", "Pending"),
    ("done", "Imported"),
]
# Events are kept this long after they were received (replay detection looks them up;
# deliveries older than the vendor's signature window are refused anyway).
KEEP_DAYS = 7


class AgencySyncEvent(models.Model):
    """A change notified by a source system's webhook, waiting for the next sync run.

    The webhook controller stores only what identifies the change (event id, record type
    and id, when it happened, the kind of change), never trusts the payload beyond that:
    the run re-reads each record through the API. An event id is stored once per backend
    (the vendor's retries and replays are recognised).
    """

    _name = "agency.sync.event"
    _inherit = ["agency.sync.backend.ref"]
    _description = "Sync Webhook Event"
    _order = "occurred_at, id"
    _rec_name = "event_id"

    # The pending-events index and the event id's unique key cover the look-ups.
    backend_model = fields.Char(index=False)
    backend_id = fields.Many2oneReference(index=False)
    event_id = fields.Char(required=True, readonly=True, string="Event ID")
    external_type = fields.Char(required=True, readonly=True)
    external_id = fields.Char(required=True, readonly=True, string="External ID")
    change = fields.Char(readonly=True, help="Kind of change, e.g. creation, propertyChange, "
                         "deletion.")
    occurred_at = fields.Datetime(readonly=True)
    state = fields.Selection(EVENT_STATES, required=True, default="pending", readonly=True)
    run_id = fields.Many2one("agency.sync.run", readonly=True, ondelete="set null")
    company_id = fields.Many2one(index=False)

    _sql_constraints = [
        ("event_uniq", "unique(backend_model, backend_id, event_id)",
         "A webhook event is stored once per backend."),
    ]

    def init(self):
        self.env.cr.execute(
            "CREATE INDEX IF NOT EXISTS agency_sync_event_pending_idx "
            "ON agency_sync_event (backend_model, backend_id, occurred_at) "
            "WHERE state = 'pending'"
        )

    @api.model
    def _agency_store(self, backend, events):
        """Store new events in one statement; known event ids are skipped.

        :param events: dicts with ``event_id``, ``external_type``, ``external_id``,
            ``occurred_at`` (naive UTC datetime or None) and ``change``
        :return: how many events were new
        """
        if not events:
            return 0
        uid = self.env.uid or 1
        company = backend.company_id.id if "company_id" in backend._fields else None
        rows = [
            SQL("(%s, %s, %s, %s, %s, %s, %s, 'pending', %s, %s, now() at time zone 'UTC', "
                "%s, now() at time zone 'UTC')",
                backend._name, backend.id, str(event["event_id"]), event["external_type"],
                str(event["external_id"]), event.get("change") or None,
                event.get("occurred_at"), company or None, uid, uid)
            for event in events
        ]
        self.env.cr.execute(SQL(
            "INSERT INTO agency_sync_event (backend_model, backend_id, event_id, "
            "external_type, external_id, change, occurred_at, state, company_id, create_uid, "
            "create_date, write_uid, write_date) VALUES %s "
            "ON CONFLICT (backend_model, backend_id, event_id) DO NOTHING RETURNING id",
            SQL(", ").join(rows),
        ))
        return len(self.env.cr.fetchall())

    @api.model
    def _agency_pending(self, backend, limit=None):
        """A backend's pending events, oldest change first."""
        return self.search(self._agency_backend_domain(backend) + [("state", "=", "pending")],
                           order="occurred_at, id", limit=limit)

    @api.model
    def _agency_has_pending(self, backend):
        return bool(self._agency_pending(backend, limit=1))

    @api.autovacuum
    def _gc_agency_sync_events(self):
        """Forget imported events after a week."""
        limit = fields.Datetime.now() - timedelta(days=KEEP_DAYS)
        self.search([("state", "=", "done"), ("create_date", "<", limit)]).unlink()

"""What every sync backend shares (a connected HubSpot, Asana or Monday.com account).

A vendor addon's backend model inherits ``agency.sync.backend.mixin`` and implements the
hooks marked *Hook* below; the mixin runs the syncs:

    _agency_sync_run(trigger)     one run: lock, run record, the vendor's job, outcome
    _agency_sync_execute(run)     Hook: the vendor's sync (incremental reads, imports)
    _agency_sync_import_ids(...)  Hook: re-read some records and import them (webhook
                                  events, quarantine retries)
    _agency_sync_checkpoint(run)  after each batch: flush, commit (cron only), free memory,
                                  pause when the cron call's batch budget is used up
    _agency_cron_sync()           the cron entry point (one cron per backend): pending
                                  webhook events, then the scheduled sync when due

Runs of one backend never overlap: a run holds a PostgreSQL session advisory lock on the
backend (kept across the per-batch commits, released at the end or when its connection
dies), so two workers never import the same record twice. Run from the cron, each batch is
committed; from buttons and tests nothing is.
"""

import logging
import zlib
from collections import defaultdict
from datetime import timedelta

from odoo import _, api, fields, models, modules
from odoo.exceptions import UserError
from odoo.tools import SQL

from odoo.addons.agency_billing.access import BILLING_MANAGER, check_action

from ..components.binder import SyncBinder
from ..lib.backoff import retrigger_delay
from ..lib.errors import SyncError, SyncRateLimitError
from ..lib.ownership import resolve
from ..lib.payload import redact

_logger = logging.getLogger(__name__)

# Seconds after which a cron call that could not work (the backend was locked by another
# run, or records collided with another transaction) is called again.
RETRIGGER_SECONDS = 10


class SyncPause(Exception):
    """The cron call used its batch budget: the run stops after a committed batch and the
    cron is called again at once (``_notify_progress``)."""


class AgencySyncBackendMixin(models.AbstractModel):
    """Schedule, limits, runs, quarantine, conflicts and field ownership of a sync backend.

    Hooks for vendor backends: ``_agency_sync_execute``, ``_agency_sync_import_ids``,
    ``_agency_sync_mapped_fields``, ``_agency_sync_secrets``, ``_agency_sync_importer_classes``,
    ``_agency_webhook_events`` (and, when a vendor needs more than a field write,
    ``_agency_sync_take_source``).
    """

    _name = "agency.sync.backend.mixin"
    _description = "Sync Backend (shared)"

    sync_auto = fields.Boolean(
        string="Scheduled Sync", copy=False,
        help="Sync on a schedule (and process webhook deliveries as they arrive).",
    )
    sync_interval = fields.Integer(
        string="Every (minutes)", default=15, help="How often the scheduled sync runs."
    )
    sync_cron_id = fields.Many2one(
        "ir.cron", string="Scheduled Action", readonly=True, copy=False, ondelete="set null"
    )
    sync_batch_size = fields.Integer(
        string="Batch Size", default=100,
        help="Records read, imported and committed together.",
    )
    sync_max_batches = fields.Integer(
        string="Batches per Cron Call", default=200,
        help="A scheduled run stops after this many batches and continues at once in a new "
        "call, so one large first sync never holds a cron worker for hours.",
    )
    sync_archive_share = fields.Float(
        string="Archive Guard (%)", default=20.0,
        help="A run that would archive more than this share of a record type's synced "
        "records (and more than 5) stops and asks for confirmation.",
    )
    sync_request_budget = fields.Integer(
        string="Requests per 10 s", default=100,
        help="At most this many API requests in any 10 seconds (the vendor's limit is "
        "shared by every app of the account).",
    )
    sync_max_attempts = fields.Integer(
        string="Attempts per Request", default=5,
        help="A request failing with a rate limit, a server error or a timeout is tried "
        "this many times in all.",
    )
    sync_rate_limit_budget = fields.Integer(
        string="Wait Out Rate Limits (s)", default=300,
        help="A request the source rate-limits (429, complexity budget) is retried as the "
        "source asks (Retry-After, its window) for up to this many seconds of waiting; "
        "then the run stops as Continues and the next run resumes where it stopped.",
    )
    sync_retry_delay = fields.Float(
        string="First Retry After (s)", default=1.0,
        help="Backoff before the first retry; doubles each time, with jitter (a rate "
        "limit waits what the vendor asks instead).",
    )
    sync_timeout = fields.Float(string="Request Timeout (s)", default=30.0)
    lookback_seconds = fields.Integer(
        string="Lookback (s)", default=120,
        help="Incremental reads start this long before the last change seen (sources show "
        "recent edits with a delay), and a sync cursor never moves past the server's now "
        "minus this: a record the source dates in the future (a clock that runs ahead) "
        "cannot hide edits made before that time.",
    )
    sync_from = fields.Date(
        help="Time entries dated earlier are not imported (e.g. the day the agency started "
        "billing from Odoo). Empty: all of them.",
    )
    max_entry_hours = fields.Float(
        string="Longest Entry (h)", default=12.0,
        help="A time entry longer than this is imported but held from billing until a "
        "person checks it and releases the hold (0: no limit).",
    )
    sync_cursors = fields.Json(
        copy=False, readonly=True,
        help="Where the incremental reads continue from, per record type.",
    )
    sync_run_ids = fields.One2many("agency.sync.run", "backend_id", string="Sync Runs")
    sync_log_ids = fields.One2many(
        "agency.sync.log", "backend_id", string="Quarantine", domain=[("state", "=", "open")]
    )
    sync_conflict_ids = fields.One2many(
        "agency.sync.conflict", "backend_id", string="Conflicts",
        domain=[("state", "=", "open")],
    )
    sync_ownership_ids = fields.One2many(
        "agency.sync.ownership", "backend_id", string="Field Ownership"
    )
    sync_last_run_id = fields.Many2one(
        "agency.sync.run", string="Last Sync", compute="_compute_sync_figures"
    )
    sync_last_date = fields.Datetime(
        string="Last Successful Sync", compute="_compute_sync_figures"
    )
    sync_binding_count = fields.Integer(string="Synced Records", compute="_compute_sync_figures")
    sync_open_log_count = fields.Integer(string="Quarantined", compute="_compute_sync_figures")
    sync_retry_pending_count = fields.Integer(
        string="Retry Pending", compute="_compute_sync_figures",
        help="Records kept for the next run after colliding with another transaction "
        "(not data errors): the cron imports them without a person.")
    sync_open_conflict_count = fields.Integer(string="Open Conflicts",
                                              compute="_compute_sync_figures")
    sync_pending_event_count = fields.Integer(string="Pending Webhook Events",
                                              compute="_compute_sync_figures")
    connection_state = fields.Selection(
        [("ok", "Connected"), ("failed", "Failed")], readonly=True, copy=False)
    connection_message = fields.Char(readonly=True, copy=False)
    connection_date = fields.Datetime(string="Checked", readonly=True, copy=False)

    # ------------------------------------------------------------------
    # Figures shown on the backend form
    # ------------------------------------------------------------------

    def _compute_sync_figures(self):
        domain = self.env["agency.sync.run"]._agency_backend_domain(self)
        counts = {}
        for key, model, extra in (
                ("agency.sync.binding", "agency.sync.binding", []),
                ("agency.sync.log", "agency.sync.log", [("state", "=", "open")]),
                ("retry_pending", "agency.sync.log", [("state", "=", "pending")]),
                ("agency.sync.conflict", "agency.sync.conflict", [("state", "=", "open")]),
                ("agency.sync.event", "agency.sync.event", [("state", "=", "pending")])):
            counts[key] = dict(self.env[model].sudo()._read_group(
                domain + extra, ["backend_id"], ["__count"]))
        Run = self.env["agency.sync.run"].sudo()
        last = dict(Run._read_group(domain, ["backend_id"], ["id:max"]))
        done = dict(Run._read_group(domain + [("state", "in", ("done", "confirm"))],
                                    ["backend_id"], ["date_end:max"]))
        for backend in self:
            backend.sync_last_run_id = Run.browse(last.get(backend.id))
            backend.sync_last_date = done.get(backend.id)
            backend.sync_binding_count = counts["agency.sync.binding"].get(backend.id, 0)
            backend.sync_open_log_count = counts["agency.sync.log"].get(backend.id, 0)
            backend.sync_retry_pending_count = counts["retry_pending"].get(backend.id, 0)
            backend.sync_open_conflict_count = counts["agency.sync.conflict"].get(backend.id, 0)
            backend.sync_pending_event_count = counts["agency.sync.event"].get(backend.id, 0)

    # ------------------------------------------------------------------
    # Hooks for vendor backends
    # ------------------------------------------------------------------

    def _agency_sync_execute(self, run):
        """Hook: the vendor's sync of everything that changed, batch by batch, calling
        ``_agency_sync_checkpoint(run)`` after each batch."""
        raise NotImplementedError

    def _agency_sync_import_ids(self, run, external_type, external_ids, deleted_ids=()):
        """Hook: re-read these records of a type through the API and import them;
        ``deleted_ids`` were deleted at the source (their records are archived)."""
        raise NotImplementedError

    def _agency_sync_mapped_fields(self):
        """Hook: ``{external type: (Odoo model, {field: default owner})}`` for every field
        the vendor's importers write."""
        return {}

    def _agency_sync_types(self):
        """Hook: the record types this backend syncs, in dependency order (a contact
        after its company); webhook events are imported in this order."""
        return []

    def _agency_sync_secrets(self):
        """Hook: this backend's secrets, redacted from every message the sync stores."""
        return []

    def _agency_sync_importer_classes(self):
        """Hook: ``{external type: importer class}`` (subclasses of
        ``odoo.addons.agency_billing_sync.components.importer.SyncImporter``)."""
        return {}

    def _agency_sync_importer(self, external_type, run):
        """The importer of a record type for a run (``run`` may be None), or None."""
        importer_class = self._agency_sync_importer_classes().get(external_type)
        return importer_class(self, run) if importer_class else None

    def _agency_binder(self, external_type, res_model=None):
        """The binder of a record type on this backend: where its external ids and Odoo
        records meet (``components/binder.py``)."""
        self.ensure_one()
        return SyncBinder(self, external_type, res_model)

    def _agency_connection_check(self):
        """Hook: call the source with the backend's credentials (the caller is sudo);
        return a readable success text, raise :class:`SyncError` otherwise."""
        raise NotImplementedError

    def _agency_webhook_events(self, httprequest, raw):
        """Hook: check a webhook delivery (signature, freshness) and return its events as
        dicts (``event_id``, ``external_type``, ``external_id``, ``occurred_at``,
        ``change``); raise ``lib.webhook.WebhookRefused`` to refuse it."""
        raise NotImplementedError

    # ------------------------------------------------------------------
    # Runs
    # ------------------------------------------------------------------

    def _agency_sync_lock_key(self):
        self.ensure_one()
        model_key = zlib.crc32(self._name.encode()) & 0x7FFFFFFF
        return model_key, self.id

    def _agency_sync_try_lock(self):
        """Take the backend's session advisory lock (False when another run holds it)."""
        self.env.cr.execute("SELECT pg_try_advisory_lock(%s, %s)", self._agency_sync_lock_key())
        return self.env.cr.fetchone()[0]

    def _agency_sync_unlock(self):
        self.env.cr.execute("SELECT pg_advisory_unlock(%s, %s)", self._agency_sync_lock_key())

    def _agency_sync_commits(self):
        """Whether batches are committed: in cron runs, never during tests."""
        return bool(self.env.context.get("agency_sync_commit")) and not modules.module.current_test

    def _agency_sync_commit(self):
        self.env.flush_all()
        if self._agency_sync_commits():
            self.env.cr.commit()  # pylint: disable=invalid-commit

    def _agency_sync_checkpoint(self, run):
        """After a batch: flush (and commit in cron runs) what it did with the cursor it
        reached, drop the ORM cache so memory stays flat however large the account, and
        pause when the cron call's batch budget is used up."""
        run.batches += 1
        self._agency_sync_commit()
        self.env.invalidate_all()
        if run.max_batches and run.batches >= run.max_batches:
            raise SyncPause()

    def _agency_sync_close_interrupted(self):
        """Runs left *running* while we hold the lock died with their process."""
        Run = self.env["agency.sync.run"].sudo()
        runs = Run.search(Run._agency_backend_domain(self) + [("state", "=", "running")])
        if runs:
            runs.write({
                "state": "failed", "date_end": fields.Datetime.now(),
                "error": _("Interrupted: the process running it stopped. The next run "
                           "continued from the last committed batch."),
            })

    def _agency_sync_run(self, trigger="manual", job=None, kind="sync", max_batches=None):
        """Run one sync of this backend and return its ``agency.sync.run``.

        :param trigger: ``cron``, ``manual`` or ``webhook``
        :param job: callable(run) doing the work (default: ``_agency_sync_execute``)
        :param kind: what the run does (``sync``, ``events``, ``retry``, ``archive``)
        :param max_batches: pause after that many batches (cron calls)

        A run already in progress for this backend makes a manual run fail with a clear
        message and a scheduled one skip (an empty recordset is returned).
        """
        self.ensure_one()
        # sudo: importers write partners, orders and time entries on behalf of the
        # source system; who may start a sync is checked by the public actions.
        backend = self.sudo()
        Run = self.env["agency.sync.run"].sudo()
        if not backend._agency_sync_try_lock():
            if trigger == "manual":
                raise UserError(_("A sync of %s is already running; try again when it is "
                                  "done.", self.display_name))
            return Run
        try:
            backend._agency_sync_close_interrupted()
            run = Run.create({
                **Run._agency_backend_values(self), "trigger": trigger, "kind": kind,
                "max_batches": max_batches or 0,
            })
            backend._agency_sync_commit()
            backend._agency_sync_guarded(run, job or backend._agency_sync_execute)
            if run.retry_pending:
                backend._agency_sync_trigger_soon()
            backend._agency_sync_commit()
            return run
        finally:
            backend._agency_sync_unlock()

    def _agency_sync_guarded(self, run, job):
        """Run the job; record how it ended on the run."""
        try:
            job(run)
        except SyncPause:
            run._agency_log(_("Paused after %s batches; the next cron call continues.",
                              run.batches))
            run._agency_finish("partial")
        except SyncError as exc:
            message = redact(str(exc), self._agency_sync_secrets())
            if isinstance(exc, SyncRateLimitError) and exc.exhausted:
                # A rate limit is a reason to wait, not to fail: what was imported stays,
                # with its cursor; the next run resumes from there.
                _logger.info("Sync run %s of %s rate-limited: %s", run.id,
                             self.display_name, message)
                run._agency_log(_("Rate-limited by the source for longer than the account "
                                  "waits (%(message)s): stopped after %(batches)s batches; "
                                  "the next run continues from there.", message=message,
                                  batches=run.batches))
                run._agency_finish("partial")
                return
            _logger.info("Sync run %s of %s stopped: %s", run.id, self.display_name, message)
            run._agency_log(_("Stopped: %s", message))
            run._agency_finish("failed", error=message)
        except Exception as exc:
            if not self._agency_sync_commits():
                raise
            # A bug, not the source: the trace goes to the server log, the run says so.
            _logger.exception("Sync run %s of %s failed", run.id, self.display_name)
            self.env.cr.rollback()
            run._agency_finish("failed", error=redact(repr(exc), self._agency_sync_secrets()))
        else:
            run._agency_finish()

    def _agency_sync_cursor(self, key, default=None):
        """The incremental cursor stored under ``key`` (committed with each batch)."""
        self.ensure_one()
        return (self.sync_cursors or {}).get(key, default)

    def _agency_sync_set_cursor(self, key, value):
        self.ensure_one()
        cursors = dict(self.sync_cursors or {})
        cursors[key] = value
        self.sync_cursors = cursors

    def _agency_sync_reset_cursors(self):
        """Forget the cursors: the next sync re-reads everything (unchanged records are
        compared by hash and not written)."""
        self.sudo().sync_cursors = False

    # ------------------------------------------------------------------
    # Cron, webhooks, quarantine, archive guard, conflicts
    # ------------------------------------------------------------------

    def _agency_cron_sync(self):
        """Cron entry point: pending webhook events, records kept *retry pending* by an
        earlier run, then the scheduled sync when due, each a run of at most
        ``sync_max_batches`` committed batches; progress is reported so Odoo calls again
        at once while work remains. When another run holds the backend (a *Sync Now*),
        the cron is called again shortly, so a wake-up is never lost."""
        self.ensure_one()
        backend = self.with_context(agency_sync_commit=True)
        Event = self.env["agency.sync.event"].sudo()
        Log = self.env["agency.sync.log"].sudo()
        runs = self.env["agency.sync.run"]
        budget = max(1, self.sync_max_batches)
        wanted = 0
        if Event._agency_has_pending(self):
            wanted += 1
            runs |= backend._agency_sync_run("webhook", job=backend._agency_sync_process_events,
                                             kind="events", max_batches=budget)
        pending = Log._agency_retry_pending(self)
        if pending:
            wanted += 1
            runs |= backend._agency_sync_retry(pending, trigger="cron")
        if backend._agency_sync_due():
            wanted += 1
            runs |= backend._agency_sync_run("cron", max_batches=budget)
        if len(runs) < wanted:
            # The backend's lock is held by another run: come back shortly instead of
            # leaving the work to the next scheduled call; the longer the lock is held,
            # the longer the wait (a stuck lock never calls the cron every few seconds).
            backend._agency_sync_trigger_soon(retrigger_delay(
                backend._agency_sync_lock_held_for(), first=RETRIGGER_SECONDS,
                cap=max(RETRIGGER_SECONDS, (self.sync_interval or 15) * 60)))
        remaining = int(any(run.state == "partial" for run in runs)
                        or (bool(runs) and Event._agency_has_pending(self)))
        done = sum(run.created + run.updated + run.unchanged + run.archived for run in runs)
        self.env["ir.cron"]._notify_progress(done=max(done, len(runs)), remaining=remaining)

    def _agency_sync_trigger_soon(self, seconds=RETRIGGER_SECONDS):
        """Have the backend's cron called again in ``seconds`` (work is waiting that this
        call could not do: the backend was locked, or records collided). One pending
        call is enough: none is added while one is already planned by then."""
        self.ensure_one()
        cron = self.sudo().sync_cron_id
        if not cron or not cron.active:
            return
        now = fields.Datetime.now()
        call_at = now + timedelta(seconds=seconds)
        self.env.cr.execute(
            "SELECT 1 FROM ir_cron_trigger WHERE cron_id = %s AND call_at > %s "
            "AND call_at <= %s LIMIT 1", (cron.id, now, call_at))
        if not self.env.cr.fetchone():
            cron._trigger(call_at)

    def _agency_sync_lock_held_for(self):
        """Seconds another run has held this backend's lock: since the holder's
        transaction (or idle session) began, or since its committed run record started,
        whichever is earlier; 0 when nobody holds it."""
        self.ensure_one()
        key1, key2 = self._agency_sync_lock_key()
        # pg_stat_activity is read once per transaction unless its snapshot is cleared.
        self.env.cr.execute("SELECT pg_stat_clear_snapshot()")
        self.env.cr.execute("""
            SELECT count(*), EXTRACT(EPOCH FROM clock_timestamp()
                                     - min(coalesce(a.xact_start, a.state_change)))
              FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
             WHERE l.locktype = 'advisory' AND l.granted AND l.classid = %s
               AND l.objid = %s AND l.objsubid = 2 AND l.pid <> pg_backend_pid()
        """, (key1, key2))
        holders, held = self.env.cr.fetchone()
        if not holders:
            return 0.0
        held = float(held or 0.0)
        Run = self.env["agency.sync.run"].sudo()
        running = Run.search(Run._agency_backend_domain(self) + [("state", "=", "running")],
                             order="date_start", limit=1)
        if running.date_start:
            held = max(float(held), (fields.Datetime.now() - running.date_start)
                       .total_seconds())
        return float(held)

    def _agency_sync_due(self):
        """Whether the scheduled sync should run now: its interval passed since the last
        one started, or the last one paused."""
        self.ensure_one()
        Run = self.env["agency.sync.run"].sudo()
        last = Run.search(Run._agency_backend_domain(self) + [("kind", "=", "sync")],
                          order="id desc", limit=1)
        if not last or last.state in ("partial", "failed"):
            return True
        age = (fields.Datetime.now() - last.date_start).total_seconds()
        return age >= max(1, self.sync_interval) * 60 - 30

    def _agency_sync_process_events(self, run):
        """Import what pending webhook events point at: each record re-read once however
        many events (and deliveries) named it, its latest change deciding (a deletion
        archives); types in the vendor's dependency order, a batch at a time."""
        Event = self.env["agency.sync.event"].sudo()
        Event.flush_model()
        cr = self.env.cr
        where = SQL("backend_model = %s AND backend_id = %s AND state = 'pending'",
                    self._name, self.id)
        cr.execute(SQL("SELECT max(id) FROM agency_sync_event WHERE %s", where))
        last_id = cr.fetchone()[0]
        if not last_id:
            return
        # Events received while this run works stay pending for the next one.
        where = SQL("%s AND id <= %s", where, last_id)
        cr.execute(SQL(
            "SELECT DISTINCT ON (external_type, external_id) external_type, external_id, "
            "change FROM agency_sync_event WHERE %s ORDER BY external_type, external_id, "
            "occurred_at DESC NULLS LAST, id DESC", where))
        by_type = defaultdict(list)
        for etype, eid, change in cr.fetchall():
            by_type[etype].append((eid, "delet" in (change or "")))
        order = [t for t in self._agency_sync_types() if t in by_type]
        order += sorted(t for t in by_type if t not in order)
        size = max(1, self.sync_batch_size)
        for etype in order:
            records = by_type[etype]
            for start in range(0, len(records), size):
                chunk = records[start:start + size]
                self._agency_sync_import_ids(
                    run, etype, [eid for eid, deleted in chunk if not deleted],
                    deleted_ids=[eid for eid, deleted in chunk if deleted])
                cr.execute(SQL(
                    "UPDATE agency_sync_event SET state = 'done', run_id = %s, "
                    "write_date = now() at time zone 'UTC' WHERE %s AND external_type = %s "
                    "AND external_id IN %s RETURNING id",
                    run.id, where, etype, tuple(eid for eid, _deleted in chunk)))
                done = len(cr.fetchall())
                Event.invalidate_model(["state", "run_id"])
                run._agency_log(_("%(events)s webhook events: %(records)s %(type)s records "
                                  "re-read.", events=done, records=len(chunk), type=etype))
                self._agency_sync_checkpoint(run)

    def _agency_sync_wake(self):
        """Have the backend's cron run soon (a webhook delivery arrived); one pending
        trigger is enough however many deliveries arrive."""
        self.ensure_one()
        cron = self.sudo().sync_cron_id
        if not cron or not cron.active:
            return
        self.env.cr.execute(
            "SELECT 1 FROM ir_cron_trigger WHERE cron_id = %s AND call_at <= "
            "(now() at time zone 'UTC') + interval '1 minute' LIMIT 1", (cron.id,))
        if not self.env.cr.fetchone():
            cron._trigger()

    def _agency_sync_retry(self, logs, trigger="manual"):
        """Re-import quarantined (or retry pending) records (``agency.sync.log``) in one
        run; returns it (empty when the backend's cron found another run at work)."""
        self.ensure_one()

        def job(run):
            by_type = defaultdict(list)
            for log in logs:
                by_type[log.external_type].append(log.external_id)
            for etype, ids in by_type.items():
                self._agency_sync_import_ids(run, etype, ids)
            # Entries this run did not quarantine again went through.
            logs.filtered(lambda log: log.state in ("open", "pending")
                          and log.run_id != run).write({"state": "retried"})

        return self._agency_sync_run(trigger, job=job, kind="retry")

    def _agency_sync_confirm_archive(self, run):
        """Archive what the guard held back in ``run`` (a person confirmed it)."""
        self.ensure_one()
        pending = dict(run.pending_archive or {})

        def job(archive_run):
            for etype, ids in pending.items():
                importer = self._agency_sync_importer(etype, archive_run)
                if importer:
                    importer.archive(ids, force=True)
            run.write({"state": "done", "pending_archive": False})
            run._agency_log(_("Archive confirmed by %s.", self.env.user.name))

        return self._agency_sync_run("manual", job=job, kind="archive")

    def _agency_sync_keep_odoo(self, conflict):
        """A conflict settled for Odoo: acknowledge the source's value on the binding."""
        binding = conflict.binding_id
        if binding:
            binding.synced_values = resolve(binding.synced_values, conflict.field_name,
                                            conflict.source_raw)

    def _agency_sync_take_source(self, conflict):
        """A conflict settled for the source: the importer of its type writes the value
        (and may refuse), else the field is written as is. A failure to reach the source
        is shown to the person as a plain error."""
        importer = self._agency_sync_importer(conflict.external_type, None)
        record = conflict._agency_record()
        try:
            if importer:
                importer.take_source(conflict, record)
                return
            record.write({conflict.field_name: conflict.source_raw})
            self._agency_sync_keep_odoo(conflict)
        except SyncError as exc:
            raise UserError(redact(str(exc), self._agency_sync_secrets())) from None

    # ------------------------------------------------------------------
    # Field ownership
    # ------------------------------------------------------------------

    def _agency_sync_ownership(self, external_type):
        """``{field: "source" | "odoo"}`` for a record type: the vendor's defaults,
        overridden by the backend's ownership lines."""
        self.ensure_one()
        _model, defaults = self._agency_sync_mapped_fields().get(external_type, (None, {}))
        owners = dict(defaults)
        for line in self.sudo().sync_ownership_ids:
            if line.external_type == external_type:
                owners[line.field_name] = line.owner
        return owners

    def action_agency_sync_reset_ownership(self):
        """One ownership line per mapped field, at the vendor's default."""
        check_action(self, "write")
        Ownership = self.env["agency.sync.ownership"]
        for backend in self:
            backend.sync_ownership_ids.unlink()
            ref = Ownership._agency_backend_values(backend)
            Ownership.create([
                {**ref, "external_type": etype, "res_model": res_model, "field_name": fname,
                 "owner": owner}
                for etype, (res_model, owners) in backend._agency_sync_mapped_fields().items()
                for fname, owner in owners.items()
            ])
        return True

    # ------------------------------------------------------------------
    # One cron per backend
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        backends = super().create(vals_list)
        backends._agency_sync_update_cron()
        for backend in backends.filtered(lambda b: not b.sync_ownership_ids):
            backend.action_agency_sync_reset_ownership()
        return backends

    def write(self, vals):
        res = super().write(vals)
        if {"sync_auto", "sync_interval", "active", "name"} & set(vals):
            self._agency_sync_update_cron()
        return res

    def unlink(self):
        crons = self.sudo().sync_cron_id
        res = super().unlink()
        crons.unlink()
        return res

    def _agency_sync_update_cron(self):
        """Create or update the backend's own cron (active with scheduled sync on)."""
        # sudo: scheduled actions are technical records; only administrators create and
        # edit backends (access rules of the vendor models).
        Cron = self.env["ir.cron"].sudo()
        model = self.env["ir.model"]._get(self._name)
        for backend in self:
            values = {
                "name": _("Agency Billing: sync %s", backend.display_name),
                "interval_number": max(1, backend.sync_interval or 15),
                "interval_type": "minutes",
                "active": bool(backend.sync_auto and backend.active),
            }
            if backend.sync_cron_id:
                backend.sync_cron_id.write(values)
                continue
            backend.sudo().sync_cron_id = Cron.create({
                **values,
                "model_id": model.id,
                "state": "code",
                "code": f"model.browse({backend.id})._agency_cron_sync()",
                "user_id": self.env.ref("base.user_root").id,
            })

    # ------------------------------------------------------------------
    # Public actions (Agency Billing administrators; administrators alone edit a backend
    # and see its secrets)
    # ------------------------------------------------------------------

    def _agency_check_sync_access(self):
        check_action(self, "read", BILLING_MANAGER)

    def action_agency_test_connection(self):
        """Call the source with the backend's token; the result shows on the form (and is
        returned: ``True`` when the source answered)."""
        self.ensure_one()
        self._agency_check_sync_access()
        # sudo: the token is read by the adapter only; access was checked above.
        backend = self.sudo()
        secrets = backend._agency_sync_secrets()
        try:
            message = backend._agency_connection_check()
        except SyncError as exc:
            backend.write({"connection_state": "failed",
                           "connection_message": redact(str(exc), secrets),
                           "connection_date": fields.Datetime.now()})
            return False
        backend.write({"connection_state": "ok",
                       "connection_message": redact(message or _("Connected."), secrets),
                       "connection_date": fields.Datetime.now()})
        return True

    def _agency_sync_cursor_limit(self):
        """The latest time a sync cursor may hold: the server's now minus the lookback.
        A record modified "in the future" must not move a cursor past edits made before
        that time, which would then never be read; until the clock catches up, such a
        record is read again (unchanged, it writes nothing)."""
        self.ensure_one()
        return fields.Datetime.now() - timedelta(seconds=max(0, self.lookback_seconds or 0))

    @api.returns("agency.sync.run", lambda run: run.id)
    def action_agency_sync(self):
        """Sync now, synchronously; returns the ``agency.sync.run`` (its id over RPC)."""
        self.ensure_one()
        self._agency_check_sync_access()
        return self._agency_sync_run("manual")

    def action_agency_sync_open(self):
        """Sync now and open the run (the form's button)."""
        run = self.action_agency_sync()
        return {"type": "ir.actions.act_window", "res_model": "agency.sync.run",
                "res_id": run.id, "view_mode": "form", "name": _("Sync Run")}

    def action_agency_full_resync(self):
        """Forget the cursors and sync: every record is re-read and compared (unchanged
        ones are not written)."""
        self.ensure_one()
        self._agency_check_sync_access()
        self._agency_sync_reset_cursors()
        return self.action_agency_sync_open()

    # ------------------------------------------------------------------
    # Screens
    # ------------------------------------------------------------------

    def _agency_sync_action(self, model, name, extra_domain=None, context=None):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": model,
            "view_mode": "list,form",
            "domain": [*self.env[model]._agency_backend_domain(self), *(extra_domain or [])],
            "context": context or {},
        }

    def action_agency_view_sync_runs(self):
        """The backend's sync runs."""
        return self._agency_sync_action("agency.sync.run", _("Sync Runs"))

    def action_agency_view_quarantine(self):
        """The backend's quarantined records (open first)."""
        return self._agency_sync_action("agency.sync.log", _("Quarantine"),
                                        context={"search_default_open": 1})

    def action_agency_view_retry_pending(self):
        """The backend's records kept *retry pending* for the next run."""
        return self._agency_sync_action("agency.sync.log", _("Retry Pending"),
                                        context={"search_default_pending": 1})

    def action_agency_view_conflicts(self):
        """The backend's conflicts to decide."""
        return self._agency_sync_action("agency.sync.conflict", _("Conflicts"),
                                        context={"search_default_open": 1})

    def action_agency_view_bindings(self):
        """The backend's synced records."""
        return self._agency_sync_action("agency.sync.binding", _("Synced Records"))

"""The importer base of the sync layer: source records in, Odoo records out, batch by batch.

A vendor importer subclasses :class:`SyncImporter` for one record type (``external_type``
→ ``res_model``) and implements :meth:`SyncImporter.map` (payload → Odoo values, usually a
call to a pure mapper in the vendor's ``lib``) and, when it needs lookups, ``prepare``.
:meth:`SyncImporter.import_items` then does, for one batch:

1. the bindings of the batch, in one query (through the binder, ``self.binder``);
2. ``prepare`` (the vendor's lookups for the batch, one query per kind) and ``map`` per
   record; a :class:`SyncMappingError` quarantines the record, ``item.issues`` quarantine
   a problem while the record is imported without the bad value;
3. records whose values hash like their binding's are **unchanged**: nothing is written;
4. new records are created (one ``create``) and bound; changed ones are planned field by
   field with the backend's ownership (``lib.ownership``): source-owned fields follow
   the source, Odoo-owned ones are never overwritten, both-sides changes become conflicts;
5. all of it in one savepoint; when it fails, record by record, each in its own savepoint,
   so one bad record is quarantined with its payload and error while the batch goes on;
   a collision with another transaction is not a bad record: the whole batch is tried
   again after a short randomized backoff, and kept *retry pending* for the next run
   when the tries are spent (``import_items``);
6. the run's counters; the open quarantine entries of records that imported cleanly are
   closed.

``archive`` archives the records of source records deleted or archived at the source
(never deletes), behind the archive guard.
"""

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime

from odoo import _, fields
from odoo.exceptions import UserError

from odoo.addons.agency_billing.lib.concurrency import (
    collision_label,
    is_collision,
    quiet_collisions,
)

from ..lib.backoff import archive_needs_confirmation, backoff_delay
from ..lib.errors import SyncMappingError
from ..lib.ownership import plan_create, plan_update
from ..lib.payload import canonical, payload_hash, redact

_logger = logging.getLogger(__name__)

CREATE_CONTEXT = {
    "tracking_disable": True,
    "mail_create_nolog": True,
    "mail_create_nosubscribe": True,
    "mail_notrack": True,
}


@dataclass
class SyncItem:
    """One source record on its way into Odoo."""

    external_id: str
    payload: dict
    values: dict = None  # Odoo values (plain, JSON-able) the mapper produced
    issues: list = field(default_factory=list)  # imported without these (quarantined)
    error: str = None  # not imported at all (quarantined)
    updated_at: datetime = None  # the source's modification time
    extra: dict = field(default_factory=dict)  # vendor data the hooks need
    hash_extra: object = None  # more data the payload hash covers (e.g. order lines)
    binding: object = None
    record: object = None
    outcome: str = None  # created / updated / unchanged / conflict / quarantined / skipped
    # / pending (kept for the next run after colliding with another transaction)
    hash: str = None
    same_hash: bool = False  # the binding already had this hash: nothing was looked at


class SyncImporter:
    """Imports source records of one type into one Odoo model for a backend.

    Override ``map`` (required), ``prepare``, ``create_records``, ``update_record``,
    ``after_import``, ``archive_records``, ``restore_records``, ``take_source`` as needed.
    Instances live for one run (``run`` may be None outside runs, e.g. resolving a
    conflict).
    """

    external_type = None
    res_model = None
    collision_attempts = 4  # tries of a batch that collides with another transaction
    collision_delay = 0.2  # seconds before the first of those retries (doubles, jittered)

    def __init__(self, backend, run):
        self.backend = backend
        self.run = run
        self.env = backend.env
        self.model = self.env[self.res_model]
        self.owners = backend._agency_sync_ownership(self.external_type)
        self.binder = self.binder_for(self.external_type, self.res_model)

    def binder_for(self, external_type, res_model=None):
        """The backend's binder of a record type (this importer's is ``self.binder``)."""
        return self.backend._agency_binder(external_type, res_model)

    # ------------------------------------------------------------------
    # Hooks
    # ------------------------------------------------------------------

    def prepare(self, items):
        """Fetch what mapping this batch needs (one query per kind of lookup)."""

    def map(self, item):
        """Set ``item.values`` (and ``item.issues``); raise SyncMappingError when the
        record cannot be imported at all; set ``item.outcome = "skipped"`` for a record
        that is not to be imported (e.g. a deal not won), which is neither an error nor
        counted."""
        raise NotImplementedError

    def create_records(self, items):
        """Create the Odoo records of new items (one ``create``); return them in order."""
        return self.model.with_context(**CREATE_CONTEXT).create(
            [dict(item.values) for item in items])

    def update_record(self, item, values):
        """Write the planned values on an existing record."""
        item.record.write(values)

    def after_import(self, items):
        """Hook after the batch's creates and updates (items carry their outcome)."""

    def current_values(self, record, fnames):
        """The record's values for these fields, in the mapper's terms."""
        values = {}
        for fname in fnames:
            field_ = record._fields.get(fname)
            if field_ is None:
                continue
            value = record[fname]
            if field_.type == "many2one":
                value = value.id or False
            elif field_.type in ("one2many", "many2many"):
                value = sorted(value.ids)
            elif field_.type in ("date", "datetime"):
                value = fields.Date.to_string(value) if field_.type == "date" else (
                    fields.Datetime.to_string(value))
            values[fname] = value
        return values

    def archive_records(self, records):
        """Archive records whose source record is gone (never delete)."""
        if "active" in records._fields:
            records.filtered("active").write({"active": False})

    def restore_records(self, records):
        """Unarchive records whose source record is back."""
        if "active" in records._fields:
            records.with_context(active_test=False).filtered(
                lambda r: not r.active).write({"active": True})

    def take_source(self, conflict, record):
        """A person chose the source's value of a conflict: write it (override to refuse
        or to apply more than a field)."""
        record.write({conflict.field_name: conflict.source_raw})
        self.backend._agency_sync_keep_odoo(conflict)

    # ------------------------------------------------------------------
    # Import
    # ------------------------------------------------------------------

    def import_items(self, items):
        """Import one batch of :class:`SyncItem` (see the module docstring); returns the
        items, each with its ``outcome``.

        A batch that collides with another transaction (a serialization failure, a
        deadlock, a lock timeout: a billing run invoicing the same time, another worker)
        is tried again after a short randomized backoff, in a new transaction when the run
        commits; when the tries are spent its records are kept *retry pending* for the
        next run (``agency.sync.log``), never quarantined as bad data."""
        items = list({item.external_id: item for item in items}.values())
        if not items:
            return items
        cr = self.env.cr
        if getattr(cr, "_agency_sync_importing", False):
            # A nested import (a vendor importer's hook importing related records): the
            # outer batch handles collisions.
            self._import_once(items)
            self._account(items)
            return items
        cr._agency_sync_importing = True
        try:
            collision = None
            for attempt in range(max(1, self.collision_attempts)):
                if attempt:
                    self._before_retry(attempt, collision)
                try:
                    with quiet_collisions():
                        self._import_once(items)
                    collision = None
                    break
                except Exception as exc:
                    if not is_collision(exc):
                        raise
                    collision = exc
            if collision is not None:
                self._defer(items, collision)
        finally:
            cr._agency_sync_importing = False
        self._account(items)
        return items

    def _before_retry(self, attempt, collision):
        """Between two tries of a collided batch: say so, start a new transaction (when
        the run commits: the other transaction's changes become visible), back off."""
        _logger.info("Sync batch of %s collided with another transaction (%s); trying "
                     "again (%s)", self.external_type, collision_label(collision), attempt)
        if self.run:
            self.run._agency_add(collisions=1)
        self.backend._agency_sync_commit()
        delay = backoff_delay(attempt - 1, base=self.collision_delay, cap=5.0)
        if delay > 0:
            time.sleep(delay)

    def _defer(self, items, collision):
        """The tries are spent: the batch's records wait for the next run, with the
        reason (not a data error)."""
        reason = self.env._(
            "Not imported yet: another transaction was changing the same records "
            "(%(reason)s) at each of %(tries)s tries. The next run imports it.",
            reason=collision_label(collision), tries=max(1, self.collision_attempts))
        _logger.info("Sync batch of %s kept for the next run after %s collisions",
                     self.external_type, self.collision_attempts)
        if self.run:
            self.run._agency_add(collisions=1)
        for item in items:
            if item.error or item.outcome == "skipped" or item.same_hash:
                continue  # bad data stays bad data; an unchanged record has nothing to do
            item.outcome, item.error, item.issues = "pending", reason, []

    def _reset(self, items):
        """Forget what a failed try of the batch decided."""
        for item in items:
            item.values = item.error = item.outcome = item.hash = None
            item.binding = item.record = None
            item.issues = []
            item.same_hash = False

    def _import_once(self, items):
        """One try of the batch (steps 1 to 5 of the module docstring); a collision with
        another transaction is raised, not quarantined."""
        self._reset(items)
        found = self.binder.to_internal_many([item.external_id for item in items])
        for item in items:
            item.binding = found.get(str(item.external_id))
        self.prepare(items)
        for item in items:
            if item.error:
                continue
            try:
                self.map(item)
            except SyncMappingError as exc:
                item.error = str(exc)
                continue
            if item.outcome == "skipped":
                continue
            item.hash = payload_hash({"values": item.values, "extra": item.hash_extra})
        ready = [item for item in items if not item.error and item.outcome != "skipped"]
        for item in ready:
            if item.binding and item.binding.payload_hash == item.hash \
                    and not item.binding.archived:
                item.outcome = "unchanged"
                item.same_hash = True
        pending = [item for item in ready if item.outcome is None]
        self._attach_records(pending)
        try:
            with self.env.cr.savepoint():
                self._apply(pending)
        except Exception as exc:  # one bad record must not sink the batch
            if is_collision(exc):
                raise
            _logger.info("Sync batch of %s failed (%s); importing one by one",
                         self.external_type, exc)
            for item in pending:  # what the failed savepoint created is gone
                item.outcome = None
                item.binding = found.get(str(item.external_id))
            self._attach_records(pending)
            for item in pending:
                try:
                    with self.env.cr.savepoint():
                        self._apply([item])
                except Exception as exc_one:  # quarantined with its reason
                    if is_collision(exc_one):
                        raise
                    item.error = self._error_text(exc_one)
                    item.outcome = None

    def _attach_records(self, items):
        """Bound records that still exist (one query per batch)."""
        ids = [item.binding.res_id for item in items if item.binding]
        existing = set(self.model.with_context(active_test=False).browse(ids).exists().ids)
        for item in items:
            item.record = None
            if item.binding and item.binding.res_id in existing:
                item.record = self.model.with_context(active_test=False).browse(
                    item.binding.res_id)
        return items

    def _apply(self, items):
        """Create, update and bind (inside the caller's savepoint)."""
        new = [item for item in items if item.record is None]
        old = [item for item in items if item.record is not None]
        conflicts = []
        if new:
            records = self.create_records(new)
            for item, record in zip(new, records, strict=True):
                item.record = record
                item.outcome = "created"
            self._bind(new)
        for item in old:
            conflicts += self._update(item)
        self.after_import([item for item in items if item.outcome])
        if conflicts:
            self.env["agency.sync.conflict"]._agency_open(self.backend, self.run, conflicts)
        self.env.flush_all()

    def _update(self, item):
        """Plan and write one changed record; returns its conflicts."""
        binding, record = item.binding, item.record
        current = self.current_values(record, item.values)
        plan = plan_update(item.values, binding.synced_values or {}, current, self.owners)
        if binding.archived:
            self.restore_records(record)
        if plan.write:
            self.update_record(item, plan.write)
        item.outcome = "updated" if plan.write or binding.archived else (
            "conflict" if plan.conflicts else "unchanged")
        binding.write(self._binding_values(item, plan.synced))
        return [
            {"binding": binding, "record": record, "field": fname, "odoo_value": odoo_value,
             "source_value": source_value, "source_raw": item.values[fname],
             "owner": self.owners.get(fname, "source")}
            for fname, odoo_value, source_value in plan.conflicts
        ]

    def _bind(self, items):
        """Bind newly created records (a binding whose record was deleted in Odoo is
        pointed at the new one)."""
        bindings = self.binder.bind_many(
            [(item.external_id, item.record,
              self._binding_values(item, plan_create(item.values).synced)) for item in items],
            known={str(item.external_id): item.binding for item in items if item.binding})
        for item, binding in zip(items, bindings, strict=True):
            item.binding = binding

    def _binding_values(self, item, synced):
        return {
            "payload_hash": item.hash,
            "synced_values": canonical(synced),
            "sync_date": fields.Datetime.now(),
            "external_updated_at": item.updated_at or False,
            "archived": False,
        }

    def _error_text(self, exc):
        """A readable reason for a failed record (secrets redacted)."""
        text = str(exc) or exc.__class__.__name__
        return redact(text, self.backend._agency_sync_secrets())

    def _account(self, items):
        """Quarantine, close resolved entries, count — once per batch."""
        Log = self.env["agency.sync.log"]
        entries, clean = [], []
        deferred = []
        for item in items:
            if item.outcome == "pending":
                deferred.append((self.external_type, item.external_id, item.error,
                                 item.payload))
            elif item.error:
                item.outcome = "quarantined"
                entries.append((self.external_type, item.external_id, item.error, item.payload))
            elif item.issues:
                entries.append((self.external_type, item.external_id,
                                "\n".join(item.issues), item.payload))
            elif item.outcome != "skipped" and not item.same_hash:
                clean.append(item.external_id)
        Log._agency_quarantine(self.backend, self.run, entries)
        Log._agency_quarantine(self.backend, self.run, deferred, state="pending")
        Log._agency_resolve(self.backend, self.external_type, clean)
        if self.run:
            counts = {"created": 0, "updated": 0, "unchanged": 0, "conflicts": 0}
            for item in items:
                if item.outcome == "conflict":
                    counts["conflicts"] += 1
                elif item.outcome in counts:
                    counts[item.outcome] += 1
            self.run._agency_add(quarantined=len(entries), retry_pending=len(deferred),
                                 **counts)

    def conflict(self, item, fname, odoo_value, source_value, note=None, label=None,
                 source_raw=None):
        """Record a conflict that is not a plain field edit (e.g. a won deal leaving its
        stage after its order was confirmed)."""
        entry = {"binding": item.binding, "record": item.record, "field": fname,
                 "odoo_value": odoo_value, "source_value": source_value, "note": note,
                 "label": label, "owner": self.owners.get(fname, "source"),
                 "external_type": self.external_type, "external_id": item.external_id,
                 "source_raw": source_value if source_raw is None else source_raw}
        self.env["agency.sync.conflict"]._agency_open(self.backend, self.run, [entry])
        if self.run:
            self.run._agency_add(conflicts=1)

    # ------------------------------------------------------------------
    # Archive
    # ------------------------------------------------------------------

    def archive(self, external_ids, force=False):
        """Archive the records of source records gone from the source. More than the
        guard's share of this type's bindings waits for a person's confirmation (held on
        the run) unless ``force``. Returns how many were archived."""
        if not external_ids:
            return 0
        found = self.binder.to_internal_many(external_ids)
        bindings = self.binder.Binding.browse(
            [b.id for b in found.values() if not b.archived])
        if not bindings:
            return 0
        total = self.binder.count()
        share = (self.backend.sync_archive_share or 0.0) / 100.0
        if not force and archive_needs_confirmation(len(bindings), total, share):
            if self.run:
                self.run._agency_hold_archive(self.external_type, bindings.mapped("external_id"))
                self.run._agency_log(_(
                    "%(count)s of %(total)s synced %(type)s records are gone from the source: "
                    "more than the archive guard allows. Nothing archived; confirm on this "
                    "run to archive them.",
                    count=len(bindings), total=total, type=self.external_type))
            return 0
        with self.env.cr.savepoint():
            records = self.model.with_context(active_test=False).browse(
                bindings.mapped("res_id")).exists()
            self.archive_records(records)
            self.binder.archive(bindings)
        if self.run:
            self.run._agency_add(archived=len(bindings))
        return len(bindings)


class TimeEntryWritePath:
    """What importers of time entries share (mixed in before :class:`SyncImporter`):
    entries change only through ``account.analytic.line``'s importer write path, and
    invoiced time never changes — a later edit at the source becomes a conflict per
    field (:meth:`invoiced_change_note` says why), and *Take Source* is refused.

    :meth:`check_entry` (called by ``map`` once the values are known) applies the
    backend's gates every source shares: nothing dated before ``sync_from``; time of a
    person who left, dated after their departure, quarantined ("left on <date>"); an
    entry longer than ``max_entry_hours`` held from billing for review.
    """

    def check_entry(self, item, employee):
        """The backend's gates on a mapped entry (``item.values`` with ``date`` and
        ``unit_amount``): may skip it, raise :class:`SyncMappingError`, or mark it to
        be held (``item.extra["hold"]``)."""
        values = item.values
        day = fields.Date.to_date(values.get("date"))
        start = self.backend.sync_from
        if start and day and day < start and not item.binding:
            item.outcome = "skipped"  # before the account's "sync from" date
            return
        if employee and employee._agency_left_before(day):
            raise SyncMappingError(employee._agency_departure_message())
        cap = self.backend.max_entry_hours or 0.0
        hours = values.get("unit_amount") or 0.0
        if cap > 0 and hours > cap:
            hours_text, cap_text = f"{hours:g}", f"{cap:g}"
            item.extra["hold"] = self.env._(
                "%(hours)s h in one entry: more than the %(cap)s h anyone works in one go "
                "(account %(account)s). Check it, then release the hold.",
                hours=hours_text, cap=cap_text, account=self.backend.display_name)

    def hold_values(self, item):
        """What the importers' path adds to an entry's values for the gates above."""
        hold = item.extra.get("hold")
        return {"import_hold_reason": hold} if hold else {}

    def invoiced_change_note(self):
        """The note of a conflict opened for an invoiced entry changed at the source."""
        return self.env._(
            "The time changed at the source after it was invoiced. Invoiced time never "
            "changes: credit the invoice and correct the entry by hand if the change is "
            "right, then Keep Odoo.")

    def update_record(self, item, values):
        entry = item.record
        if entry._is_not_billed():
            if "unit_amount" in values:
                values = {**values, **self.hold_values(item)}
            entry._agency_import_write(values)
            return
        current = self.current_values(entry, values)
        for fname, value in values.items():
            self.conflict(item, fname, current.get(fname), value,
                          note=self.invoiced_change_note())

    def take_source(self, conflict, record):
        if not record._is_not_billed():
            raise UserError(self.env._(
                "The time entry %s is invoiced: it never changes. Keep Odoo.",
                record.display_name))
        if conflict.field_name == "unlink":
            record.sudo().unlink()  # sudo: a person decided; an invoiced entry was refused
        else:
            record._agency_import_write({conflict.field_name: conflict.source_raw})
            self.backend._agency_sync_keep_odoo(conflict)

"""One Monday.com sync: the account's boards into the mapping list, then each linked board
that changed, page by page (items, their time tracking sessions), then what left it.

Per linked board the backend keeps a cursor ``monday:board:<id>``::

    {"updated_at": board updated_at at the last complete read (never past the server's
                   now minus the backend's lookback),
     "read_at": when that read ended, "items": [item ids seen by it],
     "progress": {"cursor", "at" (the read's first page), "seen", "updated_at"}}
                                                        # only while a read is under way

* A board whose ``updated_at`` is not newer than the stored one is skipped (no item read);
  every ``FULL_READ_HOURS`` a board is read anyway, as a safety net.
* A read imports each page (tasks, then the page's finished time sessions; sessions gone
  from a still-present item are removed) and stores its progress, committed with the page
  in cron runs: a run killed (or paused) mid-board continues from the stored cursor while
  it lives, else reads the board again from its first page (unchanged items write nothing).
* A cursor that expires mid-board (they live 60 minutes) restarts that board cleanly from
  its first page.
* After a complete read, items that were on the board at the previous complete read and are
  no more (deleted, archived, moved away) are archived in Odoo.
"""

import logging
import time
from datetime import datetime, timedelta

from odoo import fields

from odoo.addons.agency_billing_sync.lib.errors import SyncError
from odoo.addons.agency_billing_sync.lib.webhook import (
    WebhookHandshake,
    WebhookRefused,
    signature_matches,
)

from ...lib import rounds as rounds_lib
from ...lib.monday import columns, mappers, values, webhook
from ..importer import TaskImporter, TimeImporter
from ..syncer import PmSync
from .adapter import PAGE_MAX, MondayAdapter, MondayCursorExpired

_logger = logging.getLogger(__name__)

CURSOR_KEY = "monday:board:%s"
LOGS_KEY = "monday:logs:%s"
# The activity log is read again from this long before the last entry seen (entries are
# counted once by their id: the overlap only catches late writes).
LOGS_OVERLAP = timedelta(hours=1)
ACCOUNT_KEY = "monday:account"
# A stored cursor is used again while younger than this (Monday's live 60 minutes).
CURSOR_REUSE_MINUTES = 50
# A board is read even when its updated_at did not move after this many hours.
FULL_READ_HOURS = 24
# Restarts of one board after expired cursors, in one run, before giving up.
MAX_RESTARTS = 3
# Deliveries whose triggerTime is older than this are refused (Monday retries a failed
# delivery for 30 minutes).
MAX_DELIVERY_AGE = timedelta(minutes=35)


class MondaySync(PmSync):
    """The steps of a Monday.com sync for one run (``run`` is None for a check or a
    discovery)."""

    adapter_class = MondayAdapter

    def __init__(self, backend, run, adapter=None):
        super().__init__(backend, run, adapter=adapter)
        self.users = None
        self.asked_users = set()
        self.slug = None
        # Several syncers may work for one run (webhook events): requests add up.
        self.requests_before = run.requests if run else 0

    def config(self):
        backend = self.backend
        return {"service_source": backend.service_source, "service_field": backend.service_field,
                "milestone_source": backend.milestone_source,
                "milestone_field": backend.milestone_field}

    # ------------------------------------------------------------------
    # Hooks of the backend
    # ------------------------------------------------------------------

    def check(self):
        """Test Connection: the token's user and account."""
        me, account = self.adapter.check()
        return self.env._(
            "Connected to the Monday.com account %(account)s (id %(id)s) as %(user)s.",
            account=account.get("name") or account.get("slug") or "?",
            id=account.get("id") or "?", user=me.get("email") or me.get("name") or "?")

    def discover(self):
        """The account's boards as project dicts (archived and deleted ones too)."""
        boards, account = self.adapter.boards()
        self.slug = (account or {}).get("slug") or None
        stored = self.backend._agency_sync_cursor(ACCOUNT_KEY) or {}
        if self.slug and stored.get("slug") != self.slug:
            self.backend._agency_sync_set_cursor(ACCOUNT_KEY, {**stored, "slug": self.slug})
        return [mappers.project_dict(board, self.slug) for board in boards]

    def execute(self):
        """The whole sync of the run."""
        try:
            projects = self.discover()
            self.env["agency.pm.project.link"]._agency_upsert(self.backend, projects)
            by_id = {project["id"]: project for project in projects}
            for link in self.backend._agency_pm_links():
                self.sync_board(link, by_id.get(str(link.external_id)))
        finally:
            self._requests()
            self.close()

    def close(self):
        if self._adapter is not None:
            self._adapter.close()

    def import_ids(self, external_type, ids, deleted_ids=()):
        """Re-read items by id (webhook events, quarantine retries) and import them with
        their time sessions; items gone or archived are archived in Odoo.
        ``time`` ids are ``<item id>:<session id>``: their items are re-read."""
        try:
            self._import_ids(external_type, ids, deleted_ids)
        finally:
            self._requests()
            self.close()

    def _import_ids(self, external_type, ids, deleted_ids):
        ids = [str(i) for i in ids or ()]
        deleted = [str(i) for i in deleted_ids or ()]
        if external_type == "time":
            if deleted:
                TimeImporter(self.backend, self.run).archive(deleted)
            item_ids = list(dict.fromkeys(i.split(":")[0] for i in ids))
        elif external_type == "task":
            item_ids = list(dict.fromkeys(ids + deleted))
        else:
            return
        if not item_ids:
            return
        links = {str(link.external_id) for link in self.backend._agency_pm_links()}
        items = self.adapter.items(item_ids)
        if self.slug is None:
            self.slug = self._stored_slug()
        by_board, present = {}, set()
        for item in items:
            if not isinstance(item, dict) or item.get("id") is None:
                continue
            if (item.get("state") or "active") != "active":
                continue
            board = str((item.get("board") or {}).get("id") or "")
            present.add(str(item["id"]))
            if board in links:
                by_board.setdefault(board, []).append(item)
        size = self._page_size()
        for board, board_items in by_board.items():
            for start in range(0, len(board_items), size):
                self.import_page(board, board_items[start:start + size])
                self._checkpoint()
        gone = [i for i in item_ids if i not in present]
        if gone:
            TaskImporter(self.backend, self.run).archive(gone)
            self.env["agency.sync.log"]._agency_resolve(self.backend, "task", gone)

    # ------------------------------------------------------------------
    # Boards
    # ------------------------------------------------------------------

    def _page_size(self):
        return max(1, min(PAGE_MAX, self.backend.sync_batch_size or PAGE_MAX))

    def _now(self):
        return fields.Datetime.now()

    def sync_board(self, link, project):
        """Read a linked board when it changed (see the module docstring)."""
        board_id = str(link.external_id)
        key = CURSOR_KEY % board_id
        stored = self.backend._agency_sync_cursor(key) or {}
        state = dict(stored)
        if project is None:
            self.run._agency_log(self.env._(
                "Board %(board)s (%(name)s) is not visible with this token (deleted, or no "
                "access): skipped; nothing of it is archived.", board=board_id,
                name=link.name or board_id))
            return
        board_updated = values.iso(project["updated_at"])
        progress = state.get("progress")
        if not progress and not self._due(state, board_updated):
            self.run._agency_log(self.env._("Board %s: unchanged, skipped.", project["name"]))
            return
        started = time.perf_counter()
        before = self._counts()
        cursor, seen, read_started = None, [], None
        if progress and self._reusable(progress):
            cursor, seen = progress.get("cursor"), list(progress.get("seen") or [])
            board_updated = progress.get("updated_at") or board_updated
            read_started = progress.get("at")
        pages = restarts = 0
        size = self._page_size()
        while True:
            try:
                if cursor:
                    cursor, items = self.adapter.next_page(cursor, size)
                else:
                    # A cursor lives 60 minutes from the board's first page.
                    read_started = self._now().isoformat()
                    board, cursor, items = self.adapter.first_page(board_id, size)
                    if board is None:
                        self.run._agency_log(self.env._("Board %s: not found; skipped.", board_id))
                        return
            except MondayCursorExpired:
                restarts += 1
                if restarts > MAX_RESTARTS:
                    raise SyncError(self.env._(
                        "Board %(board)s: its item cursors kept expiring (%(count)s restarts); "
                        "the next sync reads it again.", board=project["name"],
                        count=restarts - 1)) from None
                self.run._agency_log(self.env._(
                    "Board %s: the items cursor expired; reading the board again from its "
                    "first page.", project["name"]))
                cursor, seen = None, []
                continue
            self.import_page(board_id, items)
            seen += [str(item["id"]) for item in items
                     if isinstance(item, dict) and item.get("id") is not None]
            pages += 1
            if cursor:
                state["progress"] = {"cursor": cursor, "at": read_started, "seen": seen,
                                     "updated_at": board_updated}
            else:
                state.pop("progress", None)
                self._archive_gone(state.get("items") or [], seen)
                # Never past the server's now minus the lookback (clock skew).
                state.update(updated_at=values.capped(board_updated, self.cursor_limit()),
                             read_at=self._now().isoformat(),
                             items=sorted(set(seen)))
            self._store(key, stored, state)
            stored = dict(state)
            self._checkpoint()
            if not cursor:
                break
        self.run._agency_log(self._summary(project["name"], pages, before,
                                           time.perf_counter() - started))
        self.sync_rounds(link)

    def sync_rounds(self, link):
        """The board's activity log since the last entry seen, when a deliverable has
        tasks in the linked project: status changes to the revision label start rounds
        (``agency_pm_backend_rounds``)."""
        label = self.backend.revision_status_label
        if not label or not link.project_id:
            return
        # sudo: the sync's own check (deliverables are billing records).
        if not self.env["agency.deliverable"].sudo().search_count(
                [("task_ids.project_id", "=", link.project_id.id)], limit=1):
            return
        board_id = str(link.external_id)
        key = LOGS_KEY % board_id
        last = self.backend._agency_sync_cursor(key)
        since = None
        if last:
            since = (datetime.fromisoformat(last) - LOGS_OVERLAP).strftime("%Y-%m-%dT%H:%M:%SZ")
        logs = self.adapter.activity_logs(board_id, since)
        signals = rounds_lib.monday_signals(logs, label)
        self.backend._agency_pm_round_signals(signals, run=self.run)
        newest = max(filter(None, (rounds_lib.monday_time(log.get("created_at"))
                                   for log in logs if isinstance(log, dict))), default=None)
        if newest and newest.isoformat() != last:
            self.backend._agency_sync_set_cursor(key, newest.isoformat())
        self._checkpoint()

    def _due(self, state, board_updated):
        """Whether a board must be read: changed since its last complete read, or not
        read for ``FULL_READ_HOURS``."""
        if not state.get("updated_at") or not board_updated:
            return True
        if values.parse_datetime(board_updated) > values.parse_datetime(state["updated_at"]):
            return True
        read_at = state.get("read_at")
        if not read_at:
            return True
        return self._now() - datetime.fromisoformat(read_at) > timedelta(hours=FULL_READ_HOURS)

    def _reusable(self, progress):
        """Whether a stored cursor may still live (Monday's live 60 minutes from the
        board's first page)."""
        try:
            at = datetime.fromisoformat(progress.get("at") or "")
        except ValueError:
            return False
        return bool(progress.get("cursor")) and (
            self._now() - at < timedelta(minutes=CURSOR_REUSE_MINUTES))

    def _store(self, key, before, state):
        """Write a board's cursor only when it changed (an unchanged sync writes nothing)."""
        if before != state:
            self.backend._agency_sync_set_cursor(key, state)

    def _archive_gone(self, previous, seen):
        gone = sorted(set(previous) - set(seen))
        if gone:
            count = TaskImporter(self.backend, self.run).archive(gone)
            if count:
                self.run._agency_log(self.env._(
                    "%s tasks archived (no longer on the board).", count))

    # ------------------------------------------------------------------
    # One page of items
    # ------------------------------------------------------------------

    def load_users(self, items=()):
        """The account's users ({id: user dict}): the list once per run, then users these
        items name that the list did not show (deactivated people, newcomers), by id."""
        if self.users is None:
            self.users = {}
            self._add_users(self.adapter.users())
        wanted = set()
        for item in items:
            if isinstance(item, dict):
                wanted |= columns.user_ids(item, (self.backend.time_column or "").strip() or None)
        missing = wanted - set(self.users) - self.asked_users
        if missing:
            self.asked_users |= missing
            self._add_users(self.adapter.users_by_id(sorted(missing)))
        return self.users

    def _add_users(self, users):
        for user in users:
            if isinstance(user, dict) and user.get("id") is not None:
                normalized = mappers.user_dict(user)
                self.users[normalized["id"]] = normalized

    def import_page(self, board_id, items):
        """Import a page of items: their tasks, then their finished time sessions; the
        sessions gone from these items are removed."""
        users = self.load_users(items)
        config = self.config()
        column = (self.backend.time_column or "").strip() or None
        tasks, entries, keys, bad = [], [], {}, []
        for item in items:
            try:
                task = mappers.task_dict(item, board_id, config, users, self.slug)
                entries += mappers.time_entries(item, board_id, column, users, self.slug)
                keys[task["id"]] = set(columns.session_keys(item, column))
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                item_id = item.get("id") if isinstance(item, dict) else None
                bad.append(("task", str(item_id or "?"), self.env._(
                    "Unreadable Monday.com item (%s): the item is not imported.",
                    exc.__class__.__name__), item))
                continue
            tasks.append(task)
        if bad:
            self.env["agency.sync.log"]._agency_quarantine(self.backend, self.run, bad)
            if self.run:
                self.run._agency_add(quarantined=len(bad))
        TaskImporter(self.backend, self.run).import_records(tasks)
        times = TimeImporter(self.backend, self.run)
        times.import_records(entries)
        gone = [ref for item_id, ref in self._known_sessions(list(keys))
                if ref not in keys[item_id]]
        if gone:
            times.archive(gone)

    def _known_sessions(self, item_ids):
        """(item id, time id) of the time bindings of these items (not archived)."""
        return self.backend._agency_binder("time").children(item_ids)

    def _stored_slug(self):
        """The account's slug as the last discovery saw it (task links)."""
        return (self.backend._agency_sync_cursor(ACCOUNT_KEY) or {}).get("slug")

    # ------------------------------------------------------------------
    # Webhooks
    # ------------------------------------------------------------------

    @classmethod
    def webhook_events(cls, backend, httprequest, raw):
        """Check a Monday.com delivery and return its events.

        * ``{"challenge": x}`` (sent when a webhook is created) is answered with the same
          JSON; nothing is stored.
        * A delivery is authentic when its ``Authorization`` JWT (app webhooks) is signed
          HS256 with the account's signing secret, not expired and (when it says) for this
          URL, or — personal tokens send no JWT — when the URL's ``?secret=`` equals the
          webhook secret. Deliveries older than 35 minutes are refused; a repeated
          delivery (same ``triggerUuid``) is refused by the event store.
        """
        try:
            body = webhook.read_delivery(raw)
            # sudo: the secret is read to check the delivery only.
            secret = backend.sudo().webhook_secret
            if not secret:
                raise WebhookRefused(403, "webhooks are not set up on this account")
            authorization = httprequest.headers.get("Authorization")
            if authorization:
                claims = webhook.jwt_claims(authorization, secret, now=time.time(),
                                        audience=webhook.audiences(httprequest.base_url,
                                                               backend.webhook_url))
                account = str(claims.get("accountId") or "")
                if account and backend.workspace_ref and account != str(backend.workspace_ref):
                    raise WebhookRefused(403, "delivery for another account")
                authentic = True
            else:
                authentic = signature_matches(secret, httprequest.args.get("secret"))
            if "challenge" in body:
                # Stores nothing and proves nothing: answered even without the secret
                # (a JWT, when sent, was checked above), so creating a webhook in
                # Monday.com works; its deliveries are what must authenticate.
                raise WebhookHandshake(body={"challenge": body["challenge"]})
            if not authentic:
                raise WebhookRefused(401, "missing or wrong authentication")
            events = webhook.delivery_events(body)
        except webhook.WebhookError as exc:
            raise WebhookRefused(exc.status, exc.reason) from None
        now = fields.Datetime.now()
        for event in events:
            occurred = event.get("occurred_at")
            if occurred and now - occurred > MAX_DELIVERY_AGE:
                raise WebhookRefused(401, "stale delivery")
        return events

    # ------------------------------------------------------------------

    def _requests(self):
        if self.run and self._adapter is not None:
            total = self.requests_before + self._adapter.requests
            if self.run.requests != total:
                self.run.requests = total

    def _counts(self):
        run = self.run
        return (run.created, run.updated, run.unchanged, run.quarantined, run.conflicts)

    def _summary(self, name, pages, before, seconds):
        after = self._counts()
        delta = [b - a for a, b in zip(before, after, strict=True)]
        return self.env._(
            "Board %(board)s: %(pages)s pages in %(seconds).1f s; %(created)s created, "
            "%(updated)s updated, %(unchanged)s unchanged, %(quarantined)s quarantined, "
            "%(conflicts)s conflicts.", board=name, pages=pages, seconds=seconds,
            created=delta[0], updated=delta[1], unchanged=delta[2],
            quarantined=delta[3], conflicts=delta[4])

"""The Asana adapter: the only code that talks to Asana, through the ``asana`` SDK (5.x).

It knows Asana's paths, pages, limits and errors; the syncer gets plain dicts shaped like
Asana's JSON. Behaviours:

* The SDK never retries by itself here (its urllib3 ``Retry`` is replaced by one that
  retries nothing: the default one sleeps 0, 4, 8, 16, 32 s even on ``Retry-After: 0`` and
  ends in ``MaxRetryError``); :func:`with_retries` retries rate limits (waiting what
  ``Retry-After`` says, ``0`` included), 5xx, timeouts, dropped connections and unreadable
  answers with backoff and jitter, ``sync_max_attempts`` times in all.
* Every request (retries included) is paced by the backend's budget (requests per 10 s)
  and counted against its daily call budget (``_agency_pm_spend_calls``) before it goes.
* Answers are read as raw JSON (``full_payload=True``, ``_preload_content=False``): a
  malformed or truncated body, or a page without ``data``, raises
  :class:`SyncPayloadError`, never read as "no records". Paging follows
  ``next_page.offset`` here, one request per page, so the syncer imports page by page.
* ``/events`` answers 412 with a fresh sync token (first call, expired token): returned as
  ``expired=True`` with the token (the SDK's iterator would swallow it).
* Errors become the sync layer's classes; messages carry Asana's message, never the token.
"""

import json

from odoo.addons.agency_billing_sync.components.adapter import SdkAdapter
from odoo.addons.agency_billing_sync.lib.errors import SyncNotFoundError, SyncPayloadError
from odoo.addons.agency_billing_sync.lib.payload import redact

from ..adapter import DailyCallBudget

try:
    import asana
    from asana.rest import ApiException
except ImportError:  # declared in external_dependencies; Odoo refuses to install without
    asana = None
    ApiException = ()

PAGE_LIMIT = 100
TASK_FIELDS = (
    "name", "completed", "completed_at", "due_on", "due_at", "modified_at", "permalink_url",
    "assignee.name", "assignee.email",
    "memberships.project.name", "memberships.section.name",
    "custom_fields.name", "custom_fields.resource_subtype", "custom_fields.enum_value.name",
    "custom_fields.multi_enum_values.name", "custom_fields.text_value",
    "custom_fields.number_value", "custom_fields.display_value",
    "tags.name", "parent.name", "resource_subtype", "approval_status",
)
STORY_FIELDS = (
    "created_at", "created_by.name", "resource_subtype", "old_approval_status",
    "new_approval_status", "old_section.name", "new_section.name",
)
ENTRY_FIELDS = (
    "duration_minutes", "entered_on", "created_at", "description", "billable_status",
    "approval_status", "created_by.name", "created_by.email", "task.name",
    "attributable_to.name",
)
PROJECT_FIELDS = (
    "name", "archived", "modified_at", "permalink_url", "notes",
    "custom_fields.name", "custom_fields.display_value", "custom_fields.text_value",
    "custom_fields.enum_value.name",
)


class AsanaAdapter(DailyCallBudget, SdkAdapter):
    """Asana's REST API for one backend (one instance per run)."""

    vendor = "Asana"
    package = "asana"
    sdk = asana
    api_exceptions = (ApiException,) if asana else ()

    def _setup_client(self):
        config = asana.Configuration()
        config.host = self.host
        config.access_token = self.token
        config.retry_strategy = self._no_retry()
        config.connection_pool_maxsize = 2
        self.client = asana.ApiClient(config)
        self._events = asana.EventsApi(self.client)
        self._projects = asana.ProjectsApi(self.client)
        self._stories = asana.StoriesApi(self.client)
        self._tasks = asana.TasksApi(self.client)
        self._time = asana.TimeTrackingEntriesApi(self.client)
        self._users = asana.UsersApi(self.client)
        self._workspaces = asana.WorkspacesApi(self.client)

    def close(self):
        """Free the SDK's thread pool and connections."""
        pool = getattr(self.client, "pool", None)
        if pool is not None:
            pool.close()
            pool.join()
            del self.client.pool
        self.client.rest_client.pool_manager.clear()

    # ------------------------------------------------------------------
    # Calls, errors, limits
    # ------------------------------------------------------------------

    def _get(self, label, method, *args, opts=None, expect_412=False):
        """One API call with retries (its options as a dict, the whole envelope back);
        returns the JSON answer (a dict)."""
        def send(**kwargs):
            return method(*args, dict(opts or {}), full_payload=True, **kwargs)

        return self._call(label, send, accept=(412,) if expect_412 else ())

    def _read(self, label, response):
        data = self._json(label, self._raw(label, response), response.status)
        if not isinstance(data, dict) or "data" not in data:
            raise SyncPayloadError(f"Asana answered {label} without its data: the answer "
                                   "is not an Asana envelope.", status=response.status)
        return data

    @staticmethod
    def _body(exc):
        body = exc.body.decode("utf-8", "replace") if isinstance(exc.body, bytes) else (
            exc.body or "")
        try:
            detail = json.loads(body) if body else {}
        except ValueError:
            detail = {"errors": [{"message": body[:300]}]}
        return detail if isinstance(detail, dict) else {}

    def _accepted(self, label, exc):
        """``/events`` answered 412: the sync token expired (or there was none); the
        answer holds a fresh one."""
        token = self._body(exc).get("sync")
        if not token:
            raise SyncPayloadError(f"Asana answered {label} with 412 but no fresh sync "
                                   "token.", status=412)
        return {"data": [], "sync": token, "has_more": False, "expired": True}

    def _api_error(self, label, exc):
        status = getattr(exc, "status", None) or 0
        detail = self._body(exc)
        errors = detail.get("errors") if isinstance(detail.get("errors"), list) else []
        messages = [str(err.get("message")) for err in errors
                    if isinstance(err, dict) and err.get("message")]
        message = "; ".join(messages) or getattr(exc, "reason", "") or "no message"
        text = redact(f"Asana {label}: {status} {message}", self.secrets)
        return self._status_error(text, status, exc.headers or {})

    # ------------------------------------------------------------------
    # Reading
    # ------------------------------------------------------------------

    @staticmethod
    def _records(label, data):
        records = data.get("data")
        if not isinstance(records, list):
            raise SyncPayloadError(f"Asana answered {label} without its records.")
        return records

    @staticmethod
    def _record(label, data):
        record = data.get("data")
        if not isinstance(record, dict) or not record.get("gid"):
            raise SyncPayloadError(f"Asana answered {label} without its record.")
        return record

    def _page(self, label, method, *args, opts=None, offset=None):
        """One page of a list: (records, next offset or None)."""
        opts = {"limit": PAGE_LIMIT, **(opts or {})}
        if offset:
            opts["offset"] = offset
        data = self._get(label, method, *args, opts=opts)
        records = self._records(label, data)
        return records, (data.get("next_page") or {}).get("offset")

    def _all(self, label, method, *args, opts=None):
        offset = None
        while True:
            records, offset = self._page(label, method, *args, opts=opts, offset=offset)
            yield from records
            if not offset:
                return

    def me(self):
        return self._record("the token's user", self._get(
            "the token's user", self._users.get_user, "me",
            opts={"opt_fields": "name,email"}))

    def workspace(self, gid):
        return self._record("workspace", self._get(
            "workspace", self._workspaces.get_workspace, str(gid),
            opts={"opt_fields": "name"}))

    def workspaces(self):
        return list(self._all("workspaces", self._workspaces.get_workspaces,
                              opts={"opt_fields": "name"}))

    def users(self, workspace):
        """The workspace's users with their email (a generator)."""
        return self._all("users", self._users.get_users_for_workspace, str(workspace),
                         opts={"opt_fields": "name,email"})

    def projects(self, workspace):
        """Every project of the workspace, archived ones included (a generator)."""
        return self._all("projects", self._projects.get_projects,
                         opts={"workspace": str(workspace),
                               "opt_fields": ",".join(PROJECT_FIELDS)})

    def tasks_page(self, project, modified_since=None, offset=None, compact=False):
        """One page of a project's tasks (modified since a time when given)."""
        opts = {"project": str(project)}
        if not compact:
            opts["opt_fields"] = ",".join(TASK_FIELDS)
        if modified_since:
            opts["modified_since"] = modified_since
        return self._page(f"tasks of project {project}", self._tasks.get_tasks, opts=opts,
                          offset=offset)

    def task(self, gid):
        """One task, or None when Asana has no such task (deleted)."""
        try:
            data = self._get(f"task {gid}", self._tasks.get_task, str(gid),
                              opts={"opt_fields": ",".join(TASK_FIELDS)})
        except SyncNotFoundError:
            return None
        return self._record(f"task {gid}", data)

    def stories(self, task):
        """Every story of a task (a list; None when the task is gone)."""
        try:
            return list(self._all(f"stories of task {task}",
                                  self._stories.get_stories_for_task, str(task),
                                  opts={"opt_fields": ",".join(STORY_FIELDS)}))
        except SyncNotFoundError:
            return None

    def task_entries(self, task):
        """Every time tracking entry of a task (a list; None when the task is gone)."""
        try:
            return list(self._all(f"time entries of task {task}",
                                  self._time.get_time_tracking_entries_for_task, str(task),
                                  opts={"opt_fields": ",".join(ENTRY_FIELDS)}))
        except SyncNotFoundError:
            return None

    def entries_page(self, workspace, start, end, offset=None):
        """One page of the workspace's time entries entered between two dates."""
        opts = {"workspace": str(workspace), "entered_on_start_date": str(start),
                "entered_on_end_date": str(end), "opt_fields": ",".join(ENTRY_FIELDS)}
        return self._page("time entries", self._time.get_time_tracking_entries, opts=opts,
                          offset=offset)

    def entry(self, gid):
        """One time tracking entry, or None when it was deleted."""
        try:
            data = self._get(f"time entry {gid}", self._time.get_time_tracking_entry,
                              str(gid), opts={"opt_fields": ",".join(ENTRY_FIELDS)})
        except SyncNotFoundError:
            return None
        return self._record(f"time entry {gid}", data)

    def events(self, resource, sync=None):
        """One call of ``/events``: ``{"data", "sync", "has_more", "expired"}``; expired
        (412: no token, or too old) comes with a fresh token and no events."""
        opts = {"sync": sync} if sync else {}
        data = self._get(f"events of {resource}", self._events.get_events, str(resource),
                          opts=opts, expect_412=True)
        if not data.get("sync"):
            raise SyncPayloadError(f"Asana answered events of {resource} without a sync "
                                   "token.")
        self._records(f"events of {resource}", data)
        return {"data": data["data"], "sync": data["sync"],
                "has_more": bool(data.get("has_more")), "expired": bool(data.get("expired"))}

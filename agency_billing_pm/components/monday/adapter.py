"""The Monday.com adapter: the only code that talks to Monday, GraphQL over ``requests``.

One ``requests.Session`` per run, ``POST <backend.base_url>`` with ``Authorization: <token>``
(no "Bearer") and ``API-Version: 2025-07``. Behaviours:

* Every request first spends one call of the backend's daily budget
  (``backend._agency_pm_spend_calls()``, the plan's daily cap) and waits for the backend's
  request budget (requests per 10 s).
* :func:`with_retries` retries what may pass (``sync_max_attempts`` calls in all): HTTP 429
  (waiting ``Retry-After``), 5xx, timeouts, dropped connections, unreadable or partial
  answers, and Monday's errors that come with HTTP 200 in an ``errors`` array:
  ``COMPLEXITY_BUDGET_EXHAUSTED`` waits its ``retry_in_seconds``.
* ``DAILY_LIMIT_EXCEEDED`` stops the run (:class:`MondayDailyLimitError`, not retried); an
  expired items cursor raises :class:`MondayCursorExpired`, which the syncer catches to read
  the board again from its first page; 401/403 and Monday's authorization errors raise
  :class:`SyncAuthError`.
* Messages carry Monday's message and error code, never the token.
"""

import json

from odoo.addons.agency_billing_sync.components.adapter import SyncAdapter
from odoo.addons.agency_billing_sync.lib.backoff import retry_after
from odoo.addons.agency_billing_sync.lib.errors import (
    SyncAuthError,
    SyncError,
    SyncPayloadError,
    SyncRateLimitError,
    SyncRequestError,
    SyncServerError,
    SyncTimeoutError,
)
from odoo.addons.agency_billing_sync.lib.payload import redact

from ..adapter import DailyCallBudget

try:
    import requests
except ImportError:  # declared in external_dependencies
    requests = None

API_VERSION = "2025-07"
PAGE_MAX = 500  # items per items_page / next_items_page
IDS_MAX = 100  # ids per items(ids:) query
USERS_PAGE = 200
BOARDS_PAGE = 100
LOGS_PAGE = 100

ITEM_FIELDS = """
  id name state updated_at
  group { id title }
  column_values {
    id type text value column { title }
    ... on StatusValue { label is_done }
    ... on DropdownValue { values { label } }
    ... on TagsValue { tags { name } }
    ... on PeopleValue { persons_and_teams { id kind } }
    ... on DateValue { date }
    ... on TimeTrackingValue {
      duration running
      history { id started_at ended_at started_user_id ended_user_id status }
    }
  }
"""
Q_CHECK = "query AgencyCheck { me { id name email } account { id name slug } }"
Q_USERS = """query AgencyUsers($limit: Int!, $page: Int!) {
  users(limit: $limit, page: $page) { id name email enabled } }"""
Q_USERS_BY_ID = """query AgencyUsersById($ids: [ID!], $limit: Int!) {
  users(ids: $ids, limit: $limit, non_active: true) { id name email enabled } }"""
Q_BOARDS = """query AgencyBoards($limit: Int!, $page: Int!) {
  boards(limit: $limit, page: $page, state: all) {
    id name description state updated_at workspace { id name } }
  account { id slug } }"""
Q_FIRST = """query AgencyItemsFirst($board: [ID!], $limit: Int!) {
  boards(ids: $board, state: all) { id state updated_at
    items_page(limit: $limit) { cursor items { %s } } } }""" % ITEM_FIELDS
Q_NEXT = """query AgencyItemsNext($cursor: String!, $limit: Int!) {
  next_items_page(cursor: $cursor, limit: $limit) { cursor items { %s } } }""" % ITEM_FIELDS
Q_LOGS = """query AgencyActivityLogs($board: [ID!], $from: ISO8601DateTime, $limit: Int,
  $page: Int) {
  boards(ids: $board) { id
    activity_logs(from: $from, limit: $limit, page: $page) {
      id event entity data user_id created_at } } }"""
Q_ITEMS = """query AgencyItems($ids: [ID!], $limit: Int) {
  items(ids: $ids, limit: $limit) { board { id } %s } }""" % ITEM_FIELDS

RATE_CODES = ("COMPLEXITY_BUDGET_EXHAUSTED", "maxConcurrencyExceeded", "RATE_LIMIT_EXCEEDED",
              "IP_RATE_LIMIT_EXCEEDED", "CONCURRENCY_LIMIT_EXCEEDED")
AUTH_CODES = ("UserUnauthorizedException", "UNAUTHENTICATED", "USER_UNAUTHORIZED",
              "Unauthorized", "UNAUTHORIZED")
CURSOR_CODES = ("CursorExpiredError", "CURSOR_EXPIRED")


class MondayCursorExpired(SyncError):
    """An ``items_page`` cursor expired (they live 60 minutes): read the board again from
    its first page."""

    kind = "cursor"


class MondayDailyLimitError(SyncError):
    """The account's daily call cap is used up: the run stops until tomorrow."""

    kind = "rate_limit"


class MondayAdapter(DailyCallBudget, SyncAdapter):
    """Monday.com's GraphQL API for one backend (one instance, one session per run)."""

    vendor = "Monday.com"
    package = "requests"
    sdk = requests

    def _missing_token_message(self):
        return self.backend.env._("The Monday.com account %s has no API token.",
                                  self.backend.display_name)

    def _more_secrets(self):
        # sudo: the webhook secret is administrator-only; it is only redacted here.
        return [self.backend.sudo().webhook_secret]

    def _setup_client(self):
        self.session = requests.Session()
        self.session.headers.update({
            "Authorization": self.token, "API-Version": API_VERSION,
            "Content-Type": "application/json", "Accept": "application/json",
        })

    def close(self):
        self.session.close()

    # ------------------------------------------------------------------
    # Calls, errors, limits
    # ------------------------------------------------------------------

    def query(self, label, query, variables=None):
        """One GraphQL request with retries; returns its ``data``."""

        def once():
            self._spend_request()
            try:
                response = self.session.post(
                    self.base_url, data=json.dumps({"query": query, "variables": variables or {}}),
                    timeout=self.timeout)
            except requests.Timeout:
                raise SyncTimeoutError(
                    f"Monday.com {label}: no answer within {self.timeout:g} s.") from None
            except requests.RequestException as exc:
                raise SyncServerError(redact(f"Monday.com {label}: connection failed "
                                             f"({exc.__class__.__name__}).", self.secrets)
                                      ) from None
            return self._read(label, response)

        return self._retrying(once)

    def _read(self, label, response):
        status = response.status_code
        try:
            raw = response.content
        except requests.RequestException as exc:
            raise SyncServerError(f"Monday.com {label}: the answer was cut "
                                  f"({exc.__class__.__name__}).", status=status) from None
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
            if status == 200:
                raise SyncPayloadError(
                    f"Monday.com answered {label} with unreadable JSON ({len(raw)} bytes): "
                    "the answer was cut or malformed.", status=status) from None
        wait = retry_after(response.headers.get("Retry-After"))
        errors = body.get("errors") if isinstance(body, dict) else None
        if errors:
            error = self._app_error(label, status, errors, body, wait)
            if error is not None:
                raise error
        if status != 200:
            raise self._http_error(label, status, body, wait)
        if not isinstance(body, dict) or not isinstance(body.get("data"), dict):
            raise SyncPayloadError(f"Monday.com answered {label} without its data: the "
                                   "answer is not a GraphQL result.", status=status)
        return body["data"]

    def _text(self, label, status, message, code=None):
        return redact(f"Monday.com {label}: {status} {message}"
                      + (f" ({code})" if code else ""), self.secrets)

    def _app_error(self, label, status, errors, body, wait):
        """The sync error for Monday's ``errors`` array (HTTP 200 mostly)."""
        first = errors[0] if isinstance(errors[0], dict) else {"message": str(errors[0])}
        extensions = first.get("extensions") or {}
        code = str(extensions.get("code") or first.get("error_code") or "")
        message = str(first.get("message") or "no message")[:300]
        text = self._text(label, status, message, code)
        if code == "DAILY_LIMIT_EXCEEDED":
            return MondayDailyLimitError(self.backend.env._(
                "Monday.com's daily call limit of this account is used up (%(label)s); "
                "the sync continues tomorrow.", label=label), status=status)
        if code in CURSOR_CODES or ("cursor" in message.lower() and "expired" in
                                    message.lower()):
            return MondayCursorExpired(text, status=status)
        if code in RATE_CODES:
            seconds = extensions.get("retry_in_seconds")
            if seconds is None:
                seconds = wait
            try:
                seconds = max(0.0, float(seconds)) if seconds is not None else None
            except (TypeError, ValueError):
                seconds = None
            return SyncRateLimitError(text, status=status, retry_after=seconds)
        if code in AUTH_CODES or status in (401, 403):
            return SyncAuthError(text, status=status)
        if code == "INTERNAL_SERVER_ERROR" or status >= 500:
            return SyncServerError(text, status=status, retry_after=wait)
        if status == 429:
            return SyncRateLimitError(text, status=status, retry_after=wait)
        if isinstance(body.get("data"), dict) and any(v is not None
                                                      for v in body["data"].values()):
            return SyncPayloadError(self._text(
                label, status, f"partial data with an error: {message}", code), status=status)
        return SyncRequestError(text, status=status)

    def _http_error(self, label, status, body, wait):
        message = ""
        if isinstance(body, dict):
            message = body.get("error_message") or body.get("message") or ""
        text = self._text(label, status, str(message)[:300] or "no message")
        if status == 429:
            return SyncRateLimitError(text, status=status, retry_after=wait)
        if status in (401, 403):
            return SyncAuthError(text, status=status)
        if status >= 500:
            return SyncServerError(text, status=status, retry_after=wait)
        return SyncRequestError(text, status=status)

    # ------------------------------------------------------------------
    # Reading
    # ------------------------------------------------------------------

    @staticmethod
    def _list(label, data, key):
        value = data.get(key)
        if not isinstance(value, list):
            raise SyncPayloadError(f"Monday.com answered {label} without its {key}.")
        return value

    def check(self):
        """The token's user and account: ``(me, account)``."""
        data = self.query("connection check", Q_CHECK)
        me, account = data.get("me"), data.get("account")
        if not isinstance(me, dict) or not isinstance(account, dict):
            raise SyncPayloadError("Monday.com answered the connection check without the "
                                   "user and account.")
        return me, account

    def users(self):
        """Every user of the account."""
        page, out = 1, []
        while True:
            rows = self._list("users", self.query("users", Q_USERS, {
                "limit": USERS_PAGE, "page": page}), "users")
            out += rows
            if len(rows) < USERS_PAGE:
                return out
            page += 1

    def users_by_id(self, ids):
        """Users by id (those the users list did not show: deactivated ones, who left),
        deactivated users included (``non_active``), 100 per request."""
        ids = [str(i) for i in dict.fromkeys(ids)]
        out = []
        for start in range(0, len(ids), IDS_MAX):
            chunk = ids[start:start + IDS_MAX]
            out += self._list("users", self.query("users by id", Q_USERS_BY_ID, {
                "ids": chunk, "limit": len(chunk)}), "users")
        return out

    def boards(self):
        """Every board of the account (active, archived and deleted ones) and the
        account (``id``, ``slug``): ``(boards, account)``."""
        page, out = 1, []
        while True:
            data = self.query("boards", Q_BOARDS, {"limit": BOARDS_PAGE, "page": page})
            rows = self._list("boards", data, "boards")
            out += rows
            if len(rows) < BOARDS_PAGE:
                return out, data.get("account") or {}
            page += 1

    @staticmethod
    def _page(label, page):
        if not isinstance(page, dict) or not isinstance(page.get("items"), list):
            raise SyncPayloadError(f"Monday.com answered {label} without its items: the "
                                   "answer is not a page of items.")
        return page.get("cursor") or None, page["items"]

    def first_page(self, board_id, limit=PAGE_MAX):
        """The first page of a board's items: ``(board, cursor, items)``; ``board`` is
        None when Monday does not know the board (any more)."""
        label = f"items of board {board_id}"
        boards = self._list(label, self.query(label, Q_FIRST, {
            "board": [str(board_id)], "limit": min(PAGE_MAX, limit)}), "boards")
        if not boards:
            return None, None, []
        board = boards[0]
        cursor, items = self._page(label, board.get("items_page"))
        return board, cursor, items

    def next_page(self, cursor, limit=PAGE_MAX):
        """The next page after a cursor: ``(cursor, items)``; the last page has no
        cursor. Raises :class:`MondayCursorExpired` when the cursor expired."""
        label = "next items page"
        data = self.query(label, Q_NEXT, {"cursor": cursor, "limit": min(PAGE_MAX, limit)})
        return self._page(label, data.get("next_items_page"))

    def activity_logs(self, board_id, since=None):
        """A board's activity log entries since an ISO time (newest first, every page)."""
        label = f"activity log of board {board_id}"
        page, out = 1, []
        while True:
            boards = self._list(label, self.query(label, Q_LOGS, {
                "board": [str(board_id)], "from": since, "limit": LOGS_PAGE,
                "page": page}), "boards")
            rows = (boards[0].get("activity_logs") if boards else None) or []
            if not isinstance(rows, list):
                raise SyncPayloadError(f"Monday.com answered {label} without its entries.")
            out += rows
            if len(rows) < LOGS_PAGE:
                return out
            page += 1

    def items(self, ids):
        """Items by id, 100 per request (active and archived; deleted ones are missing)."""
        ids = [str(i) for i in dict.fromkeys(ids)]
        out = []
        for start in range(0, len(ids), IDS_MAX):
            chunk = ids[start:start + IDS_MAX]
            out += self._list("items", self.query("items", Q_ITEMS, {
                "ids": chunk, "limit": len(chunk)}), "items")
        return out

"""A fake Monday.com GraphQL API on 127.0.0.1 for the tests (and a benchmark).

``POST /v2`` with JSON ``{"query", "variables"}``, as ``requests`` sends it. The fake parses
the query (a small GraphQL reader: operations, aliases, arguments with variables and
literals, nested selections, inline fragments ``... on StatusValue``) and answers only the
fields asked for, in Monday's shapes (``/work/shared/api-contracts.md``, Monday part):

* root fields ``me``, ``account``, ``users(ids, emails, limit, page)``,
  ``boards(ids, limit, page, state)`` with ``groups``, ``columns`` and
  ``items_page(limit, query_params)``, root ``next_items_page(cursor, limit)`` and
  ``items(ids, limit)``; items have ``id name state created_at updated_at board group
  column_values(ids)`` and column values ``id type text value column{id title type}`` with
  ``StatusValue{label index is_done}``, ``DropdownValue{values{id label}}``,
  ``TextValue{text}``, ``TagsValue{tag_ids tags{id name}}``,
  ``PeopleValue{persons_and_teams{id kind}}``, ``DateValue{date time}`` and
  ``TimeTrackingValue{duration running started_at updated_at history{id started_at ended_at
  started_user_id ended_user_id status created_at updated_at manually_entered_start_date
  manually_entered_end_date}}``.
* ``boards { activity_logs(from, to, column_ids, item_ids, limit, page) { id event entity
  data user_id account_id created_at } }``: newest first; a status change made with
  :meth:`set_column` writes an ``update_column_value`` entry whose ``data`` (a JSON string)
  holds ``pulse_id``, ``column_id``, ``value`` and ``previous_value`` (``{"label": {"text",
  "index", "is_done"}}``); ``created_at`` counts 10-millionths of a second.
* ``users`` leaves deactivated users out unless asked with ``non_active: true`` (the list
  then shows only them; by ``ids``, every one of those ids) — by id too, as Monday does.
* ``Authorization: <token>`` (no "Bearer"): anything else answers **HTTP 401** with
  ``{"errors": [{"message": "Not Authenticated", "extensions": {"code": "UNAUTHENTICATED",
  "status_code": 401}}]}``. The ``API-Version`` header is recorded with each request.
* Pages of at most 500 items; cursors live ``cursor_ttl`` seconds (60 min) from the
  board's first page, or until :meth:`expire_cursors`: then ``next_items_page`` answers
  HTTP 200 with
  ``errors[{extensions: {code: "CursorExpiredError"}}]`` and ``data.next_items_page: null``.
* Scripted application errors, HTTP 200 with an ``errors`` array (optionally with the
  partial data): :meth:`complexity_error` (``COMPLEXITY_BUDGET_EXHAUSTED`` with
  ``retry_in_seconds``), :meth:`daily_limit` (``DAILY_LIMIT_EXCEEDED``),
  :meth:`graphql_error` (any code); transport faults (429 with ``Retry-After``, 5xx,
  timeouts, dropped connections, malformed JSON) through :meth:`FakeServer.fail`.

Timestamps come from a fake clock that moves one second per change, so runs are
deterministic. Every change of an item moves the item's and its board's ``updated_at``.
"""

import copy
import itertools
import json
import re
import secrets
import time
from datetime import UTC, datetime

from odoo.addons.agency_billing_sync.tests.fake_server import FakeResponse, FakeServer

EPOCH = 1_772_323_200  # 2026-03-01T00:00:00Z: the fake clock starts here (seconds)
PAGE_MAX = 500
ITEMS_IDS_MAX = 100
TYPENAMES = {"status": "StatusValue", "dropdown": "DropdownValue", "text": "TextValue",
             "tags": "TagsValue", "people": "PeopleValue", "date": "DateValue",
             "time_tracking": "TimeTrackingValue", "numbers": "NumbersValue"}
DEFAULT_COLUMNS = (
    ("name", "Name", "name"),
    ("person", "Owner", "people"),
    ("status", "Status", "status"),
    ("service", "Service type", "dropdown"),
    ("date4", "Due date", "date"),
    ("tags", "Tags", "tags"),
    ("time_tracking", "Time tracking", "time_tracking"),
)
EXPIRED_MESSAGE = ("CursorExpiredError: The cursor provided for pagination has expired. "
                   "Please refresh your query to get a new cursor.")


def iso(seconds):
    """Monday's ISO form of a timestamp (seconds)."""
    if seconds is None:
        return None
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def stamp(value):
    """Seconds from a datetime (naive = UTC), an ISO string or seconds."""
    if value is None or isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return int(value.timestamp())


def gql_error(message, code, status_code=200, path=None, **extensions):
    """One entry of Monday's ``errors`` array."""
    error = {"message": message, "locations": [{"line": 1, "column": 1}],
             "extensions": {"code": code, "status_code": status_code, **extensions}}
    if path:
        error["path"] = path
    return error


def _public(column):
    """A column as the API shows it (without the fake's label bookkeeping)."""
    return {key: value for key, value in column.items() if key != "labels"}


# ----------------------------------------------------------------------
# A small GraphQL reader (what the fake needs, not a full engine)
# ----------------------------------------------------------------------

class GraphQLSyntaxError(ValueError):
    pass


_TOKEN = re.compile(r"""
    (?P<ws>[\s,]+|\#[^\n]*)
  | (?P<spread>\.\.\.)
  | (?P<string>"(?:\\.|[^"\\])*")
  | (?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
  | (?P<var>\$[_A-Za-z][_0-9A-Za-z]*)
  | (?P<name>[_A-Za-z][_0-9A-Za-z]*)
  | (?P<punct>[{}()\[\]:!=@])
""", re.VERBOSE)


def _tokens(text):
    pos, out = 0, []
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match:
            raise GraphQLSyntaxError(f"Unexpected character {text[pos]!r} at {pos}")
        pos = match.end()
        kind = match.lastgroup
        if kind != "ws":
            out.append((kind, match.group()))
    out.append(("eof", ""))
    return out


class _Parser:
    def __init__(self, text, variables):
        self.tokens = _tokens(text)
        self.pos = 0
        self.variables = variables or {}

    def peek(self, value=None):
        kind, text = self.tokens[self.pos]
        return text == value if value is not None else (kind, text)

    def take(self, value=None):
        kind, text = self.tokens[self.pos]
        if value is not None and text != value:
            raise GraphQLSyntaxError(f"Expected {value!r}, got {text!r}")
        self.pos += 1
        return kind, text

    def document(self):
        """The first operation: (operation type, name, selections)."""
        op, name = "query", None
        if self.peek()[0] == "name" and self.peek()[1] in ("query", "mutation"):
            op = self.take()[1]
            if self.peek()[0] == "name":
                name = self.take()[1]
            if self.peek("("):
                self._skip_balanced("(", ")")
        return op, name, self.selections()

    def _skip_balanced(self, left, right):
        depth = 0
        while True:
            _kind, text = self.take()
            if text == left:
                depth += 1
            elif text == right:
                depth -= 1
                if not depth:
                    return
            elif not text:
                raise GraphQLSyntaxError("Unbalanced query")

    def selections(self):
        self.take("{")
        out = []
        while not self.peek("}"):
            if self.peek()[0] == "eof":
                raise GraphQLSyntaxError("Unexpected end of query")
            if self.peek("..."):
                self.take()
                self.take("on")
                typename = self.take()[1]
                out.append({"fragment": typename, "selections": self.selections()})
                continue
            kind, name = self.take()
            if kind != "name":
                raise GraphQLSyntaxError(f"Expected a field, got {name!r}")
            alias = name
            if self.peek(":"):
                self.take()
                name = self.take()[1]
            args = self.arguments() if self.peek("(") else {}
            while self.peek("@"):
                self.take()
                self.take()
                if self.peek("("):
                    self.arguments()
            sub = self.selections() if self.peek("{") else None
            out.append({"name": name, "alias": alias, "args": args, "selections": sub})
        self.take("}")
        return out

    def arguments(self):
        self.take("(")
        args = {}
        while not self.peek(")"):
            name = self.take()[1]
            self.take(":")
            args[name] = self.value()
        self.take(")")
        return args

    def value(self):
        kind, text = self.take()
        if kind == "var":
            return self.variables.get(text[1:])
        if kind == "number":
            return float(text) if re.search(r"[.eE]", text) else int(text)
        if kind == "string":
            return json.loads(text)
        if text == "[":
            items = []
            while not self.peek("]"):
                items.append(self.value())
            self.take("]")
            return items
        if text == "{":
            obj = {}
            while not self.peek("}"):
                key = self.take()[1]
                self.take(":")
                obj[key] = self.value()
            self.take("}")
            return obj
        if kind == "name":
            return {"true": True, "false": False, "null": None}.get(text, text)
        raise GraphQLSyntaxError(f"Unexpected {text!r}")


def parse(query, variables=None):
    """(operation type, operation name, root selections) of a query."""
    return _Parser(query or "", variables).document()


def project(value, selections, path=()):
    """The fields of ``value`` a selection set asks for (callables resolve arguments)."""
    if value is None:
        return None
    if isinstance(value, list):
        return [project(item, selections, path) for item in value]
    if selections is None or not isinstance(value, dict):
        return value
    out = {}
    for sel in selections:
        if "fragment" in sel:
            if value.get("__typename") == sel["fragment"]:
                out.update(project(value, sel["selections"], path))
            continue
        name = sel["name"]
        if name == "__typename":
            out[sel["alias"]] = value.get("__typename")
            continue
        if name not in value:
            raise GraphQLSyntaxError(
                f"Cannot query field \"{name}\" on type \"{value.get('__typename', '?')}\".")
        field = value[name]
        if callable(field):
            field = field(sel["args"])
        out[sel["alias"]] = project(field, sel["selections"], (*path, sel["alias"]))
    return out


class MondayQueryError(Exception):
    """An application error the fake answers in the ``errors`` array (HTTP 200)."""

    def __init__(self, error, data=None):
        super().__init__(error["message"])
        self.error = error
        self.data = data


# ----------------------------------------------------------------------
# The fake
# ----------------------------------------------------------------------

class FakeMonday(FakeServer):
    """Monday.com's GraphQL API as far as the addon uses it, with an in-memory account."""

    def __init__(self, token="monday-fake-token-9b1c", slug="agency", cursor_ttl=3600.0):
        super().__init__()
        self.token = token
        self.cursor_ttl = cursor_ttl
        self.account = {"id": "9001", "name": "Agency", "slug": slug, "tier": "pro",
                        "__typename": "Account"}
        self.me_id = None
        self.users = {}
        self.boards = {}
        self.items = {}
        self.cursors = {}  # cursor -> {"board", "after", "created", "expired"}
        self.app_errors = []  # scripted application errors: dicts with times/skip
        self.expire_countdown = None
        self.clock = EPOCH
        self.operations = []  # (operation name, root field names) per GraphQL request
        self._ids = itertools.count(5_000_000_001)
        self._sessions = itertools.count(70_000_001)
        self.route("POST", r"/v2/?", self._graphql)

    @property
    def api_url(self):
        """What ``backend.base_url`` points at."""
        return f"{self.url}/v2"

    # ------------------------------------------------------------------
    # The account's data (what tests set up and change)
    # ------------------------------------------------------------------

    def tick(self, seconds=1):
        self.clock += seconds
        return self.clock

    def _new_id(self):
        return str(next(self._ids))

    def add_user(self, name, email, user_id=None, enabled=True):
        """A user of the account; returns its id (a string). The first one is ``me``."""
        with self.lock:
            user_id = str(user_id or self._new_id())
            self.users[user_id] = {"id": user_id, "name": name, "email": email,
                                   "enabled": enabled, "__typename": "User"}
            self.me_id = self.me_id or user_id
            return user_id

    def add_board(self, name, description=None, workspace="Main workspace", board_id=None,
                  columns=DEFAULT_COLUMNS, groups=("Topics",), state="active"):
        """A board with the usual columns (see ``DEFAULT_COLUMNS``) and groups; returns its
        id. Groups get ids ``topics``, ``group_2``..."""
        with self.lock:
            board_id = str(board_id or self._new_id())
            self.boards[board_id] = {
                "id": board_id, "name": name, "description": description, "state": state,
                "board_kind": "public", "updated_at": self.tick(),
                "workspace": {"id": "77", "name": workspace, "__typename": "Workspace"},
                "groups": {}, "columns": {}, "item_ids": [], "done_labels": {"Done"},
                "logs": [],  # activity log entries, oldest first
            }
            for column_id, title, kind in columns:
                self.add_column(board_id, column_id, title, kind)
            for title in groups:
                self.add_group(board_id, title)
            return board_id

    def add_group(self, board_id, title, group_id=None):
        with self.lock:
            board = self.boards[str(board_id)]
            group_id = group_id or ("topics" if not board["groups"]
                                    else f"group_{len(board['groups']) + 1}")
            board["groups"][group_id] = {"id": group_id, "title": title, "__typename": "Group"}
            self._touch_board(board)
            return group_id

    def add_column(self, board_id, column_id, title, kind):
        with self.lock:
            board = self.boards[str(board_id)]
            board["columns"][column_id] = {"id": column_id, "title": title, "type": kind,
                                           "__typename": "Column"}
            self._touch_board(board)
            return column_id

    def set_board(self, board_id, **values):
        """Change a board's name, description or state (``updated_at`` moves)."""
        with self.lock:
            board = self.boards[str(board_id)]
            board.update(values)
            self._touch_board(board)

    def add_item(self, board_id, name, group=None, item_id=None, **values):
        """An item of a board (``group``: an id or title, default the first group);
        ``values``: ``{column id: value}`` as :meth:`set_column` takes. Returns its id."""
        with self.lock:
            board = self.boards[str(board_id)]
            item_id = str(item_id or self._new_id())
            now = self.tick()
            self.items[item_id] = {
                "id": item_id, "name": name, "board": board["id"],
                "group": self._group_id(board, group), "state": "active",
                "created_at": now, "updated_at": now, "values": {},
            }
            board["item_ids"].append(item_id)
            for column_id, value in values.items():
                self._set_value(self.items[item_id], column_id, value)
            self._touch_board(board, now)
            return item_id

    def set_column(self, item_id, column_id, value, user_id=None):
        """Set a column of an item: a status label, a dropdown label (or list), a text,
        tag names, a user id (people), a date ``YYYY-MM-DD``; ``None`` clears it. A status
        change is written to the board's activity log (by ``user_id``, default ``me``)."""
        with self.lock:
            item = self.items[str(item_id)]
            board = self.boards[item["board"]]
            kind = board["columns"][column_id]["type"]
            before = (item["values"].get(column_id) or {}).get("value")
            self._set_value(item, column_id, value)
            self._touch(item)
            if kind == "status" and before != value:
                self._log_status(board, item, column_id, before, value, user_id)

    def _log_status(self, board, item, column_id, before, value, user_id):
        """One ``update_column_value`` entry of the board's activity log, as Monday writes
        it: ``data`` a JSON string with the item (``pulse_id``), the column and the new
        and previous status labels; ``created_at`` in 10-millionths of a second."""
        labels = board["columns"][column_id].get("labels", {})
        column = board["columns"][column_id]

        def label(text):
            if text is None:
                return None
            return {"label": {"index": labels.get(text, 5), "text": text,
                              "style": {"color": "#fdab3d", "border": "#e99729"},
                              "is_done": text in board["done_labels"]}, "post_id": None}

        data = {"board_id": int(board["id"]), "group_id": item["group"],
                "is_top_group": True, "pulse_id": int(item["id"]),
                "pulse_name": item["name"], "column_id": column_id,
                "column_type": "color", "column_title": column["title"],
                "value": label(value), "previous_value": label(before),
                "is_column_with_hide_permissions": False, "previous_textual_value": before}
        board["logs"].append({
            "__typename": "ActivityLogType", "id": secrets.token_hex(8),
            "event": "update_column_value", "entity": "pulse",
            "data": json.dumps(data), "user_id": str(user_id or self.me_id or ""),
            "account_id": self.account["id"],
            "created_at": str(int(self.clock * 10_000_000)),
        })

    def _activity_logs(self, board, args):
        """``activity_logs(from, to, column_ids, item_ids, limit, page)``: newest first,
        25 per page by default."""
        rows = list(reversed(board["logs"]))
        start, end = stamp(args.get("from")), stamp(args.get("to"))
        columns = {str(c) for c in args.get("column_ids") or ()}
        items = {int(i) for i in args.get("item_ids") or ()}

        def keep(log):
            at = int(log["created_at"]) / 10_000_000
            data = json.loads(log["data"])
            return ((start is None or at >= start) and (end is None or at <= end)
                    and (not columns or data.get("column_id") in columns)
                    and (not items or data.get("pulse_id") in items))
        return self._page([log for log in rows if keep(log)], args, default=25)

    def edit_item(self, item_id, name=None, group=None, **values):
        """Rename, move to another group and/or set columns."""
        with self.lock:
            item = self.items[str(item_id)]
            if name is not None:
                item["name"] = name
            if group is not None:
                item["group"] = self._group_id(self.boards[item["board"]], group)
            for column_id, value in values.items():
                self._set_value(item, column_id, value)
            self._touch(item)

    def delete_item(self, item_id, state="deleted"):
        """Delete (or, with ``state="archived"``, archive) an item: it leaves the board's
        pages; ``items(ids)`` still shows archived items, never deleted ones."""
        with self.lock:
            item = self.items[str(item_id)]
            item["state"] = state
            self._touch(item)

    def add_time_session(self, item_id, user_id, started_at, ended_at=None,
                         column="time_tracking", session_id=None):
        """A time tracking session (``ended_at`` None = the timer is running); times as
        datetimes (naive = UTC), ISO strings or seconds. Returns the session id."""
        with self.lock:
            item = self.items[str(item_id)]
            sessions = item["values"].setdefault(column, {"sessions": []})["sessions"]
            session_id = str(session_id or next(self._sessions))
            now = self.tick()
            sessions.append({
                "id": session_id, "started_user_id": str(user_id),
                "ended_user_id": str(user_id) if ended_at is not None else None,
                "started_at": stamp(started_at), "ended_at": stamp(ended_at),
                "status": "active", "created_at": now, "updated_at": now,
            })
            self._touch(item)
            return session_id

    def edit_time_session(self, item_id, session_id, column="time_tracking", **values):
        """Change a session (``started_at``, ``ended_at``, ``started_user_id``...)."""
        with self.lock:
            item = self.items[str(item_id)]
            for session in item["values"][column]["sessions"]:
                if session["id"] == str(session_id):
                    for key, value in values.items():
                        session[key] = stamp(value) if key.endswith("_at") else value
                    if values.get("ended_at") is not None and not session["ended_user_id"]:
                        session["ended_user_id"] = session["started_user_id"]
                    session["updated_at"] = self.tick()
            self._touch(item)

    def delete_time_session(self, item_id, session_id, column="time_tracking"):
        """Remove a session from the history."""
        with self.lock:
            item = self.items[str(item_id)]
            values = item["values"][column]
            values["sessions"] = [s for s in values["sessions"] if s["id"] != str(session_id)]
            self._touch(item)

    def expire_cursors(self, at_next=None):
        """Every cursor handed out so far is expired (as after 60 minutes); with
        ``at_next=n``: when the n-th ``next_items_page`` request from now arrives (a
        cursor expiring in the middle of a board's read)."""
        with self.lock:
            if at_next:
                self.expire_countdown = at_next
                return
            for cursor in self.cursors.values():
                cursor["expired"] = True

    def graphql_error(self, message, code, times=1, skip=0, partial=False, root=None,
                      http_status=200, **extensions):
        """Answer the next ``times`` GraphQL requests (after ``skip``; only those asking
        for the root field ``root`` when given) with this error in the ``errors`` array;
        ``partial``: with the data of the answer as well."""
        with self.lock:
            self.app_errors.append({"error": gql_error(message, code, **extensions),
                                    "times": times, "skip": skip, "partial": partial,
                                    "root": root, "http_status": http_status})

    def clear_app_errors(self):
        """Forget the scripted application errors still to come."""
        with self.lock:
            self.app_errors.clear()

    def complexity_error(self, times=1, retry_in_seconds=0, skip=0, partial=False, root=None):
        """Monday's complexity budget error (HTTP 200) with ``retry_in_seconds``."""
        self.graphql_error(
            f"Complexity budget exhausted, query cost 30001 budget remaining 0 out of "
            f"1000000 reset in {retry_in_seconds} seconds", "COMPLEXITY_BUDGET_EXHAUSTED",
            times=times, skip=skip, partial=partial, root=root, status_code=429,
            retry_in_seconds=retry_in_seconds, complexity=30001,
            complexity_budget_left=0, complexity_budget_limit=1_000_000)

    def daily_limit(self, times=1, skip=0, http_status=200):
        """The plan's daily call cap is used up."""
        self.graphql_error("Daily limit exceeded", "DAILY_LIMIT_EXCEEDED", times=times,
                           skip=skip, http_status=http_status, status_code=429)

    def gql_count(self, root=None, operation=None):
        """GraphQL requests served (that asked for root field ``root`` / named
        ``operation``)."""
        with self.lock:
            return sum(1 for name, roots in self.operations
                       if (root is None or root in roots)
                       and (operation is None or name == operation))

    # -- internals ---------------------------------------------------------

    def _group_id(self, board, group):
        if group is None:
            return next(iter(board["groups"]))
        if group in board["groups"]:
            return group
        for gid, data in board["groups"].items():
            if data["title"] == group:
                return gid
        return self.add_group(board["id"], group)

    def _touch(self, item, now=None):
        now = now or self.tick()
        item["updated_at"] = now
        self._touch_board(self.boards[item["board"]], now)

    def _touch_board(self, board, now=None):
        board["updated_at"] = now or self.tick()

    def _set_value(self, item, column_id, value):
        board = self.boards[item["board"]]
        kind = board["columns"][column_id]["type"]
        if value is None:
            item["values"].pop(column_id, None)
        elif kind == "time_tracking":
            raise ValueError("Time tracking is read-only: use add_time_session")
        elif kind == "dropdown":
            item["values"][column_id] = {"labels": [value] if isinstance(value, str)
                                         else list(value)}
        elif kind == "tags":
            item["values"][column_id] = {"names": [value] if isinstance(value, str)
                                         else list(value)}
        elif kind == "people":
            item["values"][column_id] = {"ids": [str(value)] if isinstance(value, (str, int))
                                         else [str(v) for v in value]}
        elif kind == "status":
            labels = board["columns"][column_id].setdefault("labels", {})
            labels.setdefault(value, len(labels))
            item["values"][column_id] = {"value": value}
        else:
            item["values"][column_id] = {"value": value}

    # ------------------------------------------------------------------
    # Serving
    # ------------------------------------------------------------------

    def _graphql(self, request):
        if request.headers.get("authorization") != self.token:
            return FakeResponse(401, {"errors": [gql_error(
                "Not Authenticated", "UNAUTHENTICATED", status_code=401)],
                "account_id": None})
        try:
            body = request.json()
            op, name, roots = parse(body.get("query"), body.get("variables"))
        except (ValueError, AttributeError) as exc:
            return FakeResponse(200, {"errors": [gql_error(
                str(exc), "GRAPHQL_VALIDATION_FAILED")], "account_id": int(self.account["id"])})
        with self.lock:
            self.operations.append((name, [sel.get("name") for sel in roots]))
            scripted = self._take_app_error([sel.get("name") for sel in roots])
        if op != "query":
            return self._answer({"errors": [gql_error("Mutations are not faked",
                                                       "GRAPHQL_VALIDATION_FAILED")]})
        data, errors = {}, []
        with self.lock:
            for sel in roots:
                try:
                    value = self._resolve_root(sel)
                    data[sel["alias"]] = project(value, sel["selections"], (sel["alias"],))
                except MondayQueryError as exc:
                    data[sel["alias"]] = exc.data
                    errors.append(exc.error)
                except GraphQLSyntaxError as exc:
                    return self._answer({"errors": [gql_error(
                        str(exc), "GRAPHQL_VALIDATION_FAILED")]})
        if scripted:
            answer = {"errors": [scripted["error"]]}
            if scripted["partial"]:
                answer["data"] = data
            return self._answer(answer, scripted["http_status"])
        answer = {"data": data}
        if errors:
            answer["errors"] = errors
        return self._answer(answer)

    def _answer(self, body, status=200):
        body["account_id"] = int(self.account["id"])
        return FakeResponse(status, body)

    def _take_app_error(self, roots):
        for scripted in self.app_errors:
            if scripted["times"] <= 0 or (scripted["root"] and scripted["root"] not in roots):
                continue
            if scripted["skip"] > 0:
                scripted["skip"] -= 1
                continue
            scripted["times"] -= 1
            return scripted
        return None

    def _resolve_root(self, sel):
        name, args = sel["name"], sel["args"]
        if name == "me":
            return self._user(self.users[self.me_id]) if self.me_id else None
        if name == "account":
            return self._account()
        if name == "users":
            return self._users(args)
        if name == "boards":
            return self._boards(args)
        if name == "items":
            return self._items(args)
        if name == "next_items_page":
            return self._next_items_page(args)
        raise GraphQLSyntaxError(f"Cannot query field \"{name}\" on type \"Query\".")

    def _account(self):
        return dict(self.account)

    def _user(self, user):
        return {**user, "account": self._account()}

    def _users(self, args):
        users = list(self.users.values())
        if args.get("ids"):
            wanted = {str(i) for i in args["ids"]}
            users = [u for u in users if u["id"] in wanted
                     and (u["enabled"] or args.get("non_active"))]
        else:  # as Monday: deactivated users only when asked for
            users = [u for u in users if u["enabled"] != bool(args.get("non_active"))]
        if args.get("emails"):
            wanted = {e.lower() for e in args["emails"]}
            users = [u for u in users if u["email"].lower() in wanted]
        return [self._user(u) for u in self._page(users, args, default=200)]

    @staticmethod
    def _page(rows, args, default):
        limit = args.get("limit") or default
        page = max(1, args.get("page") or 1)
        return rows[(page - 1) * limit:page * limit]

    def _boards(self, args):
        boards = list(self.boards.values())
        if args.get("ids"):
            wanted = [str(i) for i in args["ids"]]
            boards = [self.boards[i] for i in wanted if i in self.boards]
        state = args.get("state") or "active"
        if state != "all":
            boards = [b for b in boards if b["state"] == state]
        return [self._board(b) for b in self._page(boards, args, default=25)]

    def _board(self, board):
        return {
            "__typename": "Board", "id": board["id"], "name": board["name"],
            "description": board["description"], "state": board["state"],
            "board_kind": board["board_kind"], "updated_at": iso(board["updated_at"]),
            "workspace": dict(board["workspace"]),
            "groups": [dict(g) for g in board["groups"].values()],
            "columns": [_public(c) for c in board["columns"].values()],
            "items_page": lambda args, board=board: self._items_page(board, args),
            "activity_logs": lambda args, board=board: self._activity_logs(board, args),
        }

    def _active_items(self, board):
        return [self.items[i] for i in board["item_ids"] if self.items[i]["state"] == "active"]

    def _items_page(self, board, args):
        limit = self._limit(args)
        rows = self._active_items(board)
        return self._cut(board, rows, limit)

    def _limit(self, args):
        limit = args.get("limit") or 25
        if limit > PAGE_MAX or limit < 1:
            raise MondayQueryError(gql_error(
                f"limit must be between 1 and {PAGE_MAX}", "INVALID_ARGUMENT"))
        return limit

    def _cut(self, board, rows, limit, created=None):
        """A page and the cursor to the next one; the cursor lives ``cursor_ttl`` seconds
        from the board's first page (``created``), as Monday's."""
        page, rest = rows[:limit], rows[limit:]
        cursor = None
        if rest:
            cursor = "MSw" + secrets.token_urlsafe(24)
            self.cursors[cursor] = {"board": board["id"], "after": page[-1]["id"],
                                    "created": created or time.monotonic(),
                                    "expired": False}
        return {"__typename": "ItemsResponse", "cursor": cursor,
                "items": [self._item(item) for item in page]}

    def _next_items_page(self, args):
        limit = self._limit(args)
        if self.expire_countdown:
            self.expire_countdown -= 1
            if not self.expire_countdown:
                self.expire_countdown = None
                self.expire_cursors()
        cursor = self.cursors.get(args.get("cursor") or "")
        if (not cursor or cursor["expired"]
                or time.monotonic() - cursor["created"] > self.cursor_ttl):
            raise MondayQueryError(gql_error(EXPIRED_MESSAGE, "CursorExpiredError",
                                             path=["next_items_page"]))
        board = self.boards[cursor["board"]]
        ids = board["item_ids"]
        start = ids.index(cursor["after"]) + 1
        rows = [self.items[i] for i in ids[start:] if self.items[i]["state"] == "active"]
        return self._cut(board, rows, limit, created=cursor["created"])

    def _items(self, args):
        ids = [str(i) for i in args.get("ids") or []]
        if len(ids) > ITEMS_IDS_MAX:
            raise MondayQueryError(gql_error(
                f"ids may hold at most {ITEMS_IDS_MAX} ids", "INVALID_ARGUMENT"))
        found = [self.items[i] for i in ids
                 if i in self.items and self.items[i]["state"] != "deleted"]
        return [self._item(item) for item in found[:args.get("limit") or 100]]

    def _item(self, item):
        board = self.boards[item["board"]]
        return {
            "__typename": "Item", "id": item["id"], "name": item["name"],
            "state": item["state"], "created_at": iso(item["created_at"]),
            "updated_at": iso(item["updated_at"]),
            "board": {"__typename": "Board", "id": board["id"], "name": board["name"]},
            "group": dict(board["groups"][item["group"]]),
            "column_values": lambda args, item=item: self._column_values(item, args),
        }

    def _column_values(self, item, args):
        board = self.boards[item["board"]]
        wanted = {str(c) for c in args.get("ids") or []}
        out = []
        for column in board["columns"].values():
            if column["type"] == "name" or (wanted and column["id"] not in wanted):
                continue
            out.append(self._column_value(board, column, item["values"].get(column["id"])))
        return out

    def _column_value(self, board, column, data):
        kind = column["type"]
        base = {"__typename": TYPENAMES.get(kind, "ColumnValue"), "id": column["id"],
                "type": kind, "column": _public(column), "text": "", "value": None}
        data = copy.deepcopy(data)
        if kind == "status":
            label = data["value"] if data else None
            labels = column.get("labels") or {}
            base.update(label=label, index=labels.get(label),
                        is_done=label in board["done_labels"],
                        text=label or "",
                        value=json.dumps({"index": labels.get(label)}) if label else None)
        elif kind == "dropdown":
            labels = data["labels"] if data else []
            base.update(values=[{"id": i + 1, "label": lab} for i, lab in enumerate(labels)],
                        text=", ".join(labels),
                        value=json.dumps({"ids": list(range(1, len(labels) + 1))})
                        if labels else None)
        elif kind == "tags":
            names = data["names"] if data else []
            base.update(tag_ids=[i + 1 for i in range(len(names))],
                        tags=[{"id": i + 1, "name": n} for i, n in enumerate(names)],
                        text=", ".join(names),
                        value=json.dumps({"tag_ids": list(range(1, len(names) + 1))})
                        if names else None)
        elif kind == "people":
            ids = data["ids"] if data else []
            people = [{"id": i, "kind": "person"} for i in ids]
            base.update(persons_and_teams=people,
                        text=", ".join(self.users[i]["name"] for i in ids if i in self.users),
                        value=json.dumps({"personsAndTeams": [
                            {"id": int(i), "kind": "person"} for i in ids]}) if ids else None)
        elif kind == "date":
            value = data["value"] if data else None
            base.update(date=value, time=None, text=value or "",
                        value=json.dumps({"date": value}) if value else None)
        elif kind == "time_tracking":
            sessions = data["sessions"] if data else []
            duration = sum(s["ended_at"] - s["started_at"] for s in sessions if s["ended_at"])
            running = [s for s in sessions if not s["ended_at"]]
            hours, rest = divmod(duration, 3600)
            base.update(
                duration=duration, running=bool(running),
                started_at=iso(running[-1]["started_at"]) if running else None,
                updated_at=iso(max((s["updated_at"] for s in sessions), default=None)),
                text=f"{hours:02d}:{rest // 60:02d}:{rest % 60:02d}" if sessions else "",
                value=json.dumps({"running": bool(running), "duration": duration})
                if sessions else None,
                history=[{
                    "__typename": "TimeTrackingHistoryItem", "id": s["id"],
                    "started_at": iso(s["started_at"]), "ended_at": iso(s["ended_at"]),
                    "started_user_id": s["started_user_id"],
                    "ended_user_id": s["ended_user_id"], "status": s["status"],
                    "created_at": iso(s["created_at"]), "updated_at": iso(s["updated_at"]),
                    "manually_entered_start_date": False, "manually_entered_end_date": False,
                } for s in sessions])
        else:
            value = data["value"] if data else None
            base.update(text="" if value is None else str(value),
                        value=json.dumps(value) if value is not None else None)
        return base

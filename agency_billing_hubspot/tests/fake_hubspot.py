"""A fake HubSpot on 127.0.0.1 for the tests and the benchmark (``tools/bench_sync.py``).

It follows the documented shapes the ``hubspot-api-client`` SDK reads
(``/work/shared/api-contracts.md``, HubSpot part): objects list (≤ 100 per page,
``archived=true`` lists only archived records, inline associations), batch read (missing
or archived ids → 207 with errors), search (≤ 200 per page, sorted, filter groups OR'd,
filters AND'd, archived records invisible, paging past the 10,000th result → 400),
batch update, owners (``/crm/v3/owners/``), v4 associations (per object and batch read),
Bearer tokens (401 otherwise), HubSpot's rate-limit headers on every answer, and
HubSpot's error bodies. Faults (429 storms with ``Retry-After: 0``, 5xx, timeouts,
dropped connections, truncated or malformed JSON) are scripted with
:meth:`FakeServer.fail`; the data can change between two syncs (``update``, ``archive``,
``restore``). Modification times come from a fake clock that moves 1 ms per change, so
runs are deterministic; ``modified=`` forces a timestamp (e.g. thousands of records
edited at the same millisecond).

:func:`signed_delivery` builds a webhook delivery signed like HubSpot's (v3).
"""

import bisect
import json
import time
from collections import defaultdict
from datetime import UTC, datetime

from odoo.addons.agency_billing_hubspot.lib.webhook import signature_v3
from odoo.addons.agency_billing_sync.tests.fake_server import FakeResponse, FakeServer

TYPES = ("companies", "contacts", "deals", "line_items", "calls", "meetings", "emails",
         "notes", "products")
DEFAULT_PROPERTIES = {
    "companies": ("name", "domain"),
    "contacts": ("firstname", "lastname", "email"),
    "deals": ("dealname", "amount", "closedate", "pipeline", "dealstage"),
    "line_items": ("name", "quantity", "price"),
    "calls": ("hs_timestamp",),
    "meetings": ("hs_timestamp",),
    "emails": ("hs_timestamp",),
}
MODIFIED = {"contacts": "lastmodifieddate"}
LIST_MAX = 100
SEARCH_MAX = 200
# Association type ids (HUBSPOT_DEFINED) of the pairs the addon reads.
ASSOCIATION_TYPES = {
    ("deals", "companies"): (5, "Primary"),
    ("contacts", "companies"): (1, "Primary"),
    ("deals", "line_items"): (19, None),
    ("calls", "deals"): (206, None),
    ("calls", "companies"): (182, None),
    ("meetings", "deals"): (212, None),
    ("meetings", "companies"): (188, None),
    ("emails", "deals"): (210, None),
    ("emails", "companies"): (186, None),
}
EPOCH = 1_790_000_000_000  # 2026-09-21: the fake clock starts here (milliseconds)


def iso(ms):
    """HubSpot's ISO form of a millisecond timestamp."""
    moment = datetime.fromtimestamp(ms / 1000, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def error(status, message, category="VALIDATION_ERROR", **extra):
    """HubSpot's error body."""
    return FakeResponse(status, {"status": "error", "message": message,
                                 "correlationId": "00000000-0000-4000-8000-000000000000",
                                 "category": category, **extra})


def rate_limit_body(policy="TEN_SECONDLY_ROLLING"):
    """HubSpot's 429 body."""
    message = ("You have reached your daily limit." if policy == "DAILY"
               else "You have reached your ten_secondly_rolling limit.")
    return {"status": "error", "message": message, "errorType": "RATE_LIMIT",
            "correlationId": "00000000-0000-4000-8000-000000000429", "policyName": policy}


def signed_delivery(url, secret, events, timestamp_ms=None, method="POST"):
    """(headers, body) of a webhook delivery signed like HubSpot's (v3)."""
    body = json.dumps(events).encode()
    stamp = str(int(time.time() * 1000) if timestamp_ms is None else timestamp_ms)
    headers = {
        "Content-Type": "application/json",
        "X-HubSpot-Signature-v3": signature_v3(secret, method, url, body, stamp),
        "X-HubSpot-Request-Timestamp": stamp,
        "X-HubSpot-Signature-Version": "v3",
    }
    return headers, body


class FakeHubSpot(FakeServer):
    """HubSpot's CRM API as far as the addon uses it, with an in-memory portal."""

    def __init__(self, token="pat-na1-fake-token", search_cap=10_000, rate_max=100_000,
                 daily_max=500_000, rate_interval_ms=10_000):
        super().__init__()
        self.token = token
        self.search_cap = search_cap
        self.rate_max = rate_max
        self.rate_interval_ms = rate_interval_ms
        self.daily_max = daily_max
        self.objects = {kind: {} for kind in TYPES}
        self.stamps = {kind: {} for kind in TYPES}  # id -> modification ms
        self.assoc = defaultdict(dict)  # (from type, from id, to type) -> {to id: (tid, label)}
        self.owners = {}
        self.clock = EPOCH
        self.sent = []  # request times for the rate-limit headers
        self._sorted = {}
        self._ids = 100
        self.route("GET", r"/crm/v3/owners/?", self._owners)
        self.route("GET", r"/crm/v3/objects/(\w+)", self._list)
        self.route("GET", r"/crm/v3/objects/(\w+)/(\d+)", self._get)
        self.route("POST", r"/crm/v3/objects/(\w+)/batch/read", self._batch_read)
        self.route("POST", r"/crm/v3/objects/(\w+)/batch/update", self._batch_update)
        self.route("POST", r"/crm/v3/objects/(\w+)/search", self._search)
        self.route("GET", r"/crm/v4/objects/(\w+)/(\d+)/associations/(\w+)", self._assoc_get)
        self.route("POST", r"/crm/v4/associations/(\w+)/(\w+)/batch/read", self._assoc_batch)

    # ------------------------------------------------------------------
    # The portal's data (what tests and the benchmark set up and change)
    # ------------------------------------------------------------------

    def tick(self, ms=1):
        self.clock += ms
        return self.clock

    def add(self, kind, properties=None, record_id=None, modified=None, created=None):
        """Add a record; returns its id (a string)."""
        with self.lock:
            if record_id is None:
                self._ids += 1
                record_id = self._ids
            record_id = str(record_id)
            stamp = modified if modified is not None else self.tick()
            props = {key: None if value is None else str(value)
                     for key, value in (properties or {}).items()}
            props["hs_object_id"] = record_id
            created_ms = created or stamp
            props.setdefault("createdate", iso(created_ms))
            props[MODIFIED.get(kind, "hs_lastmodifieddate")] = iso(stamp)
            self.objects[kind][record_id] = {
                "id": record_id, "properties": props, "createdAt": iso(created_ms),
                "updatedAt": iso(stamp), "archived": False,
            }
            self.stamps[kind][record_id] = stamp
            self._sorted.pop(kind, None)
            return record_id

    def update(self, kind, record_id, modified=None, **properties):
        """Change properties of a record (its modification time moves)."""
        with self.lock:
            record = self.objects[kind][str(record_id)]
            for key, value in properties.items():
                record["properties"][key] = None if value is None else str(value)
            self._touch(kind, str(record_id), modified)

    def archive(self, kind, record_id):
        """Archive (delete) a record: it leaves search and batch reads."""
        with self.lock:
            record = self.objects[kind][str(record_id)]
            record["archived"] = True
            record["archivedAt"] = iso(self.tick())
            self._sorted.pop(kind, None)

    def restore(self, kind, record_id):
        with self.lock:
            record = self.objects[kind][str(record_id)]
            record["archived"] = False
            record.pop("archivedAt", None)
            self._touch(kind, str(record_id), None)

    def associate(self, from_kind, from_id, to_kind, to_id, type_id=None, label=None):
        """Associate two records (both directions, as HubSpot does)."""
        default = ASSOCIATION_TYPES.get((from_kind, to_kind), (1, None))
        with self.lock:
            self.assoc[(from_kind, str(from_id), to_kind)][str(to_id)] = (
                type_id or default[0], label if label is not None else default[1])
            back = ASSOCIATION_TYPES.get((to_kind, from_kind), (default[0] + 1, None))
            self.assoc[(to_kind, str(to_id), from_kind)][str(from_id)] = back

    def add_owner(self, owner_id, email, first="", last="", archived=False, user_id=None):
        with self.lock:
            stamp = iso(self.tick())
            self.owners[str(owner_id)] = {
                "id": str(owner_id), "email": email, "firstName": first, "lastName": last,
                "userId": user_id or int(owner_id), "type": "PERSON", "archived": archived,
                "createdAt": stamp, "updatedAt": stamp,
            }

    def _touch(self, kind, record_id, modified):
        stamp = modified if modified is not None else self.tick()
        record = self.objects[kind][record_id]
        record["properties"][MODIFIED.get(kind, "hs_lastmodifieddate")] = iso(stamp)
        record["updatedAt"] = iso(stamp)
        self.stamps[kind][record_id] = stamp
        self._sorted.pop(kind, None)

    # ------------------------------------------------------------------
    # Serving
    # ------------------------------------------------------------------

    def _dispatch(self, request):
        if request.headers.get("authorization") != f"Bearer {self.token}":
            response = error(401, "Authentication credentials not found. This API supports "
                             "OAuth 2.0 authentication and you can find more details at "
                             "https://developers.hubspot.com/docs/methods/auth/oauth-overview",
                             category="INVALID_AUTHENTICATION")
        else:
            response = super()._dispatch(request)
        response.headers.update(self._limit_headers())
        return response

    def _limit_headers(self):
        now = time.monotonic()
        with self.lock:
            self.sent = [t for t in self.sent if t > now - self.rate_interval_ms / 1000] + [now]
            used = len(self.sent)
            total = len(self.requests)
        return {
            "X-HubSpot-RateLimit-Max": self.rate_max,
            "X-HubSpot-RateLimit-Remaining": max(0, self.rate_max - used),
            "X-HubSpot-RateLimit-Interval-Milliseconds": self.rate_interval_ms,
            "X-HubSpot-RateLimit-Daily": self.daily_max,
            "X-HubSpot-RateLimit-Daily-Remaining": max(0, self.daily_max - total),
        }

    def _kind(self, request, group=1):
        kind = request.match.group(group)
        if kind not in self.objects:
            raise LookupError(kind)
        return kind

    def _shape(self, kind, record, properties, associations=()):
        wanted = set(properties or DEFAULT_PROPERTIES.get(kind, ()))
        wanted |= {"hs_object_id", "createdate", MODIFIED.get(kind, "hs_lastmodifieddate")}
        props = record["properties"]
        out = {
            "id": record["id"],
            "properties": {key: props.get(key) for key in wanted},
            "createdAt": record["createdAt"], "updatedAt": record["updatedAt"],
            "archived": record["archived"],
        }
        if record.get("archivedAt"):
            out["archivedAt"] = record["archivedAt"]
        links = {}
        for to_kind in associations:
            targets = self.assoc.get((kind, record["id"], to_kind))
            if targets:
                links[to_kind] = {"results": [
                    {"id": to_id, "type": f"{kind[:-1]}_to_{to_kind[:-1]}"}
                    for to_id in targets]}
        if links:
            out["associations"] = links
        return out

    def _list(self, request):
        try:
            kind = self._kind(request)
        except LookupError:
            return error(404, "Unable to infer object type", category="OBJECT_NOT_FOUND")
        limit = min(int(request.param("limit", 10)), LIST_MAX)
        after = int(request.param("after", 0) or 0)
        archived = request.param("archived", "false").lower() == "true"
        with self.lock:
            ids = sorted((rid for rid, rec in self.objects[kind].items()
                          if rec["archived"] == archived), key=int)
            page = ids[after:after + limit]
            results = [self._shape(kind, self.objects[kind][rid], request.params("properties"),
                                   request.params("associations")) for rid in page]
        body = {"results": results}
        if after + limit < len(ids):
            body["paging"] = {"next": {"after": str(after + limit),
                                       "link": f"?after={after + limit}"}}
        return FakeResponse(200, body)

    def _get(self, request):
        kind = self._kind(request)
        record = self.objects[kind].get(request.match.group(2))
        if not record or record["archived"]:
            return error(404, "Object not found", category="OBJECT_NOT_FOUND")
        return FakeResponse(200, self._shape(kind, record, request.params("properties")))

    def _batch_read(self, request):
        kind = self._kind(request)
        body = request.json()
        wanted = body.get("properties") or []
        results, missing = [], []
        with self.lock:
            for entry in body.get("inputs") or []:
                record = self.objects[kind].get(str(entry.get("id")))
                if record and not record["archived"]:
                    results.append(self._shape(kind, record, wanted))
                else:
                    missing.append(str(entry.get("id")))
        answer = {"status": "COMPLETE", "results": results, "startedAt": iso(self.clock),
                  "completedAt": iso(self.clock)}
        if missing:
            answer["numErrors"] = 1
            answer["errors"] = [{"status": "error", "category": "OBJECT_NOT_FOUND",
                                 "message": "Could not get some objects, they may be deleted "
                                 "or not exist.", "context": {"ids": missing}}]
            return FakeResponse(207, answer)
        return FakeResponse(200, answer)

    def _batch_update(self, request):
        kind = self._kind(request)
        inputs = request.json().get("inputs") or []
        if len(inputs) > 100:
            return error(400, "Batch of more than 100 inputs")
        results = []
        for entry in inputs:
            rid = str(entry.get("id"))
            if rid not in self.objects[kind]:
                return error(404, f"Object {rid} not found", category="OBJECT_NOT_FOUND")
            self.update(kind, rid, **(entry.get("properties") or {}))
            results.append(self._shape(kind, self.objects[kind][rid],
                                       list(entry.get("properties") or {})))
        return FakeResponse(200, {"status": "COMPLETE", "results": results,
                                  "startedAt": iso(self.clock), "completedAt": iso(self.clock)})

    # -- search -------------------------------------------------------------

    def _value(self, kind, record, prop):
        """A property's value for filtering and sorting: numbers for timestamps and ids."""
        if prop == MODIFIED.get(kind, "hs_lastmodifieddate"):
            return self.stamps[kind][record["id"]]
        if prop == "hs_object_id":
            return int(record["id"])
        return record["properties"].get(prop)

    def _match(self, kind, record, flt):
        value = self._value(kind, record, flt.get("propertyName"))
        operator = flt.get("operator", "EQ")
        if operator == "HAS_PROPERTY":
            return value not in (None, "")
        if operator == "NOT_HAS_PROPERTY":
            return value in (None, "")
        wanted = flt.get("value")
        if isinstance(value, int):
            wanted = int(float(wanted)) if wanted not in (None, "") else None
            values = [int(float(v)) for v in flt.get("values") or []]
        else:
            values = flt.get("values") or []
        if operator == "IN":
            return value in values
        if value is None or wanted is None:
            return operator == "NEQ"
        return {"EQ": value == wanted, "NEQ": value != wanted, "GT": value > wanted,
                "GTE": value >= wanted, "LT": value < wanted, "LTE": value <= wanted}[operator]

    def _search(self, request):
        kind = self._kind(request)
        body = request.json() or {}
        limit = int(body.get("limit") or 10)
        if limit > SEARCH_MAX:
            return error(400, f"limit must be at most {SEARCH_MAX}")
        after = int(body.get("after") or 0)
        if after >= self.search_cap:
            return error(400, f"Paging past {self.search_cap} results is not supported. "
                         "Narrow the search with filters.")
        groups = body.get("filterGroups") or []
        sorts = body.get("sorts") or []
        with self.lock:
            fast = self._fast_search(kind, groups, sorts)
            if fast is not None:
                total = len(fast)
                page = [self.objects[kind][rid] for rid in fast[after:after + limit]]
                results = [self._shape(kind, rec, body.get("properties")) for rec in page]
                answer = {"total": total, "results": results}
                if after + limit < total:
                    answer["paging"] = {"next": {"after": str(after + limit)}}
                return FakeResponse(200, answer)
            records = [rec for rec in self.objects[kind].values() if not rec["archived"]]
            if groups:
                records = [rec for rec in records if any(
                    all(self._match(kind, rec, flt) for flt in group.get("filters") or [])
                    for group in groups)]
            if sorts:
                sort = sorts[0]
                if isinstance(sort, str):
                    prop, descending = sort.lstrip("-"), sort.startswith("-")
                else:
                    prop = sort.get("propertyName")
                    descending = sort.get("direction") == "DESCENDING"
                # Ties keep an order HubSpot does not promise: here, by descending id.
                records.sort(key=lambda r: -int(r["id"]))
                records.sort(key=lambda r: (self._value(kind, r, prop) is None,
                                            self._value(kind, r, prop) or 0),
                             reverse=descending)
            total = len(records)
            page = records[after:after + limit]
            results = [self._shape(kind, rec, body.get("properties")) for rec in page]
        answer = {"total": total, "results": results}
        if after + limit < total:
            answer["paging"] = {"next": {"after": str(after + limit)}}
        return FakeResponse(200, answer)

    def _index(self, kind):
        """Live records by (modification time, id descending): the order this fake gives
        ties (HubSpot promises none), kept until the type's data changes."""
        index = self._sorted.get(kind)
        if index is None:
            rows = sorted((self.stamps[kind][rid], -int(rid), rid)
                          for rid, rec in self.objects[kind].items() if not rec["archived"])
            index = self._sorted[kind] = ([row[0] for row in rows], [row[2] for row in rows])
        return index

    def _fast_search(self, kind, groups, sorts):
        """The incremental queries (a modification time bound, maybe an id bound, sorted
        by one of them) answered from the index; None for any other search."""
        modified = MODIFIED.get(kind, "hs_lastmodifieddate")
        if len(groups) != 1 or len(sorts) != 1 or not isinstance(sorts[0], dict):
            return None
        sort = sorts[0].get("propertyName")
        if sort not in (modified, "hs_object_id") or sorts[0].get("direction") == "DESCENDING":
            return None
        stamp_filter, id_floor = None, None
        for flt in groups[0].get("filters") or []:
            prop, operator = flt.get("propertyName"), flt.get("operator")
            if prop == modified and operator in ("GT", "GTE", "EQ") and stamp_filter is None:
                stamp_filter = (operator, int(float(flt.get("value"))))
            elif prop == "hs_object_id" and operator == "GT" and id_floor is None:
                id_floor = int(float(flt.get("value")))
            else:
                return None
        stamps, ids = self._index(kind)
        start, end = 0, len(stamps)
        if stamp_filter:
            operator, value = stamp_filter
            start = (bisect.bisect_right if operator == "GT" else bisect.bisect_left)(stamps, value)
            if operator == "EQ":
                end = bisect.bisect_right(stamps, value)
        found = ids[start:end]
        if id_floor is not None:
            found = [rid for rid in found if int(rid) > id_floor]
        if sort == "hs_object_id":
            found = sorted(found, key=int)
        return found

    # -- owners and associations ------------------------------------------------

    def _owners(self, request):
        limit = min(int(request.param("limit", 100)), 500)
        after = int(request.param("after", 0) or 0)
        archived = request.param("archived", "false").lower() == "true"
        email = request.param("email")
        with self.lock:
            owners = [o for _id, o in sorted(self.owners.items(), key=lambda kv: int(kv[0]))
                      if o["archived"] == archived and (not email or o["email"] == email)]
        page = owners[after:after + limit]
        body = {"results": page}
        if after + limit < len(owners):
            body["paging"] = {"next": {"after": str(after + limit)}}
        return FakeResponse(200, body)

    def _targets(self, kind, record_id, to_kind):
        return [
            {"toObjectId": int(to_id), "associationTypes": [
                {"category": "HUBSPOT_DEFINED", "typeId": type_id, "label": label}]}
            for to_id, (type_id, label) in self.assoc.get((kind, record_id, to_kind), {}).items()
        ]

    def _assoc_get(self, request):
        kind, record_id, to_kind = request.match.groups()
        with self.lock:
            return FakeResponse(200, {"results": self._targets(kind, record_id, to_kind)})

    def _assoc_batch(self, request):
        kind, to_kind = request.match.groups()
        results = []
        with self.lock:
            for entry in request.json().get("inputs") or []:
                rid = str(entry.get("id"))
                targets = self._targets(kind, rid, to_kind)
                if targets:
                    results.append({"from": {"id": rid}, "to": targets})
        return FakeResponse(200, {"status": "COMPLETE", "results": results,
                                  "startedAt": iso(self.clock), "completedAt": iso(self.clock)})

    # -- fault helpers ------------------------------------------------------------

    def storm(self, times, path=None, policy="TEN_SECONDLY_ROLLING", skip=0):
        """``times`` 429s in a row (HubSpot's body and headers, ``Retry-After: 0``)."""
        headers = {"Retry-After": "0", "X-HubSpot-RateLimit-Max": self.rate_max,
                   "X-HubSpot-RateLimit-Remaining": 0,
                   "X-HubSpot-RateLimit-Interval-Milliseconds": 10000}
        return self.fail(path=path, status=429, body=rate_limit_body(policy), headers=headers,
                         times=times, skip=skip)

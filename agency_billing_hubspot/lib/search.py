"""Incremental reads through HubSpot's CRM search (no database, no HTTP).

A search sorted by the modification date (``hs_lastmodifieddate``; ``lastmodifieddate``
for contacts) ascending returns at most 10,000 results per query: paging past that
answers 400. So the reader never pages past the cap: it restarts a new query from the
last timestamp it saw. When more than a cap's worth of records share one timestamp (bulk
edits), it switches to a *tie* query on that timestamp sorted by ``hs_object_id`` and
continues from the last id.

A cursor is a dict ``{"mode", "ts", "id"}``:

``ge``  records modified at or after ``ts`` (milliseconds)
``gt``  records modified after ``ts``
``tie`` records modified exactly at ``ts`` with an id above ``id``

The cursor committed after each page says where a killed run resumes: re-reading the
records of the last timestamp again is harmless (they are unchanged, nothing is written).
"""

from .values import epoch_ms, parse_time

PAGE_LIMIT = 200
SEARCH_CAP = 10_000
MODIFIED = {"contacts": "lastmodifieddate"}
DEFAULT_MODIFIED = "hs_lastmodifieddate"


def modified_property(object_type):
    """The property a type's modification time is searched on.

    >>> modified_property("contacts"), modified_property("deals")
    ('lastmodifieddate', 'hs_lastmodifieddate')
    """
    return MODIFIED.get(object_type, DEFAULT_MODIFIED)


def start_cursor(stored, lookback_ms):
    """Where a run starts: a run killed in a tie query resumes it exactly; otherwise the
    stored timestamp minus the lookback window (records edited in the last seconds may
    not be searchable yet). No stored cursor: from the beginning.

    >>> start_cursor(None, 120000)
    {'mode': 'ge', 'ts': 0, 'id': 0}
    >>> start_cursor({"mode": "ge", "ts": 1000000, "id": 0}, 120000)
    {'mode': 'ge', 'ts': 880000, 'id': 0}
    >>> start_cursor({"mode": "tie", "ts": 5, "id": 42}, 120000)
    {'mode': 'tie', 'ts': 5, 'id': 42}
    """
    if not stored:
        return {"mode": "ge", "ts": 0, "id": 0}
    if stored.get("mode") == "tie":
        return dict(stored)
    return {"mode": "ge", "ts": max(0, int(stored.get("ts") or 0) - int(lookback_ms)), "id": 0}


def clamp_cursor(cursor, limit_ms):
    """A cursor never past ``limit_ms`` (the server's now minus the lookback window): a
    record whose modification time is in the future (a clock that runs ahead) must not
    move the cursor past edits made before that time, which would then never be read.

    >>> clamp_cursor({"mode": "ge", "ts": 5000, "id": 0}, 3000)
    {'mode': 'ge', 'ts': 3000, 'id': 0}
    >>> clamp_cursor({"mode": "tie", "ts": 2000, "id": 7}, 3000)
    {'mode': 'tie', 'ts': 2000, 'id': 7}
    """
    if int(cursor.get("ts") or 0) <= limit_ms:
        return dict(cursor)
    return {"mode": "ge", "ts": max(0, int(limit_ms)), "id": 0}


def search_body(object_type, cursor, properties, after=None, limit=PAGE_LIMIT):
    """The JSON body of one search request for a cursor.

    >>> body = search_body("deals", {"mode": "tie", "ts": 7, "id": 40}, ["dealname"])
    >>> body["filterGroups"][0]["filters"], body["sorts"]
    ([{'propertyName': 'hs_lastmodifieddate', 'operator': 'EQ', 'value': '7'}, \
{'propertyName': 'hs_object_id', 'operator': 'GT', 'value': '40'}], \
[{'propertyName': 'hs_object_id', 'direction': 'ASCENDING'}])
    >>> search_body("contacts", {"mode": "ge", "ts": 0, "id": 0}, [])["filterGroups"]
    [{'filters': [{'propertyName': 'lastmodifieddate', 'operator': 'GTE', 'value': '0'}]}]
    """
    prop = modified_property(object_type)
    mode, ts = cursor["mode"], int(cursor["ts"])
    if mode == "tie":
        filters = [{"propertyName": prop, "operator": "EQ", "value": str(ts)},
                   {"propertyName": "hs_object_id", "operator": "GT",
                    "value": str(int(cursor["id"]))}]
        sorts = [{"propertyName": "hs_object_id", "direction": "ASCENDING"}]
    else:
        filters = [{"propertyName": prop, "operator": "GTE" if mode == "ge" else "GT",
                    "value": str(ts)}]
        sorts = [{"propertyName": prop, "direction": "ASCENDING"}]
    body = {
        "filterGroups": [{"filters": filters}],
        "sorts": sorts,
        "properties": sorted({*properties, prop, "hs_object_id"}),
        "limit": limit,
    }
    if after:
        body["after"] = str(after)
    return body


def record_ms(record, object_type):
    """A record's modification time in milliseconds (0 when missing).

    >>> record_ms({"properties": {"hs_lastmodifieddate": "2023-11-14T22:13:20Z"}}, "deals")
    1700000000000
    >>> record_ms({"properties": {"lastmodifieddate": "1700000000123"}}, "contacts")
    1700000000123
    """
    props = record.get("properties") or {}
    value = str(props.get(modified_property(object_type)) or "").strip()
    if value.isdigit():
        return int(value)
    moment = parse_time(value) or parse_time(record.get("updatedAt"))
    return epoch_ms(moment) if moment else 0


class SearchWalk:
    """The state of one incremental walk over a type: which query to send next and the
    cursor to commit after each page.

    >>> walk = SearchWalk("deals", {"mode": "ge", "ts": 0, "id": 0}, cap=4, page=2)
    >>> recs = lambda *pairs: [{"id": str(i), "properties": {"hs_lastmodifieddate": str(t)}}
    ...                        for t, i in pairs]
    >>> walk.body([])["filterGroups"][0]["filters"][0]["operator"]
    'GTE'
    >>> walk.page_read(recs((10, 1), (20, 2)), next_after="2"); walk.cursor, walk.after
    ({'mode': 'ge', 'ts': 20, 'id': 0}, '2')
    >>> walk.page_read(recs((30, 3), (30, 4)), next_after="4"); walk.cursor, walk.after
    ({'mode': 'ge', 'ts': 30, 'id': 0}, None)

    The cap (4 here) was reached: the next query restarts at ``ts >= 30``. If all it
    finds is that same timestamp, it moves to a tie query sorted by id:

    >>> walk.page_read(recs((30, 3), (30, 4)), next_after="2")
    >>> walk.page_read(recs((30, 5), (30, 6)), next_after="4"); walk.cursor
    {'mode': 'tie', 'ts': 30, 'id': 0}
    >>> walk.page_read(recs((30, 5), (30, 6)), next_after="2"); walk.cursor
    {'mode': 'tie', 'ts': 30, 'id': 6}

    The tied timestamp read to its end, the walk goes on after it:

    >>> walk.page_read(recs((30, 7)), next_after=None); walk.cursor, walk.done
    ({'mode': 'gt', 'ts': 30, 'id': 0}, False)
    >>> walk.page_read(recs((40, 8)), next_after=None); walk.cursor, walk.done
    ({'mode': 'ge', 'ts': 40, 'id': 0}, True)
    """

    def __init__(self, object_type, cursor, cap=SEARCH_CAP, page=PAGE_LIMIT):
        self.object_type = object_type
        self.cursor = dict(cursor)
        self.query = dict(cursor)  # the cursor the current query started from
        self.cap = cap
        self.page = min(page, cap)
        self.after = None
        self.in_query = 0  # results read by the current query
        self.query_min_ts = None
        self.query_max_ts = None
        self.done = False

    def body(self, properties):
        return search_body(self.object_type, self.query, properties, self.after, self.page)

    def page_read(self, records, next_after):
        """Account for one page of results and decide the next request."""
        self.in_query += len(records)
        mode = self.query["mode"]
        if records:
            stamps = [record_ms(rec, self.object_type) for rec in records]
            low, high = min(stamps), max(stamps)
            self.query_min_ts = low if self.query_min_ts is None else min(self.query_min_ts, low)
            self.query_max_ts = high if self.query_max_ts is None else max(self.query_max_ts, high)
            if mode == "tie":
                self.cursor = {"mode": "tie", "ts": self.query["ts"],
                               "id": max(int(rec["id"]) for rec in records)}
            else:
                self.cursor = {"mode": "ge", "ts": stamps[-1], "id": 0}
        more = bool(next_after)
        if more and self.in_query + self.page <= self.cap:
            self.after = next_after
            return
        if more:  # the next page would cross the cap: a new query from the cursor
            if mode != "tie" and self.query_min_ts == self.query_max_ts:
                # A cap's worth of records at one timestamp: only a tie query on it,
                # sorted by id, can get past them.
                self.cursor = {"mode": "tie", "ts": self.query_max_ts, "id": 0}
            self._restart()
            return
        if mode == "tie":  # the tied timestamp is complete: on to the later ones
            self.cursor = {"mode": "gt", "ts": self.query["ts"], "id": 0}
            self._restart()
            return
        if self.query_max_ts is not None:
            self.cursor = {"mode": "ge", "ts": self.query_max_ts, "id": 0}
        self.done = True

    def restart_after_refusal(self):
        """HubSpot refused to page further (400 past its cap): restart from the cursor.
        Returns False when that would not move forward."""
        if self.after is None:
            return False
        if self.query["mode"] != "tie" and self.query_min_ts == self.query_max_ts:
            self.cursor = {"mode": "tie", "ts": self.query_max_ts or 0, "id": 0}
        self._restart()
        return True

    def _restart(self):
        self.query = dict(self.cursor)
        self.after = None
        self.in_query = 0
        self.query_min_ts = self.query_max_ts = None

"""The HubSpot adapter: the only code that talks to HubSpot, through ``hubspot-api-client``.

It knows HubSpot's paths (the SDK's v3 objects, owners and v4 associations APIs), pages,
limits and errors; importers get plain dicts shaped like HubSpot's JSON. Behaviours:

* The SDK never retries by itself here (urllib3 ``Retry(0, read=False)``, so timeouts and
  dropped connections are not retried silently); :func:`with_retries` retries rate limits
  (waiting what ``Retry-After`` says, ``0`` included), 5xx, timeouts, dropped connections
  and unreadable answers with backoff and jitter, ``sync_max_attempts`` times in all.
  The daily limit is not retried.
* Requests are paced by the backend's budget (requests per 10 s), searches by their own
  (about 4 per second), and held when HubSpot's ``X-HubSpot-RateLimit-Remaining`` says the
  window is used up.
* Answers are read as raw JSON (``_preload_content=False``): a malformed or truncated
  body, or a page without ``results``, raises :class:`SyncPayloadError` — never read as
  "no records" (the SDK's own deserializer returns ``results=None`` for a truncated 200).
* Errors become the sync layer's classes; messages carry HubSpot's message and category,
  never the token.
"""

import json
import time

from odoo.addons.agency_billing_sync.components.adapter import SdkAdapter
from odoo.addons.agency_billing_sync.lib.backoff import RequestBudget
from odoo.addons.agency_billing_sync.lib.errors import SyncPayloadError
from odoo.addons.agency_billing_sync.lib.payload import redact

try:
    import hubspot
    from hubspot.crm.associations.v4.exceptions import ApiException as AssociationsApiException
    from hubspot.crm.objects.exceptions import ApiException as ObjectsApiException
    from hubspot.crm.owners.exceptions import ApiException as OwnersApiException

    API_EXCEPTIONS = (ObjectsApiException, OwnersApiException, AssociationsApiException)
except ImportError:  # declared in external_dependencies; Odoo refuses to install without
    hubspot = None
    API_EXCEPTIONS = ()

LIST_LIMIT = 100
BATCH_LIMIT = 100
ASSOCIATION_BATCH = 1000
# HubSpot holds the next request when fewer than this many remain in its window.
RESERVE = 1


class HubSpotAdapter(SdkAdapter):
    """HubSpot's CRM API for one backend (one instance per run)."""

    vendor = "HubSpot"
    package = "hubspot-api-client"
    sdk = hubspot
    api_exceptions = API_EXCEPTIONS

    def __init__(self, backend, sleep=time.sleep):
        super().__init__(backend, sleep=sleep)
        self.search_budget = RequestBudget(max(1, int(backend.search_rate or 4)), 1.0,
                                           sleep=sleep)

    def _setup_client(self):
        self.client = hubspot.Client.create(access_token=self.token, host=self.host,
                                            retry=self._no_retry())
        crm = self.client.crm
        self._objects_basic = crm.objects.basic_api
        self._objects_batch = crm.objects.batch_api
        self._objects_search = crm.objects.search_api
        self._owners = crm.owners.owners_api
        self._associations = crm.associations.v4.batch_api

    # ------------------------------------------------------------------
    # Calls, errors, limits
    # ------------------------------------------------------------------

    def _searching(self, *args, **kwargs):
        """A search call: searches have their own budget (about 4 per second)."""
        self.search_budget.acquire()
        return self._objects_search.do_search(*args, **kwargs)

    def _read(self, label, response):
        """(status, JSON answer); HubSpot's rate-limit headers are observed."""
        headers = response.headers
        raw = self._raw(label, response)
        self._observe(headers)
        return response.status, self._json(label, raw, response.status)

    def _observe(self, headers):
        remaining = headers.get("X-HubSpot-RateLimit-Remaining")
        interval = headers.get("X-HubSpot-RateLimit-Interval-Milliseconds")
        if remaining is not None and interval:
            try:
                self.budget.observe(remaining=int(remaining), interval=int(interval) / 1000,
                                    reserve=RESERVE)
            except ValueError:
                return

    def _api_error(self, label, exc):
        status = getattr(exc, "status", None) or 0
        body = exc.body.decode("utf-8", "replace") if isinstance(exc.body, bytes) else (
            exc.body or "")
        try:
            detail = json.loads(body) if body else {}
        except ValueError:
            detail = {"message": body[:300]}
        if not isinstance(detail, dict):
            detail = {"message": str(detail)[:300]}
        message = detail.get("message") or getattr(exc, "reason", "") or "no message"
        category = detail.get("category") or detail.get("errorType") or ""
        text = redact(f"HubSpot {label}: {status} {message}"
                      + (f" ({category})" if category else ""), self.secrets)
        headers = exc.headers or {}
        error = self._status_error(text, status, headers)
        if status == 429 and detail.get("policyName") == "DAILY":
            error.retryable = False  # the day's budget: wait for tomorrow's run
        elif status == 429 and error.retry_after is None:
            # No Retry-After: wait for HubSpot's rolling window (10 s) to move on.
            try:
                interval = int(headers.get("X-HubSpot-RateLimit-Interval-Milliseconds"))
            except (TypeError, ValueError):
                interval = 10_000
            error.retry_after = interval / 1000
        return error

    # ------------------------------------------------------------------
    # Reading
    # ------------------------------------------------------------------

    @staticmethod
    def _results(label, data):
        if not isinstance(data, dict) or not isinstance(data.get("results"), list):
            raise SyncPayloadError(f"HubSpot answered {label} without its results: the "
                                   "answer is not a page of records.")
        return data["results"]

    @staticmethod
    def _next(data):
        return ((data.get("paging") or {}).get("next") or {}).get("after")

    def account_check(self):
        """A cheap authenticated call (one owner): raises when the token is refused."""
        _status, data = self._call("owners", self._owners.get_page, limit=1)
        return len(self._results("owners", data))

    def search(self, object_type, body):
        """One page of a CRM search: (records, next ``after`` or None)."""
        label = f"search of {object_type}"
        _status, data = self._call(label, self._searching, object_type, body)
        return self._results(label, data), self._next(data)

    def list_page(self, object_type, properties=(), after=None, archived=False,
                  associations=()):
        """One page of the objects list: (records, next ``after`` or None)."""
        label = f"list of {'archived ' if archived else ''}{object_type}"
        kwargs = {"limit": LIST_LIMIT, "archived": archived}
        if properties:
            kwargs["properties"] = list(properties)
        if associations:
            kwargs["associations"] = list(associations)
        if after:
            kwargs["after"] = str(after)
        _status, data = self._call(label, self._objects_basic.get_page,
                                   object_type, **kwargs)
        return self._results(label, data), self._next(data)

    def list_all(self, object_type, properties=(), archived=False):
        """Every record of a list, page by page (a generator)."""
        after = None
        while True:
            records, after = self.list_page(object_type, properties, after, archived)
            yield from records
            if not after:
                return

    def batch_read(self, object_type, ids, properties=()):
        """Records by id, 100 per request: (records, ids HubSpot did not return)."""
        ids = [str(i) for i in dict.fromkeys(ids)]
        found = []
        for start in range(0, len(ids), BATCH_LIMIT):
            chunk = ids[start:start + BATCH_LIMIT]
            label = f"batch read of {object_type}"
            _status, data = self._call(
                label, self._objects_batch.read, object_type,
                {"inputs": [{"id": i} for i in chunk], "properties": list(properties),
                 "propertiesWithHistory": []}, archived=False)
            found += self._results(label, data)
        seen = {str(record.get("id")) for record in found}
        return found, [i for i in ids if i not in seen]

    def batch_update(self, object_type, inputs):
        """Update properties of records, 100 per request; returns how many."""
        done = 0
        for start in range(0, len(inputs), BATCH_LIMIT):
            chunk = inputs[start:start + BATCH_LIMIT]
            label = f"batch update of {object_type}"
            _status, data = self._call(label, self._objects_batch.update,
                                       object_type, {"inputs": chunk})
            done += len(self._results(label, data))
        return done

    def owners(self, archived=False):
        """Every owner (a generator of dicts)."""
        after = None
        while True:
            kwargs = {"limit": 100, "archived": archived}
            if after:
                kwargs["after"] = after
            _status, data = self._call("owners", self._owners.get_page,
                                       **kwargs)
            yield from self._results("owners", data)
            after = self._next(data)
            if not after:
                return

    def associations(self, from_type, to_type, ids):
        """{from id: [(to id, {association type ids})]} through v4 batch reads."""
        links = {}
        ids = [str(i) for i in dict.fromkeys(ids)]
        for start in range(0, len(ids), ASSOCIATION_BATCH):
            chunk = ids[start:start + ASSOCIATION_BATCH]
            label = f"associations {from_type} → {to_type}"
            _status, data = self._call(
                label, self._associations.get_page, from_type, to_type,
                {"inputs": [{"id": i} for i in chunk]})
            for result in self._results(label, data):
                source = str((result.get("from") or {}).get("id"))
                links[source] = [
                    (str(target.get("toObjectId")),
                     {kind.get("typeId") for kind in target.get("associationTypes") or []})
                    for target in result.get("to") or []
                ]
        return links

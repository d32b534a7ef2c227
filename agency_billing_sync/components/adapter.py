"""What every vendor adapter shares (HubSpot, Asana, Monday.com): the set-up from the
backend (token, client package, base URL, timeouts, request limits), the retry loop and
the log line of a retry, tokens redacted.

A vendor adapter subclasses :class:`SyncAdapter` (HTTP of its own) or :class:`SdkAdapter`
(an OpenAPI-generated SDK over urllib3), names its ``vendor`` and client package
(``package``, ``sdk``), builds its client in :meth:`SyncAdapter._setup_client` and sends
each request through :meth:`SyncAdapter._retrying` (a callable making one attempt, which
first calls :meth:`SyncAdapter._spend_request` and raises the sync layer's errors).
"""

import json
import logging
import time

import urllib3
from urllib3.util.retry import Retry

from ..lib.backoff import RequestBudget, retry_after, with_retries
from ..lib.errors import (
    SyncAuthError,
    SyncConfigError,
    SyncNotFoundError,
    SyncPayloadError,
    SyncRateLimitError,
    SyncRequestError,
    SyncServerError,
    SyncTimeoutError,
)
from ..lib.payload import redact

_logger = logging.getLogger(__name__)


class SyncAdapter:
    """The connection of a backend to its source (one instance per run): its token, base
    URL, timeouts and request limits.

    Class attributes: ``vendor`` (the name in messages), ``package`` (the pip name of the
    client package) and ``sdk`` (that package imported, or None when it is missing).
    """

    vendor = "Source"
    package = None
    sdk = None

    def __init__(self, backend, sleep=time.sleep):
        self.backend = backend
        # sudo: the token is administrator-only; it stays in this object and its client.
        self.token = backend.sudo().access_token
        if not self.token:
            raise SyncConfigError(self._missing_token_message())
        if self.package and self.sdk is None:
            raise SyncConfigError(f"The Python package {self.package} is not installed.")
        self.base_url = (backend.base_url or "").strip()
        if not self.base_url:
            raise SyncConfigError(backend.env._(
                "The %(vendor)s account %(name)s has no API URL.", vendor=self.vendor,
                name=backend.display_name))
        self.secrets = [secret for secret in (self.token, *self._more_secrets()) if secret]
        self.sleep = sleep
        self.attempts = max(1, backend.sync_max_attempts or 1)
        self.rate_budget = max(0.0, backend.sync_rate_limit_budget or 0.0)
        self.retry_delay = max(0.0, backend.sync_retry_delay or 0.0)
        self.timeout_seconds = max(0.1, backend.sync_timeout or 30.0)
        # One number (connect and read): Odoo's test runner raises request timeouts
        # under 10 s to 10 s and only understands a number.
        self.timeout = self.timeout_seconds
        # The vendor's limit is per account, shared by every app of it.
        self.budget = RequestBudget(backend.sync_request_budget or 100, 10.0, sleep=sleep)
        self.requests = 0
        self._setup_client()

    # ------------------------------------------------------------------
    # Hooks
    # ------------------------------------------------------------------

    def _missing_token_message(self):
        """Hook: the message when the backend has no token."""
        return self.backend.env._("The %(vendor)s account %(name)s has no access token.",
                                  vendor=self.vendor, name=self.backend.display_name)

    def _more_secrets(self):
        """Hook: secrets besides the token to keep out of every message."""
        return []

    def _setup_client(self):
        """Hook: build the client (SDK objects, session) from ``self.token`` and
        ``self.base_url``."""

    def close(self):
        """Free the client's connections (the adapter stays usable)."""

    # ------------------------------------------------------------------
    # Requests
    # ------------------------------------------------------------------

    def _spend_request(self):
        """Before each attempt (retries included): wait for the request budget, count
        the request."""
        self.budget.acquire()
        self.requests += 1

    def _retrying(self, once):
        """Call ``once()`` until it answers, retrying what may pass (rate limits, server
        errors, timeouts, unreadable answers), ``sync_max_attempts`` times in all; rate
        limits are waited out (as the vendor asks) within ``sync_rate_limit_budget``
        seconds per request instead."""
        return with_retries(once, attempts=self.attempts, base=self.retry_delay, cap=60.0,
                            sleep=self.sleep, on_retry=self._on_retry,
                            rate_budget=self.rate_budget)

    def _on_retry(self, exc, delay):
        _logger.info("%s: %s; retrying in %.1f s", self.vendor,
                     redact(str(exc), self.secrets), delay)


class SdkAdapter(SyncAdapter):
    """An adapter over an OpenAPI-generated SDK that talks through urllib3 (HubSpot's,
    Asana's): the SDK's own retries off (ours count, log and honour ``Retry-After``),
    answers read raw (``_preload_content=False``), HTTP statuses and transport failures
    turned into the sync layer's errors.

    Class attribute ``api_exceptions``: the SDK's exception classes of HTTP errors.
    """

    api_exceptions = ()

    def __init__(self, backend, sleep=time.sleep):
        super().__init__(backend, sleep=sleep)
        # Connecting gets at most 10 s; reading, the backend's timeout.
        self.timeout = (min(10.0, self.timeout_seconds), self.timeout_seconds)

    @staticmethod
    def _no_retry():
        """The urllib3 retry policy of the SDK's pool: none (the default one sleeps 0, 4,
        8... s even on ``Retry-After: 0`` and ends in ``MaxRetryError``)."""
        return Retry(total=0, read=False, redirect=0, status=0, raise_on_status=False)

    @property
    def host(self):
        """The API root as the SDKs take it (no trailing slash)."""
        return self.base_url.rstrip("/")

    def _call(self, label, method, *args, accept=(), **kwargs):
        """One SDK call with retries; returns what :meth:`_read` makes of the answer.
        ``accept``: HTTP statuses whose error answer is read by :meth:`_accepted` instead
        of raised."""

        def once():
            self._spend_request()
            try:
                response = method(*args, _preload_content=False,
                                  _request_timeout=self.timeout, **kwargs)
            except self.api_exceptions as exc:
                if getattr(exc, "status", None) in accept:
                    return self._accepted(label, exc)
                raise self._api_error(label, exc) from None
            except urllib3.exceptions.HTTPError as exc:
                raise self._transport_error(label, exc) from None
            return self._read(label, response)

        return self._retrying(once)

    def _read(self, label, response):
        """Hook: the answer of a call (by default its JSON)."""
        return self._json(label, self._raw(label, response), response.status)

    def _accepted(self, label, exc):
        """Hook: the answer of an accepted HTTP error (see :meth:`_call`)."""
        raise self._api_error(label, exc)

    def _api_error(self, label, exc):
        """Hook: the sync layer's error for an SDK exception (message redacted)."""
        status = getattr(exc, "status", None) or 0
        text = redact(f"{self.vendor} {label}: {status} {getattr(exc, 'reason', '')}",
                      self.secrets)
        return self._status_error(text, status, getattr(exc, "headers", None) or {})

    def _raw(self, label, response):
        """The body of an answer; the connection goes back to the pool."""
        try:
            return response.data
        except urllib3.exceptions.HTTPError as exc:
            raise self._transport_error(label, exc) from None
        finally:
            response.release_conn()

    def _json(self, label, raw, status):
        """The answer's JSON (``None`` when empty); a cut or malformed body is an error,
        never "no records"."""
        try:
            return json.loads(raw) if raw else None
        except ValueError:
            raise SyncPayloadError(
                f"{self.vendor} answered {label} with unreadable JSON ({len(raw)} bytes): the "
                "answer was cut or malformed.", status=status) from None

    @staticmethod
    def _status_error(text, status, headers):
        """The sync layer's error for an HTTP status (``text`` already redacted)."""
        if status == 429:
            return SyncRateLimitError(text, status=status,
                                      retry_after=retry_after(headers.get("Retry-After")))
        if status in (401, 403):
            return SyncAuthError(text, status=status)
        if status == 404:
            return SyncNotFoundError(text, status=status)
        if status >= 500 or status == 0:
            return SyncServerError(text, status=status)
        return SyncRequestError(text, status=status)

    def _transport_error(self, label, exc):
        reason = getattr(exc, "reason", None)
        if isinstance(exc, urllib3.exceptions.TimeoutError) or isinstance(
                reason, urllib3.exceptions.TimeoutError):
            return SyncTimeoutError(f"{self.vendor} {label}: no answer within "
                                    f"{self.timeout_seconds:g} s.")
        return SyncServerError(redact(f"{self.vendor} {label}: connection failed "
                                      f"({exc.__class__.__name__}).", self.secrets))

"""What every vendor adapter shares (HubSpot, Asana, Monday.com): the backend's request
limits, the retry loop and the log line of a retry, tokens redacted.

A vendor adapter subclasses :class:`SyncAdapter`, calls its ``__init__`` with the secrets
to keep out of every message, and sends each request through :meth:`SyncAdapter._retrying`
(a callable making one attempt; it raises the sync layer's errors).
"""

import json
import logging
import time

import urllib3

from ..lib.backoff import RequestBudget, retry_after, with_retries
from ..lib.errors import (
    SyncAuthError,
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
    """The limits of a backend's requests (one instance per run)."""

    vendor = "Source"

    def __init__(self, backend, secrets, sleep=time.sleep):
        self.backend = backend
        self.secrets = [secret for secret in secrets if secret]
        self.sleep = sleep
        self.attempts = max(1, backend.sync_max_attempts or 1)
        self.retry_delay = max(0.0, backend.sync_retry_delay or 0.0)
        self.timeout_seconds = max(0.1, backend.sync_timeout or 30.0)
        # The vendor's limit is per account, shared by every app of it.
        self.budget = RequestBudget(backend.sync_request_budget or 100, 10.0, sleep=sleep)
        self.requests = 0

    def _retrying(self, once):
        """Call ``once()`` until it answers, retrying what may pass (rate limits, server
        errors, timeouts, unreadable answers), ``sync_max_attempts`` times in all."""
        return with_retries(once, attempts=self.attempts, base=self.retry_delay, cap=60.0,
                            sleep=self.sleep, on_retry=self._on_retry)

    def _on_retry(self, exc, delay):
        _logger.info("%s: %s; retrying in %.1f s", self.vendor,
                     redact(str(exc), self.secrets), delay)


class SdkAdapter(SyncAdapter):
    """An adapter over an OpenAPI-generated SDK that talks through urllib3 (HubSpot's,
    Asana's): answers read raw (``_preload_content=False``), HTTP statuses and transport
    failures turned into the sync layer's errors."""

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

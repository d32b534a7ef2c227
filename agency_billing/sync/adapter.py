"""What every vendor adapter shares (HubSpot, Asana, Monday.com): the backend's request
limits, the retry loop and the log line of a retry, tokens redacted.

A vendor adapter subclasses :class:`SyncAdapter`, calls its ``__init__`` with the secrets
to keep out of every message, and sends each request through :meth:`SyncAdapter._retrying`
(a callable making one attempt; it raises the sync layer's errors).
"""

import logging
import time

from ..lib.sync_backoff import RequestBudget, with_retries
from ..lib.sync_payload import redact

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

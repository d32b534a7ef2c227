"""Errors of the sync layer: one class per kind of failure (no database).

Adapters turn whatever their SDK or HTTP client raises into one of these, so importers
and runs decide by kind: retry (rate limit, server error, timeout, unreadable answer),
stop the run (authentication, configuration), or quarantine one record (mapping).
Messages never carry secrets: adapters redact them (``payload.redact``).

>>> err = SyncRateLimitError("429 Too Many Requests", status=429, retry_after=0.0)
>>> err.retryable, err.kind, err.status, str(err)
(True, 'rate_limit', 429, '429 Too Many Requests')
>>> SyncAuthError("401").retryable
False
"""


class SyncError(Exception):
    """A failure talking to the source system."""

    kind = "error"
    retryable = False

    def __init__(self, message, status=None, retry_after=None):
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class SyncConfigError(SyncError):
    """The backend is not set up to talk to its source (no token, no URL...)."""

    kind = "config"


class SyncAuthError(SyncError):
    """The source refused the credentials (401) or the scope (403)."""

    kind = "auth"


class SyncNotFoundError(SyncError):
    """The source has no such record or path (404)."""

    kind = "not_found"


class SyncRequestError(SyncError):
    """The source refused the request as it was made (other 4xx)."""

    kind = "request"


class SyncRateLimitError(SyncError):
    """The source asks to slow down (429); ``retry_after`` seconds when it says.
    ``exhausted``: the run's time budget for rate limits is spent (the run stops
    *partial* and the next one resumes from its cursor)."""

    kind = "rate_limit"
    retryable = True
    exhausted = False


class SyncServerError(SyncError):
    """The source failed (5xx) or dropped the connection."""

    kind = "server"
    retryable = True


class SyncTimeoutError(SyncError):
    """The source did not answer in time."""

    kind = "timeout"
    retryable = True


class SyncPayloadError(SyncError):
    """The source answered something unreadable (malformed or truncated JSON, a page
    without its results): never read as "no records"."""

    kind = "payload"
    retryable = True


class SyncMappingError(SyncError):
    """One record cannot become Odoo values (missing or invalid data): it is quarantined
    with this message while the rest of its batch is imported."""

    kind = "mapping"

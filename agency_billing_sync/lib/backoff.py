"""Retries, backoff, request budgets and the archive guard of the sync layer (no database).

The clock, the sleep and the random source are parameters, so every behaviour here is
tested without waiting.
"""

import random
import re
import time
from collections import deque
from email.utils import parsedate_to_datetime

from .errors import SyncError


def backoff_delay(attempt, base=1.0, cap=60.0, rand=random.random):
    """Seconds to wait before retry number ``attempt`` (0 = first retry): exponential,
    capped, with "equal jitter" (between half and all of the step), so that many
    workers failing together do not retry together.

    >>> low, high = (lambda: 0.0), (lambda: 1.0)
    >>> backoff_delay(0, base=1.0, rand=low), backoff_delay(0, base=1.0, rand=high)
    (0.5, 1.0)
    >>> backoff_delay(3, base=1.0, rand=high), backoff_delay(10, base=1.0, cap=30, rand=high)
    (8.0, 30.0)
    >>> backoff_delay(5, base=0.0)
    0.0
    """
    step = min(cap, base * (2 ** attempt))
    return step / 2 + step / 2 * rand()


def retrigger_delay(held_for, first=10.0, cap=900.0):
    """Seconds before the sync cron is called again when another run holds the backend,
    the lock held for ``held_for`` seconds so far: ``first`` while the holder is young
    (a *Sync Now* of a few seconds: waiting events are handled within a minute), then a
    quarter of the time held, at most ``cap`` (the scheduled interval) — so a lock that
    stays stuck calls the cron a bounded number of times (about two dozen in its first hour,
    then once per interval), never every few seconds forever.

    >>> retrigger_delay(0), retrigger_delay(30), retrigger_delay(60)
    (10.0, 10.0, 15.0)
    >>> retrigger_delay(3600), retrigger_delay(7200, cap=900.0)
    (900.0, 900.0)
    >>> retrigger_delay(None), retrigger_delay(-5), retrigger_delay(100, cap=5)
    (10.0, 10.0, 10.0)
    """
    held = max(0.0, float(held_for or 0.0))
    return max(float(first), min(float(cap), held / 4))


def retry_after(value, now=None):
    """Seconds a ``Retry-After`` header asks to wait (seconds or an HTTP date), ``None``
    when absent or unreadable. Never negative.

    >>> retry_after("0"), retry_after("2.5"), retry_after(None), retry_after("soon")
    (0.0, 2.5, None, None)
    >>> retry_after("Wed, 21 Oct 2026 07:28:10 GMT", now=1792567680.0)
    10.0
    """
    if value is None or str(value).strip() == "":
        return None
    text = str(value).strip()
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return float(text)
    try:
        moment = parsedate_to_datetime(text).timestamp()
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, moment - (time.time() if now is None else now))


def with_retries(call, attempts=5, base=1.0, cap=60.0, sleep=time.sleep, rand=random.random,
                 on_retry=None, rate_budget=None):
    """Call ``call()``; on a retryable :class:`SyncError` wait and call again, at most
    ``attempts`` calls in all. A rate limit waits what the source asked (``Retry-After``,
    ``0`` included), anything else backs off. The last error is raised.

    With ``rate_budget`` (seconds), rate limits do not count as attempts: they are waited
    out, as the source asks, until the waits add up to the budget (each wait counts at
    least a second, so a storm answering "retry at once" ends too); then the error is
    raised with ``exhausted = True`` (the run stops *partial*, its cursor kept).

    >>> from .errors import SyncAuthError, SyncRateLimitError, SyncServerError
    >>> answers = [SyncServerError("503"), SyncServerError("503"), "ok"]
    >>> def flaky():
    ...     answer = answers.pop(0)
    ...     if isinstance(answer, Exception):
    ...         raise answer
    ...     return answer
    >>> slept = []
    >>> with_retries(flaky, base=1.0, sleep=slept.append, rand=lambda: 1.0), slept
    ('ok', [1.0, 2.0])
    >>> answers = [SyncAuthError("401"), "never"]
    >>> try:
    ...     with_retries(flaky)
    ... except SyncAuthError as exc:
    ...     print("not retried:", exc, answers)
    not retried: 401 ['never']

    Twenty 429s are waited out within a 60-second budget; an endless storm is not:

    >>> answers = [SyncRateLimitError("429", retry_after=0.0)] * 20 + ["ok"]
    >>> with_retries(flaky, attempts=5, sleep=lambda s: None, rate_budget=60)
    'ok'
    >>> answers = [SyncRateLimitError("429", retry_after=10.0)] * 20
    >>> try:
    ...     with_retries(flaky, sleep=lambda s: None, rate_budget=60)
    ... except SyncRateLimitError as exc:
    ...     print(exc.exhausted, len(answers))
    True 13
    """
    attempt = 0
    rate_waited = 0.0
    while True:
        try:
            return call()
        except SyncError as exc:
            if exc.kind == "rate_limit" and exc.retryable and rate_budget is not None:
                delay = exc.retry_after if exc.retry_after is not None else backoff_delay(
                    0, base=max(base, 1.0), cap=cap, rand=rand)
                rate_waited += max(delay, 1.0)
                if rate_waited > rate_budget:
                    exc.exhausted = True
                    raise
            else:
                attempt += 1
                if not exc.retryable or attempt >= attempts:
                    raise
                delay = exc.retry_after if exc.retry_after is not None else backoff_delay(
                    attempt - 1, base=base, cap=cap, rand=rand)
            if on_retry:
                on_retry(exc, delay)
            if delay > 0:
                sleep(delay)


class RequestBudget:
    """At most ``limit`` requests per ``window`` seconds (a sliding window), plus what the
    source says is left (``observe``): ``acquire()`` waits until a request may go.

    >>> clock, waited = [0.0], []
    >>> def sleep(seconds):
    ...     waited.append(seconds)
    ...     clock[0] += seconds
    >>> budget = RequestBudget(2, 10.0, clock=lambda: clock[0], sleep=sleep)
    >>> budget.acquire(); budget.acquire(); budget.acquire()
    >>> waited
    [10.0]
    >>> budget.observe(remaining=0, interval=5.0); budget.acquire(); waited[-1]
    5.0
    """

    def __init__(self, limit, window, clock=time.monotonic, sleep=time.sleep):
        self.limit = max(1, int(limit or 1))
        self.window = float(window)
        self.clock = clock
        self.sleep = sleep
        self.sent = deque()
        self.blocked_until = 0.0
        self.waited = 0.0

    def acquire(self):
        """Wait (if needed) until one more request fits, and count it."""
        now = self.clock()
        if self.blocked_until > now:
            self._wait(self.blocked_until - now)
            now = self.clock()
        while self.sent and self.sent[0] <= now - self.window:
            self.sent.popleft()
        if len(self.sent) >= self.limit:
            self._wait(self.sent[0] + self.window - now)
            now = self.clock()
            while self.sent and self.sent[0] <= now - self.window:
                self.sent.popleft()
        self.sent.append(now)

    def observe(self, remaining=None, interval=None, reserve=0):
        """The source said ``remaining`` requests are left in its ``interval`` (seconds):
        when at or under ``reserve``, hold the next request until the interval is over."""
        if remaining is not None and interval and remaining <= reserve:
            self.blocked_until = max(self.blocked_until, self.clock() + float(interval))

    def _wait(self, seconds):
        if seconds > 0:
            self.waited += seconds
            self.sleep(seconds)


def archive_needs_confirmation(count, total, max_share, floor=5):
    """Whether archiving ``count`` of a model's ``total`` bindings is too many to do
    unattended: more than ``max_share`` (0-1) of them, and more than ``floor`` records
    (a handful is always archived, so small portals are not asked every time).

    >>> archive_needs_confirmation(3, 4, 0.2)
    False
    >>> archive_needs_confirmation(30, 100, 0.2), archive_needs_confirmation(20, 100, 0.2)
    (True, False)
    >>> archive_needs_confirmation(6, 6, 1.0)
    False
    """
    if count <= floor or not total:
        return False
    return count > max_share * total

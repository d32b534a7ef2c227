"""Collisions between transactions (no database): which PostgreSQL errors mean "another
transaction changed or holds these rows" rather than "this data is wrong", and a log
filter that keeps the collisions a caller handles out of the server log.

Several Odoo workers and cron threads share one PostgreSQL: a sync and a billing run may
update the same rows at the same moment. PostgreSQL then refuses one of them (a
serialization failure, a deadlock, a lock it could not get in time). That is nobody's
fault and not the data's: the loser retries (a sync batch) or leaves the row to the next
run (a billing run skips the client).

>>> from psycopg2 import errors
>>> is_collision(errors.SerializationFailure()), is_collision(errors.DeadlockDetected())
(True, True)
>>> is_collision(errors.LockNotAvailable()), is_collision(errors.UniqueViolation())
(True, False)
>>> is_collision(ValueError("could not serialize access due to concurrent update"))
False
>>> wrapped = RuntimeError("flush failed")
>>> wrapped.__cause__ = errors.SerializationFailure()
>>> is_collision(wrapped)
True
"""

import logging
import threading
from contextlib import contextmanager

from psycopg2 import errors

COLLISIONS = (errors.SerializationFailure, errors.DeadlockDetected, errors.LockNotAvailable)


def is_collision(exc):
    """Whether an exception (or what caused it) is a collision with another transaction."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, COLLISIONS):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


def collision_label(exc):
    """A readable name for a collision (what a run's log says).

    >>> collision_label(errors.DeadlockDetected()), collision_label(errors.LockNotAvailable())
    ('deadlock', 'lock timeout')
    >>> collision_label(errors.SerializationFailure())
    'concurrent update'
    """
    if isinstance(exc, errors.DeadlockDetected):
        return "deadlock"
    if isinstance(exc, errors.LockNotAvailable):
        return "lock timeout"
    return "concurrent update"


class _QuietCollisions(logging.Filter):
    """Drops log records of this thread that carry a collision error."""

    def __init__(self, thread):
        super().__init__()
        self.thread = thread

    def filter(self, record):
        if threading.get_ident() != self.thread or not isinstance(record.args, tuple):
            return True
        return not any(is_collision(arg) for arg in record.args
                       if isinstance(arg, BaseException))


@contextmanager
def quiet_collisions(logger_name="odoo.sql_db"):
    """Within the block, the *bad query* lines a collision makes the database layer log
    (``odoo.sql_db``) are left out, for this thread only: the caller handles collisions
    and says so at INFO; every other error is logged as before.

    >>> import io
    >>> stream = io.StringIO()
    >>> logger = logging.getLogger("doctest.sql")
    >>> logger.addHandler(logging.StreamHandler(stream))
    >>> with quiet_collisions("doctest.sql"):
    ...     logger.error("bad query: %s\\nERROR: %s", "UPDATE x", errors.SerializationFailure())
    ...     logger.error("bad query: %s\\nERROR: %s", "UPDATE y", errors.UniqueViolation())
    >>> logger.error("bad query: %s\\nERROR: %s", "UPDATE z", errors.SerializationFailure())
    >>> [line for line in stream.getvalue().splitlines() if line.startswith("bad query")]
    ['bad query: UPDATE y', 'bad query: UPDATE z']
    """
    logger = logging.getLogger(logger_name)
    quiet = _QuietCollisions(threading.get_ident())
    logger.addFilter(quiet)
    try:
        yield
    finally:
        logger.removeFilter(quiet)

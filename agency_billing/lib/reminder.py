"""Overdue reminders: which step of a reminder policy is due for an invoice.

A policy is a list of steps, each sent a number of days after the due date (for example
3, 10 and 20). On a given day the step due is the latest one whose delay has passed; it
is sent once. Steps skipped while nothing ran (the cron was down, the invoice was
disputed) are not sent afterwards: the client gets the latest reminder only.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    key: int
    days: int


def due_step(days_overdue, steps, sent):
    """The step to send today, or None.

    :param days_overdue: days since the due date (today - due date)
    :param steps: the policy's steps
    :param sent: keys of the steps already sent for this invoice

    >>> steps = [Step(1, 3), Step(2, 10), Step(3, 20)]
    >>> due_step(3, steps, set()).key
    1
    >>> due_step(5, steps, {1}) is None
    True
    >>> due_step(25, steps, {1}).key
    3
    """
    if days_overdue <= 0:
        return None
    ordered = sorted(steps, key=lambda step: (step.days, step.key))
    passed = [step for step in ordered if step.days <= days_overdue]
    if not passed:
        return None
    latest = passed[-1]
    later_sent = any(step.key in sent for step in ordered[ordered.index(latest):])
    return None if later_sent else latest

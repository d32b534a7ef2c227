"""Whether an invoice's email reached its recipients, from the mail server's outcome for
each of them (Odoo's ``mail.notification`` statuses).

Plain functions on plain values.
"""

DELIVERY_STATES = [
    ("pending", "Waiting for the mail server"),
    ("sent", "Delivered"),
    ("failed", "Not delivered"),
]
FAILED = ("exception", "bounce", "canceled")
DONE = ("sent",)


def outcome(statuses):
    """``failed`` when any recipient's email failed or bounced, ``sent`` when every one
    was accepted by the mail server, else ``pending`` (queued, or nobody to send to yet).

    >>> outcome(["sent", "sent"]), outcome(["sent", "bounce"]), outcome(["ready", "sent"])
    ('sent', 'failed', 'pending')
    >>> outcome([])
    'pending'
    """
    statuses = list(statuses)
    if any(status in FAILED for status in statuses):
        return "failed"
    if statuses and all(status in DONE for status in statuses):
        return "sent"
    return "pending"

"""Asana JSON → the normalized dicts of the PM importers, and Asana's webhooks (no Odoo):
``values`` (timestamps, text, billable and approval statuses), ``mappers`` (users,
projects, tasks, time entries), ``events`` (what ``/events`` says about tasks) and
``webhook`` (signatures, deliveries)."""

"""The Asana and Monday.com sync: one syncer per provider (``asana_sync``, ``monday_sync``:
reading the source, paging, cursors, webhooks), importers both share (``importers``).

A syncer is a class taking ``(backend, run)`` with ``check()``, ``discover()``,
``execute()``, ``import_ids(external_type, ids, deleted_ids)`` and the class method
``webhook_events(backend, httprequest, raw)``; it hands the importers provider-neutral
dicts (see ``importers``).
"""

import importlib

from odoo.addons.agency_billing_sync.lib.errors import SyncConfigError

SYNCERS = {"asana": ("asana_sync", "AsanaSync"), "monday": ("monday_sync", "MondaySync")}


def syncer_class(provider):
    """The syncer class of a provider."""
    module_name, class_name = SYNCERS.get(provider, (None, None))
    if not module_name:
        raise SyncConfigError(f"Unknown provider {provider!r}.")
    module = importlib.import_module(f"{__name__}.{module_name}")
    return getattr(module, class_name)

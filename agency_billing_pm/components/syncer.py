"""The Asana and Monday.com syncers: one per provider (``asana/syncer.py``,
``monday/syncer.py``: reading the source, paging, cursors, webhooks), on what both share
here; the importers both feed are in ``importer.py``.

A syncer is a class taking ``(backend, run)`` with ``check()``, ``discover()``,
``execute()``, ``import_ids(external_type, ids, deleted_ids)`` and the class method
``webhook_events(backend, httprequest, raw)``; it hands the importers provider-neutral
dicts (see ``importer.py``).
"""

import importlib

from odoo.addons.agency_billing_sync.lib.errors import SyncConfigError

SYNCERS = {"asana": ("asana.syncer", "AsanaSync"), "monday": ("monday.syncer", "MondaySync")}


def syncer_class(provider):
    """The syncer class of a provider."""
    module_name, class_name = SYNCERS.get(provider, (None, None))
    if not module_name:
        raise SyncConfigError(f"Unknown provider {provider!r}.")
    module = importlib.import_module(f"{__package__}.{module_name}")
    return getattr(module, class_name)


class PmSync:
    """What both syncers share: the backend and the run (None for a check or a
    discovery), the adapter (``adapter_class``, made when first used), checkpoints."""

    adapter_class = None

    def __init__(self, backend, run, adapter=None):
        self.backend = backend
        self.run = run
        self.env = backend.env
        self._adapter = adapter

    @property
    def adapter(self):
        if self._adapter is None:
            self._adapter = self.adapter_class(self.backend)
        return self._adapter

    def _requests(self):
        """Hook: the run's request count from the adapter's."""

    def _checkpoint(self):
        """After a batch: the run's figures, then the backend's checkpoint (flush,
        commit in cron runs, pause when the batch budget is used up)."""
        self._requests()
        if self.run:
            self.backend._agency_sync_checkpoint(self.run)

    def cursor_limit(self):
        """The latest time a cursor may hold (see the backend's ``lookback_seconds``)."""
        return self.backend._agency_sync_cursor_limit()

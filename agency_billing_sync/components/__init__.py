"""The vendor-neutral sync layer's Python side; its models are in ``models/``.

* ``adapter`` — ``SyncAdapter`` / ``SdkAdapter``: the set-up and request limits every
  vendor adapter shares (token, client package, base URL, timeouts, budget, retries);
* ``binder`` — ``SyncBinder``: external ids ↔ Odoo records, the one place that reads and
  writes bindings;
* ``importer`` — ``SyncImporter``: source records in, Odoo records out, batch by batch.

Vendor addons import them as ``odoo.addons.agency_billing_sync.components.<module>`` and
lay their own out the same way (``components/adapter.py``, ``importer.py``,
``syncer.py``).
"""

"""The vendor-neutral sync layer's Python side (importer base); models are in ``models/``.

Import it from vendor addons as ``odoo.addons.agency_billing_sync.components.importer``.
"""

"""18.0.1.1.0: the write-back state of HubSpot companies moves onto their bindings.

Before, what the write-back last sent to a HubSpot company was kept as a second, fake
binding of the company (external type ``company_billing``: the hash of the figures and
when they were sent). It now lives on the company's own binding
(``hubspot_writeback_hash``, ``hubspot_writeback_date``); the fake bindings go. A fake
binding whose company is no longer bound is dropped: its figures are sent again once.
"""

import logging

_logger = logging.getLogger(__name__)


def migrate_writeback(cr):
    """Move the ``company_billing`` bindings' state onto the company bindings; returns
    (moved, removed)."""
    cr.execute("""
        UPDATE agency_sync_binding company
           SET hubspot_writeback_hash = sent.payload_hash,
               hubspot_writeback_date = sent.sync_date
          FROM agency_sync_binding sent
         WHERE sent.backend_model = 'agency.hubspot.backend'
           AND sent.external_type = 'company_billing'
           AND company.backend_model = sent.backend_model
           AND company.backend_id = sent.backend_id
           AND company.external_type = 'company'
           AND company.external_id = sent.external_id
    """)
    moved = cr.rowcount
    cr.execute("""
        DELETE FROM agency_sync_binding
         WHERE backend_model = 'agency.hubspot.backend' AND external_type = 'company_billing'
    """)
    return moved, cr.rowcount


def migrate(cr, version):
    if not version:
        return
    moved, removed = migrate_writeback(cr)
    _logger.info("HubSpot write-back state: %s companies moved onto their bindings, %s "
                 "former write-back bindings removed.", moved, removed)

"""One HubSpot sync: owners, then each record type incrementally, then archives, then the
write-back of billing figures. Every page is imported and committed (cron) with the cursor
it reached, so a killed run resumes where it stopped.
"""

import logging
import time

from odoo import _, fields

from odoo.addons.agency_billing_sync.lib.errors import SyncRequestError
from odoo.addons.agency_billing_sync.lib.payload import payload_hash

from ..lib.search import SearchWalk, clamp_cursor, start_cursor
from ..lib.values import epoch_ms
from .adapter import HubSpotAdapter
from .importer import IMPORTERS

_logger = logging.getLogger(__name__)

WRITEBACK_PROPERTIES = ("agency_amount_invoiced_ytd", "agency_open_balance",
                        "agency_last_invoice_date")


class HubSpotSync:
    """The steps of a HubSpot sync for one run."""

    def __init__(self, backend, run, adapter=None):
        self.backend = backend
        self.run = run
        self.env = backend.env
        self.adapter = adapter or HubSpotAdapter(backend)

    def importer(self, external_type):
        return self.backend._agency_sync_importer_classes()[external_type](
            self.backend, self.run, adapter=self.adapter)

    def types(self):
        """The record types this backend syncs, in dependency order."""
        return [etype for etype in self.backend._agency_hubspot_types() if etype in IMPORTERS]

    # ------------------------------------------------------------------
    # Steps
    # ------------------------------------------------------------------

    def execute(self):
        """The whole sync (the run records its requests however it ends)."""
        try:
            self.sync_owners()
            for etype in self.types():
                self.sync_type(etype)
                self.sync_archived(etype)
            if self.backend.writeback:
                self.write_back()
        finally:
            self._requests()

    def _requests(self):
        self.run.requests = self.adapter.requests

    def _checkpoint(self):
        self._requests()
        self.backend._agency_sync_checkpoint(self.run)

    def sync_owners(self):
        """HubSpot owners (active and archived) and their employees."""
        owners = list(self.adapter.owners()) + list(self.adapter.owners(archived=True))
        mapped = self.env["agency.hubspot.owner"]._agency_upsert(self.backend, owners)
        self.run._agency_log(_("Owners: %(count)s, %(mapped)s mapped to employees.",
                               count=len(mapped), mapped=sum(1 for e in mapped.values() if e)))

    def sync_type(self, external_type):
        """Everything of a type modified since the cursor, page by page."""
        importer = self.importer(external_type)
        stored = self.backend._agency_sync_cursor(external_type)
        lookback = max(0, self.backend.lookback_seconds or 0) * 1000
        walk = SearchWalk(importer.object_type, start_cursor(stored, lookback),
                          cap=max(1, self.backend.search_cap or 10_000),
                          page=max(1, min(200, self.backend.sync_batch_size or 100)))
        properties = importer.properties()
        # The cursor never passes the server's now minus the lookback (clock skew).
        limit = epoch_ms(self.backend._agency_sync_cursor_limit())
        before = self._counts()
        started = time.perf_counter()
        pages = refused = 0
        while not walk.done:
            try:
                records, after = self.adapter.search(importer.object_type, walk.body(properties))
            except SyncRequestError as exc:
                # Paging past HubSpot's cap answers 400: restart from the cursor, once.
                if exc.status == 400 and not refused and walk.restart_after_refusal():
                    refused += 1
                    continue
                raise
            refused = 0
            importer.import_records(records)
            walk.page_read(records, after)
            self.backend._agency_sync_set_cursor(external_type,
                                                 clamp_cursor(walk.cursor, limit))
            pages += 1
            self._checkpoint()
            importer = self.importer(external_type)  # the cache was dropped
        self.run._agency_log(self._summary(external_type, pages, before,
                                           time.perf_counter() - started))

    def sync_archived(self, external_type):
        """Records archived (deleted) in HubSpot: their Odoo records are archived, behind
        the archive guard. Search never shows them: they are listed apart."""
        importer = self.importer(external_type)
        archived = [str(rec["id"]) for rec in self.adapter.list_all(
            importer.object_type, ["hs_object_id"], archived=True)]
        if archived:
            count = importer.archive(archived)
            if count:
                self.run._agency_log(_("%(type)s: %(count)s archived (deleted in HubSpot).",
                                       type=external_type, count=count))
            self._checkpoint()

    def import_ids(self, external_type, external_ids, deleted_ids=()):
        """Re-read some records (webhook events, quarantine retries) and import them."""
        try:
            self._import_ids(external_type, external_ids, deleted_ids)
        finally:
            self._requests()

    def _import_ids(self, external_type, external_ids, deleted_ids=()):
        if external_type == "rate":  # rates come with their company
            external_type = "company"
            external_ids = list({eid.split(":")[0] for eid in external_ids})
        if external_type not in IMPORTERS or external_type not in self.types():
            return
        if external_type not in ("company", "contact"):  # deals and activities have owners
            self.sync_owners()
        importer = self.importer(external_type)
        records, missing = [], []
        if external_ids:
            records, missing = self.adapter.batch_read(importer.object_type, external_ids,
                                                       importer.properties())
        size = max(1, self.backend.sync_batch_size or 100)
        for start in range(0, len(records), size):
            importer.import_records(records[start:start + size])
            self._checkpoint()
            importer = self.importer(external_type)
        gone = list({*missing, *map(str, deleted_ids)})
        if gone:
            importer.archive(gone)
            self.env["agency.sync.log"]._agency_resolve(self.backend, external_type, gone)
        self._requests()

    # ------------------------------------------------------------------
    # Write-back: billing figures on the HubSpot company (Odoo owns them)
    # ------------------------------------------------------------------

    def write_back(self):
        """Amount invoiced this year, open balance and last invoice date on each synced
        company whose figures changed since the last write-back (100 per request); what
        was sent is kept on the company's binding (``hubspot_writeback_hash``)."""
        companies = self.backend._agency_binder("company").bindings(
            fnames=["external_id", "res_id", "hubspot_writeback_hash"])
        if not companies:
            return
        figures = self.billing_figures(companies.mapped("res_id"))
        inputs, changed = [], []
        for binding in companies:
            props = figures.get(binding.res_id) or {
                "agency_amount_invoiced_ytd": "0.00", "agency_open_balance": "0.00",
                "agency_last_invoice_date": ""}
            digest = payload_hash(props)
            if binding.hubspot_writeback_hash == digest:
                continue
            inputs.append({"id": binding.external_id, "properties": props})
            changed.append((binding, digest))
        if not inputs:
            return
        self.adapter.batch_update("companies", inputs)
        now = fields.Datetime.now()
        for binding, digest in changed:
            binding.write({"hubspot_writeback_hash": digest, "hubspot_writeback_date": now})
        self.run._agency_log(_("Billing figures written back to %s HubSpot companies.",
                               len(inputs)))
        self._checkpoint()

    def billing_figures(self, partner_ids):
        """{partner id: HubSpot properties} from posted customer invoices (in the
        backend's company currency): invoiced this calendar year (untaxed, credit notes
        deducted), open balance, last invoice date."""
        Move = self.env["account.move"].with_company(self.backend.company_id)
        today = fields.Date.context_today(Move)
        year_start = today.replace(month=1, day=1)
        domain = [("commercial_partner_id", "in", partner_ids), ("state", "=", "posted"),
                  ("move_type", "in", ("out_invoice", "out_refund")),
                  ("company_id", "=", self.backend.company_id.id)]
        figures = {}
        for partner, untaxed in Move._read_group(
                domain + [("invoice_date", ">=", year_start)], ["commercial_partner_id"],
                ["amount_untaxed_signed:sum"]):
            figures.setdefault(partner.id, {})["agency_amount_invoiced_ytd"] = f"{untaxed:.2f}"
        for partner, residual, last in Move._read_group(
                domain, ["commercial_partner_id"],
                ["amount_residual_signed:sum", "invoice_date:max"]):
            entry = figures.setdefault(partner.id, {})
            entry["agency_open_balance"] = f"{residual:.2f}"
            entry["agency_last_invoice_date"] = fields.Date.to_string(last) if last else ""
        for entry in figures.values():
            entry.setdefault("agency_amount_invoiced_ytd", "0.00")
            entry.setdefault("agency_open_balance", "0.00")
            entry.setdefault("agency_last_invoice_date", "")
        return figures

    # ------------------------------------------------------------------

    def _counts(self):
        run = self.run
        return (run.created, run.updated, run.unchanged, run.quarantined, run.conflicts)

    def _summary(self, external_type, pages, before, seconds):
        after = self._counts()
        delta = [b - a for a, b in zip(before, after, strict=True)]
        return _("%(type)s: %(pages)s pages in %(seconds).1f s; %(created)s created, "
                 "%(updated)s updated, %(unchanged)s unchanged, %(quarantined)s quarantined, "
                 "%(conflicts)s conflicts.", type=external_type, pages=pages, seconds=seconds,
                 created=delta[0], updated=delta[1], unchanged=delta[2],
                 quarantined=delta[3], conflicts=delta[4])

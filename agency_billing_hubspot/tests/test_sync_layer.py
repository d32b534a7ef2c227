"""The vendor-neutral sync layer of agency_billing, through a real backend record.

A small importer of "test companies" into partners stands for any vendor importer: the
layer's behaviour (bindings, hashes, ownership, conflicts, quarantine, archive guard,
runs, locks, webhook event store) does not depend on the vendor.
"""

from odoo import sql_db
from odoo.exceptions import UserError
from odoo.tests import TransactionCase, new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.agency_billing_sync.components.importer import SyncImporter, SyncItem
from odoo.addons.agency_billing_sync.lib.errors import SyncAuthError, SyncMappingError

TOKEN = "pat-na1-layer-secret-0001"


class CompanyImporter(SyncImporter):
    """Test companies → client partners: name, ref (Odoo-owned here), website."""

    external_type = "test_company"
    res_model = "res.partner"

    def map(self, item):
        props = item.payload
        if not props.get("name"):
            raise SyncMappingError("The company has no name.")
        item.values = {"name": props["name"], "is_company": True,
                       "ref": props.get("ref") or False, "website": props.get("web") or False}
        if "parent" in props:
            item.values["parent_id"] = props["parent"]
        if props.get("cycle") == "yearly":
            item.issues.append("Property agency_billing_cycle: 'yearly' is not a billing "
                               f"cycle (token {TOKEN})")


@tagged("post_install", "-at_install")
class TestSyncLayer(TransactionCase):
    """Bindings, unchanged re-syncs, ownership, conflicts, quarantine, archive, runs."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.backend = cls.env["agency.hubspot.backend"].create({
            "name": "Layer test", "access_token": TOKEN, "client_secret": "layer-app-secret",
            "base_url": "http://127.0.0.1:9",
        })
        cls.env["agency.sync.ownership"].create({
            "backend_model": cls.backend._name, "backend_id": cls.backend.id,
            "external_type": "test_company", "res_model": "res.partner",
            "field_name": "ref", "owner": "odoo",
        })
        cls.finance = new_test_user(cls.env, login="sync_finance",
                                    groups="agency_billing.group_agency_billing_manager")

    def _run(self, job, trigger="manual", **kw):
        return self.backend._agency_sync_run(trigger, job=job, **kw)

    def _import(self, records, run=None):
        importer = CompanyImporter(self.backend.sudo(), run)
        return importer.import_items([SyncItem(external_id=eid, payload=dict(props))
                                      for eid, props in records.items()])

    def _partner(self, external_id):
        binding = self.backend._agency_binder("test_company").to_internal(external_id)
        return self.env["res.partner"].with_context(active_test=False).browse(binding.res_id)

    def test_binder_round_trip_one_query_per_batch(self):
        """The binder turns external ids into records and back, and binds; a look-up of
        a whole batch, and the binding of a whole batch, cost one query each."""
        binder = self.backend._agency_binder("test_company", "res.partner")
        partners = self.env["res.partner"].create(
            [{"name": f"Bound {number}", "is_company": True} for number in range(30)])
        refs = [str(100 + number) for number in range(30)]
        self.backend.company_id.ensure_one()
        self.env.flush_all()
        with self.assertQueryCount(1):
            bindings = binder.bind_many([(ref, partner, {"payload_hash": ref})
                                         for ref, partner in zip(refs, partners, strict=True)],
                                        known={})
        self.assertEqual([b.external_id for b in bindings], refs)
        with self.assertQueryCount(1):
            found = binder.to_internal_many([*refs, "999"])
        self.assertEqual((len(found), found["105"].payload_hash), (30, "105"))
        with self.assertQueryCount(1):
            ids = binder.to_internal_ids(refs)
        self.assertEqual(ids["105"], partners[5].id)
        with self.assertQueryCount(1):
            by_record = binder.to_external_many(partners)
        self.assertEqual(by_record[partners[7].id].external_id, "107")
        self.assertEqual(binder.to_external(partners[7]), "107")
        self.assertEqual(binder.to_internal("103", unwrap=True), partners[3])
        self.assertFalse(binder.to_internal("999"))
        self.assertEqual(binder.to_internal("999", unwrap=True), self.env["res.partner"])
        other = self.env["res.partner"].create({"name": "Bound again", "is_company": True})
        self.assertEqual(binder.bind("103", other), found["103"], "re-pointed, not duplicated")
        self.assertEqual(binder.to_internal("103", unwrap=True), other)
        binder.archive(found["104"])
        self.assertNotIn("104", binder.to_internal_ids(["104"]))
        self.assertIn("104", binder.to_internal_ids(["104"], include_archived=True))
        self.assertEqual((binder.count(), binder.count(include_archived=True)), (29, 30))
        self.assertFalse(self.backend._agency_binder("other_type").to_internal("103"))

    def test_first_import_then_unchanged_writes_nothing(self):
        """A first import creates and binds; the same data again is 'unchanged' and no
        query writes anything."""
        data = {"1": {"name": "Acme", "ref": "A1"}, "2": {"name": "Globex", "web": "globex.test"}}
        run = self._run(lambda run: self._import(data, run))
        self.assertEqual((run.state, run.created, run.updated, run.unchanged), ("done", 2, 0, 0))
        acme = self._partner("1")
        self.assertEqual((acme.name, acme.ref, acme.is_company), ("Acme", "A1", True))
        write_date = acme.write_date
        self.env.flush_all()
        with self.assertQueryCount(__system__=3):  # reads only: bindings, ownership lines
            items = self._import(data)
        self.assertEqual([item.outcome for item in items], ["unchanged", "unchanged"])
        self.assertEqual(acme.write_date, write_date)

    def test_ownership_and_conflicts(self):
        """Source-owned fields follow the source; Odoo-owned ones are set once; a field
        changed on both sides becomes a conflict and is not overwritten."""
        self._import({"1": {"name": "Acme", "ref": "A1", "web": "acme.test"}})
        acme = self._partner("1")
        # Odoo edits the website; the source changes the name and the ref.
        acme.website = "http://acme-edited.test"
        items = self._import({"1": {"name": "Acme Inc", "ref": "A2", "web": "acme.test"}})
        self.assertEqual(items[0].outcome, "updated")
        self.assertEqual((acme.name, acme.ref, acme.website),
                         ("Acme Inc", "A1", "http://acme-edited.test"))
        # Now both sides change the website: a conflict, Odoo's value stays.
        run = self._run(lambda run: self._import(
            {"1": {"name": "Acme Inc", "ref": "A2", "web": "acme-new.test"}}, run))
        self.assertEqual(run.conflicts, 1)
        self.assertEqual(acme.website, "http://acme-edited.test")
        conflict = run.conflict_ids
        self.assertEqual((conflict.field_name, conflict.odoo_value, conflict.state),
                         ("website", "http://acme-edited.test", "open"))
        self.assertEqual(conflict.source_raw, "acme-new.test")
        # The same source value again does not duplicate the conflict.
        self._import({"1": {"name": "Acme Inc", "ref": "A2", "web": "acme-new.test"}})
        self.assertEqual(self.env["agency.sync.conflict"].search_count(
            [("res_id", "=", acme.id), ("state", "=", "open")]), 1)
        conflict.with_user(self.finance).action_agency_take_source()
        self.assertEqual((acme.website, conflict.state), ("http://acme-new.test", "took_source"))
        self.assertEqual(conflict.resolved_by, self.finance)
        with self.assertRaisesRegex(UserError, "already decided"):
            conflict.with_user(self.finance).action_agency_keep_odoo()
        # Decided: the same value raises nothing any more.
        items = self._import({"1": {"name": "Acme Inc", "ref": "A2", "web": "acme-new.test",
                                    "noise": 1}})
        self.assertEqual(items[0].outcome, "unchanged")

    def test_keep_odoo_acknowledges_the_source_value(self):
        """Keep Odoo: the record keeps its value and the same source value never comes
        back as a conflict; a later source change does."""
        self._import({"7": {"name": "Initech"}})
        partner = self._partner("7")
        partner.name = "Initech (Odoo)"
        run = self._run(lambda run: self._import({"7": {"name": "Initech Ltd"}}, run))
        run.conflict_ids.with_user(self.finance).action_agency_keep_odoo()
        self.assertEqual(partner.name, "Initech (Odoo)")
        self.assertEqual(self._import({"7": {"name": "Initech Ltd", "web": False}})[0].outcome,
                         "unchanged")
        run = self._run(lambda run: self._import({"7": {"name": "Initech Group"}}, run))
        self.assertEqual(run.conflicts, 1)

    def test_quarantine_keeps_the_batch_going(self):
        """A record that cannot be mapped, or fails in Odoo, is quarantined with its
        payload and reason; the rest of its batch is imported; a property problem
        quarantines the reason while the record is imported; secrets never appear."""
        run = self._run(lambda run: self._import({
            "1": {"name": "Good"},
            "2": {"name": ""},
            "3": {"name": "Yearly", "cycle": "yearly"},
            "4": {"name": "Bad email", "web": "x" * 10},
        }, run))
        self.assertEqual((run.created, run.quarantined), (3, 2))
        logs = {log.external_id: log for log in run.quarantine_ids}
        self.assertEqual(logs["2"].error, "The company has no name.")
        self.assertIn('"name": ""', logs["2"].payload)
        self.assertIn("agency_billing_cycle", logs["3"].error)
        self.assertNotIn(TOKEN, logs["3"].error)
        self.assertIn("***", logs["3"].error)
        self.assertEqual(self._partner("3").name, "Yearly")
        # Met again unchanged by a sync: nothing written; failing again on a retry: the
        # same entry, one more attempt; fixed: closed as retried.
        self._import({"2": {"name": ""}})
        self.assertEqual((logs["2"].attempts, logs["2"].state), (1, "open"))
        self._run(lambda run: self._import({"2": {"name": ""}}, run), kind="retry")
        self.assertEqual((logs["2"].attempts, logs["2"].state), (2, "open"))
        self._import({"2": {"name": "Fixed"}})
        self.assertEqual(logs["2"].state, "retried")

    def test_failing_record_in_odoo_is_quarantined(self):
        """A record the database refuses (here a parent that does not exist) is
        quarantined alone, with the database's reason; its batch is imported."""
        with mute_logger("odoo.sql_db"):
            run = self._run(lambda run: self._import({
                "10": {"name": "Fine"}, "11": {"name": "Broken", "parent": 2147483000},
                "12": {"name": "Fine too"}}, run))
        self.assertEqual((run.created, run.quarantined), (2, 1))
        self.assertEqual(self._partner("12").name, "Fine too")
        self.assertIn("parent_id", run.quarantine_ids.error)
        self.assertFalse(self.backend._agency_binder("test_company").to_internal("11"))

    def test_archive_guard(self):
        """Archiving more than the guard's share waits for confirmation; a few are
        archived at once; the source bringing a record back restores it."""
        self._import({str(i): {"name": f"Client {i}"} for i in range(1, 21)})
        importer_run = self._run(lambda run: CompanyImporter(self.backend.sudo(), run).archive(
            [str(i) for i in range(1, 11)]))
        self.assertEqual(importer_run.state, "confirm")
        self.assertEqual(importer_run.pending_archive_count, 10)
        self.assertTrue(self._partner("1").active)
        run = self._run(lambda run: CompanyImporter(self.backend.sudo(), run).archive(["1", "2"]))
        self.assertEqual((run.state, run.archived), ("done", 2))
        self.assertFalse(self._partner("1").active)
        items = self._import({"1": {"name": "Client 1"}})
        self.assertEqual(items[0].outcome, "updated")
        self.assertTrue(self._partner("1").active)
        # Forced (a person confirmed): archived whatever the share.
        CompanyImporter(self.backend.sudo(), None).archive(
            [str(i) for i in range(3, 21)], force=True)
        self.assertFalse(self._partner("20").active)

    def test_run_failures_are_redacted(self):
        """A source error stops the run with a readable, redacted message."""

        def job(run):
            self._import({"1": {"name": "Before the error"}}, run)
            raise SyncAuthError(f"401 Unauthorized for Bearer {TOKEN}", status=401)

        run = self._run(job)
        self.assertEqual((run.state, run.created), ("failed", 1))
        self.assertNotIn(TOKEN, run.error + (run.log or ""))
        self.assertIn("401 Unauthorized", run.error)

    def test_batch_budget_pauses_a_run(self):
        """A cron call stops after its batch budget; the run says it continues."""

        def job(run):
            for page in range(5):
                self._import({str(page): {"name": f"Page {page}"}}, run)
                self.backend._agency_sync_checkpoint(run)

        run = self._run(job, trigger="cron", max_batches=2)
        self.assertEqual((run.state, run.batches, run.created), ("partial", 2, 2))

    def test_one_run_at_a_time(self):
        """While another connection holds the backend's lock, a manual sync is refused
        and a scheduled one skips."""
        key = self.backend._agency_sync_lock_key()
        with sql_db.db_connect(self.env.cr.dbname).cursor() as other:
            other.execute("SELECT pg_advisory_lock(%s, %s)", key)
            try:
                with self.assertRaisesRegex(UserError, "already running"):
                    self._run(lambda run: None)
                self.assertFalse(self._run(lambda run: None, trigger="cron"))
            finally:
                other.execute("SELECT pg_advisory_unlock(%s, %s)", key)
        self.assertEqual(self._run(lambda run: None).state, "done")

    def test_interrupted_run_is_closed_by_the_next(self):
        """A run left 'running' by a dead process is marked failed by the next run."""
        dead = self.env["agency.sync.run"].create({
            "backend_model": self.backend._name, "backend_id": self.backend.id,
            "backend_name": "Layer test", "state": "running"})
        self._run(lambda run: None)
        self.assertEqual(dead.state, "failed")
        self.assertIn("Interrupted", dead.error)

    def test_webhook_events_stored_once(self):
        """Events are stored once per event id (replays and retries recognised)."""
        Event = self.env["agency.sync.event"]
        events = [{"event_id": "e1", "external_type": "deal", "external_id": "5",
                   "occurred_at": None, "change": "propertyChange"},
                  {"event_id": "e2", "external_type": "deal", "external_id": "5",
                   "occurred_at": None, "change": "propertyChange"}]
        self.assertEqual(Event._agency_store(self.backend, events), 2)
        self.assertEqual(Event._agency_store(self.backend, events), 0)
        self.assertEqual(len(Event._agency_pending(self.backend)), 2)

    def test_cron_per_backend(self):
        """Each backend has its own scheduled action, active with scheduled sync on."""
        cron = self.backend.sync_cron_id
        self.assertTrue(cron)
        self.assertFalse(cron.active)
        self.backend.write({"sync_auto": True, "sync_interval": 5})
        self.assertEqual((cron.active, cron.interval_number, cron.interval_type),
                         (True, 5, "minutes"))
        self.assertIn(f"browse({self.backend.id})", cron.code)

    def test_manager_sees_sync_records_not_secrets(self):
        """Billing managers read runs, quarantine and conflicts, and decide them."""
        run = self._run(lambda run: self._import({"1": {"name": ""}}, run))
        as_finance = run.with_user(self.finance)
        self.assertEqual(as_finance.quarantined, 1)
        self.assertEqual(as_finance.quarantine_ids.with_user(self.finance).state, "open")
        as_finance.quarantine_ids.action_agency_ignore()
        self.assertEqual(run.quarantine_ids.state, "ignored")

"""What the collision tests share with their worker process: a small importer of "test
calls" into time entries (it stands for any vendor importer of time: it writes through
the importers' path, and invoiced time becomes a conflict, never a write)."""

from odoo.addons.agency_billing_sync.components.importer import (
    SyncImporter,
    SyncItem,
    TimeEntryWritePath,
)


class CallImporter(TimeEntryWritePath, SyncImporter):
    """Test calls → time entries: ``{"name", "hours", "date", "employee", "project"}``."""

    external_type = "test_call"
    res_model = "account.analytic.line"
    collision_delay = 0.05

    def map(self, item):
        call = item.payload
        item.values = {"name": call["name"], "unit_amount": call["hours"],
                       "date": call["date"], "employee_id": call["employee"],
                       "project_id": call["project"]}

    def create_records(self, items):
        return self.env["account.analytic.line"]._agency_import_create([{
            **item.values, "source": "hubspot", "external_activity_type": "call",
            "external_ref": f"hubspot:test-call-{item.external_id}",
        } for item in items])


def call_items(calls):
    """``{external id: call}`` → SyncItems."""
    return [SyncItem(external_id=str(eid), payload=dict(call)) for eid, call in calls.items()]

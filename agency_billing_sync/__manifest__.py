# Copyright 2026 Agency Billing contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
{
    "name": "Agency Billing - Sync",
    "summary": "The vendor-neutral sync base of Agency Billing: bindings, runs, quarantine, "
               "conflicts, field ownership, webhooks",
    "version": "18.0.1.0.0",
    "category": "Services/Timesheets",
    "website": "https://github.com/agency-billing/agency-billing",
    "author": "Agency Billing contributors",
    "license": "LGPL-3",
    "installable": True,
    "depends": ["agency_billing"],
    "external_dependencies": {"python": ["urllib3"]},
    "data": [
        "security/ir.model.access.csv",
        "security/agency_sync_security.xml",
        "views/agency_sync_views.xml",
    ],
}

# Copyright 2026 Agency Billing contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
{
    "name": "Agency Billing - Asana and Monday.com",
    "summary": "Import Asana and Monday.com projects, tasks and time entries into Agency Billing",
    "version": "18.0.1.0.0",
    "category": "Services/Timesheets",
    "website": "https://github.com/agency-billing/agency-billing",
    "author": "Agency Billing contributors",
    "license": "LGPL-3",
    "installable": True,
    "depends": ["agency_billing_sync"],
    "external_dependencies": {"python": ["asana", "requests", "urllib3"]},
    "data": [
        "security/ir.model.access.csv",
        "security/agency_pm_security.xml",
        "views/agency_pm_backend_views.xml",
    ],
    "demo": [
        "demo/agency_pm_demo.xml",
    ],
}

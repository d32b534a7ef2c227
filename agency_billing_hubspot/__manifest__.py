# Copyright 2026 Agency Billing contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
{
    "name": "Agency Billing - HubSpot",
    "summary": "Import HubSpot companies, deals, calls and meetings into Agency Billing",
    "version": "18.0.1.0.0",
    "category": "Services/Timesheets",
    "website": "https://github.com/agency-billing/agency-billing",
    "author": "Agency Billing contributors",
    "license": "LGPL-3",
    "installable": True,
    "depends": ["agency_billing_sync"],
    "external_dependencies": {"python": ["hubspot-api-client", "urllib3"]},
    "data": [
        "security/ir.model.access.csv",
        "security/agency_hubspot_security.xml",
        "data/agency_hubspot_data.xml",
        "views/agency_hubspot_backend_views.xml",
        "views/hubspot_link_views.xml",
    ],
    "demo": [
        "demo/agency_hubspot_demo.xml",
    ],
}

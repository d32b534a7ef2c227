# Copyright 2026 Agency Billing contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
{
    "name": "Agency Billing - Analytics",
    "summary": "Where an agency's margin goes: profitability, utilization, recovery, time to "
               "invoice, days to pay, estimate vs actual, cash forecast, rate suggestions, "
               "dashboard",
    "version": "18.0.1.0.0",
    "category": "Services/Timesheets",
    "website": "https://github.com/agency-billing/agency-billing",
    "author": "Agency Billing contributors",
    "license": "LGPL-3",
    "installable": True,
    "depends": ["agency_billing", "spreadsheet_dashboard"],
    "external_dependencies": {"python": []},
    "data": [
        "security/ir.model.access.csv",
        "security/agency_analytics_security.xml",
        "data/ir_cron_analytics_data.xml",
        "views/agency_report_views.xml",
        "views/agency_analytics_views.xml",
        "views/agency_analytics_menus.xml",
        "views/agency_report_revision_views.xml",
        "data/agency_dashboard_data.xml",
    ],
    "demo": [
        "demo/agency_analytics_demo.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "agency_billing_analytics/static/tests/tours/**/*",
        ],
    },
}

# Copyright 2026 Agency Billing contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
{
    "name": "Agency Billing",
    "summary": "Rate, scope and invoice a marketing agency's time by rules, on time",
    "version": "18.0.1.0.0",
    "category": "Services/Timesheets",
    "website": "https://github.com/agency-billing/agency-billing",
    "author": "Agency Billing contributors",
    "license": "LGPL-3",
    "application": True,
    "installable": True,
    "depends": ["sale_timesheet", "sale_project", "account_payment", "mail"],
    "external_dependencies": {"python": []},
    "data": [
        "security/agency_billing_security.xml",
        "security/ir.model.access.csv",
        "security/agency_scope_security.xml",
        "data/agency_service_type_data.xml",
        "data/ir_cron_data.xml",
        "data/ir_cron_scope_data.xml",
        "data/mail_template_scope_data.xml",
        "wizards/agency_time_override_wizard_views.xml",
        "wizards/agency_change_request_wizard_views.xml",
        "views/account_analytic_line_views.xml",
        "views/account_analytic_line_scope_views.xml",
        "views/agency_service_type_views.xml",
        "views/agency_rate_rule_views.xml",
        "views/agency_classification_rule_views.xml",
        "views/project_views.xml",
        "views/sale_order_views.xml",
        "views/agency_scope_line_views.xml",
        "views/res_partner_views.xml",
        "views/res_config_settings_views.xml",
        "views/agency_billing_menus.xml",
    ],

    "demo": [
        "demo/agency_demo.xml",
        "demo/agency_rates_demo.xml",
        "demo/agency_time_demo.xml",
        "demo/agency_scope_demo.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "agency_billing/static/tests/tours/**/*",
        ],
    },
}

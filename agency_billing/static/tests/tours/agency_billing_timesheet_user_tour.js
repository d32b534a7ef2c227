import { registry } from "@web/core/registry";

// A timesheet user opens My Timesheets: their time is listed with its service type, and
// no billing column, filter or value reaches the screen. Data: test_access_rpc.py.
registry.category("web_tour.tours").add("agency_billing_timesheet_user_tour", {
    url: "/odoo/timesheets",
    steps: () => [
        {
            content: "Their time entry is listed with its service type",
            trigger: ".o_list_view .o_data_row:contains('Tour retouching'):contains('Design')",
        },
        {
            content: "No billed time, rate, rule or reason column",
            trigger:
                ".o_list_view:not(:has(th[data-name=billed_unit_amount])):not(:has(th[data-name=billing_rate])):not(:has(th[data-name=rate_rule_id])):not(:has(th[data-name=rate_reason]))",
        },
        {
            content: "Open the search options",
            trigger: ".o_searchview_dropdown_toggler",
            run: "click",
        },
        {
            content: "No billing filter among them",
            trigger:
                ".o-dropdown--menu .o_filter_menu:not(:contains('Needs Review')):not(:contains('No Rate Rule')):not(:contains('Held'))",
        },
        {
            content: "Neither the rate nor the rule's name is on the page",
            trigger: "body:not(:contains('Card designer')):not(:contains('120.00'))",
        },
    ],
});

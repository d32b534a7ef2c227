import { registry } from "@web/core/registry";

// The signed-in client reads its timesheets grouped by service type: client-facing group
// labels, time not invoiced yet marked as such, no internal entry and no sale line's rate
// label. Data: test_client_portal.py (TestClientPortalTimesheets).
registry.category("web_tour.tours").add("agency_billing_client_timesheets_tour", {
    steps: () => [
        {
            content: "Groups are headed by service type",
            trigger: ".agency_group_label:contains('Creative')",
        },
        {
            content: "The Creative group totals the invoiced time and the time not invoiced yet",
            trigger: ".agency_group_total:contains('1.25'):contains('2.50 not invoiced yet')",
        },
        {
            content: "Time not invoiced yet is marked",
            trigger: "tr:contains('Open work') .agency_not_invoiced:contains('Not invoiced yet')",
        },
        {
            content: "The billed total is the posted invoice's",
            trigger: ".agency_billed_total:contains('2.00')",
        },
        {
            content: "No internal, held, excluded or unclassified entry; no rate label",
            trigger: "main:not(:contains('Internal briefing')):not(:contains('Held extra')):not(:contains('Excluded call')):not(:contains('Mystery task')):not(:contains('(hours)'))",
        },
    ],
});

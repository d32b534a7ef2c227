import { registry } from "@web/core/registry";

// The demo client reads its invoice in the portal (Odoo's invoice report, the PDF's
// content, in its frame) and the timesheets behind it. Data: test_client_portal.py.
const invoice = "iframe#invoice_html:iframe";
registry.category("web_tour.tours").add("agency_billing_client_portal_tour", {
    steps: () => [
        {
            content: "The lines name the service type and the labelled rate",
            trigger: `${invoice} td[name=account_invoice_line_name]:contains('Creative – Senior creative rate')`,
        },
        {
            content: "Design time reads as Design",
            trigger: `${invoice} td[name=account_invoice_line_name]:contains('Design')`,
        },
        {
            content: "The time table totals the time next to the invoice total",
            trigger: `${invoice} #agency_time_detail:contains('Time total'):contains('4.00'):contains('Invoice total (untaxed)')`,
        },
        {
            content: "No rule name, reason or person on the client's invoice",
            trigger: `${invoice} body:not(:contains('Rate card')):not(:contains('Card CD')):not(:contains('Morgan Senior')):not(:contains('Casey CD'))`,
        },
        {
            content: "The client's contact is the Account Director, not OdooBot",
            trigger: "body:contains('Avery Director'):not(:contains('OdooBot'))",
        },
        {
            content: "Open the timesheets behind the invoice",
            trigger: "a:contains('View Timesheets')",
            run() {
                window.location.href = this.anchor.getAttribute("href");
            },
        },
        {
            content: "The portal shows billed time, in the invoice's format",
            trigger: "th[name=t_label]:contains('Billed Time')",
        },
        {
            content: "Billed hours add up to the invoice",
            trigger: ".agency_billed_total:contains('4.00')",
        },
        {
            content: "Each entry shows its billed (rounded) time",
            trigger: "td.agency_billed_time:contains('1.25')",
        },
        {
            content: "The role, not the person; no recorded time column",
            trigger: "table:contains('Test Designer'):not(:contains('Dana Designer')):not(:contains('Recorded'))",
        },
    ],
});

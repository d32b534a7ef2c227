import { registry } from "@web/core/registry";

// A client opens the "Pay now" link of an invoice (no login: the link carries its access
// token) and pays it with Odoo's demo payment provider. Data: test_billing_portal.py.
registry.category("web_tour.tours").add("agency_billing_portal_pay_tour", {
    steps: () => [
        {
            content: "The invoice (Odoo's report, in its frame) shows the project it bills",
            trigger: "iframe#invoice_html:iframe #agency_project_context:contains('Acme Test Foods project')",
        },
        {
            content: "Pay now opened the payment form: choose the demo provider",
            trigger: '#pay_with input[name="o_payment_radio"][data-payment-method-code="demo"]',
            run: "click",
        },
        {
            content: "Enter test card details",
            trigger: '#pay_with input[name="customer_input"]',
            run: "edit 4242424242424242",
        },
        {
            content: "Pay",
            trigger: '#pay_with button[name="o_payment_submit_button"]:not(:disabled)',
            run: "click",
        },
        {
            content: "Back on the invoice, the payment is confirmed",
            trigger: 'div[name="o_payment_status_alert"]:contains("successfully processed")',
            // the payment and the confirmation page build assets on a busy machine
            timeout: 60000,
        },
    ],
});

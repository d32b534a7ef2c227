import { registry } from "@web/core/registry";

// The client, signed in to the portal, pays an open invoice with Odoo's demo payment
// provider, either from the invoice list's "Pay Now" or from the invoice page's "Pay Now".
// The invoice page is opened at its address, /my/invoices/<id>, without the invoice's
// access token: how a signed-in client reaches it from a notification or a bookmark.
// Data: test_billing_portal.py (TestPortalPaymentSignedIn).

const payWithDemo = [
    {
        content: "The payment form: choose the demo provider",
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
];

registry.category("web_tour.tours").add("agency_billing_portal_pay_from_list_tour", {
    steps: () => [
        {
            content: "The invoice list offers to pay the open invoice",
            trigger: "tr:has(a:contains('INV/')) a[title='Pay Now']",
            run: "click",
        },
        ...payWithDemo,
    ],
});

registry.category("web_tour.tours").add("agency_billing_portal_pay_from_page_tour", {
    steps: () => [
        {
            content: "The invoice page offers to pay",
            trigger: "a[data-bs-target='#pay_with']:contains('Pay Now')",
            run: "click",
        },
        ...payWithDemo,
    ],
});

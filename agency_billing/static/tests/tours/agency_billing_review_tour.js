import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

// Finance opens the review queue, checks a flagged draft and approves it with a reason,
// then finds the billing run that drafted it. Data: test_billing_ui.py.
registry.category("web_tour.tours").add("agency_billing_review_tour", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            content: "Open the Agency Billing app",
            trigger: '.o_app[data-menu-xmlid="agency_billing.menu_root"]',
            run: "click",
        },
        {
            content: "Open the Billing menu",
            trigger: '.o_main_navbar button[data-menu-xmlid="agency_billing.menu_billing"]',
            run: "click",
        },
        {
            content: "Open the review queue",
            trigger: '.o-dropdown-item[data-menu-xmlid="agency_billing.menu_agency_review_queue"]',
            run: "click",
        },
        {
            content: "One Flags column names the open flags",
            trigger: ".o_list_view th[data-name=anomaly_summary]:contains('Flags')",
        },
        {
            content: "The flagged draft waits for review",
            trigger: ".o_data_row:contains('Acme Test Foods') td:contains('Entries without rate rule')",
            run: "click",
        },
        {
            content: "Open the Billing Review tab",
            trigger: ".o_notebook .nav-link:contains('Billing Review')",
            run: "click",
        },
        {
            content: "The flag says why",
            trigger: ".o_field_widget[name=anomaly_ids] .o_data_row:contains('no rate rule')",
        },
        {
            content: "A flag about time entries links to them",
            trigger: ".o_field_widget[name=anomaly_ids] .o_data_row:contains('no rate rule') button[name=action_view_entries]",
        },
        {
            content: "Approve and send",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_agency_approve]",
            run: "click",
        },
        {
            content: "Say why it goes out despite the flag",
            trigger: ".modal .o_field_widget[name=reason] input",
            run: "edit Rate agreed with the client",
        },
        {
            content: "Confirm",
            trigger: ".modal .modal-footer button[name=action_approve]",
            run: "click",
        },
        {
            content: "The invoice is posted",
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains('Posted')",
        },
        {
            content: "Open the Billing menu again",
            trigger: '.o_main_navbar button[data-menu-xmlid="agency_billing.menu_billing"]',
            run: "click",
        },
        {
            content: "Open the billing runs",
            trigger: '.o-dropdown-item[data-menu-xmlid="agency_billing.menu_agency_billing_run"]',
            run: "click",
        },
        {
            content: "The run that drafted the invoice is listed, numbered",
            trigger: ".o_data_row:contains('Scheduled'):contains('RUN/')",
        },
    ],
});

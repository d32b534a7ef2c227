import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

// A user opens the web client, reaches the Agency Billing app and its time entries.
registry.category("web_tour.tours").add("agency_billing_menu_tour", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            content: "Open the Agency Billing app",
            trigger: '.o_app[data-menu-xmlid="agency_billing.menu_root"]',
            run: "click",
        },
        {
            content: "The app opens on its time entries",
            trigger: ".o_breadcrumb:contains('Time Entries')",
        },
        {
            content: "The Time menu of Agency Billing is there",
            trigger: '.o_main_navbar button[data-menu-xmlid="agency_billing.menu_time"]',
            run: "click",
        },
        {
            content: "It offers the Time Entries menu",
            trigger: '.o-dropdown-item[data-menu-xmlid="agency_billing.menu_agency_time_entry"]',
        },
    ],
});

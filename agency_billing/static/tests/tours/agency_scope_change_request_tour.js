import { registry } from "@web/core/registry";
import { redirect } from "@web/core/utils/urls";

// The client opens the change request in their portal, signs it and accepts it.
// Data comes from the Python test (test_scope_portal.py).
registry.category("web_tour.tours").add("agency_scope_change_request_tour", {
    steps: () => [
        {
            content: "The change request asks for the extra hours",
            trigger: "#quote_content:contains('time held over scope')",
        },
        {
            content: "Open the signature dialog",
            trigger: "a:contains('Sign')",
            run: "click",
        },
        {
            content: "The client types their name",
            trigger: ".modal input.o_web_sign_name_input",
            run: "edit Casey Client",
        },
        {
            content: "Pick a signature style",
            trigger: ".modal .o_web_sign_auto_select_style button",
            run: "click",
        },
        {
            content: "Choose one",
            trigger: ".o-dropdown-item:eq(1)",
            run: "click",
        },
        {
            content: "Accept and sign",
            trigger: ".modal .o_portal_sign_submit:enabled",
            run: "click",
        },
        {
            content: "The order is confirmed",
            trigger: "#quote_content:contains('Thank You')",
        },
        {
            trigger: "#quote_content",
            run: () => redirect("/my"),
        },
        {
            content: "Back on the portal home",
            trigger: ".o_portal_my_home",
        },
    ],
});

import { registry } from "@web/core/registry";

// The client opens a deliverable in their portal, reads its rounds and asks for changes.
// Data comes from the Python test (test_revision_rounds_portal.py).
registry.category("web_tour.tours").add("agency_deliverable_portal_tour", {
    steps: () => [
        {
            content: "The deliverable says what is included",
            trigger: ".o_portal_agency_deliverable:contains('2 revision rounds included')",
        },
        {
            content: "The first round and its date are listed",
            trigger: ".agency_round_row:contains('Logo — revision round 1 (2 included)')",
        },
        {
            content: "The client says what should change",
            trigger: "textarea[name='note']",
            run: "edit Bigger mark, warmer red",
        },
        {
            content: "Request changes",
            trigger: "button.agency_request_changes",
            run: "click",
        },
        {
            content: "The request is recorded",
            trigger: ".agency_changes_requested",
        },
        {
            content: "A second round is listed",
            trigger: ".agency_round_row:contains('Logo — revision round 2 (2 included)')",
        },
        {
            content: "The next one would be extra",
            trigger: ".agency_extra_notice",
        },
    ],
});

import { registry } from "@web/core/registry";

// An Account Director opens Projects at Risk, the project's Scope tab, then the kanban.
// Data comes from the Python test (test_scope_ui.py).
registry.category("web_tour.tours").add("agency_scope_screens_tour", {
    steps: () => [
        {
            content: "The project over budget is listed",
            trigger: ".o_list_view .o_data_row:contains('Tour Scope Project'):contains('Used up') .o_data_cell[name=name]",
            run: "click",
        },
        {
            content: "Open the Scope tab",
            trigger: ".o_notebook .nav-link:contains('Scope')",
            run: "click",
        },
        {
            content: "The design budget line shows its burn and status",
            trigger: ".o_field_widget[name=agency_scope_line_ids] .o_data_row:contains('Design'):contains('Used up')",
        },
        {
            content: "A line above 100 % has a full red bar",
            trigger: ".o_field_widget[name=agency_scope_line_ids] .o_data_row:contains('Design') .o_progressbar .bg-danger",
        },
        {
            content: "The headline is the worst line, with the overall burn beside it",
            trigger: ".o_form_view .o_field_widget[name=agency_scope_overall_percent]",
        },
        {
            content: "The worst line is labelled as such",
            trigger: ".o_form_view label:contains('Worst Line Burn')",
        },
        {
            content: "A line already used up reads as used up",
            trigger: ".o_form_view .o_field_widget[name=agency_scope_used_up_text]:contains('Used up')",
        },
        {
            content: "Back to the list",
            trigger: ".o_breadcrumb .o_back_button a, .o_breadcrumb li.breadcrumb-item a",
            run: "click",
        },
        {
            content: "Switch to the kanban view",
            trigger: ".o_switch_view.o_kanban",
            run: "click",
        },
        {
            content: "The card carries the burn badge",
            trigger: ".o_kanban_record:contains('Tour Scope Project') .o_agency_scope_badges:contains('Scope 120%')",
        },
    ],
});

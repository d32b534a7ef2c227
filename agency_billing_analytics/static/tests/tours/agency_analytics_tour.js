import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

// An Account Director opens the Agency Billing dashboard in the Dashboards app, then every
// report of Agency Billing > Reporting. Data comes from the Python test (test_analytics_ui.py).
registry.category("web_tour.tours").add("agency_analytics_tour", {
    steps: () => [
        {
            content: "The Agency Billing dashboard is open",
            trigger: ".o_spreadsheet_dashboard_action .o-spreadsheet:not(:has(.dashboard-loading-status))",
        },
        {
            content: "Its headline figures and charts are drawn",
            trigger: ".o_spreadsheet_dashboard_action .o-figure",
        },
        {
            content: "It is listed under its own group",
            trigger: ".o_spreadsheet_dashboard_search_panel .active:contains('Agency Billing'), .o_spreadsheet_dashboard_search_panel li:contains('Agency Billing')",
        },
        {
            content: "Every chart links to the report behind it: click Margin by client",
            trigger: ".o_spreadsheet_dashboard_action .o-figure[data-id='agency-margin-client'][role='button']",
            run: "click",
        },
        {
            content: "Profitability opens from the chart",
            trigger: ".o_breadcrumb:contains('Profitability')",
        },
        {
            content: "Profitability shows the client of the chart",
            trigger: ".o_pivot_view .o_pivot_header_cell_closed:contains('Tour Analytics Client')",
        },
        {
            content: "Back to the dashboard",
            trigger: ".o_breadcrumb .breadcrumb-item a",
            run: "click",
        },
        {
            content: "The dashboard is open again",
            trigger: ".o_spreadsheet_dashboard_action .o-figure[data-id='agency-kpi-1'][role='button']",
        },
        {
            content: "The Hour Recovery scorecard opens Recovery",
            trigger: ".o_spreadsheet_dashboard_action .o-figure[data-id='agency-kpi-1']",
            run: "click",
        },
        {
            content: "Recovery opens from the scorecard",
            trigger: ".o_breadcrumb:contains('Recovery')",
        },
        stepUtils.showAppsMenuItem(),
        {
            content: "Open the Agency Billing app",
            trigger: '.o_app[data-menu-xmlid="agency_billing.menu_root"]',
            run: "click",
        },
        {
            content: "The app is open",
            trigger: ".o_breadcrumb:contains('Time Entries')",
        },
        {
            content: "Open the Reporting menu",
            trigger: '.o_main_navbar button[data-menu-xmlid="agency_billing_analytics.menu_reporting"]',
            run: "click",
        },
        {
            content: "Open Profitability",
            trigger: '.o-dropdown-item[data-menu-xmlid="agency_billing_analytics.menu_agency_report_profitability"]',
            run: "click",
        },
        {
            content: "Profitability shows its figures",
            trigger: ".o_breadcrumb:contains('Profitability')",
        },
        {
            content: "Profitability: its first screen",
            trigger: ".o_pivot_view .o_pivot_header_cell_closed:contains('Tour Analytics Client')",
        },
        {
            content: "Profitability: switch to the graph",
            trigger: ".o_switch_view.o_graph",
            run: "click",
        },
        {
            content: "The graph is drawn",
            trigger: ".o_graph_renderer canvas",
        },
        {
            content: "Profitability: switch to the list",
            trigger: ".o_switch_view.o_list",
            run: "click",
        },
        {
            content: "The list shows the rows",
            trigger: ".o_list_view .o_data_row",
        },
        {
            content: "Open the Reporting menu",
            trigger: '.o_main_navbar button[data-menu-xmlid="agency_billing_analytics.menu_reporting"]',
            run: "click",
        },
        {
            content: "Open Utilization",
            trigger: '.o-dropdown-item[data-menu-xmlid="agency_billing_analytics.menu_agency_report_utilization"]',
            run: "click",
        },
        {
            content: "Utilization shows its figures",
            trigger: ".o_breadcrumb:contains('Utilization')",
        },
        {
            content: "Utilization: its first screen",
            trigger: ".o_pivot_view .o_pivot",
        },
        {
            content: "Open the Reporting menu",
            trigger: '.o_main_navbar button[data-menu-xmlid="agency_billing_analytics.menu_reporting"]',
            run: "click",
        },
        {
            content: "Open Recovery",
            trigger: '.o-dropdown-item[data-menu-xmlid="agency_billing_analytics.menu_agency_report_recovery"]',
            run: "click",
        },
        {
            content: "Recovery shows its figures",
            trigger: ".o_breadcrumb:contains('Recovery')",
        },
        {
            content: "Recovery: its first screen",
            trigger: ".o_pivot_view .o_pivot_header_cell_closed:contains('Tour Analytics Client')",
        },
        {
            content: "Open the Reporting menu",
            trigger: '.o_main_navbar button[data-menu-xmlid="agency_billing_analytics.menu_reporting"]',
            run: "click",
        },
        {
            content: "Open Time to Invoice",
            trigger: '.o-dropdown-item[data-menu-xmlid="agency_billing_analytics.menu_agency_report_time_to_invoice"]',
            run: "click",
        },
        {
            content: "Time to Invoice shows its figures",
            trigger: ".o_breadcrumb:contains('Time to Invoice')",
        },
        {
            content: "Time to Invoice: its months go down the rows, no sideways scrolling",
            trigger: ".o_pivot_view .o_pivot table",
            run() {
                const box = document.querySelector(".o_pivot_view .o_pivot");
                if (box.scrollWidth > box.clientWidth + 1) {
                    throw new Error(`Time to Invoice scrolls sideways: ${box.scrollWidth} > ${box.clientWidth}`);
                }
            },
        },
        {
            content: "Time to Invoice: its first screen",
            trigger: ".o_pivot_view .o_pivot_header_cell_closed:contains('Tour Analytics Client')",
        },
        {
            content: "Open the Reporting menu",
            trigger: '.o_main_navbar button[data-menu-xmlid="agency_billing_analytics.menu_reporting"]',
            run: "click",
        },
        {
            content: "Open Days to Pay",
            trigger: '.o-dropdown-item[data-menu-xmlid="agency_billing_analytics.menu_agency_report_days_to_pay"]',
            run: "click",
        },
        {
            content: "Days to Pay shows its figures",
            trigger: ".o_breadcrumb:contains('Days to Pay')",
        },
        {
            content: "Days to Pay: its months go down the rows, no sideways scrolling",
            trigger: ".o_pivot_view .o_pivot table",
            run() {
                const box = document.querySelector(".o_pivot_view .o_pivot");
                if (box.scrollWidth > box.clientWidth + 1) {
                    throw new Error(`Days to Pay scrolls sideways: ${box.scrollWidth} > ${box.clientWidth}`);
                }
            },
        },
        {
            content: "Days to Pay: its first screen",
            trigger: ".o_pivot_view .o_pivot_header_cell_closed:contains('Tour Analytics Client')",
        },
        {
            content: "Open the Reporting menu",
            trigger: '.o_main_navbar button[data-menu-xmlid="agency_billing_analytics.menu_reporting"]',
            run: "click",
        },
        {
            content: "Open Disputes",
            trigger: '.o-dropdown-item[data-menu-xmlid="agency_billing_analytics.menu_agency_report_disputes"]',
            run: "click",
        },
        {
            content: "Disputes shows its figures",
            trigger: ".o_breadcrumb:contains('Disputes')",
        },
        {
            content: "Disputes: its first screen",
            trigger: ".o_pivot_view .o_pivot",
        },
        {
            content: "Open the Reporting menu",
            trigger: '.o_main_navbar button[data-menu-xmlid="agency_billing_analytics.menu_reporting"]',
            run: "click",
        },
        {
            content: "Open Estimate vs Actual",
            trigger: '.o-dropdown-item[data-menu-xmlid="agency_billing_analytics.menu_agency_report_estimate"]',
            run: "click",
        },
        {
            content: "Estimate vs Actual shows its figures",
            trigger: ".o_breadcrumb:contains('Estimate vs Actual')",
        },
        {
            content: "Estimate vs Actual: its first screen",
            trigger: ".o_pivot_view .o_pivot",
        },
        {
            content: "Open the Reporting menu",
            trigger: '.o_main_navbar button[data-menu-xmlid="agency_billing_analytics.menu_reporting"]',
            run: "click",
        },
        {
            content: "Open Rate Suggestions",
            trigger: '.o-dropdown-item[data-menu-xmlid="agency_billing_analytics.menu_agency_rate_suggestion"]',
            run: "click",
        },
        {
            content: "Rate Suggestions shows its figures",
            trigger: ".o_breadcrumb:contains('Rate Suggestions')",
        },
        {
            content: "Rate Suggestions: its first screen",
            trigger: ".o_list_view, .o_view_nocontent",
        },
        {
            content: "Open the Reporting menu",
            trigger: '.o_main_navbar button[data-menu-xmlid="agency_billing_analytics.menu_reporting"]',
            run: "click",
        },
        {
            content: "Open Cash Forecast",
            trigger: '.o-dropdown-item[data-menu-xmlid="agency_billing_analytics.menu_agency_cash_forecast"]',
            run: "click",
        },
        {
            content: "Cash Forecast shows its figures",
            trigger: ".o_breadcrumb:contains('Cash Forecast')",
        },
        {
            content: "Cash Forecast: its first screen",
            trigger: ".o_list_view .o_data_row",
        },
        {
            content: "Open the Reporting menu",
            trigger: '.o_main_navbar button[data-menu-xmlid="agency_billing_analytics.menu_reporting"]',
            run: "click",
        },
        {
            content: "Open KPI Snapshots",
            trigger: '.o-dropdown-item[data-menu-xmlid="agency_billing_analytics.menu_agency_kpi_snapshot"]',
            run: "click",
        },
        {
            content: "KPI Snapshots shows its figures",
            trigger: ".o_breadcrumb:contains('KPI Snapshots')",
        },
        {
            content: "KPI Snapshots: its first screen",
            trigger: ".o_list_view .o_data_row",
        },
    ],
});

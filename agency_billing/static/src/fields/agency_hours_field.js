/** @odoo-module */

import { Component, xml } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { session } from "@web/session";
import { FloatField } from "@web/views/fields/float/float_field";
import { FloatTimeField } from "@web/views/fields/float_time/float_time_field";
import { formatFloat, formatFloatTime } from "@web/views/fields/formatters";
import { standardFieldProps } from "@web/views/fields/standard_field_props";

// Hours as the company shows them on invoices and in the portal (Settings > Agency
// Billing > Client documents): decimal (1.25) or hours and minutes (1:15).
function useHhmm() {
    return session.agency_hours_format === "hhmm";
}

export function formatAgencyHours(value, options = {}) {
    return useHhmm() ? formatFloatTime(value, options) : formatFloat(value, { digits: [16, 2] });
}

export class AgencyHoursField extends Component {
    static template = xml`<t t-component="component" t-props="props"/>`;
    static props = { ...standardFieldProps };

    get component() {
        return useHhmm() ? FloatTimeField : FloatField;
    }
}

registry.category("fields").add("agency_hours", {
    component: AgencyHoursField,
    supportedTypes: ["float"],
    isEmpty: () => false,
});
registry.category("formatters").add("agency_hours", formatAgencyHours);

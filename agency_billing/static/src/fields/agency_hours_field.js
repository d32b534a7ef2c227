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

// Two decimals whatever the field's precision (billed time is stored to the second,
// digits (16, 6): the database keeps it, people read 2.50, never 2.500000).
const DECIMAL_DIGITS = [16, 2];

export function formatAgencyHours(value, options = {}) {
    return useHhmm() ? formatFloatTime(value, options) : formatFloat(value, { digits: DECIMAL_DIGITS });
}

export class AgencyHoursField extends Component {
    static template = xml`<t t-component="component" t-props="componentProps"/>`;
    static props = { ...standardFieldProps };

    get component() {
        return useHhmm() ? FloatTimeField : FloatField;
    }

    get componentProps() {
        return useHhmm() ? this.props : { ...this.props, digits: DECIMAL_DIGITS };
    }
}

registry.category("fields").add("agency_hours", {
    component: AgencyHoursField,
    supportedTypes: ["float"],
    isEmpty: () => false,
});
registry.category("formatters").add("agency_hours", formatAgencyHours);

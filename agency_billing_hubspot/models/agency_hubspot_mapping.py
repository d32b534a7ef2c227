from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..lib.mappers import BILLING_CYCLES, DETAIL_LEVELS, VALUE_KINDS, check_value

MAPPING_KINDS = [
    ("rate", "Rate agreement property"),
    ("service", "Line item name → service type"),
    ("payment_term", "Payment terms value"),
    ("billing_cycle", "Billing cycle value"),
    ("invoice_detail", "Invoice detail value"),
    ("rounding", "Time rounding value"),
    ("po_required", "PO required value"),
    ("included_rounds", "Included revision rounds property (line items)"),
    ("einvoice_format", "E-invoice format value"),
]



class AgencyHubspotWonStage(models.Model):
    """A deal stage that makes a HubSpot deal a contract (a sale order in Odoo)."""

    _name = "agency.hubspot.won.stage"
    _description = "HubSpot Won Deal Stage"
    _order = "backend_id, pipeline, stage"

    backend_id = fields.Many2one("agency.hubspot.backend", required=True, ondelete="cascade",
                                 index=True)
    pipeline = fields.Char(required=True, default="default",
                           help="Pipeline internal id; * for every pipeline.")
    stage = fields.Char(required=True, default="closedwon", help="Deal stage internal id.")
    company_id = fields.Many2one(related="backend_id.company_id", store=True)

    _sql_constraints = [
        ("stage_uniq", "unique(backend_id, pipeline, stage)", "This stage is listed already."),
    ]


class AgencyHubspotMapping(models.Model):
    """How HubSpot values translate into Odoo records, per account.

    * *Rate agreement property*: a company property holding the client's hourly rate for
      a role or a service type (``agency_rate_creative_director`` = ``165``) → a rate rule
      on that client;
    * *Line item name → service type*: a line item whose name contains these words (and
      that has no known product id or SKU) sells the service type's product by the hour;
    * *Payment terms value*: a value of the payment-terms property → an Odoo payment term
      (values matching a payment term's name need no mapping);
    * *Included revision rounds property*: the line item property holding the revision
      rounds a line item includes (default ``agency_included_rounds``): a line item with a
      value makes (or updates) the deliverable of its order line;
    * *Billing cycle / Invoice detail / Time rounding / PO required / E-invoice format
      value*: a value of that company property as the portal spells it
      (``property_name``, any case) → Odoo's key (``value``): ``milestone``,
      ``service_type``, ``up:15``, ``true``, ``xrechnung``... Values
      that are Odoo's keys (or, for rounding, a bare number of minutes: *up to N*) need
      no mapping; any other value is quarantined naming the property, the value and the
      accepted values, while the rest of the company imports.
    """

    _name = "agency.hubspot.mapping"
    _description = "HubSpot Property Mapping"
    _order = "backend_id, kind, sequence, id"

    backend_id = fields.Many2one("agency.hubspot.backend", required=True, ondelete="cascade",
                                 index=True)
    kind = fields.Selection(MAPPING_KINDS, required=True, default="rate")
    sequence = fields.Integer(default=10)
    property_name = fields.Char(
        string="Property / Value",
        help="Rate: the company property's internal name. Line item: words of its name "
        "(any case). Payment terms: the property's value.")
    job_id = fields.Many2one("hr.job", string="Role")
    service_type_id = fields.Many2one("agency.service.type")
    payment_term_id = fields.Many2one("account.payment.term")
    value = fields.Char(
        string="Odoo Value",
        help="For value mappings: Odoo's key the HubSpot value stands for. Billing cycle: "
        "weekly, biweekly, monthly, milestone, manual. Invoice detail: summary, "
        "service_type, role, task, annex. Time rounding: up:15, nearest:6:15, none, "
        "company. PO required: true or false. E-invoice format: Odoo's format key "
        "(ubl_bis3, xrechnung, facturx, nlcius, ubl_a_nz, ubl_sg) or none.")
    company_id = fields.Many2one(related="backend_id.company_id", store=True)

    @api.constrains("kind", "property_name", "job_id", "service_type_id", "payment_term_id",
                    "value")
    def _check_target(self):
        for mapping in self:
            if not (mapping.property_name or "").strip():
                raise ValidationError(_("A HubSpot mapping needs a property or a value."))
            if mapping.kind == "rate" and bool(mapping.job_id) == bool(mapping.service_type_id):
                raise ValidationError(_("The rate property %s maps to a role or to a service "
                                        "type (one of them).", mapping.property_name))
            if mapping.kind == "service" and not mapping.service_type_id.product_id:
                raise ValidationError(_("Map the line item words %s to a service type that "
                                        "has a service product.", mapping.property_name))
            if mapping.kind == "payment_term" and not mapping.payment_term_id:
                raise ValidationError(_("Map the payment terms value %s to a payment term.",
                                        mapping.property_name))
            formats = self.env["res.partner"]._get_ubl_cii_formats()
            if mapping.kind in VALUE_KINDS and not check_value(mapping.kind, mapping.value,
                                                               formats):
                raise ValidationError(_(
                    "The HubSpot value %(value)s maps to %(target)r, which is not a %(kind)s "
                    "Odoo knows (billing cycles: %(cycles)s; detail levels: %(levels)s; "
                    "roundings such as up:15, nearest:6:15, none; PO required: true or "
                    "false; e-invoice formats: %(formats)s, none).", formats=", ".join(formats),
                    value=mapping.property_name, target=mapping.value or "",
                    kind=dict(MAPPING_KINDS)[mapping.kind], cycles=", ".join(BILLING_CYCLES),
                    levels=", ".join(DETAIL_LEVELS)))

"""A connected HubSpot account and its sync (on the sync base, ``agency_billing_sync``)."""

import time

from odoo import _, api, fields, models

from odoo.addons.agency_billing_sync.components.binder import SyncBinder
from odoo.addons.agency_billing_sync.lib.webhook import (
    WebhookRefused,
    check_fresh,
    dedupe_and_order,
    signature_matches,
)

from ..components.adapter import HubSpotAdapter
from ..components.importer import IMPORTERS, SYNC_ORDER
from ..components.syncer import HubSpotSync
from ..lib.mappers import DEFAULT_ROUNDS_PROPERTY, VALUE_KINDS
from ..lib.webhook import parse_events, signature_v3

# HubSpot object type ids, for record links (app.hubspot.com/contacts/<portal>/record/...).
OBJECT_TYPE_IDS = {"contact": "0-1", "company": "0-2", "deal": "0-3", "call": "0-48",
                   "meeting": "0-47", "email": "0-49"}


class AgencyHubspotBackend(models.Model):
    """A connected HubSpot account: where to reach it, with which credentials, and what
    its sync brings into Odoo (companies, contacts, owners, won deals, rate agreements,
    calls and meetings) and writes back.

    Secrets are readable by administrators only (field groups) and are never logged.
    """

    _name = "agency.hubspot.backend"
    _inherit = ["agency.sync.backend.mixin"]
    _description = "HubSpot Account"
    _order = "name"

    name = fields.Char(required=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    base_url = fields.Char(
        string="API URL",
        required=True,
        default="https://api.hubapi.com",
        help="HubSpot API root. Change it only to point at a test server.",
    )
    app_url = fields.Char(
        string="App URL", default="https://app.hubspot.com",
        help="Where HubSpot records open in a browser (links on partners, orders, time).",
    )
    portal_id = fields.Char(string="Portal ID", help="HubSpot account (hub) identifier.")
    access_token = fields.Char(
        groups="base.group_system",
        copy=False,
        help="Private app access token (sent as a Bearer token).",
    )
    client_secret = fields.Char(
        string="App Client Secret",
        groups="base.group_system",
        copy=False,
        help="Used to check the signature of HubSpot webhook deliveries.",
    )
    has_credentials = fields.Boolean(compute="_compute_has_credentials")

    # What is synced and how
    won_stage_ids = fields.One2many("agency.hubspot.won.stage", "backend_id",
                                    string="Won Stages", copy=True)
    mapping_ids = fields.One2many("agency.hubspot.mapping", "backend_id",
                                  string="Property Mappings", copy=True)
    owner_ids = fields.One2many("agency.hubspot.owner", "backend_id", string="Owners")
    confirm_orders = fields.Selection(
        [("confirm", "Confirmed order"), ("draft", "Draft quotation")],
        string="Won Deals Become", default="confirm", required=True,
        help="A confirmed order gets its project (and milestones); a draft quotation waits "
        "for someone to confirm it.")
    sync_calls = fields.Boolean(default=True, help="Calls become time entries.")
    sync_meetings = fields.Boolean(default=True, help="Meetings become time entries.")
    email_minutes = fields.Integer(
        string="Minutes per Email", default=0,
        help="Logged emails become time entries of this many minutes (0: not imported).")
    writeback = fields.Boolean(
        string="Write Billing Figures Back",
        help="After each sync, write the amount invoiced this year, the open balance and "
        "the last invoice date on each synced HubSpot company (properties "
        "agency_amount_invoiced_ytd, agency_open_balance, agency_last_invoice_date).")
    prop_payment_terms = fields.Char(string="Payment Terms Property",
                                     default="agency_payment_terms")
    prop_billing_cycle = fields.Char(string="Billing Cycle Property",
                                     default="agency_billing_cycle")
    prop_po_required = fields.Char(string="PO Required Property", default="agency_po_required")
    prop_detail_level = fields.Char(string="Invoice Detail Property",
                                    default="agency_invoice_detail")
    prop_rounding = fields.Char(string="Time Rounding Property",
                                default="agency_time_rounding")
    prop_einvoice_format = fields.Char(
        string="E-Invoice Format Property", default="agency_einvoice_format",
        help="Company property holding the client's e-invoice format (BIS Billing 3.0, "
        "XRechnung, Factur-X...): Odoo's format key or label, or a value mapped under "
        "E-invoice format value.")
    prop_billing_contact = fields.Char(string="Billing Contact Property",
                                       default="agency_billing_contact")
    prop_deal_po = fields.Char(string="Deal PO Number Property", default="agency_po_number")
    prop_retainer_hours = fields.Char(string="Retainer Hours Property",
                                      default="agency_retainer_hours")
    # Technical limits of HubSpot's search
    search_rate = fields.Integer(string="Searches per Second", default=4)
    search_cap = fields.Integer(
        string="Search Result Cap", default=10_000,
        help="HubSpot answers at most this many results per search query; the sync starts "
        "a new query from the last modification time it saw before reaching it.")
    no_contract_policy = fields.Selection(
        [("communication", "Client communication project (non-billable)"),
         ("quarantine", "Quarantine")],
        string="Calls Without Contract", default="communication", required=True,
        help="Calls and meetings with a client whose contract is not (yet) a won deal, "
        "and who has no project: non-billable time on the client's communication project "
        "(created once per client; counted as unbilled time), or quarantined.")
    webhook_url = fields.Char(compute="_compute_webhook_url", string="Webhook URL")
    sync_batch_size = fields.Integer(default=200)  # a search page (HubSpot's maximum)

    def _compute_has_credentials(self):
        for backend in self:
            backend.has_credentials = bool(backend.sudo().access_token)

    def _compute_webhook_url(self):
        base = self.env["ir.config_parameter"].sudo().get_param("web.base.url", "")
        for backend in self:
            backend.webhook_url = (f"{base}/agency_billing/hubspot/webhook/{backend.id}"
                                   if backend.id else False)

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            vals.setdefault("won_stage_ids", [(0, 0, {"pipeline": "default",
                                                      "stage": "closedwon"})])
        return super().create(vals_list)

    # ------------------------------------------------------------------
    # Test Connection (the actions are the sync layer's)
    # ------------------------------------------------------------------

    def _agency_connection_check(self):
        """One owners request with the account's token."""
        HubSpotAdapter(self).account_check()
        return _("HubSpot answered with this token.")

    # ------------------------------------------------------------------
    # Sync layer hooks
    # ------------------------------------------------------------------

    def _agency_sync_secrets(self):
        self.ensure_one()
        # sudo: the secrets are read only to be redacted from stored messages.
        backend = self.sudo()
        return [secret for secret in (backend.access_token, backend.client_secret) if secret]

    def _agency_sync_execute(self, run):
        HubSpotSync(self, run).execute()

    def _agency_sync_import_ids(self, run, external_type, external_ids, deleted_ids=()):
        HubSpotSync(self, run).import_ids(external_type, list(external_ids), deleted_ids)

    def _agency_sync_importer_classes(self):
        return dict(IMPORTERS)

    def _agency_sync_mapped_fields(self):
        return {etype: (cls.res_model, dict(cls.OWNERSHIP)) for etype, cls in IMPORTERS.items()
                if cls.OWNERSHIP}

    def _agency_sync_types(self):
        return self._agency_hubspot_types()

    def _agency_hubspot_types(self):
        """The record types this account syncs, in dependency order."""
        types = list(SYNC_ORDER)
        if self.sync_calls:
            types.append("call")
        if self.sync_meetings:
            types.append("meeting")
        if self.email_minutes > 0:
            types.append("email")
        return types

    def _agency_hubspot_config(self):
        """The account's configuration as plain data for the mappers."""
        self.ensure_one()
        rates, terms, names = {}, {}, []
        rounds_property = DEFAULT_ROUNDS_PROPERTY
        value_maps = {kind: {} for kind in VALUE_KINDS}
        for mapping in self.mapping_ids:
            key = (mapping.property_name or "").strip()
            if mapping.kind in VALUE_KINDS:
                value_maps[mapping.kind][" ".join(key.lower().split())] = (
                    mapping.value or "").strip()
            elif mapping.kind == "rate":
                rates[key] = (mapping.job_id.id, mapping.service_type_id.id)
            elif mapping.kind == "payment_term":
                terms[key.lower()] = mapping.payment_term_id.id
            elif mapping.kind == "service":
                names.append((key.lower(), mapping.service_type_id.product_id))
            elif mapping.kind == "included_rounds" and key:
                rounds_property = key
        return {
            "company": {"payment_terms": self.prop_payment_terms,
                        "billing_cycle": self.prop_billing_cycle,
                        "po_required": self.prop_po_required,
                        "detail_level": self.prop_detail_level,
                        "rounding": self.prop_rounding,
                        "einvoice_format": self.prop_einvoice_format},
            "rates": rates,
            "payment_terms": terms,
            "service_names": names,
            "billing_contact": self.prop_billing_contact,
            "deal_po": self.prop_deal_po,
            "retainer_hours": self.prop_retainer_hours,
            "included_rounds": rounds_property,
            "won_stages": {(s.pipeline.strip(), s.stage.strip()) for s in self.won_stage_ids},
            "confirm_orders": self.confirm_orders == "confirm",
            "email_minutes": self.email_minutes,
            "value_maps": value_maps,
            "no_contract_policy": self.no_contract_policy,
        }

    def _agency_hubspot_owner_users(self, owner_ids):
        """{HubSpot owner id: Odoo user id} of owners whose employee has a user."""
        owners = self.env["agency.hubspot.owner"].search([
            ("backend_id", "=", self.id), ("owner_id", "in", list(owner_ids))])
        return {o.owner_id: o.employee_id.user_id.id for o in owners if o.employee_id.user_id}

    def _agency_webhook_events(self, httprequest, raw):
        """HubSpot v3 signature, 5-minute window, events deduplicated and ordered."""
        self.ensure_one()
        secret = self.sudo().client_secret
        if not secret:
            raise WebhookRefused(403, "webhooks are not set up for this account")
        stamp = check_fresh(httprequest.headers.get("X-HubSpot-Request-Timestamp"),
                            int(time.time() * 1000))
        expected = signature_v3(secret, httprequest.method, httprequest.url, raw, stamp)
        if not signature_matches(expected, httprequest.headers.get("X-HubSpot-Signature-v3")):
            raise WebhookRefused(401, "invalid signature")
        try:
            events = parse_events(raw)
        except ValueError as exc:
            raise WebhookRefused(400, f"malformed delivery: {exc}")
        return dedupe_and_order(events)

    # ------------------------------------------------------------------
    # Links to HubSpot records
    # ------------------------------------------------------------------

    def _agency_hubspot_url(self, external_type, external_id):
        """The HubSpot app URL of a record (empty without portal id)."""
        self.ensure_one()
        type_id = OBJECT_TYPE_IDS.get(external_type)
        if not (self.portal_id and type_id and external_id):
            return False
        return (f"{(self.app_url or 'https://app.hubspot.com').rstrip('/')}/contacts/"
                f"{self.portal_id}/record/{type_id}/{external_id}")

    def _agency_hubspot_links(self, records):
        """{record id: URL} of records synced from HubSpot (one query for all)."""
        # sudo: whoever reads the record sees its link (bindings are technical records).
        bindings = SyncBinder.links(records.sudo(), self._name, external_types=OBJECT_TYPE_IDS)
        backends = {b.id: b for b in self.sudo().browse(set(bindings.mapped("backend_id")))}
        links = {}
        for binding in bindings:
            backend = backends.get(binding.backend_id)
            url = backend and backend._agency_hubspot_url(binding.external_type,
                                                          binding.external_id)
            if url:
                links.setdefault(binding.res_id, url)
        return links

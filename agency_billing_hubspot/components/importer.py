"""HubSpot importers: one per record type, on the sync layer's ``SyncImporter``.

Each one knows the HubSpot properties it reads, the associations it needs (fetched by
``fetch`` through the adapter, before the batch is imported), the lookups of a batch
(``prepare``: one query per kind) and calls the pure mappers of ``..lib.mappers``.
"""

from collections import defaultdict

from odoo import Command, fields
from odoo.exceptions import UserError

from odoo.addons.agency_billing_sync.components.importer import (
    SyncImporter,
    SyncItem,
    TimeEntryWritePath,
)
from odoo.addons.agency_billing_sync.lib.errors import SyncMappingError

from ..lib import mappers
from ..lib.search import record_ms
from ..lib.values import MappingError, parse_number, parse_time

# Association type of a deal's primary company (HUBSPOT_DEFINED).
PRIMARY_COMPANY = 5
LINE_ITEM_PROPERTIES = ("name", "quantity", "price", "hs_product_id", "hs_sku",
                        "hs_recurring_billing_period", "recurringbillingfrequency",
                        "hs_position_on_quote", "hs_discount_percentage", "discount")


def _map(function, *args):
    """Call a pure mapper; its MappingError quarantines the record."""
    try:
        return function(*args)
    except MappingError as exc:
        raise SyncMappingError(str(exc)) from None


class HubSpotImporter(SyncImporter):
    """What every HubSpot importer shares: the object type, its properties, items."""

    object_type = None
    PROPERTIES = ()
    OWNERSHIP = {}

    def __init__(self, backend, run, adapter=None):
        super().__init__(backend, run)
        self.adapter = adapter
        self.config = backend._agency_hubspot_config()

    def properties(self):
        """The HubSpot properties to read."""
        return list(self.PROPERTIES)

    def items(self, records):
        """Source records → SyncItems."""
        return [SyncItem(external_id=str(rec["id"]), payload=rec,
                         updated_at=self._updated_at(rec)) for rec in records]

    def _updated_at(self, record):
        stamp = record_ms(record, self.object_type)
        return fields.Datetime.to_datetime(
            parse_time(str(stamp))) if stamp else None

    def fetch(self, items):
        """Read through the adapter what the batch needs besides its records (HTTP,
        before the import's savepoint)."""

    def import_records(self, records):
        """Fetch, then import one page of source records."""
        items = self.items(records)
        self.fetch(items)
        return self.import_items(items)


# ---------------------------------------------------------------------------
# Companies and their rate agreements
# ---------------------------------------------------------------------------


class CompanyImporter(HubSpotImporter):
    """HubSpot companies → client partners (``is_company``, never ``res.company``)."""

    external_type = "company"
    res_model = "res.partner"
    object_type = "companies"
    PROPERTIES = ("name", "domain", "phone", "address", "address2", "city", "zip", "country",
                  "state")
    OWNERSHIP = {**dict.fromkeys(mappers.COMPANY_FIELDS, "source"), "is_company": "odoo"}

    def properties(self):
        names = list(self.PROPERTIES) + [p for p in self.config["company"].values() if p]
        return names + list(self.config["rates"])

    def prepare(self, items):
        if getattr(self, "lookups", None) is None:
            self.lookups = self._lookups()

    def _lookups(self):
        env = self.env
        countries, states = {}, {}
        for row in env["res.country"].search_read([], ["code", "name"]):
            countries[(row["code"] or "").upper()] = row["id"]
            countries[(row["name"] or "").lower()] = row["id"]
        for row in env["res.country.state"].search_read([], ["code", "name", "country_id"]):
            country = row["country_id"][0]
            states[(country, (row["code"] or "").upper())] = row["id"]
            states[(country, (row["name"] or "").lower())] = row["id"]
        terms = {term.name.lower(): term.id
                 for term in env["account.payment.term"].search([])}
        terms.update(self.config["payment_terms"])
        formats = set(env["res.partner"]._get_ubl_cii_formats())
        einvoice_formats = {
            key: label for key, label in env["res.partner"]._fields[
                "invoice_edi_format"]._description_selection(env) if key in formats}
        return {"countries": countries, "states": states, "payment_terms": terms,
                "einvoice_formats": einvoice_formats}

    def map(self, item):
        values, issues = _map(mappers.company_values, item.payload,
                              {**self.config["company"],
                               "value_maps": self.config["value_maps"]}, self.lookups)
        rates, rate_issues = mappers.rate_agreements(item.payload, list(self.config["rates"]))
        item.values = values
        item.issues += issues + rate_issues
        props = item.payload.get("properties") or {}
        item.extra["rates"] = rates
        # A bad value changes nothing (the rule in force stays); an empty one ends it.
        item.extra["rates_kept"] = {p for p in self.config["rates"]
                                    if p not in rates and (props.get(p) or "").strip()}
        item.hash_extra = {"rates": rates}

    def after_import(self, items):
        rate_items, gone = [], []
        for item in items:
            for prop, (job_id, service_type_id) in self.config["rates"].items():
                external_id = f"{item.external_id}:{prop}"
                rate = item.extra["rates"].get(prop)
                if rate is None:
                    if prop not in item.extra["rates_kept"]:
                        gone.append(external_id)
                    continue
                rate_items.append(SyncItem(
                    external_id=external_id,
                    payload={"company": item.external_id, "property": prop, "value": rate},
                    extra={"values": {
                        "partner_id": item.record.id, "job_id": job_id or False,
                        "service_type_id": service_type_id or False, "rate": rate,
                        "name": f"HubSpot: {prop}",
                    }}))
        rates = RateImporter(self.backend, self.run)
        rates.import_items(rate_items)
        rates.archive(gone, force=True)


class RateImporter(SyncImporter):
    """Client rate agreements kept as company properties → rate rules on the client.

    A changed value ends the old rule the day before the sync and starts a new one dated
    from the sync's day (invoiced time is never re-rated: rules only re-rate open time).
    An emptied property ends the rule.
    """

    external_type = "rate"
    res_model = "agency.rate.rule"
    OWNERSHIP = {"rate": "source", "partner_id": "odoo", "job_id": "odoo",
                 "service_type_id": "odoo", "name": "odoo"}

    def map(self, item):
        item.values = dict(item.extra["values"])

    def _attach_records(self, items):
        # A rate that was emptied (its rule ended) and is set again starts a new rule.
        items = super()._attach_records(items)
        for item in items:
            if item.binding and item.binding.archived:
                item.record = None
        return items

    def create_records(self, items):
        today = self._today()
        return self.model.with_context(tracking_disable=True).create([
            {**item.values, "date_from": today if item.binding else False}
            for item in items])

    def _today(self):
        """The day a changed rate takes effect: the billing day of the account's company
        (its time zone), not the day of whoever runs the sync."""
        company = self.backend.company_id or self.model.env.company
        return company._agency_billing_today()

    def update_record(self, item, values):
        rate = values.pop("rate", None)
        if values:
            item.record.write(values)
        if rate is not None:
            item.record = self._redate(item.record, rate)
            self.binder.bind(item.external_id, item.record, binding=item.binding)

    def _redate(self, rule, rate):
        """End ``rule`` yesterday and start a copy at ``rate`` today (a rule that starts
        today or later just takes the new rate)."""
        today = self._today()
        if rule.date_from and rule.date_from >= today:
            rule.rate = rate
            return rule
        new = rule.copy({"rate": rate, "date_from": today,
                         "date_to": rule.date_to if rule.date_to and rule.date_to >= today
                         else False})
        rule.date_to = fields.Date.subtract(today, days=1)
        return new

    def take_source(self, conflict, record):
        new = self._redate(record, float(conflict.source_raw))
        binding = conflict.binding_id
        if binding:
            self.binder.bind(binding.external_id, new, binding=binding)
        self.backend._agency_sync_keep_odoo(conflict)

    def archive_records(self, records):
        today = self._today()
        yesterday = fields.Date.subtract(today, days=1)
        for rule in records:
            if rule.date_from and rule.date_from >= today:
                rule.active = False
            elif not rule.date_to or rule.date_to >= today:
                rule.date_to = yesterday


# ---------------------------------------------------------------------------
# Contacts
# ---------------------------------------------------------------------------


class ContactImporter(HubSpotImporter):
    """HubSpot contacts → contacts of their primary company; flagged ones (property
    ``agency_billing_contact`` by default) become the client's billing contacts."""

    external_type = "contact"
    res_model = "res.partner"
    object_type = "contacts"
    PROPERTIES = ("firstname", "lastname", "email", "phone", "mobilephone", "jobtitle",
                  "associatedcompanyid")
    OWNERSHIP = {"name": "source", "email": "source", "phone": "source", "function": "source",
                 "parent_id": "source", "type": "odoo"}

    def properties(self):
        extra = [self.config["billing_contact"]] if self.config["billing_contact"] else []
        return list(self.PROPERTIES) + extra

    def prepare(self, items):
        ids = [mappers.contact_company(item.payload) for item in items]
        self.companies = self.binder_for("company").to_internal_ids([cid for cid in ids if cid])
        for item in items:
            synced = item.binding.synced_values if item.binding else None
            item.extra["was_billing"] = (synced or {}).get("billing_contact")

    def map(self, item):
        company = mappers.contact_company(item.payload)
        if not company:
            item.outcome = "skipped"  # a lead or a private contact: not a client's contact
            return
        partner_id = self.companies.get(company)
        if not partner_id:
            raise SyncMappingError(
                f"Its company (HubSpot company {company}) is not imported: see the "
                "quarantine, or let the companies sync first.")
        values, billing, issues = _map(mappers.contact_values, item.payload, partner_id,
                                       self.config["billing_contact"])
        item.values = values
        item.issues += issues
        item.extra["billing"] = billing
        item.hash_extra = {"billing": billing}

    def create_records(self, items):
        """Odoo copies the commercial fields of a contact's company onto the contact,
        reading them company by company as each contact is created (and computing each
        company's pricelist alone): read them first for all the batch's companies at once.
        The same values, in a few queries instead of a few per contact."""
        parent_ids = {item.values.get("parent_id") for item in items} - {None, False}
        if parent_ids:
            # sudo: as Odoo's own sync of commercial fields reads them.
            companies = self.model.sudo().browse(parent_ids).commercial_partner_id
            for fname in companies._commercial_fields():
                companies.mapped(fname)
        return super().create_records(items)

    def after_import(self, items):
        changes = defaultdict(list)
        for item in items:
            billing, before = item.extra.get("billing"), item.extra.get("was_billing")
            parent = item.record.parent_id
            if billing is True:
                changes[parent].append(Command.link(item.record.id))
            elif billing is False and before:
                changes[parent].append(Command.unlink(item.record.id))
            if billing is not None and item.binding:
                item.binding.synced_values = {**(item.binding.synced_values or {}),
                                              "billing_contact": billing}
        for parent, commands in changes.items():
            if parent:
                parent.billing_contact_ids = commands


# ---------------------------------------------------------------------------
# Deals and line items → contracts
# ---------------------------------------------------------------------------


class DealImporter(HubSpotImporter):
    """Won deals and their line items → sale orders (the contract) for the deal's primary
    company, confirmed or left as quotations per the backend; a project per confirmed
    order (its milestones for fixed-fee items)."""

    external_type = "deal"
    res_model = "sale.order"
    object_type = "deals"
    PROPERTIES = ("dealname", "amount", "dealstage", "pipeline", "closedate",
                  "hubspot_owner_id")
    OWNERSHIP = {"partner_id": "odoo", "client_order_ref": "source", "origin": "source",
                 "date_order": "odoo", "user_id": "odoo", "retainer_hours": "source",
                 "order_line": "source"}

    def properties(self):
        extra = [self.config["deal_po"], self.config["retainer_hours"]]
        return list(self.PROPERTIES) + [p for p in extra if p]

    def fetch(self, items):
        won = [item for item in items
               if mappers.deal_is_won(item.payload, self.config["won_stages"])]
        if not won or not self.adapter:
            return
        ids = [item.external_id for item in won]
        companies = self.adapter.associations("deals", "companies", ids)
        lines = self.adapter.associations("deals", "line_items", ids)
        line_ids = [lid for links in lines.values() for lid, _types in links]
        props = list(LINE_ITEM_PROPERTIES) + ([self.config["retainer_hours"]]
                                              if self.config["retainer_hours"] else [])
        if self.config.get("included_rounds"):
            props.append(self.config["included_rounds"])
        records, _missing = self.adapter.batch_read("line_items", line_ids, props) \
            if line_ids else ([], [])
        by_id = {str(rec["id"]): rec for rec in records}
        for item in won:
            links = companies.get(item.external_id) or []
            primary = [cid for cid, types in links if PRIMARY_COMPANY in types]
            item.extra["company"] = (primary or [cid for cid, _types in links] or [None])[0]
            item.extra["line_items"] = [by_id[lid] for lid, _types in
                                        lines.get(item.external_id) or [] if lid in by_id]

    def import_items(self, items):
        won, left = [], []
        for item in items:
            if mappers.deal_is_won(item.payload, self.config["won_stages"]):
                won.append(item)
            else:
                left.append(item)
        result = super().import_items(won)
        self._left_won(left)
        return result + left

    def _left_won(self, items):
        """A bound deal that left its won stage: nothing is deleted or cancelled; a person
        decides (conflict). Deals never won are not imported."""
        found = self.binder.to_internal_many([item.external_id for item in items])
        for item in items:
            item.outcome = "skipped"
            binding = found.get(item.external_id)
            record = binding and binding._agency_record()
            if not record or record.state == "cancel":
                continue
            stage = (item.payload.get("properties") or {}).get("dealstage")
            acknowledged = (binding.synced_values or {}).get("state")
            if isinstance(acknowledged, dict) and acknowledged.get("stage") == stage:
                continue  # a person already kept the order for this stage
            item.binding, item.record = binding, record
            self.conflict(
                item, "state", record.state, f"deal stage {stage}",
                label="Deal stage",
                note=(f"The HubSpot deal {item.external_id} left its won stage (now "
                      f"{stage!r}) after its order was created. Nothing was changed: "
                      "Take Source cancels the order (if nothing was invoiced), Keep Odoo "
                      "keeps it."),
                source_raw={"action": "cancel", "stage": stage})
            item.outcome = "conflict"

    def prepare(self, items):
        company_ids = {item.extra.get("company") for item in items} - {None}
        self.companies = self.binder_for("company").to_internal_ids(company_ids)
        self.products = self._products(items)
        owners = {mappers.activity_owner(item.payload) for item in items} - {None}
        self.users = self.backend._agency_hubspot_owner_users(owners)

    def _products(self, items):
        """Products for the batch's line items: by HubSpot product id (bindings of type
        ``product``), by SKU (internal reference), by the name mapping."""
        skus, hs_ids = set(), set()
        for item in items:
            for line in item.extra.get("line_items") or []:
                props = line.get("properties") or {}
                if props.get("hs_sku"):
                    skus.add(props["hs_sku"].strip())
                if props.get("hs_product_id"):
                    hs_ids.add(str(props["hs_product_id"]).strip())
        Product = self.env["product.product"].with_context(active_test=False)
        by_sku = {p.default_code: (p.id, self._kind(p))
                  for p in Product.search([("default_code", "in", list(skus))])} if skus else {}
        bound = self.binder_for("product").to_internal_ids(hs_ids)
        by_hs = {hs: (pid, self._kind(Product.browse(pid))) for hs, pid in bound.items()}
        by_name = [(words, product.id, self._kind(product))
                   for words, product in self.config["service_names"]]
        retainer = self.env.ref("agency_billing.product_retainer_fee",
                                raise_if_not_found=False)
        return {"by_sku": by_sku, "by_hs_id": by_hs, "by_name": by_name,
                "retainer": retainer.id if retainer else False}

    @staticmethod
    def _kind(product):
        if product.agency_retainer_fee:
            return "retainer"
        policy = product.service_policy
        if policy == "delivered_timesheet":
            return "timesheet"
        if policy == "delivered_milestones":
            return "milestones"
        return "other"

    def map(self, item):
        company = item.extra.get("company")
        if not company:
            raise SyncMappingError("The deal has no associated company.")
        partner_id = self.companies.get(company)
        if not partner_id:
            raise SyncMappingError(
                f"Its company (HubSpot company {company}) is not imported: see the "
                "quarantine, or let the companies sync first.")
        owner = mappers.activity_owner(item.payload)
        values = _map(mappers.deal_values, item.payload, partner_id, self.config["deal_po"],
                      self.users.get(owner, False))
        props = item.payload.get("properties") or {}
        deal_hours = None
        if self.config["retainer_hours"]:
            try:
                deal_hours = parse_number(props.get(self.config["retainer_hours"]))
            except ValueError:
                item.issues.append(f"Property {self.config['retainer_hours']}: "
                                   f"{props.get(self.config['retainer_hours'])!r} is not a "
                                   "number of hours; the rest was imported.")
        lines, hours, issues = _map(mappers.order_lines, item.extra.get("line_items") or [],
                                    self.products, self.config["retainer_hours"], deal_hours)
        item.issues += issues
        rounds = {}
        by_id = {str(raw.get("id")): raw for raw in item.extra.get("line_items") or []}
        for line in lines:
            count, issue = mappers.included_rounds(by_id.get(str(line.get("line_item_id"))),
                                                   self.config.get("included_rounds"))
            if issue:
                item.issues.append(issue)
            if count is not None:
                rounds[str(line.get("line_item_id"))] = count
        item.extra["rounds"] = rounds
        if rounds:  # a change of the included rounds alone is a change of the deal
            item.hash_extra = dict(item.hash_extra or {}, rounds=rounds)
        values["order_line"] = self._projection(
            (line["product_id"], line["name"], line["quantity"], line["price_unit"],
             line["discount"]) for line in lines)
        values["retainer_hours"] = hours or 0.0
        item.values = values
        item.extra["lines"] = lines

    @staticmethod
    def _projection(rows):
        """Order lines as compared between the deal and the order (zero-quantity lines,
        which rate rules add for routing, left out; a discount only when there is one)."""
        return sorted([[product_id, name, round(qty, 4), round(price, 4)]
                       + ([round(discount, 2)] if discount else [])
                       for product_id, name, qty, price, discount in rows if qty], key=repr)

    def current_values(self, record, fnames):
        values = super().current_values(record, [f for f in fnames if f != "order_line"])
        if "order_line" in fnames:
            values["order_line"] = self._projection(
                (line.product_id.id, line.name, line.product_uom_qty, line.price_unit,
                 line.discount) for line in record.order_line if not line.display_type)
        return values

    def _line_commands(self, lines):
        return [Command.create({"product_id": line["product_id"], "name": line["name"],
                                "product_uom_qty": line["quantity"],
                                "price_unit": line["price_unit"],
                                "discount": line["discount"]}) for line in lines]

    def create_records(self, items):
        vals_list = []
        for item in items:
            values = {k: v for k, v in item.values.items() if k != "order_line"}
            values["order_line"] = self._line_commands(item.extra["lines"])
            vals_list.append(values)
        orders = self.model.with_context(tracking_disable=True, mail_create_nolog=True,
                                         mail_create_nosubscribe=True).create(vals_list)
        if self.config["confirm_orders"]:
            orders.action_confirm()
            self._projects(orders, items)
        for order, item in zip(orders, items, strict=True):
            self._deliverables(order, item)
        return orders

    def _deliverables(self, order, item):
        """The deliverable of each order line whose line item says its included revision
        rounds: created (named after the line, priced by the hour at the contract's rates
        until someone sets a fixed price), or its included rounds updated."""
        rounds = item.extra.get("rounds") or {}
        if not rounds:
            return
        sale_lines = order.order_line.filtered(lambda sol: not sol.display_type)
        Deliverable = self.env["agency.deliverable"]
        existing = {d.sale_line_id.id: d for d in Deliverable.search(
            [("sale_order_id", "=", order.id), ("sale_line_id", "!=", False)])}
        create = []
        for line in item.extra.get("lines") or []:
            count = rounds.get(str(line.get("line_item_id")))
            if count is None:
                continue
            sol = next((s for s in sale_lines.sorted("id") if s.product_id.id ==
                        line["product_id"] and s.name == line["name"]), None)
            if not sol:
                continue
            deliverable = existing.get(sol.id)
            if deliverable:
                if deliverable.included_rounds != count:
                    deliverable.included_rounds = count
            else:
                create.append({"name": line["name"], "sale_order_id": order.id,
                               "sale_line_id": sol.id, "included_rounds": count,
                               "extra_round_pricing": "hourly"})
        if create:
            Deliverable.create(create)

    def _projects(self, orders, items):
        """A billable project per confirmed order (named after the deal), and a milestone
        per fixed-fee line."""
        Project = self.env["project.project"].with_context(tracking_disable=True,
                                                           mail_create_nolog=True)
        todo = [(order, item) for order, item in zip(orders, items, strict=True)
                if not order.project_ids]
        projects = Project.create([{
            "name": order.origin or order.name, "partner_id": order.partner_id.id,
            "allow_billable": True, "allow_timesheets": True,
            "company_id": order.company_id.id,
            "sale_line_id": (order.order_line.filtered(
                lambda sol: sol.product_id.service_policy == "delivered_timesheet")[:1].id
                or False),
        } for order, _item in todo])
        milestones = []
        for (order, _item), project in zip(todo, projects, strict=True):
            order.project_id = project
            for line in order.order_line.filtered(
                    lambda sol: sol.product_id.service_policy == "delivered_milestones"):
                milestones.append({"name": line.name, "project_id": project.id,
                                   "sale_line_id": line.id, "quantity_percentage": 1.0})
        if milestones:
            self.env["project.milestone"].create(milestones)

    def _update(self, item):
        """…and the deliverables of its lines (their included rounds may be all that
        changed)."""
        conflicts = super()._update(item)
        self._deliverables(item.record, item)
        return conflicts

    def update_record(self, item, values):
        lines = values.pop("order_line", None)
        order = item.record
        if values:
            order.write(values)
        if lines is None:
            return
        if order.state in ("draft", "sent"):
            order.order_line.filtered(lambda sol: not sol.display_type).unlink()
            order.order_line = self._line_commands(item.extra["lines"])
            return
        self.conflict(item, "order_line", self.current_values(order, ["order_line"])[
            "order_line"], lines, label="Order lines",
            note="The deal's line items changed in HubSpot after its order was confirmed. "
                 "A signed contract is not changed by the sync: change the order by hand "
                 "(or with a change request), then Keep Odoo.")

    def take_source(self, conflict, record):
        if conflict.field_name == "state":
            if record.invoice_ids.filtered(lambda move: move.state != "cancel"):
                raise UserError(self.env._(
                    "The order %s is invoiced: it cannot be cancelled. Keep Odoo, or credit "
                    "the invoices first.", record.name))
            record._action_cancel()
        elif conflict.field_name == "order_line":
            if record.state not in ("draft", "sent"):
                raise UserError(self.env._(
                    "The order %s is confirmed: change its lines by hand (or with a change "
                    "request), then Keep Odoo.", record.name))
        else:
            record.write({conflict.field_name: conflict.source_raw})
        self.backend._agency_sync_keep_odoo(conflict)


# ---------------------------------------------------------------------------
# Calls, meetings, emails → time entries
# ---------------------------------------------------------------------------


class ActivityImporter(TimeEntryWritePath, HubSpotImporter):
    """HubSpot calls, meetings (and emails) → time entries of the owner's employee.

    Entries are created and updated only through ``account.analytic.line``'s importer
    write path (``_agency_import_create`` / ``_agency_import_write``), so they are
    classified (hint *Client communication*), rated, rounded and budgeted like manual
    ones. The project: the associated deal's order's, else the associated company's
    single active project; else, by the account's ``no_contract_policy``, the client's
    communication project (non-billable, created once per client) or the quarantine.
    An invoiced entry is never changed: a later edit in HubSpot becomes a conflict, and so
    does a deletion.
    """

    res_model = "account.analytic.line"
    activity_type = None
    HINT = "client_communication"
    OWNERSHIP = {"name": "source", "date": "source", "unit_amount": "source",
                 "employee_id": "source", "project_id": "odoo"}

    def properties(self):
        title, body = mappers.ACTIVITY_TITLES[self.activity_type]
        props = ["hs_timestamp", "hubspot_owner_id", title, body]
        if self.activity_type == "call":
            props += ["hs_call_duration", "hs_call_direction", "hs_call_status"]
        elif self.activity_type == "meeting":
            props += ["hs_meeting_start_time", "hs_meeting_end_time", "hs_meeting_outcome"]
        return props

    def fetch(self, items):
        if not items or not self.adapter:
            return
        ids = [item.external_id for item in items]
        deals = self.adapter.associations(self.object_type, "deals", ids)
        companies = self.adapter.associations(self.object_type, "companies", ids)
        for item in items:
            item.extra["deals"] = [did for did, _types in deals.get(item.external_id) or []]
            item.extra["companies"] = [cid for cid, _types in
                                       companies.get(item.external_id) or []]

    def prepare(self, items):
        owner_ids = {mappers.activity_owner(item.payload) for item in items} - {None}
        Owner = self.env["agency.hubspot.owner"]
        self.owners = {o.owner_id: o for o in Owner.search(
            [("backend_id", "=", self.backend.id), ("owner_id", "in", list(owner_ids))])}
        deal_ids = {d for item in items for d in item.extra.get("deals") or []}
        orders = self.binder_for("deal").to_internal_ids(deal_ids)
        company_ids = {c for item in items for c in item.extra.get("companies") or []}
        partners = self.binder_for("company").to_internal_ids(company_ids)
        Order = self.env["sale.order"]
        order_records = Order.browse(set(orders.values())).exists()
        order_project = {}
        for order in order_records:
            project = order.project_id or order.project_ids[:1]
            order_project[order.id] = (project.id if project and project.active else False,
                                       order.partner_id.commercial_partner_id.id)
        partner_ids = set(partners.values()) | {p for _proj, p in order_project.values()}
        communication = self.binder_for("communication", "project.project")
        own = communication.to_internal_ids([str(p) for p in partner_ids])
        single, counts = {}, {}
        for partner, count, ids in self.env["project.project"]._read_group(
                [("partner_id", "in", list(partner_ids)), ("allow_timesheets", "=", True),
                 ("id", "not in", list(own.values()))],
                ["partner_id"], ["__count", "id:array_agg"]):
            counts[partner.id] = count
            if count == 1:
                single[partner.id] = ids[0]
        self.lookups = {"orders": orders, "order_project": order_project,
                        "partners": partners, "single": single, "counts": counts,
                        "communication": {int(p): pid for p, pid in own.items()}}
        if self.config["no_contract_policy"] == "communication":
            self._communication_projects(items, communication)

    def _project(self, item):
        """The project of an activity: its deal's order's; else the single project of
        a client it is associated with; else (policy *communication*) the communication
        project of a client that has no project at all; else None."""
        look = self.lookups
        for deal in item.extra.get("deals") or []:
            project, _partner = look["order_project"].get(look["orders"].get(deal),
                                                          (None, None))
            if project:
                return project
        clients = self._clients(item)
        for partner in clients:
            if partner in look["single"]:
                return look["single"][partner]
        if self.config["no_contract_policy"] == "communication":
            for partner in clients:
                if partner in look["communication"] and not look["counts"].get(partner):
                    return look["communication"][partner]
        return None

    def _clients(self, item):
        """The client partners an activity is associated with (deals' orders first)."""
        look = self.lookups
        partners = []
        for deal in item.extra.get("deals") or []:
            _project, partner = look["order_project"].get(look["orders"].get(deal),
                                                          (None, None))
            if partner:
                partners.append(partner)
        partners += [look["partners"][c] for c in item.extra.get("companies") or []
                     if c in look["partners"]]
        return list(dict.fromkeys(partners))

    def _communication_projects(self, items, binder):
        """Policy *communication*: the communication project of each client of the batch
        that has no project (no contract yet), created once per client (bound on the
        account, type ``communication``, by the client's partner id)."""
        look = self.lookups
        wanted = []
        for item in items:
            if item.error or self._project(item):
                continue
            wanted += [p for p in self._clients(item)
                       if not look["counts"].get(p) and p not in look["communication"]]
        wanted = list(dict.fromkeys(wanted))
        if not wanted:
            return
        partners = self.env["res.partner"].browse(wanted)
        projects = self.env["project.project"].with_context(
            tracking_disable=True, mail_create_nolog=True).create([{
                "name": self.env._("%s — Client communication", partner.name),
                "partner_id": partner.id, "company_id": self.backend.company_id.id,
                "allow_timesheets": True, "allow_billable": False,
            } for partner in partners])
        binder.bind_many([(str(partner.id), project, {})
                          for partner, project in zip(partners, projects, strict=True)])
        for partner, project in zip(partners, projects, strict=True):
            look["communication"][partner.id] = project.id
            if self.run:
                self.run._agency_log(self.env._(
                    "Client communication project created for %s (calls and meetings "
                    "without a contract: non-billable).", partner.name))

    def map(self, item):
        hours = _map(mappers.activity_hours, item.payload, self.activity_type,
                     self.config["email_minutes"])
        if not hours and not item.binding:
            item.outcome = "skipped"  # a zero-length call (no answer) imports nothing
            return
        moment = _map(mappers.activity_moment, item.payload)
        owner_id = mappers.activity_owner(item.payload)
        if not owner_id:
            raise SyncMappingError(f"The {self.activity_type} has no owner "
                                   "(hubspot_owner_id): whose time is it?")
        owner = self.owners.get(owner_id)
        if not owner or not owner.employee_id:
            who = f"{owner.name} <{owner.email}>" if owner else "unknown"
            raise SyncMappingError(
                f"Owner not mapped: HubSpot owner {owner_id} ({who}) has no employee. Map it "
                "on the HubSpot account's Owners tab (or give the employee that work "
                "email), then Retry.")
        project = self._project(item)
        if not project:
            raise SyncMappingError(
                f"No project: the {self.activity_type} is associated with no deal whose "
                "order has a project, and none of its companies has a single active project.")
        employee = owner.employee_id
        item.values = {
            "name": mappers.activity_description(item.payload, self.activity_type),
            "date": fields.Date.to_string(self.env["account.analytic.line"]._agency_entry_date(
                moment, employee)),
            "unit_amount": hours,
            "employee_id": employee.id,
            "project_id": project,
        }
        if project in self.lookups["communication"].values():
            # No contract covers it: unbilled client time, never billed by a rule.
            item.values["source_non_billable"] = True
        self.check_entry(item, employee)

    def create_records(self, items):
        vals_list = [{
            **item.values,
            "source": "hubspot",
            "external_ref": f"hubspot:{self.activity_type}:{item.external_id}",
            "external_activity_type": self.activity_type,
            "service_type_hint": self.HINT,
            **self.hold_values(item),
        } for item in items]
        return self.env["account.analytic.line"]._agency_import_create(vals_list)

    def invoiced_change_note(self):
        return (f"The HubSpot {self.activity_type} changed after its time entry was "
                "invoiced. Invoiced time never changes: credit the invoice and correct the "
                "entry by hand if the change is right, then Keep Odoo.")

    def archive_records(self, records):
        """A deleted activity's entry is not removed by the sync: a person decides."""
        by_record = self.binder.to_external_many(records)
        for entry in records:
            binding = by_record.get(entry.id)
            self.conflict(SyncItem(external_id=binding.external_id if binding else "",
                                   payload={}, binding=binding, record=entry),
                          "unlink", "kept", "deleted in HubSpot", label="Deleted at source",
                          note=(f"The HubSpot {self.activity_type} was deleted. Take Source "
                                "deletes the time entry (not if invoiced); Keep Odoo keeps "
                                "it."))


class CallImporter(ActivityImporter):
    external_type = activity_type = "call"
    object_type = "calls"


class MeetingImporter(ActivityImporter):
    external_type = activity_type = "meeting"
    object_type = "meetings"


class EmailImporter(ActivityImporter):
    external_type = activity_type = "email"
    object_type = "emails"


IMPORTERS = {
    "company": CompanyImporter,
    "contact": ContactImporter,
    "deal": DealImporter,
    "rate": RateImporter,
    "call": CallImporter,
    "meeting": MeetingImporter,
    "email": EmailImporter,
}
# Types read from HubSpot, in dependency order (a contact needs its company...).
SYNC_ORDER = ("company", "contact", "deal")

"""HubSpot records → Odoo values (no database).

Each mapper takes a record as HubSpot's API shapes it (``{"id", "properties": {...},
...}``), the backend's configuration and the lookups its importer fetched for the batch
(plain dicts of ids), and returns plain values. A record that cannot be imported raises
:class:`MappingError`; a bad property is reported in ``issues`` (named, with its value)
and left out, so the rest of the record is imported.
"""

from .values import MappingError, parse_bool, parse_number, parse_time, strip_html, text

BILLING_CYCLES = ("weekly", "biweekly", "monthly", "milestone", "manual")
DETAIL_LEVELS = ("summary", "service_type", "role", "task", "annex")
# HubSpot dropdowns often carry Odoo's labels rather than its keys: both are accepted.
CYCLE_WORDS = {"every two weeks": "biweekly", "two weekly": "biweekly", "twoweekly": "biweekly",
               "fortnightly": "biweekly", "on milestones only": "milestone",
               "milestones": "milestone"}
DETAIL_WORDS = {"by service type": "service_type", "by role": "role", "by task": "task",
                "full time-entry annex": "annex", "full annex": "annex"}
ROUNDING_METHODS = ("company", "none", "up", "nearest")
# Kinds of the account's value mappings (a HubSpot value → Odoo's key), one per property.
VALUE_KINDS = ("billing_cycle", "invoice_detail", "rounding", "po_required", "einvoice_format")
# E-invoice formats as HubSpot users spell them → Odoo's format keys (Odoo's own keys and
# labels are accepted too); "none" means PDF only.
EINVOICE_WORDS = {"peppol": "ubl_bis3", "peppol bis 3": "ubl_bis3", "peppol bis3": "ubl_bis3",
                  "bis 3": "ubl_bis3", "bis3": "ubl_bis3", "x-rechnung": "xrechnung",
                  "factur-x": "facturx", "zugferd": "facturx", "pdf": "none",
                  "pdf only": "none", "no": "none"}
# Odoo fields the company mapper writes (the importer's ownership defaults list them).
COMPANY_FIELDS = (
    "name", "is_company", "website", "phone", "street", "street2", "city", "zip",
    "country_id", "state_id", "property_payment_term_id", "billing_cycle", "po_required",
    "invoice_detail_level", "time_rounding", "time_rounding_unit", "time_rounding_minimum",
    "invoice_edi_format",
)
CONTACT_FIELDS = ("name", "email", "phone", "function", "parent_id", "type")
DEAL_FIELDS = ("partner_id", "client_order_ref", "origin", "date_order", "user_id")


def _props(record):
    return record.get("properties") or {}


def _issue(prop, value, expected):
    return f"Property {prop}: {value!r} is not {expected}; the rest was imported."


# ---------------------------------------------------------------------------
# Companies → client partners
# ---------------------------------------------------------------------------


def website(domain):
    """A company domain as a website address.

    >>> website("acme.test"), website("https://acme.test/"), website(None)
    ('https://acme.test', 'https://acme.test/', False)
    """
    domain = text(domain)
    if not domain:
        return False
    return domain if "://" in domain else f"https://{domain}"


def parse_rounding(value):
    """A rounding property: ``method[:unit[:minimum]]`` in minutes, e.g. ``up:15``,
    ``nearest:6:15``, ``none``, ``company``. Returns Odoo's three values.

    >>> parse_rounding("up:15"), parse_rounding("nearest:6:15"), parse_rounding("none")
    ((('time_rounding', 'up'), ('time_rounding_unit', 15)), \
(('time_rounding', 'nearest'), ('time_rounding_unit', 6), ('time_rounding_minimum', 15)), \
(('time_rounding', 'none'),))
    >>> parse_rounding("up:0")
    Traceback (most recent call last):
    ...
    ValueError: up:0
    """
    parts = [part.strip().lower() for part in str(value).split(":")]
    method = parts[0]
    if method not in ROUNDING_METHODS or len(parts) > 3:
        raise ValueError(value)
    values = [("time_rounding", method)]
    numbers = []
    for part in parts[1:]:
        if not part.isdigit():
            raise ValueError(value)
        numbers.append(int(part))
    if method in ("up", "nearest"):
        if not numbers or numbers[0] <= 0:
            raise ValueError(value)
    elif numbers:
        raise ValueError(value)
    if numbers:
        values.append(("time_rounding_unit", numbers[0]))
    if len(numbers) > 1:
        values.append(("time_rounding_minimum", numbers[1]))
    return tuple(values)


def company_values(record, config, lookups):
    """A HubSpot company as a client partner (``is_company``).

    :param config: property names: ``payment_terms``, ``billing_cycle``, ``po_required``,
        ``detail_level``, ``rounding`` (a missing name is not mapped)
    :param lookups: ``countries`` {ISO code or lower-case name: id}, ``states``
        {(country id, code or lower-case name): id}, ``payment_terms`` {lower-case
        value: id} (the backend's mapping and the terms' own names)
    :returns: (values, issues)

    >>> config = {"billing_cycle": "agency_billing_cycle", "rounding": "agency_time_rounding"}
    >>> lookups = {"countries": {"US": 233}, "states": {(233, "CA"): 13}}
    >>> rec = {"id": "11", "properties": {"name": "Acme", "domain": "acme.test",
    ...        "country": "US", "state": "CA", "agency_billing_cycle": "yearly",
    ...        "agency_time_rounding": "up:15"}}
    >>> values, issues = company_values(rec, config, lookups)
    >>> values["website"], values["country_id"], values["state_id"], values["time_rounding"]
    ('https://acme.test', 233, 13, 'up')
    >>> "billing_cycle" in values, issues
    (False, ["Property agency_billing_cycle: 'yearly' is not one of weekly, biweekly, \
monthly, milestone, manual; the rest was imported."])
    """
    props = _props(record)
    name = text(props.get("name"))
    if not name:
        raise MappingError("The company has no name.")
    issues = []
    values = {
        "name": name,
        "is_company": True,
        "website": website(props.get("domain")),
        "phone": text(props.get("phone")) or False,
        "street": text(props.get("address")) or False,
        "street2": text(props.get("address2")) or False,
        "city": text(props.get("city")) or False,
        "zip": text(props.get("zip")) or False,
    }
    countries = lookups.get("countries") or {}
    country = text(props.get("country"))
    country_id = False
    if country:
        country_id = countries.get(country.upper()) or countries.get(country.lower()) or False
        if not country_id:
            issues.append(_issue("country", country, "a known country"))
    values["country_id"] = country_id
    state = text(props.get("state"))
    states = lookups.get("states") or {}
    values["state_id"] = (country_id and state and (
        states.get((country_id, state.upper())) or states.get((country_id, state.lower()))
    )) or False
    _billing_preferences(props, config, lookups, values, issues)
    return values, issues


# The accepted values of each preference property, as the issue text names them.
PO_VALUES = ("true", "false")


def _mapped(config, kind, value):
    """The Odoo key an account maps a HubSpot value to (any case, spaces collapsed)."""
    maps = (config.get("value_maps") or {}).get(kind) or {}
    return maps.get(" ".join(str(value).lower().split()))


def _accepted(config, kind, keys):
    """The accepted values of a property, for a person: Odoo's keys and the account's
    mapped HubSpot values."""
    mapped = sorted((config.get("value_maps") or {}).get(kind) or {})
    text_ = "one of " + ", ".join(keys)
    if mapped:
        text_ += " (or a mapped value: " + ", ".join(mapped) + ")"
    return text_


def check_value(kind, value, formats=()):
    """Whether ``value`` is an Odoo key a value mapping of ``kind`` may point at (the
    mapping form refuses others); ``formats``: Odoo's e-invoice format keys.

    >>> check_value("billing_cycle", "milestone"), check_value("rounding", "up:15")
    (True, True)
    >>> check_value("invoice_detail", "by service"), check_value("po_required", "maybe")
    (False, False)
    >>> check_value("einvoice_format", "xrechnung", ("xrechnung", "ubl_bis3"))
    True
    >>> check_value("einvoice_format", "peppol", ("xrechnung", "ubl_bis3"))
    False
    """
    value = (value or "").strip()
    if kind == "einvoice_format":
        return value == "none" or value in formats
    if kind == "billing_cycle":
        return value in BILLING_CYCLES
    if kind == "invoice_detail":
        return value in DETAIL_LEVELS
    try:
        if kind == "rounding":
            return bool(parse_rounding_value(value))
        if kind == "po_required":
            return parse_bool(value) is not None
    except ValueError:
        return False
    return False


def parse_rounding_value(value):
    """A rounding property as HubSpot users type it: ``method[:unit[:minimum]]`` or a bare
    number of minutes, which means *up to N minutes*.

    >>> parse_rounding_value("15"), parse_rounding_value("none")
    ((('time_rounding', 'up'), ('time_rounding_unit', 15)), (('time_rounding', 'none'),))
    """
    text_ = str(value).strip()
    if text_.isdigit():
        return parse_rounding(f"up:{text_}")
    return parse_rounding(text_)


def _billing_preferences(props, config, lookups, values, issues):
    """The client's billing preferences: each property's value mapped on the account
    (``value_maps``) first, then Odoo's own keys and the built-in synonyms."""
    prop = config.get("payment_terms")
    value = text(props.get(prop)) if prop else None
    if value:
        term = (lookups.get("payment_terms") or {}).get(value.lower())
        if term:
            values["property_payment_term_id"] = term
        else:
            issues.append(_issue(prop, value, "a mapped payment term"))
    prop = config.get("billing_cycle")
    value = text(props.get(prop)) if prop else None
    if value:
        lowered = " ".join(value.lower().split())
        cycle = _mapped(config, "billing_cycle", value) or CYCLE_WORDS.get(
            lowered, lowered.replace("-", ""))
        if cycle in BILLING_CYCLES:
            values["billing_cycle"] = cycle
        else:
            issues.append(_issue(prop, value, _accepted(config, "billing_cycle",
                                                        BILLING_CYCLES)))
    prop = config.get("po_required")
    value = text(props.get(prop)) if prop else None
    if value is not None:
        try:
            values["po_required"] = parse_bool(_mapped(config, "po_required", value) or value)
        except ValueError:
            issues.append(_issue(prop, value, _accepted(config, "po_required", PO_VALUES)))
    prop = config.get("detail_level")
    value = text(props.get(prop)) if prop else None
    if value:
        lowered = " ".join(value.lower().split())
        level = _mapped(config, "invoice_detail", value) or DETAIL_WORDS.get(
            lowered, lowered.replace(" ", "_").replace("-", "_"))
        if level in DETAIL_LEVELS:
            values["invoice_detail_level"] = level
        else:
            issues.append(_issue(prop, value, _accepted(config, "invoice_detail",
                                                        DETAIL_LEVELS)))
    _einvoice_format(props, config, lookups, values, issues)
    prop = config.get("rounding")
    value = text(props.get(prop)) if prop else None
    if value:
        try:
            values.update(parse_rounding_value(_mapped(config, "rounding", value) or value))
        except ValueError:
            issues.append(_issue(prop, value, _accepted(
                config, "rounding", ("a number of minutes (up to it)", "up:15",
                                     "nearest:6:15", "none", "company"))))


def _einvoice_format(props, config, lookups, values, issues):
    """The client's e-invoice format (``invoice_edi_format``): the property's value mapped
    on the account, else Odoo's key or label, else a common spelling; ``none``: PDF only.

    >>> lookups = {"einvoice_formats": {"xrechnung": "XRechnung CIUS",
    ...                                 "ubl_bis3": "BIS Billing 3.0"}}
    >>> config = {"einvoice_format": "fmt", "value_maps": {"einvoice_format": {
    ...     "e-rechnung (bund)": "xrechnung"}}}
    >>> def run(value):
    ...     values, issues = {}, []
    ...     _einvoice_format({"fmt": value}, config, lookups, values, issues)
    ...     return values.get("invoice_edi_format", "-"), issues
    >>> run("E-Rechnung  (Bund)"), run("BIS Billing 3.0"), run("Peppol"), run("PDF only")
    (('xrechnung', []), ('ubl_bis3', []), ('ubl_bis3', []), (False, []))
    >>> print(run("EDIFACT")[1][0])
    Property fmt: 'EDIFACT' is not one of none, xrechnung, ubl_bis3 (or a mapped value: \
e-rechnung (bund)); the rest was imported.
    """
    prop = config.get("einvoice_format")
    value = text(props.get(prop)) if prop else None
    if not value:
        return
    formats = lookups.get("einvoice_formats") or {}
    lowered = " ".join(value.lower().split())
    by_label = {label.lower(): key for key, label in formats.items()}
    key = _mapped(config, "einvoice_format", value) or (
        lowered if lowered in formats else by_label.get(lowered)
        or EINVOICE_WORDS.get(lowered))
    if key == "none":
        values["invoice_edi_format"] = False
    elif key in formats:
        values["invoice_edi_format"] = key
    else:
        issues.append(_issue(prop, value, _accepted(config, "einvoice_format",
                                                    ("none", *formats))))


def rate_agreements(record, rate_properties):
    """The client's negotiated rates kept as company properties.

    :param rate_properties: property names to read
    :returns: ({property: rate}, issues); an empty property has no rate

    >>> rec = {"id": "11", "properties": {"agency_rate_cd": "165", "agency_rate_dsg": "abc",
    ...        "agency_rate_am": ""}}
    >>> props = ["agency_rate_cd", "agency_rate_dsg", "agency_rate_am"]
    >>> rates, issues = rate_agreements(rec, props)
    >>> rates
    {'agency_rate_cd': 165.0}
    >>> issues
    ["Property agency_rate_dsg: 'abc' is not a positive hourly rate; the rest was imported."]
    """
    props = _props(record)
    rates, issues = {}, []
    for prop in rate_properties:
        raw = props.get(prop)
        try:
            rate = parse_number(raw)
        except ValueError:
            rate = -1
        if rate is None:
            continue
        if rate <= 0:
            issues.append(_issue(prop, raw, "a positive hourly rate"))
            continue
        rates[prop] = round(rate, 2)
    return rates, issues


# ---------------------------------------------------------------------------
# Contacts → contacts of their company; billing contacts
# ---------------------------------------------------------------------------


def contact_company(record):
    """The contact's primary company id (``associatedcompanyid``), or None.

    >>> contact_company({"properties": {"associatedcompanyid": "11"}})
    '11'
    """
    return text(_props(record).get("associatedcompanyid"))


def contact_values(record, company_partner_id, billing_property):
    """A HubSpot contact as a contact of its client.

    :returns: (values, billing flag or None when the property is empty, issues)

    >>> rec = {"id": "5", "properties": {"firstname": "Bea", "lastname": "Billing",
    ...        "email": "bea@acme.test", "agency_billing_contact": "true"}}
    >>> values, billing, issues = contact_values(rec, 42, "agency_billing_contact")
    >>> values["name"], values["parent_id"], billing, issues
    ('Bea Billing', 42, True, [])
    """
    props = _props(record)
    name = " ".join(part for part in (text(props.get("firstname")),
                                      text(props.get("lastname"))) if part)
    email = text(props.get("email"))
    if not name and not email:
        raise MappingError("The contact has neither a name nor an email.")
    values = {
        "name": name or email,
        "email": email or False,
        "phone": text(props.get("phone")) or text(props.get("mobilephone")) or False,
        "function": text(props.get("jobtitle")) or False,
        "parent_id": company_partner_id,
        "type": "contact",
    }
    issues, billing = [], None
    if billing_property and text(props.get(billing_property)) is not None:
        try:
            billing = parse_bool(props.get(billing_property))
        except ValueError:
            issues.append(_issue(billing_property, props.get(billing_property), "true or false"))
    return values, billing, issues


# ---------------------------------------------------------------------------
# Deals and line items → sale orders
# ---------------------------------------------------------------------------


def deal_is_won(record, won_stages):
    """Whether the deal sits in a won stage of its pipeline.

    :param won_stages: {(pipeline, stage)}; pipeline ``*`` matches any pipeline

    >>> deal_is_won({"properties": {"pipeline": "default", "dealstage": "closedwon"}},
    ...             {("default", "closedwon")})
    True
    >>> deal_is_won({"properties": {"pipeline": "p2", "dealstage": "closedwon"}},
    ...             {("*", "closedwon")})
    True
    """
    props = _props(record)
    pipeline, stage = text(props.get("pipeline")) or "default", text(props.get("dealstage"))
    return (pipeline, stage) in won_stages or ("*", stage) in won_stages


def deal_values(record, partner_id, po_property, user_id=False):
    """A won deal as the contract's order values (lines apart: :func:`order_lines`).

    >>> rec = {"id": "9", "properties": {"dealname": "Spring campaign",
    ...        "closedate": "2026-03-01T00:00:00Z", "agency_po_number": "PO-77"}}
    >>> deal_values(rec, 42, "agency_po_number")["client_order_ref"]
    'PO-77'
    """
    props = _props(record)
    if not partner_id:
        raise MappingError("The deal has no associated company.")
    closed = parse_time(props.get("closedate"))
    values = {
        "partner_id": partner_id,
        "client_order_ref": (text(props.get(po_property)) if po_property else None) or False,
        "origin": text(props.get("dealname")) or f"HubSpot deal {record.get('id')}",
        "user_id": user_id or False,
    }
    if closed:  # else the order is dated when it is created
        values["date_order"] = closed.strftime("%Y-%m-%d %H:%M:%S")
    return values


def _is_recurring(props):
    return bool(text(props.get("hs_recurring_billing_period"))
                or text(props.get("recurringbillingfrequency")))


def line_discount(props, name, quantity, price):
    """A line item's discount as Odoo's order line takes it: ``(price_unit, discount %)``.

    ``hs_discount_percentage`` is a percentage; ``discount`` an amount off each unit
    (HubSpot's *Unit discount*). An amount becomes the percentage that gives the same
    line total to the cent; when no percentage at Odoo's two decimals does, the unit
    price is lowered by the amount instead (no discount shown, the total exact).

    >>> line_discount({"hs_discount_percentage": "10"}, "Design", 10.0, 120.0)
    (120.0, 10.0)
    >>> line_discount({"discount": "12"}, "Design", 40.0, 120.0)
    (120.0, 10.0)
    >>> line_discount({"discount": "10"}, "Design", 40.0, 120.0)
    (110.0, 0.0)
    >>> try:
    ...     line_discount({"discount": "lots"}, "Design", 1.0, 120.0)
    ... except MappingError as exc:
    ...     print(exc)
    Line item 'Design': property discount: 'lots' is not an amount.
    """
    try:
        percentage = parse_number(props.get("hs_discount_percentage"))
    except ValueError:
        raise MappingError(f"Line item {name!r}: property hs_discount_percentage: "
                           f"{props.get('hs_discount_percentage')!r} is not a percentage.")
    try:
        amount = parse_number(props.get("discount"))
    except ValueError:
        raise MappingError(f"Line item {name!r}: property discount: "
                           f"{props.get('discount')!r} is not an amount.")
    if percentage:
        if not 0 < percentage <= 100:
            raise MappingError(f"Line item {name!r}: property hs_discount_percentage: "
                               f"{props.get('hs_discount_percentage')!r} is not a "
                               "percentage between 0 and 100.")
        return price, round(percentage, 2)
    if not amount:
        return price, 0.0
    if amount < 0 or amount > price:
        raise MappingError(f"Line item {name!r}: property discount: {props.get('discount')!r} "
                           f"is not an amount between 0 and the unit price ({price:g}).")
    wanted = round(quantity * (price - amount), 2)
    percent = round(amount / price * 100, 2)
    if round(quantity * price * (1 - percent / 100), 2) == wanted:
        return price, percent
    return round(price - amount, 6), 0.0


def order_lines(line_items, products, retainer_property=None, deal_retainer_hours=None):
    """Line items as order lines: hourly items → hourly service lines, fixed-fee items →
    milestone lines, a recurring item → the retainer fee line (and the retainer hours).

    :param products: lookups ``by_hs_id`` {HubSpot product id: (product id, kind)},
        ``by_sku`` {SKU: (product id, kind)}, ``by_name`` [(lower-case words, product id,
        kind)], ``retainer`` (product id of the shipped retainer fee); kind is
        ``timesheet``, ``milestones``, ``retainer`` or ``other``
    :returns: (lines, retainer hours or None, issues); a line is a dict ``kind``,
        ``product_id``, ``name``, ``quantity``, ``price_unit``, ``discount`` (%),
        ``line_item_id`` (discounts: :func:`line_discount`)
    :raises MappingError: a line item whose product cannot be found

    >>> products = {"by_sku": {"AGY-DSGN": (7, "timesheet"), "AGY-FIXED": (8, "milestones")},
    ...             "by_name": [("strategy", 3, "timesheet")], "retainer": 9}
    >>> items = [
    ...   {"id": "1", "properties": {"name": "Design", "hs_sku": "AGY-DSGN", "quantity": "40",
    ...    "price": "120"}},
    ...   {"id": "2", "properties": {"name": "Launch", "hs_sku": "AGY-FIXED", "quantity": "1",
    ...    "price": "5000"}},
    ...   {"id": "3", "properties": {"name": "Strategy sessions", "quantity": "10",
    ...    "price": "160"}},
    ...   {"id": "4", "properties": {"name": "Monthly retainer", "price": "8000",
    ...    "hs_recurring_billing_period": "P12M", "agency_retainer_hours": "40"}}]
    >>> lines, hours, issues = order_lines(items, products, "agency_retainer_hours")
    >>> [(l["kind"], l["product_id"], l["quantity"], l["price_unit"]) for l in lines]
    [('timesheet', 7, 40.0, 120.0), ('milestones', 8, 1.0, 5000.0), \
('timesheet', 3, 10.0, 160.0), ('retainer', 9, 1.0, 8000.0)]
    >>> hours, issues
    (40.0, [])
    """
    lines, issues, retainer_hours = [], [], None
    for item in sorted(line_items, key=lambda i: (int(_props(i).get("hs_position_on_quote")
                                                      or 0), str(i.get("id")))):
        props = _props(item)
        name = text(props.get("name")) or f"Line item {item.get('id')}"
        try:
            quantity = parse_number(props.get("quantity"))
            price = parse_number(props.get("price")) or 0.0
        except ValueError:
            raise MappingError(f"Line item {name!r} has an unreadable quantity or price.")
        if _is_recurring(props):
            product = _find_product(props, name, products)
            product_id = product[0] if product and product[1] == "retainer" else (
                products.get("retainer"))
            kind = "retainer"
            quantity = 1.0
            hours = props.get(retainer_property) if retainer_property else None
            try:
                parsed = parse_number(hours)
            except ValueError:
                parsed = None
                issues.append(_issue(retainer_property, hours, "a number of hours"))
            if parsed is None and deal_retainer_hours is not None:
                parsed = deal_retainer_hours
            if parsed is not None:
                retainer_hours = (retainer_hours or 0.0) + parsed
        else:
            product = _find_product(props, name, products)
            if not product:
                raise MappingError(
                    f"Line item {name!r} has no product: give it the SKU of an Odoo "
                    f"product (its internal reference) or map its name to a service type.")
            product_id, kind = product
            quantity = 1.0 if quantity is None else quantity
        price_unit, discount = line_discount(props, name, quantity, price)
        lines.append({
            "kind": kind, "product_id": product_id, "name": name,
            "quantity": quantity, "price_unit": price_unit, "discount": discount,
            "line_item_id": str(item.get("id")),
        })
    return lines, retainer_hours, issues


def _find_product(props, name, products):
    hs_id = text(props.get("hs_product_id"))
    if hs_id and hs_id in (products.get("by_hs_id") or {}):
        return products["by_hs_id"][hs_id]
    sku = text(props.get("hs_sku"))
    if sku and sku in (products.get("by_sku") or {}):
        return products["by_sku"][sku]
    lowered = name.lower()
    for words, product_id, kind in products.get("by_name") or []:
        if words and words in lowered:
            return product_id, kind
    return None


# ---------------------------------------------------------------------------
# Calls, meetings, emails → time entries
# ---------------------------------------------------------------------------

ACTIVITY_TITLES = {
    "call": ("hs_call_title", "hs_call_body"),
    "meeting": ("hs_meeting_title", "hs_meeting_body"),
    "email": ("hs_email_subject", "hs_email_text"),
}
CANCELLED_MEETINGS = ("CANCELED", "CANCELLED", "NO_SHOW", "RESCHEDULED")


def activity_hours(record, activity_type, email_minutes=0):
    """Hours of a call (``hs_call_duration``, milliseconds), a meeting (end − start;
    none when cancelled or a no-show) or an email (a fixed number of minutes).

    >>> activity_hours({"properties": {"hs_call_duration": "1800000"}}, "call")
    0.5
    >>> activity_hours({"properties": {"hs_meeting_start_time": "2026-03-02T09:00:00Z",
    ...   "hs_meeting_end_time": "2026-03-02T10:30:00Z"}}, "meeting")
    1.5
    >>> activity_hours({"properties": {}}, "email", email_minutes=6)
    0.1

    A positive duration is never lost: one too short for six decimals of an hour is kept
    raw (the client's rounding bills it).

    >>> activity_hours({"properties": {"hs_call_duration": "1"}}, "call") > 0
    True
    """
    props = _props(record)
    if activity_type == "call":
        try:
            millis = parse_number(props.get("hs_call_duration")) or 0.0
        except ValueError:
            raise MappingError(
                f"Property hs_call_duration: {props.get('hs_call_duration')!r} is not a "
                "duration in milliseconds.")
        return _hours(max(millis, 0.0) / 3_600_000)
    if activity_type == "meeting":
        if (text(props.get("hs_meeting_outcome")) or "").upper() in CANCELLED_MEETINGS:
            return 0.0
        start = parse_time(props.get("hs_meeting_start_time"))
        end = parse_time(props.get("hs_meeting_end_time"))
        if not start or not end:
            raise MappingError("The meeting has no start or end time.")
        return _hours(max((end - start).total_seconds(), 0.0) / 3600)
    return round((email_minutes or 0) / 60, 6)


def _hours(hours):
    """Hours at six decimals; a positive time under that precision stays as it is."""
    rounded = round(hours, 6)
    return rounded if rounded or hours <= 0 else hours


def activity_moment(record):
    """When the activity happened (UTC): ``hs_timestamp``, else (when it is empty) the
    meeting's start. A value that does not parse is an error naming the property: an
    activity date is never guessed from another field (the record's creation...).

    >>> activity_moment({"properties": {"hs_timestamp": "1764497700000"}})
    datetime.datetime(2025, 11, 30, 10, 15)
    >>> try:
    ...     activity_moment({"properties": {"hs_timestamp": "30/10/2026 14h"},
    ...                      "createdAt": "2026-09-01T00:00:00Z"})
    ... except MappingError as exc:
    ...     print(exc)
    Property hs_timestamp: '30/10/2026 14h' is not a date and time; nothing was imported.
    """
    props = _props(record)
    for prop in ("hs_timestamp", "hs_meeting_start_time"):
        value = text(props.get(prop))
        if value is None:
            continue
        moment = parse_time(value)
        if not moment:
            raise MappingError(f"Property {prop}: {value!r} is not a date and time; "
                               "nothing was imported.")
        return moment
    raise MappingError("The activity has no date (hs_timestamp).")


def activity_description(record, activity_type):
    """The time entry's description: the title, else the first words of the notes.

    >>> activity_description({"properties": {"hs_call_body": "<p>Budget call</p>"}}, "call")
    'Budget call'
    >>> activity_description({"properties": {}}, "meeting")
    'HubSpot meeting'
    """
    props = _props(record)
    title, body = ACTIVITY_TITLES[activity_type]
    return (strip_html(props.get(title), 200) or strip_html(props.get(body), 200)
            or f"HubSpot {activity_type}")


def activity_owner(record):
    """The HubSpot owner (user) who logged the activity."""
    return text(_props(record).get("hubspot_owner_id"))


# The line item property read for included revision rounds when no mapping names one.
DEFAULT_ROUNDS_PROPERTY = "agency_included_rounds"


def included_rounds(line_item, prop):
    """Revision rounds a line item includes (its ``prop`` property): ``(rounds or None,
    issue or None)``; empty → ``(None, None)`` (no deliverable).

    >>> included_rounds({"properties": {"agency_included_rounds": "2"}}, "agency_included_rounds")
    (2, None)
    >>> included_rounds({"properties": {"agency_included_rounds": ""}}, "agency_included_rounds")
    (None, None)
    >>> included_rounds({"properties": {"r": "two"}}, "r")[1]
    "Property r: 'two' is not a whole number of revision rounds; the line's deliverable ..."
    """
    raw = _props(line_item).get(prop) if prop else None
    if raw is None or not str(raw).strip():
        return None, None
    try:
        value = parse_number(raw)
    except ValueError:
        value = None
    if value is None or value < 0 or value != int(value):
        return None, (f"Property {prop}: {raw!r} is not a whole number of revision rounds; "
                      "the line's deliverable was left as it is.")
    return int(value), None

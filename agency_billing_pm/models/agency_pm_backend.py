"""A connected Asana workspace or Monday.com account and its sync (on the sync base,
``agency_billing_sync``).

What reaches Odoo: the projects (boards) a person linked on the mapping list, their tasks
(project tasks), the tracked time of those tasks (time entries, through the importers'
write path of ``agency_billing``) and the status that marks a milestone reached. The
provider's own reading (paths, paging, cursors, webhooks) is in
``..components.asana.syncer`` and ``..components.monday.syncer``; what both share
(mappings, policies, importers) is here and in ``..components.importer``.
"""

from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from odoo.addons.agency_billing.access import check_action
from odoo.addons.agency_billing_sync.lib.errors import SyncError
from odoo.addons.agency_billing_sync.lib.payload import redact
from odoo.addons.agency_billing_sync.lib.webhook import WebhookRefused

from ..components.importer import IMPORTERS, SYNC_ORDER
from ..components.syncer import syncer_class

DEFAULT_URLS = {
    "asana": "https://app.asana.com/api/1.0",
    "monday": "https://api.monday.com/v2",
}
APP_URLS = {
    "asana": "https://app.asana.com",
    "monday": "https://monday.com",
}
# How long the backend accepts an Asana webhook handshake after a person opened it.
HANDSHAKE_MINUTES = 10


class AgencyPmBackend(models.Model):
    """A connected Asana workspace or Monday.com account.

    Secrets are readable by administrators only (field groups) and are never logged.
    """

    _name = "agency.pm.backend"
    _inherit = ["agency.sync.backend.mixin"]
    _description = "Project Management Account"
    _order = "provider, name"

    name = fields.Char(required=True)
    active = fields.Boolean(default=True)
    provider = fields.Selection(
        [("asana", "Asana"), ("monday", "Monday.com")], required=True, default="asana"
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    base_url = fields.Char(
        string="API URL",
        required=True,
        compute="_compute_base_url",
        store=True,
        readonly=False,
        precompute=True,
        help="API root of the provider. Change it only to point at a test server.",
    )
    app_url = fields.Char(
        string="App URL", compute="_compute_base_url", store=True, readonly=False,
        precompute=True,
        help="Where tasks open in a browser (links on projects, tasks and time entries).",
    )
    workspace_ref = fields.Char(
        string="Workspace / Account ID", help="Asana workspace gid or Monday.com account id."
    )
    access_token = fields.Char(groups="base.group_system", copy=False)
    webhook_secret = fields.Char(
        groups="base.group_system",
        copy=False,
        help="Monday.com: the app's signing secret (webhook JWTs), or a secret of your "
        "choice added to the webhook URL as ?secret=... for personal tokens. Asana: filled "
        "by the webhook handshake.",
    )
    webhook_secrets = fields.Json(
        groups="base.group_system", copy=False,
        help="Asana: the secrets of the webhook handshakes received (one per webhook).",
    )
    webhook_accept_until = fields.Datetime(
        string="Handshake Open Until", readonly=True, copy=False,
        help="Asana webhook handshakes are accepted until then (a person opened the window).",
    )
    webhook_url = fields.Char(compute="_compute_webhook_url", string="Webhook URL")
    has_credentials = fields.Boolean(compute="_compute_has_credentials")

    # What is synced and how
    project_link_ids = fields.One2many("agency.pm.project.link", "backend_id",
                                       string="Projects and Boards")
    user_ids = fields.One2many("agency.pm.user", "backend_id", string="People")
    value_mapping_ids = fields.One2many("agency.pm.value.mapping", "backend_id",
                                        string="Service Type Values", copy=True)
    service_source = fields.Selection(
        [("custom_field", "Custom field / column"), ("section", "Section / group"),
         ("tag", "Tag")],
        string="Service Type From", default="custom_field", required=True,
        help="Where a task says its service type: an Asana custom field or a Monday.com "
        "status, dropdown or text column (named below), the task's section (Asana) or group "
        "(Monday.com), or a tag. The value is the time's classification hint: "
        "classification rules still come first.")
    service_field = fields.Char(
        string="Service Type Field", default="Service type",
        help="Name of the custom field (Asana) or id or title of the column (Monday.com).")
    milestone_source = fields.Selection(
        [("section", "Section / group"), ("custom_field", "Custom field / status column")],
        string="Milestone Status From", required=True,
        compute="_compute_milestone_source", store=True, readonly=False, precompute=True,
        help="Where a task's approval status is read: its section (Asana) or group "
        "(Monday.com), or a custom field (Asana) or status column (Monday.com).")
    milestone_field = fields.Char(
        string="Status Field", default="Status",
        help="Custom field name (Asana) or status column id or title (Monday.com) when the "
        "status comes from a field.")
    milestone_value = fields.Char(
        string="Milestone Reached When", default="Client approved", required=True,
        help="A task linked to a milestone that reaches this status (case does not matter; "
        "several values separated by commas) marks the milestone reached: its invoice is "
        "drafted by the next billing cron tick. Moving the task back un-invoices nothing: "
        "it becomes a conflict.")
    time_column = fields.Char(
        string="Time Tracking Column",
        help="Monday.com: id or title of the time tracking column (empty: every time "
        "tracking column of the board).")
    time_window_days = fields.Integer(
        string="Time Re-read Window (days)", default=30,
        help="Asana has no modified-since on time entries: each sync re-reads the entries "
        "of this many past days and compares them (edits and deletions inside the window "
        "are seen; older time is taken as settled).")
    not_billable_policy = fields.Selection(
        [("non_billable", "Import as non-billable"), ("skip", "Do not import")],
        string="Not Billable at Source", default="non_billable", required=True,
        help="Time the source marks not billable: imported as non-billable time (it counts "
        "in cost and utilization, never on an invoice), or not imported.")
    unapproved_policy = fields.Selection(
        [("wait", "Wait until approved"), ("import", "Import now")],
        string="Unapproved Time", default="wait", required=True,
        help="Time entries still draft or submitted at the source: imported only once "
        "approved, or imported now (and updated when approved).")
    rejected_policy = fields.Selection(
        [("skip", "Do not import"), ("non_billable", "Import as non-billable")],
        string="Rejected Time", default="skip", required=True,
        help="Time entries rejected at the source: not imported (an entry imported before "
        "is removed while not invoiced), or imported as non-billable time.")
    daily_call_budget = fields.Integer(
        string="API Calls per Day", compute="_compute_daily_call_budget", store=True,
        readonly=False, precompute=True,
        help="At most this many API calls a day (UTC), so the sync never spends the plan's "
        "daily cap (Monday.com: Free 200, Basic and Standard 1,000, Pro 10,000, Enterprise "
        "25,000). 0: no budget. A sync that reaches it stops and continues the next day.")
    daily_calls_used = fields.Integer(string="API Calls Today", readonly=True, copy=False)
    daily_calls_day = fields.Date(readonly=True, copy=False)
    link_count = fields.Integer(string="Linked Projects", compute="_compute_link_count")
    # Records imported and committed together: a Monday.com page (its maximum), five Asana
    # pages (time entries are rated and routed a batch at a time: larger batches cost less
    # per entry).
    sync_batch_size = fields.Integer(default=500)

    @api.depends("provider")
    def _compute_base_url(self):
        for backend in self:
            backend.base_url = DEFAULT_URLS.get(backend.provider)
            backend.app_url = APP_URLS.get(backend.provider)

    @api.depends("provider")
    def _compute_milestone_source(self):
        for backend in self:
            backend.milestone_source = "section" if backend.provider == "asana" else (
                "custom_field")

    @api.depends("provider")
    def _compute_daily_call_budget(self):
        for backend in self:
            backend.daily_call_budget = 1000 if backend.provider == "monday" else 0

    def _compute_has_credentials(self):
        for backend in self:
            backend.has_credentials = bool(backend.sudo().access_token)

    def _compute_webhook_url(self):
        base = self.env["ir.config_parameter"].sudo().get_param("web.base.url", "")
        for backend in self:
            backend.webhook_url = (
                f"{base}/agency_billing/{backend.provider}/webhook/{backend.id}"
                if backend.id else False)

    def _compute_link_count(self):
        counts = dict(self.env["agency.pm.project.link"]._read_group(
            [("backend_id", "in", self.ids), ("project_id", "!=", False),
             ("ignored", "=", False)], ["backend_id"], ["__count"]))
        for backend in self:
            backend.link_count = counts.get(backend, 0)

    # ------------------------------------------------------------------
    # Public actions
    # ------------------------------------------------------------------

    def _agency_syncer(self, run=None):
        self.ensure_one()
        return syncer_class(self.provider)(self, run)

    def _agency_connection_check(self):
        return self._agency_syncer().check()

    def action_agency_discover(self):
        """Read the account's projects (boards) into the mapping list, with suggestions;
        nothing else is synced."""
        self.ensure_one()
        self._agency_check_sync_access()
        backend = self.sudo()  # sudo: the adapter reads the token; access checked above
        try:
            projects = backend._agency_syncer().discover()
        except SyncError as exc:
            raise UserError(redact(str(exc), backend._agency_sync_secrets())) from None
        self.env["agency.pm.project.link"].sudo()._agency_upsert(backend, projects)
        return True

    def action_agency_open_handshake(self):
        """Accept Asana webhook handshakes for the next minutes (create the webhooks in
        Asana, pointed at the Webhook URL, meanwhile)."""
        check_action(self, "write")
        self.sudo().webhook_accept_until = fields.Datetime.now() + timedelta(
            minutes=HANDSHAKE_MINUTES)
        return True

    def action_agency_view_links(self):
        self.ensure_one()
        return {"type": "ir.actions.act_window", "name": _("Projects and Boards"),
                "res_model": "agency.pm.project.link", "view_mode": "list,form",
                "domain": [("backend_id", "=", self.id)],
                "context": {"default_backend_id": self.id}}

    # ------------------------------------------------------------------
    # What the provider syncers use
    # ------------------------------------------------------------------

    def _agency_pm_links(self):
        """The mapping rows to sync: linked to an Odoo project and not ignored."""
        self.ensure_one()
        return self.env["agency.pm.project.link"].sudo().search([
            ("backend_id", "=", self.id), ("project_id", "!=", False), ("ignored", "=", False),
        ], order="id")

    def _agency_pm_spend_calls(self, count=1):
        """Count ``count`` API calls against today's budget (UTC day); raise
        :class:`SyncError` when the budget would be exceeded (not retried: the next sync
        on another day continues)."""
        self.ensure_one()
        backend = self.sudo()
        today = fields.Date.today()
        used = backend.daily_calls_used if backend.daily_calls_day == today else 0
        budget = backend.daily_call_budget or 0
        if budget and used + count > budget:
            raise SyncError(_(
                "The daily budget of %(budget)s API calls of %(name)s is used up; the sync "
                "continues tomorrow (UTC). Raise it on the account if the plan allows.",
                budget=budget, name=backend.display_name))
        backend.write({"daily_calls_used": used + count, "daily_calls_day": today})

    def _agency_pm_hook_secrets(self):
        """Secrets webhook deliveries may be signed with (administrators' data)."""
        self.ensure_one()
        backend = self.sudo()  # sudo: read to check a signature only
        secrets = list(backend.webhook_secrets or [])
        if backend.webhook_secret:
            secrets.append(backend.webhook_secret)
        return [secret for secret in secrets if secret]

    def _agency_pm_accept_hook_secret(self, secret):
        """Keep the secret of an Asana webhook handshake; refused unless a person opened
        the handshake window (so nobody can plant a secret of their own)."""
        self.ensure_one()
        backend = self.sudo()  # sudo: the caller is the vendor; the window decides
        if not secret:
            raise WebhookRefused(400, "missing X-Hook-Secret")
        until = backend.webhook_accept_until
        if not until or until < fields.Datetime.now():
            raise WebhookRefused(403, "no webhook handshake expected")
        secrets = list(backend.webhook_secrets or [])
        if secret not in secrets:
            secrets.append(secret)
        backend.webhook_secrets = secrets

    def _agency_pm_config(self):
        """The account's mappings and policies as plain data for the importers."""
        self.ensure_one()
        values = [v.strip().lower() for v in (self.milestone_value or "").split(",")]
        return {
            "provider": self.provider,
            "milestone_values": {v for v in values if v},
            "service_map": {m.value.strip().lower(): m.service_type_id.id
                            for m in self.value_mapping_ids if m.value},
            "not_billable": self.not_billable_policy,
            "unapproved": self.unapproved_policy,
            "rejected": self.rejected_policy,
        }

    # ------------------------------------------------------------------
    # Sync layer hooks
    # ------------------------------------------------------------------

    def _agency_sync_secrets(self):
        self.ensure_one()
        # sudo: the secrets are read only to be redacted from stored messages.
        backend = self.sudo()
        return [secret for secret in (backend.access_token, backend.webhook_secret,
                                      *(backend.webhook_secrets or [])) if secret]

    def _agency_sync_execute(self, run):
        self._agency_syncer(run).execute()

    def _agency_sync_import_ids(self, run, external_type, external_ids, deleted_ids=()):
        self._agency_syncer(run).import_ids(external_type, list(external_ids),
                                            list(deleted_ids))

    def _agency_sync_importer_classes(self):
        return dict(IMPORTERS)

    def _agency_sync_mapped_fields(self):
        return {etype: (cls.res_model, dict(cls.OWNERSHIP)) for etype, cls in IMPORTERS.items()
                if cls.OWNERSHIP}

    def _agency_sync_types(self):
        return list(SYNC_ORDER)

    def _agency_webhook_events(self, httprequest, raw):
        self.ensure_one()
        return syncer_class(self.provider).webhook_events(self, httprequest, raw)

from odoo import fields, models


class AgencyHubspotLinkMixin(models.AbstractModel):
    """A link to the HubSpot record a synced Odoo record came from (partners, orders,
    time entries)."""

    _name = "agency.hubspot.link.mixin"
    _description = "HubSpot Record Link"

    hubspot_url = fields.Char(
        string="HubSpot", compute="_compute_hubspot_url",
        help="The HubSpot record this one is synced with.")

    def _compute_hubspot_url(self):
        links = self.env["agency.hubspot.backend"]._agency_hubspot_links(self)
        for record in self:
            record.hubspot_url = links.get(record.id, False)

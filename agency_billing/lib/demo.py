"""The demo agency's roles: the service types each works on and what each writes in its
timesheets (demo data generators of the core and of the analytics history)."""

# The service types (codes) of the tasks each role works on.
ROLE_TYPES = {
    "Account Director": ("client_communication", "account_management"),
    "Creative Director": ("creative",),
    "Designer": ("design",),
    "Copywriter": ("copywriting",),
    "Media Buyer": ("media_buying",),
    "Strategist": ("strategy",),
}
# What each role writes in its timesheets.
ROLE_WORK = {
    "Account Director": [
        ("Weekly status call with client", 0.5, 1.0),
        ("Client meeting: campaign review", 1.0, 2.0),
        ("Budget and scope follow-up", 0.5, 1.5),
        ("Internal briefing with the team", 0.5, 1.0),
    ],
    "Creative Director": [
        ("Concept review round", 1.0, 2.5),
        ("Key visual direction", 1.5, 3.5),
        ("Creative feedback on layouts", 0.5, 1.5),
    ],
    "Designer": [
        ("Banner resizes for display", 1.0, 3.0),
        ("Social post designs", 1.0, 3.5),
        ("Landing page mockups", 2.0, 4.0),
        ("Revisions after client feedback", 0.5, 2.0),
    ],
    "Copywriter": [
        ("Landing page copy", 1.0, 3.0),
        ("Social captions", 0.5, 1.5),
        ("Email newsletter copy", 1.0, 2.5),
    ],
    "Media Buyer": [
        ("Media plan update", 1.0, 2.5),
        ("Campaign setup in Meta Ads", 1.0, 3.0),
        ("Bid optimisation and pacing", 0.5, 1.5),
        ("Weekly performance report", 0.5, 1.5),
    ],
    "Strategist": [
        ("Audience research", 1.5, 3.5),
        ("Campaign strategy workshop prep", 1.0, 3.0),
        ("Competitor analysis", 1.0, 2.5),
    ],
}

"""Templates that ship with Milepost. Organisations save their own as PlanTemplate rows.

Shares are percentages of the total; durations are working days.
"""

from __future__ import annotations

WEBSITE_CMS = {
    "slug": "website-cms",
    "name": "Website on a CMS",
    "description": "A content-managed website with a product catalogue, built and approved in five "
    "stages: foundation, catalogue, custom features, languages and polish, launch readiness.",
    "milestones": [
        {
            "title": "CMS setup and homepage",
            "scope": "Install and configure the CMS, build the homepage layout, the site's general "
            "structure and the base styling every later page uses.",
            "share": 20,
            "duration_days": 10,
            "revision_quota": 2,
            "support_window_days": 14,
            "deliverables": [
                {
                    "title": "CMS installed on the staging server",
                    "acceptance_criteria": "You can log in to the CMS admin on staging with the account "
                    "we sent you and edit the homepage headline.",
                },
                {
                    "title": "Homepage layout",
                    "acceptance_criteria": "The homepage renders on a phone 375 px wide without "
                    "horizontal scrolling, and on a 1440 px desktop as in the approved design.",
                },
                {
                    "title": "Site navigation",
                    "acceptance_criteria": "Every item in the main menu opens its page, and the menu "
                    "can be opened and used with the keyboard alone.",
                },
                {
                    "title": "Base styling",
                    "acceptance_criteria": "Headings, body text, buttons and links use the brand "
                    "fonts and colours on every page template.",
                },
            ],
        },
        {
            "title": "Product import and admin panel",
            "scope": "Migrate or synchronise the product data, build the admin interface for "
            "products and the custom settings and filters the shop needs.",
            "share": 25,
            "duration_days": 15,
            "revision_quota": 2,
            "support_window_days": 14,
            "deliverables": [
                {
                    "title": "Product import",
                    "acceptance_criteria": "All products from the supplied export appear in the "
                    "catalogue with name, price, images and stock; the import report lists no errors.",
                },
                {
                    "title": "Product admin",
                    "acceptance_criteria": "An editor can create, edit and unpublish a product in the "
                    "admin, and the change shows on the site within a minute.",
                },
                {
                    "title": "Catalogue filters",
                    "acceptance_criteria": "Filtering by category and price range returns only "
                    "matching products, and the filter survives a page reload.",
                },
            ],
        },
        {
            "title": "Custom feature integration",
            "scope": "Build the interactive components: API integrations, calculators and the "
            "logic-based forms agreed in the specification.",
            "share": 30,
            "duration_days": 20,
            "revision_quota": 2,
            "support_window_days": 14,
            "deliverables": [
                {
                    "title": "Price calculator",
                    "acceptance_criteria": "For the ten sample inputs in the specification, the "
                    "calculator shows exactly the expected prices.",
                },
                {
                    "title": "Quote request form",
                    "acceptance_criteria": "Submitting the form with valid data sends the request to "
                    "the sales inbox; invalid fields are explained next to the field.",
                },
                {
                    "title": "Third-party API integration",
                    "acceptance_criteria": "Stock levels shown on product pages match the supplier "
                    "system within five minutes of a change there.",
                },
            ],
        },
        {
            "title": "Multilingual support and final styling",
            "scope": "Add the language switcher and translations, polish the interface and fix "
            "responsive layout issues across devices.",
            "share": 15,
            "duration_days": 10,
            "revision_quota": 2,
            "support_window_days": 14,
            "deliverables": [
                {
                    "title": "Language switcher",
                    "acceptance_criteria": "Switching language on any page opens the same page in the "
                    "other language, and the choice is remembered on the next visit.",
                },
                {
                    "title": "Translations in place",
                    "acceptance_criteria": "No page shows untranslated interface text in the second "
                    "language, checked against the page list in the specification.",
                },
                {
                    "title": "Responsive polish",
                    "acceptance_criteria": "Every page template passes a visual check at 375, 768 and "
                    "1440 px wide with no overlapping or cut-off content.",
                },
            ],
        },
        {
            "title": "Final testing and delivery preparation",
            "scope": "Quality checks, the last fixes, deployment readiness and the backup set-up "
            "for the move to production.",
            "share": 10,
            "duration_days": 5,
            "revision_quota": 2,
            "support_window_days": 30,
            "deliverables": [
                {
                    "title": "QA report",
                    "acceptance_criteria": "The test report covers every page and form on the agreed "
                    "browser list, with no open issue of severity high.",
                },
                {
                    "title": "Production deployment plan",
                    "acceptance_criteria": "The written plan names each step, who does it and how to "
                    "roll back, and you have approved the go-live date.",
                },
                {
                    "title": "Backups",
                    "acceptance_criteria": "A backup is taken automatically every night, and a restore "
                    "of last night's backup to staging has been demonstrated to you.",
                },
            ],
        },
    ],
}

BUILTIN_TEMPLATES = {t["slug"]: t for t in [WEBSITE_CMS]}

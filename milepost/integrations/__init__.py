"""Integrations: signed outbound webhooks and the organisation's event feed (issue 15)."""

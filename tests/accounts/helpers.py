"""Small helpers shared by the account and API tests."""

import re

TOKEN_IN_LINK = re.compile(r"/invitation/([A-Za-z0-9_\-]+)/")


def token_from_mail(message) -> str:
    """The raw invitation token from the link in an email (text and HTML parts agree)."""
    found = TOKEN_IN_LINK.findall(message.body)
    assert len(set(found)) == 1, message.body
    html = message.alternatives[0][0] if message.alternatives else ""
    assert found[0] in html
    return found[0]

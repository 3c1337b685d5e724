"""The endpoints ``make bench`` measures. Later issues add theirs here, and nowhere else.

Each entry: (label, path, auth). ``auth`` is "session" (logged-in browser cookie of the bench
owner), "token" (``Authorization: Bearer`` API token of the bench owner) or None (anonymous).
``/healthz`` always runs first: it is the baseline for the "% of /healthz" column.
"""

ENDPOINTS: list[tuple[str, str, str | None]] = [
    ("dashboard", "/", "session"),
    ("clients list page", "/clients/", "session"),
    ("API clients list", "/api/v1/clients/", "token"),
]

"""The forecast's fixtures for the timeline pages: an accepted plan, and one with progress."""

from tests.forecast.conftest import accepted, make_project, progressed  # noqa: F401

from tests.reviews.conftest import make_project  # noqa: F401  (the fixture)

import pytest

from regions.tests.conftest import register  # noqa: F401 - a fixture the admin tests share


@pytest.fixture
def seeded_round(region, other_region):
    """The synthesis tests' round with known numbers (``review_helpers.seed_round``)."""
    from staff.tests.review_helpers import seed_round

    return seed_round(region, other_region)

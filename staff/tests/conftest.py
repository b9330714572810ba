import pytest

from regions.tests.conftest import register  # noqa: F401 - a fixture the admin tests share


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.fixture
def seeded_round(region, other_region):
    """The synthesis tests' round with known numbers (``review_helpers.seed_round``)."""
    from staff.tests.review_helpers import seed_round

    return seed_round(region, other_region)

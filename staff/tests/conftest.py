import pytest

from regions.tests.conftest import register  # noqa: F401 - a fixture the admin tests share


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client

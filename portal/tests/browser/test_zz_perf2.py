import time
import pytest
from inventories.demo import practice_round
pytestmark = [pytest.mark.django_db(transaction=True)]

def test_perf(client, contact):
    practice_round()
    client.force_login(contact)
    for i in range(4):
        t = time.monotonic(); r = client.get("/region/region-skane/ovning/del-1/"); print(r.status_code, round(time.monotonic() - t, 3))
    for i in range(2):
        t = time.monotonic(); r = client.get("/static/vendor/bootstrap/bootstrap.min.css"); print(r.status_code, round(time.monotonic() - t, 3))

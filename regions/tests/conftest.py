import re
from urllib.parse import urlsplit

import pytest

INVITATION_LINK = re.compile(r"https?://[^\s\"<>]+/inbjudan/(?!ny/)[^/\s\"<>]+/")


def invitation_path_in(message) -> str:
    """The invitation link in an e-mail's plain-text body, as a path for the test client."""
    match = INVITATION_LINK.search(message.body)
    assert match, f"no invitation link in:\n{message.body}"
    return urlsplit(match.group(0)).path


@pytest.fixture
def register(db, staff_user, region, django_capture_on_commit_callbacks):
    """Register a contact person as staff would, running the after-commit queueing."""
    from regions.models import ContactPerson
    from regions.services import contact_person_register

    def register(**overrides):
        kwargs = {
            "full_name": "Karin Kontakt",
            "email": "karin.kontakt@skane.example.se",
            "region": region,
            "role": ContactPerson.Role.MAIN,
            "invited_by": staff_user,
            **overrides,
        }
        with django_capture_on_commit_callbacks(execute=True):
            return contact_person_register(**kwargs)

    return register

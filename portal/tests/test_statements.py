"""The accessibility statement has what DIGG requires, the privacy notice says which personal
data, why and for how long; both are linked from every page's footer."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_accessibility_statement_has_what_digg_requires(client, settings):
    page = client.get(reverse("accessibility")).content.decode()
    for required in [
        "Tillväxtverket står bakom webbtjänsten Behovsinventering",  # organisation and service
        "lagen (2018:1937) om tillgänglighet till digital offentlig service",
        "delvis förenlig med lagen",  # compliance status
        "Innehåll som inte är tillgängligt",  # known shortcomings
        "Bristande förenlighet med lagkraven",
        "Hur vi testat webbtjänsten",  # method of the assessment
        "WCAG 2.1 nivå AA",
        "Den senaste bedömningen gjordes den",  # date of the assessment
        "Redogörelsen uppdaterades senast den",
        f'href="mailto:{settings.STAFF_MAILBOX}"',  # how to give feedback
        'href="https://www.digg.se/tdosanmalan"',  # DIGG's notification page
    ]:
        assert required in page, required


def test_privacy_notice_says_which_data_why_and_how_long(client):
    page = client.get(reverse("privacy")).content.decode()
    for required in [
        "personuppgiftsansvarig",
        "Vilka personuppgifter vi behandlar",
        "Varför vi behandlar dem",
        "artikel 6.1 e",
        "Hur länge vi sparar dem",
        "Kakor (cookies)",
        "Dina rättigheter",
    ]:
        assert required in page, required


@pytest.mark.parametrize("name", ["login", "accessibility", "privacy"])
def test_every_page_links_both_from_the_footer(client, name):
    page = client.get(reverse(name)).content.decode()
    footer = page[page.index("<footer") :]
    assert f'href="{reverse("accessibility")}"' in footer
    assert f'href="{reverse("privacy")}"' in footer

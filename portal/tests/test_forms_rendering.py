"""One way to render a field: every form's fields use the portal's accessible field template."""

import pytest
from django import forms
from django.template import Context, Template
from django.urls import reverse

from portal.forms_rendering import AccessibleBoundField


class _Sample(forms.Form):
    email = forms.EmailField(label="E-postadress", help_text="Den du registrerat.")


def _render(form):
    return Template("{% load crispy_forms_tags %}{{ form.email|as_crispy_field }}").render(
        Context({"form": form})
    )


def test_a_plain_django_form_gets_the_accessible_bound_field_and_template():
    form = _Sample(data={"email": "inte-en-adress"})
    assert isinstance(form["email"], AccessibleBoundField)
    html = _render(form)
    assert 'class="field-error"' in html
    assert 'id="id_email_error"' in html
    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="id_email_helptext id_email_error"' in html
    assert "(obligatoriskt)" in html
    assert "form-control is-invalid" in html


def test_a_valid_field_has_no_error_markup():
    form = _Sample(data={"email": "namn@exempel.se"})
    form.is_valid()
    html = _render(form)
    assert "field-error" not in html and "aria-invalid" not in html
    assert 'aria-describedby="id_email_helptext"' in html


@pytest.mark.django_db
def test_the_invitation_request_page_shows_the_error_next_to_the_field(client):
    response = client.post(reverse("regions:invitation_request"), {"email": "fel"})
    html = response.content.decode()
    assert 'id="id_email_error"' in html
    assert 'aria-invalid="true"' in html
    assert 'value="fel"' in html

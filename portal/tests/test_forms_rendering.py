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


class _Widgets(forms.Form):
    text = forms.CharField(max_length=20, required=False)
    number = forms.IntegerField(required=False, min_value=0)
    hidden = forms.IntegerField(widget=forms.HiddenInput, required=False)
    flag = forms.BooleanField(required=False)
    when = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    email = forms.EmailField(required=False)
    body = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 4, "data-x": 'a"b<c>&'})
    )


WIDGET_DATA = [
    {},
    {
        "text": "Å<b>\"&'",
        "number": "0",
        "hidden": "7",
        "flag": "on",
        "when": "2020-01-20",
        "email": "a@b.se",
        "body": "\nförsta raden <script>\r\n& sista ",
    },
    {"text": "x" * 30, "number": "-1", "body": "   "},
]


@pytest.mark.parametrize("data", WIDGET_DATA)
def test_the_widgets_written_in_python_match_djangos_templates(data):
    """``PortalFormRenderer`` writes plain inputs and textareas in Python: byte for byte what
    Django's own widget templates give, bound or not, valid or not, with escaping."""
    from django.forms.renderers import DjangoTemplates

    from portal.forms_rendering import FAST_WIDGETS, PortalFormRenderer

    for bound in (False, True):
        form = _Widgets(data=data) if bound else _Widgets(initial=data)
        form.is_valid()
        for name in form.fields:
            field = form[name]
            widget = field.field.widget
            attrs = field.build_widget_attrs({})
            context = widget.get_context(field.html_name, field.value(), attrs)
            assert widget.template_name in FAST_WIDGETS
            fast = PortalFormRenderer().render(widget.template_name, context)
            slow = DjangoTemplates().render(widget.template_name, context)
            assert fast == slow, (name, bound)

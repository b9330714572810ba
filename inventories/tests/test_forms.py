"""The inventory forms: formats only, with Swedish messages that say what to do."""

import datetime

import pytest

from inventories.forms import (
    BUDGET_PREFIX,
    BudgetFormSet,
    CurrentStateForm,
    GoalForm,
    InterventionForm,
    KronorField,
    SubmitForm,
)
from inventories.tests.pages import part1_post

NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("typed", "amount"),
    [("250000", 250_000), ("250 000", 250_000), ("250\u00a0000 kr", 250_000), ("0", 0)],
)
def test_kronor_accepts_what_people_type(typed, amount):
    assert KronorField(required=False).clean(typed) == amount


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("-5", "Beloppet kan inte vara negativt"),
        ("-1 000", "Beloppet kan inte vara negativt"),
        ("12,50", "Ange ett heltal i hela kronor, utan decimaler"),
        ("12.5", "Ange ett heltal i hela kronor, utan decimaler"),
        ("tolv", "Ange ett heltal i hela kronor, utan decimaler"),
        ("1e6", "Ange ett heltal i hela kronor, utan decimaler"),
        ("9" * 30, "Beloppet är för stort"),
    ],
)
def test_kronor_refuses_with_a_swedish_message(typed, message):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as excinfo:
        KronorField(required=False).clean(typed)
    assert message in excinfo.value.messages[0]


def test_long_text_message_shows_the_limit_and_what_was_typed():
    form = CurrentStateForm(part1_post(revision=0, texts={"context": "å" * 100_000}))
    assert not form.is_valid()
    assert form.errors["context"] == [
        f"Texten får vara högst 10{NBSP}000 tecken (du skrev 100{NBSP}000)."
    ]


def test_dates_must_be_written_as_iso_dates():
    form = InterventionForm({"title": "X", "start_date": "1/3/2020", "end_date": "2020-13-01"})
    assert not form.is_valid()
    assert form.errors["start_date"][0].startswith("Ange datum som ÅÅÅÅ-MM-DD")
    assert form.errors["end_date"][0].startswith("Ange datum som ÅÅÅÅ-MM-DD")


def test_intervention_title_is_needed_even_for_a_draft():
    form = InterventionForm({"title": "   "})
    assert not form.is_valid()
    assert form.errors["title"] == ["Ge insatsen en rubrik."]


def test_unknown_activity_area_is_refused():
    form = InterventionForm({"title": "X", "activity_areas": ["research", "astrology"]})
    assert not form.is_valid()
    assert form.errors["activity_areas"] == ["Välj bland alternativen i listan."]


def test_budget_rows_blank_and_removed_rows_are_left_out():
    data = part1_post(
        revision=0,
        lines=[("Processledning", "60 000"), ("Tas bort", "5"), ("", "")],
        blank_rows=2,
    )
    data[f"{BUDGET_PREFIX}-1-DELETE"] = "on"
    formset = BudgetFormSet(data, prefix=BUDGET_PREFIX)
    assert formset.is_valid(), formset.errors
    assert formset.lines() == [{"description": "Processledning", "amount": 60_000, "spent": None}]


def test_a_half_filled_budget_row_says_what_is_missing():
    data = part1_post(revision=0, lines=[("Processledning", ""), ("", "5 000")])
    formset = BudgetFormSet(data, prefix=BUDGET_PREFIX)
    assert not formset.is_valid()
    assert formset.forms[0].errors["amount"] == ["Ange beloppet i hela kronor."]
    assert formset.forms[1].errors["description"] == ["Skriv vad beloppet används till."]
    anchors = [item["anchor"] for item in formset.error_items()]
    assert anchors == ["id_budget-0-amount", "id_budget-1-description"]


def test_goal_may_only_name_the_offered_interventions():
    class Item:
        def __init__(self, pk, title):
            self.pk, self.title = pk, title

    offered = [Item(7, "Kunskapslyft"), Item(9, "Utlysning")]
    form = GoalForm({"goal": "Mål", "interventions": ["9", "12"]}, interventions=offered)
    assert not form.is_valid()
    assert "interventions" in form.errors
    form = GoalForm(
        {"goal": "Mål", "interventions": ["9"], "target_date": "2022-12-31"},
        interventions=offered,
    )
    assert form.is_valid()
    assert form.chosen_interventions() == [offered[1]]
    assert form.cleaned_data["target_date"] == datetime.date(2022, 12, 31)
    assert form.fields["interventions"].choices[1] == ("9", "Insats 2: Utlysning")


def test_review_messages_show_next_to_the_field_and_mark_it_invalid():
    form = CurrentStateForm(
        initial={"revision": 0}, review_errors={"context": "Regionens förutsättningar saknas"}
    )
    html = str(form["context"])
    assert 'aria-invalid="true"' in html
    assert "id_context_error" in html
    assert "is-invalid" in html
    assert form["context"].messages == ["Regionens förutsättningar saknas"]
    # The checklist says what is missing; the error summary holds real errors only.
    assert form.error_items() == []


def test_submit_needs_the_confirmation():
    form = SubmitForm({})
    assert not form.is_valid()
    assert form.errors["confirm"] == [
        "Kryssa i rutan för att bekräfta att uppgifterna får skickas in."
    ]
    assert SubmitForm({"confirm": "on"}).is_valid()


def test_line_breaks_from_the_browser_are_stored_as_newlines():
    from inventories.forms.common import text_field

    field = text_field("Svar")
    assert field.clean("Första raden\r\nAndra raden\rTredje") == "Första raden\nAndra raden\nTredje"

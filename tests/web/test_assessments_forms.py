"""Forms built from questionnaires through the question-type registry."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from ppp_assess.domain.loader import load_questionnaire
from ppp_assess.domain.question_types import QUESTION_STRATEGIES
from ppp_assess.domain.schema import QuestionType
from ppp_assess.web.fields import (
    QUESTION_FIELDS,
    MultiCheckboxField,
    RegistryError,
    adapter_for,
    check_registry,
)
from ppp_assess.web.questionnaire_form import (
    QuestionnaireForm,
    build_questionnaire_form,
    form_data,
)
from tests.web.test_assessments import SAMPLE

QUESTIONNAIRE = load_questionnaire(SAMPLE)
BASICS, DETAILS = QUESTIONNAIRE.sections


def test_every_question_type_has_an_adapter() -> None:
    check_registry()
    assert set(QUESTION_FIELDS) == set(QuestionType) == set(QUESTION_STRATEGIES)
    readers = {"radio", "radio-number", "checkboxes", "number", "text", "line"}
    for kind, adapter in QUESTION_FIELDS.items():
        assert adapter.question_type is kind
        assert adapter.client_reader in readers, kind
    partial = {kind: adapter for kind, adapter in QUESTION_FIELDS.items()
               if kind is not QuestionType.date}
    with pytest.raises(RegistryError, match="date"):
        check_registry(partial)
    crossed = {**QUESTION_FIELDS, QuestionType.text: QUESTION_FIELDS[QuestionType.date]}
    with pytest.raises(RegistryError, match="text"):
        check_registry(crossed)


def test_each_call_for_a_new_section_builds_a_new_subclass_and_caches_it(app) -> None:
    basics = build_questionnaire_form(QUESTIONNAIRE, BASICS)
    details = build_questionnaire_form(QUESTIONNAIRE, DETAILS)
    assert issubclass(basics, QuestionnaireForm) and basics is not QuestionnaireForm
    assert basics is not details
    assert build_questionnaire_form(QUESTIONNAIRE, BASICS) is basics
    assert build_questionnaire_form(QUESTIONNAIRE, BASICS, with_notes=False) is not basics
    assert not hasattr(QuestionnaireForm, "q_policy")
    assert not hasattr(details, "q_policy") and hasattr(details, "q_maturity")


def test_field_types_follow_the_question_types(app) -> None:
    with app.test_request_context("/"):
        form = build_questionnaire_form(QUESTIONNAIRE, DETAILS)(formdata=None)
        assert isinstance(form["q_channels"], MultiCheckboxField)
        assert form["q_maturity"].type == "RadioField"
        assert [choice.label for choice in form["q_maturity"].iter_choices()][::4] == [
            "0 – Not at all", "4 – Fully"]
        assert form["q_adopted"].widget.input_type == "date"
        assert form["q_notes"].type == "TextAreaField"
        assert {"c_notes", "e_notes"} <= set(form._fields)
        basics = build_questionnaire_form(QUESTIONNAIRE, BASICS)(formdata=None)
        assert basics["q_staff"].widget.input_type == "number"
        assert "q_staff__na" in basics  # "not applicable" where the question allows it
        assert [choice.value for choice in basics["q_policy"].iter_choices()] == [
            "yes", "no", "na"]
        assert str(basics["q_policy"].label.text) == "Is there a written integrity policy?"
        assert str(basics["q_policy"].description) == "A policy adopted by the board."


def test_stored_answers_round_trip_through_the_form(app) -> None:
    stored = {"channels": ["web", "gazette"], "maturity": 3, "adopted": "2024-05-01",
              "notes": "Fine."}
    with app.test_request_context("/"):
        form_class = build_questionnaire_form(QUESTIONNAIRE, DETAILS, with_notes=False)
        form = form_class(formdata=None, data=form_data(DETAILS, stored, with_notes=False))
        assert {question.id: form.value_of(question) for question in DETAILS.questions} == \
            stored
        basics = build_questionnaire_form(QUESTIONNAIRE, BASICS, with_notes=False)
        shown = basics(formdata=None, data=form_data(BASICS, {"staff": "na", "policy": "no"},
                                                     with_notes=False))
        assert shown["q_staff__na"].data is True
        assert shown.value_of(QUESTIONNAIRE.question("staff")) == "na"


def test_hidden_questions_are_not_validated_and_the_class_is_untouched(app) -> None:
    with app.test_request_context("/", method="POST"):
        form_class = build_questionnaire_form(QUESTIONNAIRE, BASICS)
        data = MultiDict({"q_policy": "no", "q_published": "bogus", "q_staff": "7"})
        form = form_class(formdata=data, meta={"csrf": False})
        form.set_visible({"policy", "staff"})
        assert form.validate(), form.errors
        assert form.accepted_values() == {"policy": "no", "staff": 7}
        shown = form_class(formdata=data, meta={"csrf": False})
        assert not shown.validate()
        assert "q_published" in shown.errors
        assert "q_published" in form._fields  # still rendered (hidden) for the browser
        assert form_class.hidden_questions == frozenset()


def test_adapters_read_unreadable_input_as_given_for_the_domain_to_explain(app) -> None:
    staff = QUESTIONNAIRE.question("staff")
    with app.test_request_context("/", method="POST"):
        form = build_questionnaire_form(QUESTIONNAIRE, BASICS)(
            formdata=MultiDict({"q_staff": "seven"}), meta={"csrf": False})
        assert adapter_for(staff).read(form, staff) == "seven"
        assert not form.validate()
        assert form.errors["q_staff"] == ["Enter a number."]

"""The private form: only its owner writes it; only what they share is shown."""

from __future__ import annotations

import pytest

from assistant.domain import Form, FormField, NotAllowed, Refusal, SharedAnswer, shared_answers
from tests.conftest import ANNA, BRAM, T0, at


def test_the_owner_saves_and_shares_what_they_choose() -> None:
    form = Form.empty(ANNA, "s").saved(
        ANNA,
        {FormField.INSIGHTS: "  Vaker doorvragen. ", FormField.INTENTIONS: "Kaders delen"},
        shared={FormField.INSIGHTS},
        anonymous=False,
        now=at(5),
    )
    assert form.answers == {
        FormField.INSIGHTS: "Vaker doorvragen.",
        FormField.INTENTIONS: "Kaders delen",
        FormField.APPOINTMENT: "",
    }
    assert form.updated_at == at(5)
    assert shared_answers([form]) == [SharedAnswer(FormField.INSIGHTS, "Vaker doorvragen.", ANNA)]


def test_a_save_keeps_answers_it_does_not_mention() -> None:
    form = Form.empty(ANNA, "s").saved(ANNA, {FormField.INSIGHTS: "een"}, (), False, T0)
    form = form.saved(ANNA, {FormField.INTENTIONS: "twee"}, (), False, at(1))
    assert form.answers[FormField.INSIGHTS] == "een"
    assert form.answers[FormField.INTENTIONS] == "twee"


def test_nobody_else_writes_someones_form() -> None:
    form = Form.empty(ANNA, "s")
    with pytest.raises(NotAllowed) as caught:
        form.saved(BRAM, {FormField.INSIGHTS: "x"}, (), False, T0)
    assert caught.value.reason is Refusal.NOT_PARTICIPANT


def test_an_answer_that_is_too_long_is_refused() -> None:
    with pytest.raises(NotAllowed) as caught:
        Form.empty(ANNA, "s").saved(ANNA, {FormField.INSIGHTS: "x" * 4001}, (), False, T0)
    assert caught.value.reason is Refusal.FORM_TOO_LONG


def test_shared_answers_are_grouped_by_question_and_anonymous_ones_have_no_name() -> None:
    anna = Form.empty(ANNA, "s").saved(
        ANNA,
        {FormField.INSIGHTS: "A1", FormField.APPOINTMENT: "A3"},
        {FormField.INSIGHTS, FormField.APPOINTMENT},
        False,
        T0,
    )
    bram = Form.empty(BRAM, "s").saved(
        BRAM,
        {FormField.INSIGHTS: "B1", FormField.INTENTIONS: "B2"},
        {FormField.INSIGHTS, FormField.INTENTIONS, FormField.APPOINTMENT},  # empty: not shown
        True,
        T0,
    )
    assert shared_answers([anna, bram]) == [
        SharedAnswer(FormField.INSIGHTS, "A1", ANNA),
        SharedAnswer(FormField.INSIGHTS, "B1", None),
        SharedAnswer(FormField.INTENTIONS, "B2", None),
        SharedAnswer(FormField.APPOINTMENT, "A3", ANNA),
    ]

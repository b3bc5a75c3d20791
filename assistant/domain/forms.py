"""The private form "Inzichten en Goede Voornemens": one per participant per session.

Nobody but its owner reads or changes it; the owner decides which answers the group sees,
and whether with their name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from assistant.domain.errors import NotAllowed, Refusal

MAX_ANSWER_CHARS = 4000


class FormField(StrEnum):
    """The form's three questions, in the seed's order."""

    INSIGHTS = "insights"
    INTENTIONS = "intentions"
    APPOINTMENT = "appointment"


@dataclass(frozen=True, slots=True)
class Form:
    owner_id: str
    session_id: str
    answers: Mapping[FormField, str]
    shared: frozenset[FormField] = frozenset()
    anonymous: bool = False
    updated_at: datetime | None = None

    @classmethod
    def empty(cls, owner_id: str, session_id: str) -> Form:
        return cls(owner_id, session_id, dict.fromkeys(FormField, ""))

    def saved(
        self,
        actor: str,
        answers: Mapping[FormField, str],
        shared: Iterable[FormField],
        anonymous: bool,
        now: datetime,
    ) -> Form:
        """The form after its owner saved it; anyone else is refused."""
        if actor != self.owner_id:
            raise NotAllowed("save_form", "form", Refusal.NOT_PARTICIPANT)
        cleaned = {f: answers.get(f, self.answers.get(f, "")).strip() for f in FormField}
        if any(len(text) > MAX_ANSWER_CHARS for text in cleaned.values()):
            raise NotAllowed("save_form", "form", Refusal.FORM_TOO_LONG, max=MAX_ANSWER_CHARS)
        return replace(
            self, answers=cleaned, shared=frozenset(shared), anonymous=anonymous, updated_at=now
        )


@dataclass(frozen=True, slots=True)
class SharedAnswer:
    """One answer the owner chose to share; ``author_id`` is None when shared anonymously."""

    field: FormField
    text: str
    author_id: str | None


def shared_answers(forms: Iterable[Form]) -> list[SharedAnswer]:
    """What the group gets to see, grouped by question (in the form's order)."""
    answers = [
        SharedAnswer(field, form.answers[field], None if form.anonymous else form.owner_id)
        for form in forms
        for field in FormField
        if field in form.shared and form.answers.get(field)
    ]
    order = list(FormField)
    return sorted(answers, key=lambda answer: order.index(answer.field))

"""Renders the Adaptive Cards in adaptive_cards/ from a session, in a language.

One template per view. This module turns domain state into plain view data (names
resolved, texts formatted, choices ordered); the templates only lay it out. Every card
carries, in each action's data, its verb, the session id and a ``view`` token, so that a
click on an outdated card is recognised (see ``view_token``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2

from assistant.content import Content
from assistant.domain import AgreementStatus, Participant, Phase, Session, TurnKind

CARDS_DIR = Path(__file__).resolve().parent.parent / "adaptive_cards"
CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"

Card = dict[str, Any]


def view_token(session: Session) -> str:
    """What a card showed when it was rendered: phase, card number, answerer. A click
    carrying another token comes from an outdated card."""
    number = session.current.number if session.current else 0
    answerer = session.current.answerer_id if session.current else None
    return f"{session.phase.value}:{number}:{answerer or '-'}"


def participant_ref(session: Session, participant_id: str) -> str:
    """How a card names a participant in its choices: their position in the session.

    Teams ids are ~90 characters; with a hundred people in three lists that alone would
    push the live card past its size budget. Positions are stable because participants are
    only ever appended, never removed or reordered."""
    for index, participant in enumerate(session.participants):
        if participant.id == participant_id:
            return str(index)
    return ""


def participant_from_ref(session: Session, ref: str) -> str:
    """The participant id a card's choice value stands for; "" when it stands for nobody
    (the domain then refuses with "unknown participant")."""
    ref = ref.strip()
    if ref.isdecimal() and int(ref) < len(session.participants):
        return session.participants[int(ref)].id
    return ""


def _format(template: str, **values: object) -> str:
    return template.format(**values)


def _with_verb(data: dict[str, str], verb: str, **extra: object) -> dict[str, object]:
    """An action's data: the card's session and view, the verb, and anything extra."""
    return {**data, "verb": verb, **extra}


class CardRenderer:
    """Renders every view of the app; templates are compiled once."""

    def __init__(self, content: Content, directory: Path = CARDS_DIR) -> None:
        self._content = content
        self._env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(directory),
            undefined=jinja2.StrictUndefined,
            autoescape=False,  # JSON, not HTML: every value goes through |tojson
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
        )
        self._env.filters["fmt"] = _format
        self._env.filters["with_verb"] = _with_verb
        self._env.policies["json.dumps_kwargs"] = {"ensure_ascii": False, "sort_keys": False}

    def _render(self, template: str, **context: object) -> Card:
        text = self._env.get_template(template).render(**context)
        card: Card = json.loads(text)
        return card

    def _base(self, language: str, banner: str | None) -> dict[str, Any]:
        return {
            "ui": self._content.says(language).ui,
            "texts": self._content.texts(language),
            "banner": banner,
        }

    # ------------------------------------------------------------------ views

    def welcome(
        self, language: str, session: Session | None = None, banner: str | None = None
    ) -> Card:
        """The werkvorm in a few lines, the preparation tip, and Start."""
        return self._render(
            "welcome.json.j2",
            data=_action_data(session),
            **self._base(language, banner),
        )

    def session(self, session: Session, now: datetime, banner: str | None = None) -> Card:
        """The live card for the session's current phase, in the session's language."""
        language = session.settings.language
        if session.phase is Phase.WELCOME:
            return self.welcome(language, session, banner)
        names = _Names(session, self._content.says(language).ui)
        base = {**self._base(language, banner), "data": _action_data(session)}
        if session.phase is Phase.SETUP:
            return self._render("setup.json.j2", setup=self._setup(session, names), **base)
        if session.phase is Phase.ROUND:
            return self._render("round.json.j2", round=self._round(session, names, now), **base)
        if session.phase is Phase.INVENTORY:
            return self._render("inventory.json.j2", result=self._result(session, names), **base)
        if session.phase is Phase.AGREEMENTS:
            return self._render(
                "agreements.json.j2", agreements=self._agreements(session, names), **base
            )
        return self._render(
            "summary.json.j2",
            summary=self._summary(session, names, now),
            agreements=self._agreements(session, names),
            **base,
        )

    # ------------------------------------------------------------------ view data

    def _setup(self, session: Session, names: _Names) -> dict[str, Any]:
        return {
            "facilitator": names.of(session.facilitator_id),
            "people": names.choices(),
            "taking_part": ",".join(choice["id"] for choice in names.choices(_taking_part)),
            "card_count": session.settings.card_count,
            "max_cards": len(session.deck_card_ids),
            "minutes": session.settings.minutes_per_card,
            "language": session.settings.language,
        }

    def _round(self, session: Session, names: _Names, now: datetime) -> dict[str, Any]:
        current = session.current
        assert current is not None, "a round always has a current card"
        card = self._content.deck(session.settings.language).card(current.card_id)
        ui = self._content.says(session.settings.language).ui
        coverage = session.coverage()
        candidates = session.candidates()
        timebox = session.timebox(now)
        card_minutes = int(timebox.card_seconds // 60)
        limit = session.settings.minutes_per_card
        left = int(timebox.session_left_seconds // 60)
        facilitator = session.participant(session.facilitator_id or "")
        no_turn_yet = [pid for pid in coverage.not_yet if pid != session.facilitator_id]
        return {
            "number": current.number,
            "total": session.card_total,
            "statement": card.statement,
            "question": card.question,
            "prompts": [{"index": i, "text": text} for i, text in enumerate(card.prompts)],
            "asker": names.of(current.asker_id),
            "answerer": names.of(current.answerer_id) if current.answerer_id else None,
            "candidates": [
                {
                    "id": participant_ref(session, pid),
                    "name": names.of(pid) + (f" ({ui['suggested']})" if index == 0 else ""),
                }
                for index, pid in enumerate(candidates)
            ],
            "suggested": participant_ref(session, candidates[0]) if candidates else "",
            "covered": coverage.covered,
            "counted": coverage.counted,
            "not_yet": ", ".join(names.of(pid) for pid in coverage.not_yet),
            "needs_prompts": coverage.needs_prompts,
            "card_time": _format(
                ui["over_time"] if timebox.card_over_time else ui["time_card"],
                minutes=card_minutes,
                limit=limit,
            ),
            "over_time": timebox.card_over_time,
            "session_time": _format(ui["time_left"], minutes=left)
            if left >= 0
            else _format(ui["time_over"], minutes=-left),
            "paused": session.paused,
            "can_put_back": bool(session.pending),
            "prompt_people": [
                {"id": participant_ref(session, pid), "name": names.of(pid)} for pid in no_turn_yet
            ],
            "successors": names.choices(
                lambda p: not p.is_room_guest and p.present and p.id != session.facilitator_id
            ),
            "facilitator_absent": facilitator is None or not facilitator.present,
        }

    def _result(self, session: Session, names: _Names) -> dict[str, Any]:
        coverage = session.coverage()
        return {
            "cards": sum(1 for t in session.history if t.kind is TurnKind.CARD),
            "covered": coverage.covered,
            "counted": coverage.counted,
            "facilitator": names.of(session.facilitator_id),
        }

    def _agreements(self, session: Session, names: _Names) -> dict[str, Any]:
        ui = self._content.says(session.settings.language).ui
        items = []
        for agreement in session.agreements:
            scheduled = agreement.scheduled_start
            # One text per status (ui "status_<status>"); each uses the fields it needs.
            status = ui[f"status_{agreement.status.value}"].format(
                date=scheduled.strftime("%d-%m-%Y %H:%M") if scheduled else "",
                reason=agreement.failure_reason or "",
            )
            items.append(
                {
                    "id": agreement.id,
                    # format_map: "with" is a Python keyword, so it can't be a kwarg
                    "line": ui["agreement_line"].format_map(
                        {
                            "owner": names.of(agreement.owner_id),
                            "with": ", ".join(names.of(w) for w in agreement.with_whom),
                            "why": agreement.why,
                        }
                    ),
                    "terms": _format(
                        ui["agreement_terms"],
                        days=agreement.window_days,
                        minutes=agreement.duration_minutes,
                    ),
                    "status": status,
                    "can_confirm": agreement.status
                    in (AgreementStatus.PROPOSED, AgreementStatus.FAILED),
                    "failed": agreement.status is AgreementStatus.FAILED,
                    "can_withdraw": agreement.status is AgreementStatus.PROPOSED,
                }
            )
        return {
            "items": items,
            "people": names.choices(_taking_part),
        }

    def _summary(self, session: Session, names: _Names, now: datetime) -> dict[str, Any]:
        ui = self._content.says(session.settings.language).ui
        deck = self._content.deck(session.settings.language)
        lines = []
        for turn in session.history:
            card = deck.card(turn.card_id)
            if turn.kind is TurnKind.SKIPPED:
                detail = ui["skipped_line"]
            elif turn.kind is TurnKind.PROMPT:
                detail = _format(ui["prompt_line"], answerer=names.of(turn.answerer_id))
            else:
                detail = _format(
                    ui["turn_line"],
                    asker=names.of(turn.asker_id),
                    answerer=names.of(turn.answerer_id),
                )
            lines.append({"question": card.question, "detail": detail})
        counts = session.turn_counts()
        return {
            "lines": lines,
            "turns": [
                _format(ui["turn_count"], name=names.of(p.id), count=counts[p.id])
                for p in session.participants
                if p.taking_part
            ],
            "time_used": _format(
                ui["time_used"],
                minutes=int(session.timebox(now).session_used_seconds // 60),
            ),
        }


def _taking_part(participant: Participant) -> bool:
    return participant.taking_part


class _Names:
    """Display names: room guests marked as such, unknown ids shown as they are."""

    def __init__(self, session: Session, ui: dict[str, str]) -> None:
        self._session = session
        self._ui = ui

    def choices(
        self, include: Callable[[Participant], bool] = lambda _: True
    ) -> list[dict[str, str]]:
        """Participants as a ChoiceSet's choices, in roster order (see ``participant_ref``)."""
        return [
            {"id": str(index), "name": self.of(participant.id)}
            for index, participant in enumerate(self._session.participants)
            if include(participant)
        ]

    def of(self, participant_id: str | None) -> str:
        if participant_id is None:
            return ""
        participant = self._session.participant(participant_id)
        if participant is None:
            return participant_id
        if participant.is_room_guest:
            return f"{participant.name} {self._ui['guest_suffix']}"
        return participant.name


def _action_data(session: Session | None) -> dict[str, str]:
    if session is None:
        return {"session": "", "view": ""}
    return {"session": session.id, "view": view_token(session)}

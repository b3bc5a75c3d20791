"""What a click or a typed command asks for, and the domain command that does it.

A card's Action.Execute carries ``{"verb", "session", "view"}`` plus the card's inputs.
Typed commands (``@Goed Gesprek volgende``) map onto the same verbs, so that both ways
of asking run the same code. The table ``TYPED_COMMANDS`` is also what the app manifest
lists, so the two never drift apart.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from assistant.cards import participant_from_ref
from assistant.domain import Deck, Event, Member, Phase, Session


class Verb(StrEnum):
    START = "start"
    HELP = "help"
    ADD_GUEST = "add_guest"
    BEGIN = "begin"
    CHOOSE_ANSWERER = "choose_answerer"
    NEXT_CARD = "next_card"
    SKIP_CARD = "skip_card"
    PUT_BACK = "put_back"
    POSE_PROMPT = "pose_prompt"
    PAUSE = "pause"
    RESUME = "resume"
    END_ROUND = "end_round"
    HAND_OVER = "hand_over"
    TAKE_OVER = "take_over"
    FINISH_INVENTORY = "finish_inventory"
    PROPOSE_AGREEMENT = "propose_agreement"
    CONFIRM_AGREEMENT = "confirm_agreement"
    WITHDRAW_AGREEMENT = "withdraw_agreement"
    CLOSE = "close"
    STOP = "stop"
    """Typed ``stop``: end the round, or close the session after the round."""


# Verbs whose effect depends on what the card showed (which card, who answers): a click
# from an outdated card is answered with the current state instead of being applied.
VIEW_BOUND = frozenset(
    {
        Verb.CHOOSE_ANSWERER,
        Verb.NEXT_CARD,
        Verb.SKIP_CARD,
        Verb.PUT_BACK,
        Verb.POSE_PROMPT,
        Verb.FINISH_INVENTORY,
        Verb.BEGIN,
    }
)


@dataclass(frozen=True, slots=True)
class TypedCommand:
    """A command a keyboard user types after @Goed Gesprek."""

    name: str
    aliases: tuple[str, ...]
    verb: Verb


TYPED_COMMANDS: tuple[TypedCommand, ...] = (
    TypedCommand("start", ("begin", "kaart", "card", "toon"), Verb.START),
    TypedCommand("volgende", ("next", "volgende kaart", "next card", "klaar"), Verb.NEXT_CARD),
    TypedCommand("overslaan", ("skip",), Verb.SKIP_CARD),
    TypedCommand("pauze", ("pause",), Verb.PAUSE),
    TypedCommand("hervat", ("resume", "verder"), Verb.RESUME),
    TypedCommand("stop", ("einde", "end", "afronden"), Verb.STOP),
    TypedCommand("help", ("hulp", "?", "uitleg"), Verb.HELP),
)

_MENTION = re.compile(r"<at>.*?</at>", re.IGNORECASE | re.DOTALL)


def typed_verb(text: str) -> Verb | None:
    """The verb of a typed command, the bot's @mention and punctuation ignored."""
    words = " ".join(_MENTION.sub(" ", text).replace("&nbsp;", " ").split()).strip(" .!:,").lower()
    for command in TYPED_COMMANDS:
        if words == command.name or words in command.aliases:
            return command.verb
    return None


def parse_verb(value: object) -> Verb | None:
    try:
        return Verb(str(value))
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class Inputs:
    """The values a card sent with a click. Teams sends inputs as strings; a value that is
    missing or of the wrong type reads as empty (text) or -1 (numbers), so that the domain's
    own checks refuse it with the same friendly reason as an out-of-range value."""

    values: Mapping[str, object]

    def text(self, name: str) -> str:
        value = self.values.get(name)
        return value if isinstance(value, str) else ""

    def number(self, name: str) -> int:
        value = self.values.get(name)
        if isinstance(value, bool):
            return -1
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str):
            try:
                return int(float(value.strip()))
            except ValueError:
                return -1
        return -1

    def person(self, name: str, session: Session) -> str:
        """A participant chosen on the card (cards name them by ``participant_ref``)."""
        return participant_from_ref(session, self.text(name))

    def people(self, name: str, session: Session) -> list[str]:
        """A multi-select ChoiceSet of participants: refs separated by commas."""
        refs = [part for part in self.text(name).split(",") if part.strip()]
        return [pid for ref in refs if (pid := participant_from_ref(session, ref))]

    def present(self, name: str) -> bool:
        return name in self.values


@dataclass(frozen=True, slots=True)
class Request:
    """One click or typed command, ready for the domain."""

    verb: Verb
    actor: Member
    inputs: Inputs
    now: datetime
    seed: int
    """For ``begin``: the shuffle's seed (the edge draws it; the domain stays deterministic)."""
    deck: Deck
    """For ``pose_prompt``: the Hulpvragen of the cards."""


def command_for(request: Request) -> Callable[[Session], list[Event]] | None:
    """The domain command a request runs, or None for verbs that only show something."""
    handler = _COMMANDS.get(request.verb)
    if handler is None:
        return None
    return lambda session: handler(session, request)


# ---------------------------------------------------------------------- the commands


def _apply_setup_inputs(session: Session, request: Request) -> list[Event]:
    """Setup cards send all their inputs with every click: apply the ones present first,
    so that adding a guest or beginning never loses what the facilitator just ticked."""
    inputs, actor = request.inputs, request.actor.id
    events: list[Event] = []
    if inputs.present("taking_part"):
        chosen = set(inputs.people("taking_part", session))
        for participant in session.participants:
            wanted = participant.id in chosen or participant.id == session.facilitator_id
            if participant.taking_part != wanted:
                events += session.set_taking_part(actor, participant.id, wanted)
    if any(inputs.present(name) for name in ("card_count", "minutes_per_card", "language")):
        events += session.configure(
            actor,
            card_count=inputs.number("card_count") if inputs.present("card_count") else None,
            minutes_per_card=inputs.number("minutes_per_card")
            if inputs.present("minutes_per_card")
            else None,
            language=inputs.text("language") or None,
        )
    return events


def _start(session: Session, request: Request) -> list[Event]:
    if session.phase is Phase.WELCOME:
        return session.open_setup(request.actor, ())
    return []  # a session is running: "start" shows it again


def _add_guest(session: Session, request: Request) -> list[Event]:
    events = _apply_setup_inputs(session, request) if session.phase is Phase.SETUP else []
    return events + session.add_room_guest(request.actor.id, request.inputs.text("guest_name"))


def _begin(session: Session, request: Request) -> list[Event]:
    events = _apply_setup_inputs(session, request) if session.phase is Phase.SETUP else []
    return events + session.begin(request.actor.id, request.seed, request.now)


def _stop(session: Session, request: Request) -> list[Event]:
    if session.phase is Phase.ROUND:
        return session.end_round(request.actor.id, request.now)
    return session.close(request.actor.id, request.now)


def _propose(session: Session, request: Request) -> list[Event]:
    inputs = request.inputs
    emails = [part.strip() for part in re.split(r"[,;\s]+", inputs.text("emails")) if part.strip()]
    return session.propose_agreement(
        request.actor.id,
        inputs.person("owner", session) or request.actor.id,
        with_whom=[*inputs.people("with_whom", session), *emails],
        why=inputs.text("why"),
        window_days=inputs.number("window_days"),
        duration_minutes=inputs.number("duration_minutes"),
        now=request.now,
    )


Handler = Callable[[Session, Request], list[Event]]

_COMMANDS: dict[Verb, Handler] = {
    Verb.START: _start,
    Verb.ADD_GUEST: _add_guest,
    Verb.BEGIN: _begin,
    Verb.CHOOSE_ANSWERER: lambda s, r: s.choose_answerer(
        r.actor.id, r.inputs.person("answerer", s)
    ),
    Verb.NEXT_CARD: lambda s, r: s.next_card(r.actor.id, r.now),
    Verb.SKIP_CARD: lambda s, r: s.skip_card(r.actor.id, r.now),
    Verb.PUT_BACK: lambda s, r: s.put_back(r.actor.id, r.now),
    Verb.POSE_PROMPT: lambda s, r: s.pose_prompt(
        r.actor.id,
        r.inputs.person("prompt_person", s),
        r.inputs.number("prompt_index"),
        r.deck,
        r.now,
    ),
    Verb.PAUSE: lambda s, r: s.pause(r.actor.id, r.now),
    Verb.RESUME: lambda s, r: s.resume(r.actor.id, r.now),
    Verb.END_ROUND: lambda s, r: s.end_round(r.actor.id, r.now),
    Verb.HAND_OVER: lambda s, r: s.hand_over(r.actor.id, r.inputs.person("new_facilitator", s)),
    Verb.TAKE_OVER: lambda s, r: s.take_over(r.actor.id),
    Verb.FINISH_INVENTORY: lambda s, r: s.finish_inventory(r.actor.id),
    Verb.PROPOSE_AGREEMENT: _propose,
    Verb.CONFIRM_AGREEMENT: lambda s, r: s.confirm_agreement(
        r.actor.id, r.inputs.text("agreement")
    ),
    Verb.WITHDRAW_AGREEMENT: lambda s, r: s.withdraw_agreement(
        r.actor.id, r.inputs.text("agreement")
    ),
    Verb.CLOSE: lambda s, r: s.close(r.actor.id, r.now),
    Verb.STOP: _stop,
}

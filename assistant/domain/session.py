"""The werkvorm as a state machine: one session of "Een goed gesprek over samenwerking".

Every command takes the acting user's id (and the clock where time matters), checks that
this person may do this now, changes the session, and returns the events that the edges
turn into cards and messages. A refused command raises ``NotAllowed`` and changes nothing:
each command checks everything first and only then assigns its new values.

Room guests have no device, so the facilitator acts for them: every "the asker or the
facilitator" rule below covers them without a special case.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import NoReturn

from assistant.domain.agreements import (
    DURATION_MINUTES,
    MAX_INVITEES,
    MAX_WHY_CHARS,
    WINDOW_DAYS,
    Agreement,
    AgreementStatus,
    is_email,
)
from assistant.domain.clock import Pause, Timebox, active_seconds
from assistant.domain.coverage import Coverage, answerer_candidates, coverage
from assistant.domain.deck import Deck, shuffled
from assistant.domain.errors import NotAllowed, Refusal
from assistant.domain.events import (
    AgreementConfirmed,
    AgreementProposed,
    AgreementScheduleRecorded,
    AgreementWithdrawn,
    AnswererChosen,
    CardDrawn,
    CardPutBack,
    CardSkipped,
    Event,
    FacilitatorChanged,
    InventoryFinished,
    ParticipantJoined,
    ParticipantLeft,
    PromptPosed,
    RoundBegun,
    RoundEnded,
    RoundEndReason,
    RoundPaused,
    RoundResumed,
    SessionClosed,
    SetupChanged,
    SetupOpened,
)
from assistant.domain.participants import Member, Participant, ParticipantKind

LANGUAGES = ("nl", "en")
MINUTES_PER_CARD = range(1, 61)
MIN_PARTICIPANTS = 2
"""The werkvorm is for groups "vanaf 2 personen"."""
MAX_GUEST_NAME_CHARS = 80
REMEMBERED_REQUESTS = 200
"""Far more than Teams redelivers within its retry window, even in a busy session."""


class Phase(StrEnum):
    WELCOME = "welcome"
    SETUP = "setup"
    ROUND = "round"
    INVENTORY = "inventory"
    AGREEMENTS = "agreements"
    CLOSED = "closed"


class TurnKind(StrEnum):
    CARD = "card"
    """A card's question, answered."""
    PROMPT = "prompt"
    """A single Hulpvraag posed by the facilitator to someone without a turn yet."""
    SKIPPED = "skipped"
    """A card the facilitator skipped: recorded, but nobody's turn."""


@dataclass(frozen=True, slots=True)
class Turn:
    """One line of the session's history."""

    kind: TurnKind
    card_id: str
    asker_id: str
    answerer_id: str | None
    started_at: datetime
    ended_at: datetime
    prompt_index: int | None = None


@dataclass(frozen=True, slots=True)
class CurrentCard:
    """The card on the table: number k of "Kaart k van n", who asks, and who answers."""

    card_id: str
    number: int
    asker_id: str
    drawn_at: datetime
    answerer_id: str | None = None


@dataclass(frozen=True, slots=True)
class SessionSettings:
    """What the facilitator chooses in setup."""

    card_count: int = 16
    minutes_per_card: int = 5
    language: str = "nl"


@dataclass
class Session:
    """One run of the werkvorm in one conversation. See the module docstring."""

    id: str
    created_at: datetime
    deck_id: str
    deck_card_ids: tuple[str, ...]
    phase: Phase = Phase.WELCOME
    facilitator_id: str | None = None
    participants: tuple[Participant, ...] = ()
    settings: SessionSettings = field(default_factory=SessionSettings)
    seed: int | None = None
    pending: tuple[str, ...] = ()
    """Cards still in the stack, top first (the current card is not in it)."""
    current: CurrentCard | None = None
    history: tuple[Turn, ...] = ()
    pauses: tuple[Pause, ...] = ()
    round_started_at: datetime | None = None
    round_ended_at: datetime | None = None
    round_end_reason: RoundEndReason | None = None
    guests_added: int = 0
    agreements: tuple[Agreement, ...] = ()
    agreements_proposed: int = 0
    closed_at: datetime | None = None
    live_card_id: str | None = None
    """The one message in the chat that shows this session, updated in place."""
    applied_requests: tuple[str, ...] = ()
    """Ids of the last requests applied, so that a redelivered request is not applied twice."""

    @classmethod
    def new(cls, session_id: str, deck: Deck, now: datetime, language: str = "nl") -> Session:
        """A session in the welcome state; ``language`` is the starter's, until setup says
        otherwise."""
        settings = SessionSettings(language=language if language in LANGUAGES else "nl")
        return cls(
            id=session_id,
            created_at=now,
            deck_id=deck.id,
            deck_card_ids=deck.card_ids,
            settings=settings,
        )

    # ----------------------------------------------------------------- bookkeeping

    def has_applied(self, request_id: str) -> bool:
        return request_id in self.applied_requests

    def remember(self, request_id: str) -> None:
        """Note a request as applied; the oldest are forgotten after ``REMEMBERED_REQUESTS``."""
        self.applied_requests = (*self.applied_requests, request_id)[-REMEMBERED_REQUESTS:]

    def attach_live_card(self, message_id: str) -> None:
        """The edge posted (or re-posted) the live card as this message."""
        self.live_card_id = message_id

    def detach_live_card(self) -> None:
        """Forget the live card's message, so that the edge posts a new one (at the bottom
        of the chat, where people look)."""
        self.live_card_id = None

    # ----------------------------------------------------------------- queries

    def participant(self, participant_id: str) -> Participant | None:
        for participant in self.participants:
            if participant.id == participant_id:
                return participant
        return None

    @property
    def paused(self) -> bool:
        return bool(self.pauses) and self.pauses[-1].ended_at is None

    @property
    def cards_done(self) -> int:
        """Cards answered or skipped so far."""
        return sum(1 for turn in self.history if turn.kind is not TurnKind.PROMPT)

    @property
    def card_total(self) -> int:
        """The n of "Kaart k van n": the cards chosen for this round."""
        return min(self.settings.card_count, len(self.deck_card_ids))

    def turn_counts(self) -> Counter[str]:
        """Turns per participant: answered cards and Hulpvragen, plus the current answerer."""
        counts: Counter[str] = Counter(
            turn.answerer_id
            for turn in self.history
            if turn.answerer_id is not None and turn.kind is not TurnKind.SKIPPED
        )
        if self.current is not None and self.current.answerer_id is not None:
            counts[self.current.answerer_id] += 1
        return counts

    def last_turn_times(self) -> dict[str, datetime]:
        """When each participant last got a turn (a current answerer: when the card was drawn)."""
        last: dict[str, datetime] = {}
        for turn in self.history:
            if turn.answerer_id is not None and turn.kind is not TurnKind.SKIPPED:
                last[turn.answerer_id] = turn.ended_at
        if self.current is not None and self.current.answerer_id is not None:
            last[self.current.answerer_id] = self.current.drawn_at
        return last

    def coverage(self) -> Coverage:
        """ "Aan bod geweest: x van y", who is still to come, and whether Hulpvragen are needed."""
        cards_left = len(self.pending)
        if self.current is not None and self.current.answerer_id is None:
            cards_left += 1
        return coverage(self.participants, self.turn_counts(), cards_left)

    def candidates(self) -> tuple[str, ...]:
        """Who the current card may go to, the suggestion first; empty without a card."""
        if self.current is None:
            return ()
        return answerer_candidates(
            self.participants, self.turn_counts(), self.last_turn_times(), self.current.asker_id
        )

    def suggested_answerer(self) -> str | None:
        candidates = self.candidates()
        return candidates[0] if candidates else None

    def timebox(self, now: datetime) -> Timebox:
        """Time on this card and in the session, pauses left out."""
        budget = self.card_total * self.settings.minutes_per_card * 60.0
        if self.round_started_at is None:
            return Timebox(0.0, self.settings.minutes_per_card * 60.0, 0.0, budget)
        until = self.round_ended_at or now
        card_seconds = (
            active_seconds(self.current.drawn_at, until, self.pauses) if self.current else 0.0
        )
        return Timebox(
            card_seconds=card_seconds,
            card_limit_seconds=self.settings.minutes_per_card * 60.0,
            session_used_seconds=active_seconds(self.round_started_at, until, self.pauses),
            session_budget_seconds=budget,
        )

    # ----------------------------------------------------------------- checks

    def _refuse(self, command: str, reason: Refusal, **params: object) -> NoReturn:
        raise NotAllowed(command, self.phase.value, reason, **params)

    def _require_phase(self, command: str, *phases: Phase) -> None:
        if self.phase not in phases:
            self._refuse(command, Refusal.WRONG_PHASE, phase=self.phase.value)

    def _require_facilitator(self, command: str, actor: str) -> None:
        if actor != self.facilitator_id:
            self._refuse(command, Refusal.NOT_FACILITATOR)

    def _require_running(self, command: str) -> CurrentCard:
        """In a round, not paused, with a card on the table."""
        self._require_phase(command, Phase.ROUND)
        if self.paused:
            self._refuse(command, Refusal.PAUSED)
        assert self.current is not None, "a round always has a current card"
        return self.current

    def _require_askable(self, command: str, participant_id: str) -> Participant:
        participant = self.participant(participant_id)
        if participant is None or not participant.taking_part:
            self._refuse(command, Refusal.UNKNOWN_PARTICIPANT)
        if not participant.present:
            self._refuse(command, Refusal.PARTICIPANT_ABSENT, name=participant.name)
        return participant

    # ----------------------------------------------------------------- setup

    def open_setup(self, actor: Member, roster: Sequence[Member]) -> list[Event]:
        """Start: the actor becomes facilitator; everyone in the roster takes part."""
        self._require_phase("open_setup", Phase.WELCOME)
        people = {member.id: member for member in (actor, *roster)}
        self.participants = tuple(Participant(m.id, m.name) for m in people.values())
        self.facilitator_id = actor.id
        self.phase = Phase.SETUP
        return [SetupOpened(actor.id)]

    def set_taking_part(self, actor: str, participant_id: str, taking_part: bool) -> list[Event]:
        """Leave someone out of the turns (or back in). The facilitator always takes part:
        they ask the first question."""
        command = "set_taking_part"
        self._require_phase(command, Phase.SETUP)
        self._require_facilitator(command, actor)
        participant = self.participant(participant_id)
        if participant is None:
            self._refuse(command, Refusal.UNKNOWN_PARTICIPANT)
        if participant_id == self.facilitator_id and not taking_part:
            self._refuse(command, Refusal.FACILITATOR_MUST_TAKE_PART)
        self._replace_participant(replace(participant, taking_part=taking_part))
        return [SetupChanged()]

    def add_room_guest(self, actor: str, name: str) -> list[Event]:
        """Add someone in the meeting room who has no device in the meeting."""
        command = "add_room_guest"
        self._require_phase(command, Phase.SETUP, Phase.ROUND)
        self._require_facilitator(command, actor)
        clean = " ".join(name.split())
        if not clean or len(clean) > MAX_GUEST_NAME_CHARS:
            self._refuse(command, Refusal.GUEST_NAME_INVALID, max=MAX_GUEST_NAME_CHARS)
        number = self.guests_added + 1
        while self.participant(f"guest:{number}") is not None:  # ids are never reused
            number += 1
        guest = Participant(f"guest:{number}", clean, ParticipantKind.ROOM_GUEST)
        self.participants = (*self.participants, guest)
        self.guests_added = number
        if self.phase is Phase.ROUND:
            return [ParticipantJoined(guest.id, returning=False)]
        return [SetupChanged()]

    def configure(
        self,
        actor: str,
        *,
        card_count: int | None = None,
        minutes_per_card: int | None = None,
        language: str | None = None,
    ) -> list[Event]:
        """Change how many cards, minutes per card, or the language of the content."""
        command = "configure"
        self._require_phase(command, Phase.SETUP)
        self._require_facilitator(command, actor)
        settings = self.settings
        if card_count is not None:
            if not 1 <= card_count <= len(self.deck_card_ids):
                self._refuse(command, Refusal.CARD_COUNT_OUT_OF_RANGE, max=len(self.deck_card_ids))
            settings = replace(settings, card_count=card_count)
        if minutes_per_card is not None:
            if minutes_per_card not in MINUTES_PER_CARD:
                self._refuse(
                    command,
                    Refusal.MINUTES_OUT_OF_RANGE,
                    min=MINUTES_PER_CARD.start,
                    max=MINUTES_PER_CARD.stop - 1,
                )
            settings = replace(settings, minutes_per_card=minutes_per_card)
        if language is not None:
            if language not in LANGUAGES:
                self._refuse(command, Refusal.UNSUPPORTED_LANGUAGE)
            settings = replace(settings, language=language)
        self.settings = settings
        return [SetupChanged()]

    def begin(self, actor: str, seed: int, now: datetime) -> list[Event]:
        """Shuffle the deck with ``seed`` (stored, so the order survives a restart) and
        draw the first card; the facilitator asks it."""
        command = "begin"
        self._require_phase(command, Phase.SETUP)
        self._require_facilitator(command, actor)
        askable = [p for p in self.participants if p.can_be_asked]
        if len(askable) < MIN_PARTICIPANTS:
            self._refuse(command, Refusal.TOO_FEW_PARTICIPANTS, min=MIN_PARTICIPANTS)
        order = shuffled(self.deck_card_ids, seed)[: self.card_total]
        self.seed = seed
        self.phase = Phase.ROUND
        self.round_started_at = now
        self.pending = order
        return [RoundBegun(len(order)), self._draw(actor, now)]

    # ----------------------------------------------------------------- rounds

    def choose_answerer(self, actor: str, answerer_id: str) -> list[Event]:
        """The asker (or the facilitator) puts the question to a colleague."""
        command = "choose_answerer"
        current = self._require_running(command)
        if actor not in (current.asker_id, self.facilitator_id):
            self._refuse(command, Refusal.NOT_ASKER)
        if answerer_id == current.asker_id:
            self._refuse(command, Refusal.OWN_QUESTION)
        answerer = self._require_askable(command, answerer_id)
        if current.answerer_id == answerer_id:
            self._refuse(command, Refusal.ALREADY_ANSWERER, name=answerer.name)
        self.current = replace(current, answerer_id=answerer_id)
        return [AnswererChosen(current.card_id, current.number, current.asker_id, answerer_id)]

    def next_card(self, actor: str, now: datetime) -> list[Event]:
        """The answerer (or the facilitator) is done: record the turn; the answerer asks next."""
        command = "next_card"
        current = self._require_running(command)
        if current.answerer_id is None:
            self._refuse(command, Refusal.NO_ANSWERER_YET)
        if actor not in (current.answerer_id, self.facilitator_id):
            self._refuse(command, Refusal.NOT_ANSWERER)
        turn = Turn(
            TurnKind.CARD,
            current.card_id,
            current.asker_id,
            current.answerer_id,
            current.drawn_at,
            now,
        )
        self.history = (*self.history, turn)
        return self._continue(current.answerer_id, now)

    def skip_card(self, actor: str, now: datetime) -> list[Event]:
        """Leave this card out (recorded as skipped); the same asker gets the next one."""
        command = "skip_card"
        current = self._require_running(command)
        self._require_facilitator(command, actor)
        turn = Turn(
            TurnKind.SKIPPED, current.card_id, current.asker_id, None, current.drawn_at, now
        )
        self.history = (*self.history, turn)
        return [CardSkipped(current.card_id), *self._continue(current.asker_id, now)]

    def put_back(self, actor: str, now: datetime) -> list[Event]:
        """Put this card under the stack to play it later; the same asker draws the next."""
        command = "put_back"
        current = self._require_running(command)
        self._require_facilitator(command, actor)
        if not self.pending:
            self._refuse(command, Refusal.LAST_CARD)
        self.pending = (*self.pending, current.card_id)
        return [CardPutBack(current.card_id), self._draw(current.asker_id, now)]

    def pose_prompt(
        self, actor: str, answerer_id: str, prompt_index: int, deck: Deck, now: datetime
    ) -> list[Event]:
        """The facilitator poses one Hulpvraag of the current card to someone without a
        turn yet; it counts as their turn."""
        command = "pose_prompt"
        current = self._require_running(command)
        self._require_facilitator(command, actor)
        if answerer_id == actor:
            self._refuse(command, Refusal.OWN_QUESTION)
        answerer = self._require_askable(command, answerer_id)
        if self.turn_counts()[answerer_id] > 0:
            self._refuse(command, Refusal.ALREADY_HAD_TURN, name=answerer.name)
        if deck.id != self.deck_id or not 0 <= prompt_index < len(
            deck.card(current.card_id).prompts
        ):
            self._refuse(command, Refusal.UNKNOWN_PROMPT)
        turn = Turn(TurnKind.PROMPT, current.card_id, actor, answerer_id, now, now, prompt_index)
        self.history = (*self.history, turn)
        return [PromptPosed(current.card_id, prompt_index, actor, answerer_id)]

    def pause(self, actor: str, now: datetime) -> list[Event]:
        command = "pause"
        self._require_running(command)
        self._require_facilitator(command, actor)
        self.pauses = (*self.pauses, Pause(now))
        return [RoundPaused()]

    def resume(self, actor: str, now: datetime) -> list[Event]:
        command = "resume"
        self._require_phase(command, Phase.ROUND)
        self._require_facilitator(command, actor)
        if not self.paused:
            self._refuse(command, Refusal.NOT_PAUSED)
        self.pauses = self._pauses_closed_at(now)
        return [RoundResumed()]

    def end_round(
        self, actor: str, now: datetime, reason: RoundEndReason = RoundEndReason.ENDED_EARLY
    ) -> list[Event]:
        """The facilitator ends the round early; a card being answered still counts."""
        command = "end_round"
        self._require_phase(command, Phase.ROUND)
        self._require_facilitator(command, actor)
        return self._finish_round(now, reason)

    def meeting_ended(self, now: datetime) -> list[Event]:
        """The Teams meeting ended: a running round moves on to the inventory, so nobody is
        left with a card that can't go anywhere. Other phases are unaffected."""
        if self.phase is not Phase.ROUND:
            return []
        return self._finish_round(now, RoundEndReason.MEETING_ENDED)

    # ----------------------------------------------------------------- roles and people

    def hand_over(self, actor: str, new_facilitator_id: str) -> list[Event]:
        """The facilitator hands the role to another person present (not a room guest)."""
        command = "hand_over"
        self._require_phase(command, Phase.SETUP, Phase.ROUND, Phase.INVENTORY, Phase.AGREEMENTS)
        self._require_facilitator(command, actor)
        return self._make_facilitator(command, actor, new_facilitator_id)

    def take_over(self, actor: str) -> list[Event]:
        """Anyone present may claim the facilitator role once the facilitator left the
        meeting; otherwise the session would be stuck without anyone allowed to steer."""
        command = "take_over"
        self._require_phase(command, Phase.SETUP, Phase.ROUND, Phase.INVENTORY, Phase.AGREEMENTS)
        facilitator = self.participant(self.facilitator_id or "")
        if facilitator is not None and facilitator.present:
            self._refuse(command, Refusal.FACILITATOR_STILL_PRESENT, name=facilitator.name)
        return self._make_facilitator(command, self.facilitator_id or "", actor)

    def participant_joined(self, member: Member, *, in_meeting: bool = True) -> list[Event]:
        """Someone joined the meeting (or the chat): late joiners take part from now on.
        ``in_meeting=False`` adds someone from the chat's roster who is not in the call
        (yet): taking part, but not suggested until they join."""
        if self.phase in (Phase.WELCOME, Phase.CLOSED):
            return []
        known = self.participant(member.id)
        if known is None:
            newcomer = Participant(member.id, member.name, present=in_meeting)
            self.participants = (*self.participants, newcomer)
            return [ParticipantJoined(member.id, returning=False)]
        if not in_meeting:
            return []
        if known.present:
            return []
        self._replace_participant(replace(known, present=True, name=member.name or known.name))
        return [ParticipantJoined(member.id, returning=True)]

    def participant_left(self, participant_id: str) -> list[Event]:
        """Someone left: no longer suggested; their turns and form stay."""
        known = self.participant(participant_id)
        if known is None or not known.present or known.is_room_guest:
            return []
        self._replace_participant(replace(known, present=False))
        return [ParticipantLeft(participant_id)]

    # ----------------------------------------------------------------- after the round

    def finish_inventory(self, actor: str) -> list[Event]:
        """The facilitator has taken stock of the forms; on to the agreements."""
        command = "finish_inventory"
        self._require_phase(command, Phase.INVENTORY)
        self._require_facilitator(command, actor)
        self.phase = Phase.AGREEMENTS
        return [InventoryFinished()]

    def propose_agreement(
        self,
        actor: str,
        owner_id: str,
        *,
        with_whom: Sequence[str],
        why: str,
        window_days: int,
        duration_minutes: int,
        now: datetime,
    ) -> list[Event]:
        """Write down an agreement to follow up. Anyone for themselves; the facilitator for
        anyone (also for room guests)."""
        command = "propose_agreement"
        self._require_phase(command, Phase.INVENTORY, Phase.AGREEMENTS)
        self._require_member(command, actor)
        if actor not in (owner_id, self.facilitator_id):
            self._refuse(command, Refusal.AGREEMENT_NOT_OWNER)
        if self.participant(owner_id) is None:
            self._refuse(command, Refusal.UNKNOWN_PARTICIPANT)
        invitees = tuple(dict.fromkeys(item.strip() for item in with_whom if item.strip()))
        valid = (
            0 < len(invitees) <= MAX_INVITEES
            and owner_id not in invitees
            and all(self.participant(item) is not None or is_email(item) for item in invitees)
            and 0 < len(why.strip()) <= MAX_WHY_CHARS
            and window_days in WINDOW_DAYS
            and duration_minutes in DURATION_MINUTES
        )
        if not valid:
            self._refuse(command, Refusal.AGREEMENT_INVALID)
        number = self.agreements_proposed + 1
        agreement = Agreement(
            f"agreement:{number}",
            owner_id,
            invitees,
            why.strip(),
            window_days,
            duration_minutes,
            now,
        )
        self.agreements = (*self.agreements, agreement)
        self.agreements_proposed = number
        return [AgreementProposed(agreement.id)]

    def withdraw_agreement(self, actor: str, agreement_id: str) -> list[Event]:
        """Remove an agreement that was not confirmed yet."""
        command = "withdraw_agreement"
        self._require_phase(command, Phase.INVENTORY, Phase.AGREEMENTS)
        agreement = self._agreement_of(command, actor, agreement_id)
        if agreement.status is not AgreementStatus.PROPOSED:
            self._refuse(command, Refusal.AGREEMENT_ALREADY_CONFIRMED)
        self.agreements = tuple(a for a in self.agreements if a.id != agreement_id)
        return [AgreementWithdrawn(agreement_id)]

    def confirm_agreement(self, actor: str, agreement_id: str) -> list[Event]:
        """Confirm (or, after a failure, retry): the edge then schedules the follow-up."""
        command = "confirm_agreement"
        self._require_phase(command, Phase.AGREEMENTS, Phase.CLOSED)
        agreement = self._agreement_of(command, actor, agreement_id)
        if agreement.status not in (AgreementStatus.PROPOSED, AgreementStatus.FAILED):
            self._refuse(command, Refusal.AGREEMENT_ALREADY_CONFIRMED)
        self._replace_agreement(
            replace(agreement, status=AgreementStatus.CONFIRMED, failure_reason=None)
        )
        return [AgreementConfirmed(agreement_id)]

    def record_schedule(
        self, agreement_id: str, *, start: datetime | None, failure_reason: str | None = None
    ) -> list[Event]:
        """The calendar edge reports back: scheduled at ``start``, or failed with a reason."""
        command = "record_schedule"
        agreement = next((a for a in self.agreements if a.id == agreement_id), None)
        if agreement is None:
            self._refuse(command, Refusal.UNKNOWN_AGREEMENT)
        if agreement.status is not AgreementStatus.CONFIRMED:
            self._refuse(command, Refusal.AGREEMENT_NOT_CONFIRMED)
        if start is not None:
            updated = replace(agreement, status=AgreementStatus.SCHEDULED, scheduled_start=start)
        else:
            updated = replace(
                agreement, status=AgreementStatus.FAILED, failure_reason=failure_reason or "?"
            )
        self._replace_agreement(updated)
        return [AgreementScheduleRecorded(agreement_id)]

    def close(self, actor: str, now: datetime) -> list[Event]:
        """The facilitator closes the session; the summary follows."""
        command = "close"
        self._require_phase(command, Phase.INVENTORY, Phase.AGREEMENTS)
        self._require_facilitator(command, actor)
        self.phase = Phase.CLOSED
        self.closed_at = now
        return [SessionClosed()]

    # ----------------------------------------------------------------- internals

    def _draw(self, asker_id: str, now: datetime) -> CardDrawn:
        card_id, *rest = self.pending
        self.pending = tuple(rest)
        self.current = CurrentCard(card_id, self.cards_done + 1, asker_id, now)
        return CardDrawn(card_id, self.current.number, asker_id)

    def _continue(self, next_asker_id: str, now: datetime) -> list[Event]:
        """After a card is done (and in the history): draw the next one, or end the round
        after the last."""
        self.current = None
        if self.pending:
            return [self._draw(next_asker_id, now)]
        return self._finish_round(now, RoundEndReason.LAST_CARD)

    def _finish_round(self, now: datetime, reason: RoundEndReason) -> list[Event]:
        current = self.current
        if current is not None and current.answerer_id is not None:
            turn = Turn(
                TurnKind.CARD,
                current.card_id,
                current.asker_id,
                current.answerer_id,
                current.drawn_at,
                now,
            )
            self.history = (*self.history, turn)
        self.pauses = self._pauses_closed_at(now)
        self.current = None
        self.pending = ()
        self.round_ended_at = now
        self.round_end_reason = reason
        self.phase = Phase.INVENTORY
        return [RoundEnded(reason)]

    def _pauses_closed_at(self, now: datetime) -> tuple[Pause, ...]:
        if not self.paused:
            return self.pauses
        return (*self.pauses[:-1], replace(self.pauses[-1], ended_at=now))

    def _make_facilitator(self, command: str, previous: str, new_id: str) -> list[Event]:
        candidate = self.participant(new_id)
        if candidate is None or candidate.is_room_guest or not candidate.present:
            self._refuse(command, Refusal.FACILITATOR_MUST_BE_PRESENT_PERSON)
        if new_id == self.facilitator_id:
            self._refuse(command, Refusal.ALREADY_FACILITATOR)
        if not candidate.taking_part and self.phase is Phase.SETUP:
            self._replace_participant(replace(candidate, taking_part=True))
        self.facilitator_id = new_id
        return [FacilitatorChanged(previous, new_id)]

    def _require_member(self, command: str, actor: str) -> None:
        if self.participant(actor) is None:
            self._refuse(command, Refusal.NOT_PARTICIPANT)

    def _agreement_of(self, command: str, actor: str, agreement_id: str) -> Agreement:
        agreement = next((a for a in self.agreements if a.id == agreement_id), None)
        if agreement is None:
            self._refuse(command, Refusal.UNKNOWN_AGREEMENT)
        if actor not in (agreement.owner_id, self.facilitator_id):
            self._refuse(command, Refusal.AGREEMENT_NOT_OWNER)
        return agreement

    def _replace_participant(self, updated: Participant) -> None:
        self.participants = tuple(updated if p.id == updated.id else p for p in self.participants)

    def _replace_agreement(self, updated: Agreement) -> None:
        self.agreements = tuple(updated if a.id == updated.id else a for a in self.agreements)

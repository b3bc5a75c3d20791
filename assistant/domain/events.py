"""What a command did, for the edges to turn into cards, messages and calendar work.

Every successful command returns a list of these. Most only mean "show the new state";
a few ask the edge for more (an @mention, an in-meeting notification, a calendar event).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class RoundEndReason(StrEnum):
    LAST_CARD = "last_card"
    ENDED_EARLY = "ended_early"
    MEETING_ENDED = "meeting_ended"


@dataclass(frozen=True, slots=True)
class SetupOpened:
    facilitator_id: str


@dataclass(frozen=True, slots=True)
class SetupChanged:
    """Participation, room guests or settings changed during setup."""


@dataclass(frozen=True, slots=True)
class RoundBegun:
    card_count: int


@dataclass(frozen=True, slots=True)
class CardDrawn:
    card_id: str
    number: int
    asker_id: str


@dataclass(frozen=True, slots=True)
class AnswererChosen:
    """The edge @mentions the answerer with the question (and notifies them in a meeting)."""

    card_id: str
    number: int
    asker_id: str
    answerer_id: str


@dataclass(frozen=True, slots=True)
class PromptPosed:
    """A Hulpvraag for someone who had no turn yet; the edge @mentions them with it."""

    card_id: str
    prompt_index: int
    asker_id: str
    answerer_id: str


@dataclass(frozen=True, slots=True)
class CardSkipped:
    card_id: str


@dataclass(frozen=True, slots=True)
class CardPutBack:
    card_id: str


@dataclass(frozen=True, slots=True)
class RoundPaused:
    pass


@dataclass(frozen=True, slots=True)
class RoundResumed:
    pass


@dataclass(frozen=True, slots=True)
class RoundEnded:
    reason: RoundEndReason


@dataclass(frozen=True, slots=True)
class FacilitatorChanged:
    previous_id: str
    facilitator_id: str


@dataclass(frozen=True, slots=True)
class ParticipantJoined:
    participant_id: str
    returning: bool


@dataclass(frozen=True, slots=True)
class ParticipantLeft:
    participant_id: str


@dataclass(frozen=True, slots=True)
class InventoryFinished:
    pass


@dataclass(frozen=True, slots=True)
class AgreementProposed:
    agreement_id: str


@dataclass(frozen=True, slots=True)
class AgreementWithdrawn:
    agreement_id: str


@dataclass(frozen=True, slots=True)
class AgreementConfirmed:
    """The edge writes the agreement to the calendar outbox."""

    agreement_id: str


@dataclass(frozen=True, slots=True)
class AgreementScheduleRecorded:
    agreement_id: str


@dataclass(frozen=True, slots=True)
class SessionClosed:
    pass


Event = (
    SetupOpened
    | SetupChanged
    | RoundBegun
    | CardDrawn
    | AnswererChosen
    | PromptPosed
    | CardSkipped
    | CardPutBack
    | RoundPaused
    | RoundResumed
    | RoundEnded
    | FacilitatorChanged
    | ParticipantJoined
    | ParticipantLeft
    | InventoryFinished
    | AgreementProposed
    | AgreementWithdrawn
    | AgreementConfirmed
    | AgreementScheduleRecorded
    | SessionClosed
)

"""The werkvorm's rules: the session state machine, the deck, turns, forms and agreements.

Pure: no I/O and no framework imports. The clock and random seeds come in as arguments.
"""

from assistant.domain.agreements import Agreement, AgreementStatus
from assistant.domain.clock import Pause, Timebox
from assistant.domain.coverage import Coverage
from assistant.domain.deck import Deck, QuestionCard
from assistant.domain.errors import NotAllowed, Refusal
from assistant.domain.events import Event, RoundEndReason
from assistant.domain.forms import Form, FormField, SharedAnswer, shared_answers
from assistant.domain.participants import Member, Participant, ParticipantKind
from assistant.domain.serialization import (
    SCHEMA_VERSION,
    StoredSessionError,
    session_from_json,
    session_to_json,
)
from assistant.domain.session import (
    CurrentCard,
    Phase,
    Session,
    SessionSettings,
    Turn,
    TurnKind,
)

__all__ = [
    "SCHEMA_VERSION",
    "Agreement",
    "AgreementStatus",
    "Coverage",
    "CurrentCard",
    "Deck",
    "Event",
    "Form",
    "FormField",
    "Member",
    "NotAllowed",
    "Participant",
    "ParticipantKind",
    "Pause",
    "Phase",
    "QuestionCard",
    "Refusal",
    "RoundEndReason",
    "Session",
    "SessionSettings",
    "SharedAnswer",
    "StoredSessionError",
    "Timebox",
    "Turn",
    "TurnKind",
    "session_from_json",
    "session_to_json",
    "shared_answers",
]

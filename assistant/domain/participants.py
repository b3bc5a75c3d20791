"""Who takes part in a session: colleagues with a Teams account, and room guests."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ParticipantKind(StrEnum):
    PERSON = "person"
    """Has their own Teams account and clicks for themselves."""
    ROOM_GUEST = "room_guest"
    """Sits in the meeting room without a device in the meeting; the facilitator acts for them."""


@dataclass(frozen=True, slots=True)
class Member:
    """Someone the edge saw in the roster or in a join event: an id and a display name."""

    id: str
    name: str


@dataclass(frozen=True, slots=True)
class Participant:
    """A person in the session. The session keeps them in roster order, then join order,
    and only ever appends: a participant's position never changes (cards rely on it)."""

    id: str
    name: str
    kind: ParticipantKind = ParticipantKind.PERSON
    taking_part: bool = True
    """False when the facilitator left them out; they keep their form but get no turns."""
    present: bool = True
    """False after they left the meeting: not suggested, not counted as still to come."""

    @property
    def is_room_guest(self) -> bool:
        return self.kind is ParticipantKind.ROOM_GUEST

    @property
    def can_be_asked(self) -> bool:
        """Whether a card or a Hulpvraag may go to them now."""
        return self.taking_part and self.present

"""Who has had a turn, who is next in line, and whether the cards left will reach everyone."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from assistant.domain.participants import Participant


@dataclass(frozen=True, slots=True)
class Coverage:
    """ "Aan bod geweest: x van y", and the facilitator's hint to pose Hulpvragen."""

    turns: Mapping[str, int]
    """Turns per participant id (answered cards and Hulpvragen, the current answerer included)."""
    had_turn: tuple[str, ...]
    not_yet: tuple[str, ...]
    """Taking part, still present, no turn yet: in roster order."""
    cards_left: int
    """Cards that can still give someone a turn (the current card while nobody answers it)."""

    @property
    def covered(self) -> int:
        return len(self.had_turn)

    @property
    def counted(self) -> int:
        """The y of "x van y": everyone who had a turn plus everyone still to come."""
        return len(self.had_turn) + len(self.not_yet)

    @property
    def needs_prompts(self) -> bool:
        """Fewer cards left than people without a turn: offer "Hulpvraag stellen"."""
        return self.cards_left < len(self.not_yet)


def coverage(
    participants: Sequence[Participant], turns: Mapping[str, int], cards_left: int
) -> Coverage:
    """Coverage of the taking-part participants. Someone who left without a turn is not
    counted as still to come: the group can't give them one."""
    taking_part = [p for p in participants if p.taking_part]
    had_turn = tuple(p.id for p in taking_part if turns.get(p.id, 0) > 0)
    not_yet = tuple(p.id for p in taking_part if p.present and turns.get(p.id, 0) == 0)
    return Coverage(turns=dict(turns), had_turn=had_turn, not_yet=not_yet, cards_left=cards_left)


def answerer_candidates(
    participants: Sequence[Participant],
    turns: Mapping[str, int],
    last_turn_at: Mapping[str, datetime],
    asker_id: str,
) -> tuple[str, ...]:
    """Who may be asked, best suggestion first: fewest turns, then who waited longest
    (never answered waits longest), then roster order. The asker is never a candidate."""
    position = {p.id: index for index, p in enumerate(participants)}

    def waiting_rank(participant: Participant) -> tuple[int, int, float, int]:
        last = last_turn_at.get(participant.id)
        waited_since_start = 0 if last is None else 1
        timestamp = 0.0 if last is None else last.timestamp()
        return (
            turns.get(participant.id, 0),
            waited_since_start,
            timestamp,
            position[participant.id],
        )

    eligible = [p for p in participants if p.can_be_asked and p.id != asker_id]
    return tuple(p.id for p in sorted(eligible, key=waiting_rank))

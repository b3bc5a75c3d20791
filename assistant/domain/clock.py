"""Timebox bookkeeping: time that counts is time not paused. The clock is always passed in."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Pause:
    """A pause of the round; ``ended_at`` is None while it lasts."""

    started_at: datetime
    ended_at: datetime | None = None


def active_seconds(since: datetime, now: datetime, pauses: Iterable[Pause]) -> float:
    """Seconds from ``since`` to ``now`` minus the parts that were paused."""
    if now <= since:
        return 0.0
    paused = 0.0
    for pause in pauses:
        start = max(pause.started_at, since)
        end = min(pause.ended_at or now, now)
        if end > start:
            paused += (end - start).total_seconds()
    return max(0.0, (now - since).total_seconds() - paused)


@dataclass(frozen=True, slots=True)
class Timebox:
    """What the live card says about time: this card, and the session's budget."""

    card_seconds: float
    card_limit_seconds: float
    session_used_seconds: float
    session_budget_seconds: float

    @property
    def card_over_time(self) -> bool:
        """Past the minutes per card. Not a hard stop: people are talking."""
        return self.card_seconds > self.card_limit_seconds

    @property
    def session_left_seconds(self) -> float:
        """Budget minus time used; negative once the session runs over."""
        return self.session_budget_seconds - self.session_used_seconds

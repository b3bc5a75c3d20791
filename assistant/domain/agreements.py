"""Follow-up agreements (afspraken): who meets whom about the collaboration, why, and when."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

WINDOW_DAYS = range(1, 91)
DURATION_MINUTES = range(15, 241)
MAX_WHY_CHARS = 1000
MAX_INVITEES = 50

# Deliberately loose: the calendar service is the judge of an address; this only keeps
# obvious typing mistakes (no @, spaces) out of the session.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def is_email(value: str) -> bool:
    return bool(_EMAIL.match(value))


class AgreementStatus(StrEnum):
    PROPOSED = "proposed"
    CONFIRMED = "confirmed"
    """Confirmed by owner or facilitator; the calendar follow-up is on its way."""
    SCHEDULED = "scheduled"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Agreement:
    """One agreement to follow up: the owner meets ``with_whom`` within ``window_days``."""

    id: str
    owner_id: str
    with_whom: tuple[str, ...]
    """Participant ids or external e-mail addresses."""
    why: str
    window_days: int
    duration_minutes: int
    proposed_at: datetime
    status: AgreementStatus = AgreementStatus.PROPOSED
    scheduled_start: datetime | None = None
    failure_reason: str | None = None

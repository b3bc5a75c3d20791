"""The storage port every backend implements, with optimistic concurrency.

A session is saved with the version it was loaded at. If someone else saved in between
(a second click at the same moment, a redelivered activity, another instance), the save
raises ``VersionConflict`` instead of overwriting: the caller loads again and re-applies
its command to the newer state, or tells the user what changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from assistant.domain import Session


@dataclass(frozen=True, slots=True)
class SessionKey:
    """One session per conversation, within one tenant."""

    tenant_id: str
    conversation_id: str


@dataclass(frozen=True, slots=True)
class StoredSession:
    session: Session
    version: int
    """Starts at 1 when created; every save adds 1."""


class VersionConflict(Exception):
    """The stored session is not at the expected version (or exists when creating)."""

    def __init__(self, key: SessionKey, expected: int | None, actual: int | None) -> None:
        self.key = key
        self.expected = expected
        self.actual = actual
        super().__init__(f"{key}: expected version {expected}, found {actual}")


class SessionStore(Protocol):
    """Load and save sessions by key. Implementations must be safe for concurrent use."""

    async def load(self, key: SessionKey) -> StoredSession | None:
        """The session and its version, or None when the conversation has none."""
        ...

    async def save(self, key: SessionKey, session: Session, expected_version: int | None) -> int:
        """Store ``session`` if the stored version is ``expected_version`` (None: there
        must be none yet); returns the new version, or raises VersionConflict."""
        ...

    async def delete(self, key: SessionKey) -> None:
        """Remove the session (and with it everything personal in it); no error if absent."""
        ...

    async def ping(self) -> None:
        """Raise if the database cannot be reached (for the health check)."""
        ...

    async def close(self) -> None: ...

"""Applying a command to a stored session: exactly once, whoever else is clicking.

Two mechanisms work together. Within one process, commands on the same session wait for
each other (a lock per session key), so that two clicks at the same moment are applied
one after the other and the second sees the first's result. Across processes, the store's
optimistic version catches the rest: a save over a newer version is retried on the newer
state. Each request id is remembered in the session, so a redelivered activity changes
nothing the second time.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable
from dataclasses import dataclass

from assistant.domain import Event, Session
from assistant.store import SessionKey, SessionStore, VersionConflict

Command = Callable[[Session], list[Event]]

MAX_ATTEMPTS = 10


class NoSession(LookupError):
    """The conversation has no session yet, and the command does not start one."""


class BusySession(RuntimeError):
    """Other instances kept saving first, attempt after attempt."""


@dataclass(frozen=True, slots=True)
class Applied:
    """The session after a command, the events it produced, and whether the request had
    been applied before (then nothing was changed and ``events`` is empty)."""

    session: Session
    events: list[Event]
    duplicate: bool = False


class SessionService:
    def __init__(self, store: SessionStore) -> None:
        self._store = store
        self._locks: weakref.WeakValueDictionary[SessionKey, asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )

    async def load(self, key: SessionKey) -> Session | None:
        stored = await self._store.load(key)
        return stored.session if stored else None

    async def apply(
        self,
        key: SessionKey,
        command: Command,
        *,
        request_id: str | None = None,
        create: Callable[[], Session] | None = None,
        replace_when: Callable[[Session], bool] | None = None,
    ) -> Applied:
        """Load, run ``command``, save. ``create`` makes the session when there is none
        (or when ``replace_when`` says the stored one is done with). ``NotAllowed`` from
        the command propagates and nothing is saved."""
        async with self._lock(key):
            for _ in range(MAX_ATTEMPTS):
                stored = await self._store.load(key)
                version = stored.version if stored else None
                session = stored.session if stored else None
                if session is not None and request_id and session.has_applied(request_id):
                    return Applied(session, [], duplicate=True)
                if create is not None and (
                    session is None or (replace_when is not None and replace_when(session))
                ):
                    session = create()
                if session is None:
                    raise NoSession(key)
                events = command(session)
                if request_id:
                    session.remember(request_id)
                try:
                    await self._store.save(key, session, version)
                except VersionConflict:
                    continue
                return Applied(session, events)
        raise BusySession(key)

    def _lock(self, key: SessionKey) -> asyncio.Lock:
        lock = self._locks.get(key)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[key] = lock
        return lock

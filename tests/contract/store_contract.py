"""The contract every SessionStore backend passes. A backend's test module subclasses
``SessionStoreContract`` and provides a ``store`` fixture (and ``reopen`` when it keeps
data across connections)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from assistant.content import load_content
from assistant.domain import Member, Session
from assistant.store import SessionKey, SessionStore, VersionConflict
from tests.conftest import ANNA, BRAM, T0, TEAM, at

DECK = load_content().deck("nl")
KEY = SessionKey("tenant-a", "19:meeting_abc@thread.v2")

Reopen = Callable[[], Awaitable[SessionStore]]


def welcome(session_id: str = "s-1") -> Session:
    return Session.new(session_id, DECK, T0)


def in_setup() -> Session:
    session = welcome()
    session.open_setup(TEAM[0], TEAM)
    return session


class SessionStoreContract:
    async def test_an_unknown_conversation_has_no_session(self, store: SessionStore) -> None:
        assert await store.load(KEY) is None

    async def test_a_created_session_loads_equal_at_version_one(self, store: SessionStore) -> None:
        session = in_setup()
        assert await store.save(KEY, session, None) == 1
        stored = await store.load(KEY)
        assert stored is not None
        assert stored.version == 1
        assert stored.session == session

    async def test_each_save_raises_the_version(self, store: SessionStore) -> None:
        session = in_setup()
        version = await store.save(KEY, session, None)
        session.begin(ANNA, 3, at(1))
        version = await store.save(KEY, session, version)
        session.choose_answerer(ANNA, BRAM)
        assert await store.save(KEY, session, version) == 3
        stored = await store.load(KEY)
        assert stored is not None and stored.version == 3 and stored.session == session

    async def test_creating_twice_is_a_conflict(self, store: SessionStore) -> None:
        await store.save(KEY, welcome("first"), None)
        with pytest.raises(VersionConflict) as caught:
            await store.save(KEY, welcome("second"), None)
        assert (caught.value.expected, caught.value.actual) == (None, 1)
        stored = await store.load(KEY)
        assert stored is not None and stored.session.id == "first"

    async def test_saving_over_a_newer_version_is_a_conflict(self, store: SessionStore) -> None:
        original = in_setup()
        await store.save(KEY, original, None)
        stored = await store.load(KEY)
        assert stored is not None
        mine, theirs = stored.session, (await store.load(KEY)).session  # type: ignore[union-attr]
        theirs.configure(ANNA, card_count=4)
        assert await store.save(KEY, theirs, stored.version) == 2
        mine.configure(ANNA, card_count=9)
        with pytest.raises(VersionConflict) as caught:
            await store.save(KEY, mine, stored.version)
        assert (caught.value.expected, caught.value.actual) == (1, 2)
        latest = await store.load(KEY)
        assert latest is not None and latest.session.settings.card_count == 4

    async def test_saving_a_session_that_is_gone_is_a_conflict(self, store: SessionStore) -> None:
        with pytest.raises(VersionConflict) as caught:
            await store.save(KEY, welcome(), 1)
        assert caught.value.actual is None
        assert await store.load(KEY) is None

    async def test_of_simultaneous_saves_exactly_one_wins(self, store: SessionStore) -> None:
        await store.save(KEY, in_setup(), None)
        contenders = []
        for count in range(1, 9):
            session = in_setup()
            session.configure(ANNA, card_count=count)
            contenders.append(session)
        results = await asyncio.gather(
            *(store.save(KEY, session, 1) for session in contenders), return_exceptions=True
        )
        winners = [index for index, result in enumerate(results) if result == 2]
        assert len(winners) == 1
        assert all(isinstance(r, VersionConflict) for i, r in enumerate(results) if i != winners[0])
        stored = await store.load(KEY)
        assert stored is not None
        assert stored.session.settings.card_count == winners[0] + 1

    async def test_keys_are_separate_per_tenant_and_conversation(self, store: SessionStore) -> None:
        keys = [KEY, SessionKey("tenant-b", KEY.conversation_id), SessionKey("tenant-a", "other")]
        for number, key in enumerate(keys):
            await store.save(key, welcome(f"s-{number}"), None)
        for number, key in enumerate(keys):
            stored = await store.load(key)
            assert stored is not None and stored.session.id == f"s-{number}"

    async def test_delete_removes_only_that_session(self, store: SessionStore) -> None:
        other = SessionKey("tenant-a", "other")
        await store.save(KEY, welcome(), None)
        await store.save(other, welcome(), None)
        await store.delete(KEY)
        await store.delete(KEY)  # deleting what is gone is fine
        assert await store.load(KEY) is None
        assert await store.load(other) is not None
        assert await store.save(KEY, welcome(), None) == 1

    async def test_names_and_texts_keep_every_character(self, store: SessionStore) -> None:
        session = welcome()
        session.open_setup(Member(ANNA, "Anna ’t Hooft-Ünal 🌷"), TEAM[1:])
        session.add_room_guest(ANNA, 'Zoë "Z" O\'Brien; DROP TABLE sessions')
        await store.save(KEY, session, None)
        stored = await store.load(KEY)
        assert stored is not None and stored.session == session

    async def test_ping_answers(self, store: SessionStore) -> None:
        await store.ping()


class PersistentStoreContract(SessionStoreContract):
    """For backends that keep sessions when the process restarts."""

    async def test_sessions_survive_a_restart(self, store: SessionStore, reopen: Reopen) -> None:
        session = in_setup()
        session.begin(ANNA, 11, at(1))
        version = await store.save(KEY, session, None)
        await store.close()
        again = await reopen()
        try:
            stored = await again.load(KEY)
            assert stored is not None
            assert (stored.version, stored.session) == (version, session)
        finally:
            await again.close()

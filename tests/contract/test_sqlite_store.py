"""The SQLite backend passes the store contract, on a real file."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from assistant.store import SessionStore, SqliteSessionStore
from assistant.store.sqlite import MIGRATIONS
from tests.contract.store_contract import KEY, PersistentStoreContract, Reopen, welcome


@pytest.fixture
def database(tmp_path: Path) -> Path:
    return tmp_path / "data" / "goedgesprek.sqlite3"


@pytest.fixture
async def store(database: Path) -> AsyncIterator[SessionStore]:
    opened = await SqliteSessionStore.open(database)
    yield opened
    await opened.close()


@pytest.fixture
def reopen(database: Path) -> Reopen:
    async def _reopen() -> SessionStore:
        return await SqliteSessionStore.open(database)

    return _reopen


class TestSqliteSessionStore(PersistentStoreContract):
    pass


async def test_the_schema_is_migrated_once(database: Path) -> None:
    first = await SqliteSessionStore.open(database)
    await first.save(KEY, welcome(), None)
    await first.close()
    second = await SqliteSessionStore.open(database)  # must not try to create the table again
    assert await second.load(KEY) is not None
    await second.close()
    with sqlite3.connect(database) as connection:
        assert connection.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)


async def test_two_stores_on_one_file_see_each_others_saves(database: Path) -> None:
    """Two processes on one file (e.g. a restart overlapping the old process)."""
    one, two = await SqliteSessionStore.open(database), await SqliteSessionStore.open(database)
    try:
        await one.save(KEY, welcome(), None)
        stored = await two.load(KEY)
        assert stored is not None and stored.version == 1
    finally:
        await one.close()
        await two.close()

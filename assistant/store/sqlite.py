"""The embedded default backend: one SQLite file, no server needed."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import aiosqlite

from assistant.domain import Session, session_from_json, session_to_json
from assistant.store.port import SessionKey, StoredSession, VersionConflict

# Applied in order; PRAGMA user_version remembers how many ran. Never edit one that
# shipped: append a new statement instead.
MIGRATIONS = (
    """
    CREATE TABLE sessions (
        tenant_id TEXT NOT NULL,
        conversation_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        body TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (tenant_id, conversation_id)
    )
    """,
)


class SqliteSessionStore:
    """SessionStore on one aiosqlite connection (its own thread serialises statements)."""

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._db = connection

    @classmethod
    async def open(cls, path: str | Path) -> SqliteSessionStore:
        """Open (and create or migrate) the database file; ":memory:" for a throwaway one."""
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        connection = await aiosqlite.connect(str(path), isolation_level=None)
        try:
            await connection.execute("PRAGMA journal_mode=WAL")
            await connection.execute("PRAGMA busy_timeout=5000")
            # WAL with NORMAL: durable across an app crash, one fsync per checkpoint instead
            # of one per commit (a commit per click).
            await connection.execute("PRAGMA synchronous=NORMAL")
            await _migrate(connection)
        except BaseException:
            await connection.close()
            raise
        return cls(connection)

    async def load(self, key: SessionKey) -> StoredSession | None:
        async with self._db.execute(
            "SELECT version, body FROM sessions WHERE tenant_id = ? AND conversation_id = ?",
            (key.tenant_id, key.conversation_id),
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return None
        version, body = row
        return StoredSession(session_from_json(body), int(version))

    async def save(self, key: SessionKey, session: Session, expected_version: int | None) -> int:
        body = session_to_json(session)
        now = datetime.now(UTC).isoformat()
        if expected_version is None:
            cursor = await self._db.execute(
                "INSERT INTO sessions (tenant_id, conversation_id, version, body, updated_at)"
                " VALUES (?, ?, 1, ?, ?) ON CONFLICT DO NOTHING",
                (key.tenant_id, key.conversation_id, body, now),
            )
            new_version = 1
        else:
            cursor = await self._db.execute(
                "UPDATE sessions SET version = version + 1, body = ?, updated_at = ?"
                " WHERE tenant_id = ? AND conversation_id = ? AND version = ?",
                (body, now, key.tenant_id, key.conversation_id, expected_version),
            )
            new_version = expected_version + 1
        if cursor.rowcount != 1:
            raise VersionConflict(key, expected_version, await self._version(key))
        return new_version

    async def delete(self, key: SessionKey) -> None:
        await self._db.execute(
            "DELETE FROM sessions WHERE tenant_id = ? AND conversation_id = ?",
            (key.tenant_id, key.conversation_id),
        )

    async def ping(self) -> None:
        async with self._db.execute("SELECT 1") as cursor:
            await cursor.fetchone()

    async def close(self) -> None:
        await self._db.close()

    async def _version(self, key: SessionKey) -> int | None:
        async with self._db.execute(
            "SELECT version FROM sessions WHERE tenant_id = ? AND conversation_id = ?",
            (key.tenant_id, key.conversation_id),
        ) as cursor:
            row = await cursor.fetchone()
        return None if row is None else int(row[0])


async def _migrate(connection: aiosqlite.Connection) -> None:
    """Apply the migrations not yet applied, in one write transaction, so that two
    processes opening the same new file do not both create the tables."""
    await connection.execute("BEGIN IMMEDIATE")
    try:
        async with connection.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        applied = int(row[0]) if row else 0
        for number, statement in enumerate(MIGRATIONS[applied:], start=applied + 1):
            await connection.execute(statement)
            await connection.execute(f"PRAGMA user_version = {number}")
    except BaseException:
        await connection.execute("ROLLBACK")
        raise
    await connection.execute("COMMIT")

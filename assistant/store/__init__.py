"""Where sessions live: a narrow port (load / save with a version) and its backends."""

from assistant.store.port import SessionKey, SessionStore, StoredSession, VersionConflict
from assistant.store.sqlite import SqliteSessionStore

__all__ = ["SessionKey", "SessionStore", "SqliteSessionStore", "StoredSession", "VersionConflict"]

"""Sessions to and from JSON, versioned so that sessions stored by an older release load.

The stored form is ``{"schema_version": N, "session": {...}}``. When the shape of a
session changes, raise ``SCHEMA_VERSION`` and add a function to ``MIGRATIONS`` that turns
a version N-1 document into a version N document; ``tests/fixtures/sessions/`` keeps one
stored session of every released version, and the tests load each of them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from pydantic import TypeAdapter, ValidationError

from assistant.domain.session import Session

SCHEMA_VERSION = 1

Document = dict[str, Any]
MIGRATIONS: dict[int, Callable[[Document], Document]] = {}
"""``MIGRATIONS[n]`` upgrades the session document of version n-1 to version n."""

_adapter: TypeAdapter[Session] = TypeAdapter(Session)


class StoredSessionError(ValueError):
    """A stored session that this release cannot read."""


def session_to_json(session: Session) -> str:
    body = _adapter.dump_python(session, mode="json")
    return json.dumps({"schema_version": SCHEMA_VERSION, "session": body}, ensure_ascii=False)


def session_from_json(text: str | bytes) -> Session:
    try:
        envelope = json.loads(text)
        version = envelope["schema_version"]
        body = envelope["session"]
    except (ValueError, KeyError, TypeError) as error:
        raise StoredSessionError(f"not a stored session: {error}") from error
    if not isinstance(version, int) or not 1 <= version <= SCHEMA_VERSION:
        raise StoredSessionError(
            f"stored session has schema version {version!r}; this release reads 1..{SCHEMA_VERSION}"
        )
    for target in range(version + 1, SCHEMA_VERSION + 1):
        body = MIGRATIONS[target](body)
    try:
        return _adapter.validate_python(body)
    except ValidationError as error:
        raise StoredSessionError(f"stored session does not validate: {error}") from error

"""Outbound work per conversation, in order, off the request path.

Teams gives a bot 15 seconds to answer an activity and redelivers after that, so a
handler never waits for the connector: it applies the command, answers the clicker with
the new card, and leaves the rest (updating the live card for everyone, the @mention
message, the meeting notification) to this outbox. Jobs of one conversation run one after
the other; a job that refreshes the live card is dropped when one is already waiting,
because it renders the session as it is when it runs.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from assistant.teams.connector import describe_error

log = logging.getLogger(__name__)

Job = Callable[[], Awaitable[object]]
"""Outbound work; whatever it returns is not used."""


@dataclass
class _Queue:
    jobs: deque[tuple[str | None, Job]] = field(default_factory=deque)
    worker: asyncio.Task[None] | None = None


class Outbox:
    def __init__(self) -> None:
        self._queues: dict[str, _Queue] = {}
        self._idle = asyncio.Event()
        self._idle.set()

    def submit(self, conversation_id: str, job: Job, *, coalesce: str | None = None) -> None:
        """Queue ``job`` for this conversation. With ``coalesce``, a job with the same key
        that has not started yet makes this one unnecessary."""
        queue = self._queues.setdefault(conversation_id, _Queue())
        if coalesce is not None and any(key == coalesce for key, _ in queue.jobs):
            return
        queue.jobs.append((coalesce, job))
        if queue.worker is None:
            self._idle.clear()
            queue.worker = asyncio.create_task(self._work(conversation_id, queue))

    async def _work(self, conversation_id: str, queue: _Queue) -> None:
        try:
            while queue.jobs:
                _, job = queue.jobs.popleft()
                try:
                    await job()
                except asyncio.CancelledError:
                    raise
                except Exception as error:  # one failed send must not stop the others
                    log.warning(
                        "outbound job for %s failed: %s",
                        conversation_id,
                        describe_error(error),
                        exc_info=log.isEnabledFor(logging.DEBUG),
                    )
        finally:
            queue.worker = None
            if not queue.jobs:
                self._queues.pop(conversation_id, None)
            if not self._queues:
                self._idle.set()

    async def drain(self, timeout: float = 30.0) -> None:
        """Wait until every queued job has run (at shutdown, and in tests)."""
        async with asyncio.timeout(timeout):
            await self._idle.wait()

    async def close(self) -> None:
        """Give queued work a few seconds, then cancel what is left."""
        try:
            await self.drain(timeout=5.0)
        except TimeoutError:
            log.warning("outbox: cancelling %d conversations' unsent work", len(self._queues))
        for queue in list(self._queues.values()):
            if queue.worker is not None:
                queue.worker.cancel()

"""What the bot says to Teams: messages, card updates, the roster, meeting notifications.

A thin layer over the SDK's REST clients that adds what Teams asks of a bot: at most
7 sends per second, 8 per 2 s, 60 per 30 s and 1800 per hour per conversation, and a retry
with exponential backoff and jitter on 429, 412, 502 and 504 (honouring Retry-After).
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx
from microsoft_teams.api.activities.message.message import MessageActivityInput
from microsoft_teams.api.auth.cloud_environment import CloudEnvironment
from microsoft_teams.api.auth.credentials import TokenProviderProtocol
from microsoft_teams.api.clients.api_client import ApiClient
from microsoft_teams.api.clients.api_client_settings import ApiClientSettings
from microsoft_teams.api.models import Account, Attachment, MentionEntity
from microsoft_teams.api.models.meetings import (
    MeetingNotificationParams,
    MeetingNotificationSurface,
    MeetingNotificationValue,
)
from microsoft_teams.common import Client
from microsoft_teams.common.http.client import MiddlewareContext, MiddlewareNext

from assistant.cards import CARD_CONTENT_TYPE, Card
from assistant.domain import Member

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({412, 429, 502, 504})
MAX_ATTEMPTS = 5
MAX_BACKOFF_SECONDS = 20.0
MAX_REQUESTS_IN_FLIGHT = 16
SWEEP_EVERY = 1000

# (window in seconds, sends allowed in it) per conversation, from Teams' documented limits.
TEAMS_SEND_LIMITS: tuple[tuple[float, int], ...] = ((1.0, 7), (2.0, 8), (30.0, 60), (3600.0, 1800))


@dataclass(frozen=True, slots=True)
class ConversationRef:
    """Where to send: the service URL and conversation of an inbound activity."""

    service_url: str
    conversation_id: str
    tenant_id: str


@dataclass(frozen=True, slots=True)
class RosterMember:
    """Someone in the chat: who they are to the bot, and their Entra object id (which the
    meeting APIs want)."""

    member: Member
    aad_object_id: str | None


class SendRateLimiter:
    """Sliding windows per conversation; ``acquire`` waits until a send is allowed."""

    def __init__(
        self,
        limits: tuple[tuple[float, int], ...] = TEAMS_SEND_LIMITS,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._limits = limits
        self._clock = clock
        self._sleep = sleep
        self._history: dict[str, deque[float]] = {}
        self._longest = max(window for window, _ in limits)
        self._acquired = 0

    def delay(self, conversation_id: str) -> float:
        """Seconds to wait before the next send in this conversation may go."""
        now = self._clock()
        sent = self._history.setdefault(conversation_id, deque())
        while sent and now - sent[0] >= self._longest:
            sent.popleft()
        wait = 0.0
        for window, allowed in self._limits:
            recent = [t for t in sent if now - t < window]
            if len(recent) >= allowed:
                wait = max(wait, recent[-allowed] + window - now)
        return wait

    async def acquire(self, conversation_id: str) -> None:
        while (wait := self.delay(conversation_id)) > 0:
            await self._sleep(wait)
        self._history.setdefault(conversation_id, deque()).append(self._clock())
        self._acquired += 1
        if self._acquired % SWEEP_EVERY == 0:
            self._forget_quiet_conversations()

    def _forget_quiet_conversations(self) -> None:
        """Drop conversations with no send in the longest window: a long-running process
        sees many meetings come and go."""
        now = self._clock()
        quiet = [
            cid
            for cid, sent in self._history.items()
            if not sent or now - sent[-1] >= self._longest
        ]
        for cid in quiet:
            del self._history[cid]

    @property
    def tracked_conversations(self) -> int:
        return len(self._history)


class RetryMiddleware:
    """Retries Teams' throttling and gateway errors, with backoff, jitter and Retry-After."""

    def __init__(self, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self._sleep = sleep

    async def send(self, context: MiddlewareContext, next: MiddlewareNext) -> httpx.Response:
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                return await next()
            except httpx.HTTPStatusError as error:
                status = error.response.status_code
                if status not in RETRY_STATUSES or attempt == MAX_ATTEMPTS:
                    raise
                delay = _retry_after(error.response) or _backoff(attempt)
                log.info(
                    "teams %s %s: %s, retry %d in %.1fs",
                    context.method,
                    context.url,
                    status,
                    attempt,
                    delay,
                )
                await self._sleep(delay)
        raise AssertionError("unreachable: the last attempt returns or raises")


class ConcurrencyLimit:
    """At most ``limit`` requests to Teams in flight from this process.

    httpcore's connection pool scans every waiting request against every connection on
    each change, so a few hundred outbox jobs sending at once made it quadratic (measured:
    card clicks at 64 in flight fell from 234 to 100 per second, 80% of the time in the
    pool's bookkeeping). Waiting here instead keeps its queue short."""

    def __init__(self, limit: int = MAX_REQUESTS_IN_FLIGHT) -> None:
        self._slots = asyncio.Semaphore(limit)

    async def send(self, _context: MiddlewareContext, next: MiddlewareNext) -> httpx.Response:
        async with self._slots:
            return await next()


def _backoff(attempt: int) -> float:
    """Exponential backoff with full jitter: 0..min(cap, 0.5 * 2^attempt) seconds."""
    return random.uniform(0, min(MAX_BACKOFF_SECONDS, 0.5 * 2**attempt))  # not for secrets: jitter


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return min(MAX_BACKOFF_SECONDS, max(0.0, float(value))) if value else None
    except ValueError:
        return None


class TeamsConnector:
    """The Bot Connector and meeting APIs for any service URL, through the SDK's clients,
    one client per service URL (they keep their connection pools)."""

    def __init__(
        self,
        http: Client,
        cloud: CloudEnvironment,
        token_provider: TokenProviderProtocol | None,
        settings: ApiClientSettings | None = None,
        limiter: SendRateLimiter | None = None,
    ) -> None:
        self._http = http
        self._http.use(RetryMiddleware())  # outermost: a backoff does not hold a slot
        self._http.use(ConcurrencyLimit())
        self._cloud = cloud
        self._token_provider = token_provider
        self._settings = settings
        self._limiter = limiter or SendRateLimiter()
        self._clients: dict[str, ApiClient] = {}

    async def close(self) -> None:
        """Close the connection pool (the SDK never closes its clients itself)."""
        await self._http.http.aclose()

    def _api(self, service_url: str) -> ApiClient:
        client = self._clients.get(service_url)
        if client is None:
            client = ApiClient(
                service_url,
                self._http,
                self._settings,
                cloud=self._cloud,
                token_provider=self._token_provider,
            )
            self._clients[service_url] = client
        return client

    async def post_card(self, ref: ConversationRef, card: Card) -> str | None:
        """Post a card as a message of its own (never with text: some clients split those)."""
        return await self._post(ref, _card_message(card))

    async def update_card(self, ref: ConversationRef, activity_id: str, card: Card) -> None:
        await self._limiter.acquire(ref.conversation_id)
        conversations = self._api(ref.service_url).conversations
        await conversations.update_activity(ref.conversation_id, activity_id, _card_message(card))

    async def post_text(
        self, ref: ConversationRef, text: str, mentions: tuple[Member, ...] = ()
    ) -> str | None:
        """Post a short message; ``text`` contains ``<at>Name</at>`` for each mention."""
        message = MessageActivityInput(text=text)
        for member in mentions:
            account = Account(id=member.id, name=member.name)
            message.add_entity(MentionEntity(mentioned=account, text=f"<at>{member.name}</at>"))
        return await self._post(ref, message)

    async def _post(self, ref: ConversationRef, message: MessageActivityInput) -> str | None:
        await self._limiter.acquire(ref.conversation_id)
        conversations = self._api(ref.service_url).conversations
        sent = await conversations.create_activity(ref.conversation_id, message)
        return sent.id or None

    async def roster(self, ref: ConversationRef, bot_id: str) -> list[RosterMember]:
        """Everyone in the conversation (all pages), without the bot itself."""
        members: list[RosterMember] = []
        token: str | None = None
        client = self._api(ref.service_url).conversations.members_client
        while True:
            page = await client.get_paged(
                ref.conversation_id, page_size=500, continuation_token=token
            )
            members.extend(
                RosterMember(Member(m.id, m.name or m.id), m.aad_object_id)
                for m in page.members or []
                if m.id and m.id != bot_id
            )
            token = page.continuation_token
            if not token:
                return members

    async def in_meeting(self, ref: ConversationRef, meeting_id: str, aad_object_id: str) -> bool:
        """Whether this person is in the meeting's call right now (not only in its chat)."""
        participant = await self._api(ref.service_url).meetings.get_participant(
            meeting_id, aad_object_id, ref.tenant_id
        )
        return bool(participant.meeting and participant.meeting.in_meeting)

    async def notify_in_meeting(
        self, ref: ConversationRef, meeting_id: str, recipient_ids: list[str], url: str, title: str
    ) -> None:
        """A targeted in-meeting notification: a small page shown on the meeting stage of
        these participants only."""
        params = MeetingNotificationParams(
            value=MeetingNotificationValue(
                recipients=recipient_ids,
                surfaces=[
                    MeetingNotificationSurface(
                        surface="meetingStage",
                        content_type="task",
                        content={
                            "value": {"height": 300, "width": 400, "title": title, "url": url}
                        },
                    )
                ],
            )
        )
        await self._limiter.acquire(ref.conversation_id)
        await self._api(ref.service_url).meetings.send_notification(meeting_id, params)


def _card_message(card: Card) -> MessageActivityInput:
    return MessageActivityInput(
        attachments=[Attachment(content_type=CARD_CONTENT_TYPE, content=card)]
    )


def describe_error(error: BaseException) -> str:
    """A short reason for the logs, without headers or tokens."""
    if isinstance(error, httpx.HTTPStatusError):
        return f"HTTP {error.response.status_code} from {error.request.url.path}"
    return f"{type(error).__name__}: {error}"

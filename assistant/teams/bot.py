"""The handlers: each one reads the activity, runs a domain command through the session
service, answers, and leaves the outbound work to the outbox.

parse → load session → call the domain → save → render → send. Errors never escape a
handler: a refusal is shown to the person who asked, anything unexpected is logged and
answered with the current state, so Teams never sees a 500 from us.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from microsoft_teams.api.activities.conversation.conversation_update import (
    ConversationUpdateActivity,
)
from microsoft_teams.api.activities.event.meeting_end import MeetingEndEventActivity
from microsoft_teams.api.activities.event.meeting_participant_join import (
    MeetingParticipantJoinEventActivity,
)
from microsoft_teams.api.activities.event.meeting_participant_leave import (
    MeetingParticipantLeaveEventActivity,
)
from microsoft_teams.api.activities.invoke.adaptive_card.action import AdaptiveCardInvokeActivity
from microsoft_teams.api.activities.message.message import MessageActivity
from microsoft_teams.api.models.invoke_response import InvokeResponse
from microsoft_teams.apps import ActivityContext, App

from assistant.cards import CARD_CONTENT_TYPE, Card, CardRenderer, view_token
from assistant.content import DEFAULT_LANGUAGE, Content
from assistant.domain import (
    Deck,
    Event,
    Member,
    NotAllowed,
    Phase,
    RoundEndReason,
    Session,
)
from assistant.domain.events import AnswererChosen, PromptPosed, RoundEnded, SetupOpened
from assistant.service import Applied, BusySession, Command, NoSession, SessionService
from assistant.teams.actions import (
    VIEW_BOUND,
    Inputs,
    Request,
    Verb,
    command_for,
    parse_verb,
    typed_verb,
)
from assistant.teams.connector import RosterMember, TeamsConnector, describe_error
from assistant.teams.inbound import Inbound
from assistant.teams.outbox import Outbox

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


class StaleCard(Exception):
    """The click came from a card that no longer shows the session as it is."""


@dataclass(frozen=True)
class BotConfig:
    public_url: str | None
    """Where Teams can reach this app; needed for in-meeting notifications (a page)."""


class GoedGesprekBot:
    def __init__(
        self,
        config: BotConfig,
        content: Content,
        *,
        renderer: CardRenderer,
        sessions: SessionService,
        connector: TeamsConnector,
        outbox: Outbox,
        clock: Clock = lambda: datetime.now(UTC),
    ) -> None:
        self._config = config
        self._content = content
        self._renderer = renderer
        self._sessions = sessions
        self._connector = connector
        self._outbox = outbox
        self._clock = clock

    def register(self, app: App) -> None:
        app.on_card_action(self.on_card_action)
        app.on_message(self.on_message)
        app.on_conversation_update(self.on_conversation_update)
        app.on_meeting_end(self.on_meeting_end)
        app.on_meeting_participant_join(self.on_participants_joined)
        app.on_meeting_participant_leave(self.on_participants_left)

    # ------------------------------------------------------------------ card clicks

    async def on_card_action(
        self, ctx: ActivityContext[AdaptiveCardInvokeActivity]
    ) -> InvokeResponse[Any]:
        inbound = Inbound.of(ctx.activity)
        language = self._content.language(inbound.locale)
        action = ctx.activity.value.action
        data: dict[str, Any] = dict(action.data or {})
        verb = parse_verb(action.verb or data.get("verb"))
        try:
            if verb is None:
                return await self._current(inbound, language, "unknown_action")
            if verb is Verb.HELP:
                return _card_response(self._renderer.welcome(language))
            return await self._click(inbound, verb, data, language)
        except Exception:
            log.exception("card action %s failed", verb)
            return await self._current(inbound, language, "unknown_action")

    async def _click(
        self, inbound: Inbound, verb: Verb, data: dict[str, Any], language: str
    ) -> InvokeResponse[Any]:
        card_session = str(data.get("session") or "")
        card_view = str(data.get("view") or "")

        def guarded(command: Command, session: Session) -> list[Event]:
            # Checked on the freshly loaded session, under the session's lock, so that of
            # two people clicking at the same moment the second sees the first's result.
            if verb is not Verb.START and card_session != session.id:
                raise StaleCard
            if verb in VIEW_BOUND and card_view != view_token(session):
                raise StaleCard
            events = command(session)
            if verb is Verb.START and session.live_card_id is None and inbound.reply_to_id:
                # The card with the Start button becomes the session's live card.
                session.attach_live_card(inbound.reply_to_id)
            return events

        try:
            applied = await self._apply(inbound, verb, data, language, guarded)
        except NotAllowed as refusal:
            return await self._current(inbound, language, None, self._says(language, refusal))
        except StaleCard:
            session = await self._sessions.load(inbound.key)
            stale = (
                "stale" if session is not None and session.id == card_session else "session_over"
            )
            return await self._current(inbound, language, stale)
        except NoSession:
            return await self._current(inbound, language, "no_session")
        except BusySession:
            return await self._current(inbound, language, "stale")
        return _card_response(self._renderer.session(applied.session, self._clock()))

    async def _apply(
        self,
        inbound: Inbound,
        verb: Verb,
        data: dict[str, Any],
        language: str,
        around: Callable[[Command, Session], list[Event]],
    ) -> Applied:
        """A person's click or typed command, applied once through the domain (``around``
        wraps the command with what the way of asking adds); queues the follow-up work."""
        request = Request(
            verb, inbound.actor, Inputs(data), self._clock(), secrets.randbits(32), self._deck()
        )
        command = command_for(request)
        assert command is not None, f"{verb} has a command"
        applied = await self._sessions.apply(
            inbound.key,
            lambda session: around(command, session),
            request_id=inbound.activity_id,
            **self._creation(verb, language),
        )
        if not applied.duplicate:
            self._follow_up(inbound, applied.session, applied.events)
        return applied

    async def _current(
        self, inbound: Inbound, language: str, banner_key: str | None, banner: str | None = None
    ) -> InvokeResponse[Any]:
        """The session as it is now, with a note for the person who clicked."""
        text = banner or (self._content.says(language).ui[banner_key] if banner_key else None)
        session = await self._sessions.load(inbound.key)
        if session is None:
            return _card_response(self._renderer.welcome(language, banner=text))
        return _card_response(self._renderer.session(session, self._clock(), banner=text))

    # ------------------------------------------------------------------ typed commands

    async def on_message(self, ctx: ActivityContext[MessageActivity]) -> None:
        inbound = Inbound.of(ctx.activity)
        language = self._content.language(inbound.locale)
        verb = typed_verb(ctx.activity.text or "")
        ui = self._content.says(language).ui
        try:
            if verb is None:
                self._say(inbound, ui["unknown_command"])
            elif verb is Verb.HELP:
                self._post_card(inbound, self._renderer.welcome(language))
            else:
                await self._typed(inbound, verb, language)
        except Exception:
            log.exception("typed command %s failed", verb)
            self._say(inbound, ui["unknown_action"])

    async def _typed(self, inbound: Inbound, verb: Verb, language: str) -> None:
        def typed(command: Command, session: Session) -> list[Event]:
            events = command(session)
            if verb is Verb.START and not events:
                session.detach_live_card()  # "start" during a session: show the card again, below
            return events

        try:
            await self._apply(inbound, verb, {}, language, typed)
        except NotAllowed as refusal:
            self._say(inbound, self._says(language, refusal))
        except NoSession:
            self._say(inbound, self._content.says(language).ui["no_session"])

    # ------------------------------------------------------------ conversation and meeting events

    async def on_conversation_update(
        self, ctx: ActivityContext[ConversationUpdateActivity]
    ) -> None:
        """When the app is added to a chat or meeting: the welcome card."""
        activity = ctx.activity
        added = activity.members_added or []
        if not any(member.id == activity.recipient.id for member in added):
            return
        inbound = Inbound.of(activity)
        self._post_card(inbound, self._renderer.welcome(self._content.language(inbound.locale)))

    async def on_meeting_end(self, ctx: ActivityContext[MeetingEndEventActivity]) -> None:
        inbound = Inbound.of(ctx.activity)
        await self._system(inbound, lambda session: session.meeting_ended(self._clock()))

    async def on_participants_joined(
        self, ctx: ActivityContext[MeetingParticipantJoinEventActivity]
    ) -> None:
        inbound = Inbound.of(ctx.activity)
        members = [Member(m.user.id, m.user.name or m.user.id) for m in ctx.activity.value.members]

        def joined(session: Session) -> list[Event]:
            return [e for m in members for e in session.participant_joined(m)]

        await self._system(inbound, joined)

    async def on_participants_left(
        self, ctx: ActivityContext[MeetingParticipantLeaveEventActivity]
    ) -> None:
        inbound = Inbound.of(ctx.activity)
        ids = [m.user.id for m in ctx.activity.value.members]
        await self._system(
            inbound, lambda session: [e for i in ids for e in session.participant_left(i)]
        )

    async def _system(self, inbound: Inbound, command: Callable[[Session], list[Event]]) -> None:
        """Apply what Teams tells us (not a person's request) to the running session."""
        try:
            applied = await self._sessions.apply(
                inbound.key, command, request_id=inbound.activity_id or None
            )
        except NoSession:
            return
        except Exception:
            log.exception("meeting event failed")
            return
        if applied.events:
            self._follow_up(inbound, applied.session, applied.events)

    # ------------------------------------------------------------------ outbound work

    def _follow_up(self, inbound: Inbound, session: Session, events: list[Event]) -> None:
        """Queue what the events ask for: the live card for everyone, the @mention, the
        meeting notification, the roster."""
        self._outbox.submit(
            inbound.conversation.conversation_id,
            lambda: self._refresh_live_card(inbound),
            coalesce="live-card",
        )
        ui = self._content.says(session.settings.language).ui
        deck = self._content.deck(session.settings.language)
        # The roster comes when the setup opens, and again when someone says "start" during
        # the setup (nothing else leaves a setup unchanged): a failed fetch can be retried.
        if any(isinstance(e, SetupOpened) for e in events) or (
            session.phase is Phase.SETUP and not events
        ):
            self._outbox.submit(
                inbound.conversation.conversation_id, lambda: self._sync_roster(inbound)
            )
        for event in events:
            if isinstance(event, AnswererChosen):
                question = deck.card(event.card_id).question
                self._announce(
                    inbound, session, event.answerer_id, ui["your_turn"], question=question
                )
            elif isinstance(event, PromptPosed):
                prompt = deck.card(event.card_id).prompts[event.prompt_index]
                self._announce(
                    inbound, session, event.answerer_id, ui["prompt_turn"], prompt=prompt
                )
            elif isinstance(event, RoundEnded) and event.reason is RoundEndReason.MEETING_ENDED:
                self._say(inbound, ui["meeting_ended"])

    def _announce(
        self, inbound: Inbound, session: Session, person_id: str, template: str, **texts: str
    ) -> None:
        """One short message that @mentions the person (room guests by name: they have no
        account), and in a meeting a notification only they see."""
        person = session.participant(person_id)
        if person is None:
            return
        if person.is_room_guest:
            ui = self._content.says(session.settings.language).ui
            text = template.format(mention=f"{person.name} {ui['guest_suffix']}", **texts)
            self._say(inbound, text)
            return
        member = Member(person.id, person.name)
        text = template.format(mention=f"<at>{person.name}</at>", **texts)
        conversation = inbound.conversation
        self._outbox.submit(
            conversation.conversation_id,
            lambda: self._connector.post_text(conversation, text, (member,)),
        )
        public_url, meeting_id, current = (
            self._config.public_url,
            inbound.meeting_id,
            session.current,
        )
        if public_url and meeting_id and current and "question" in texts:
            language = session.settings.language
            url = f"{public_url.rstrip('/')}/beurt/{language}/{current.card_id}"
            self._outbox.submit(
                conversation.conversation_id,
                lambda: self._connector.notify_in_meeting(
                    conversation, meeting_id, [person.id], url, texts["question"]
                ),
            )

    async def _refresh_live_card(self, inbound: Inbound) -> None:
        """Show the session as it is now on its live card (posting one if there is none)."""
        session = await self._sessions.load(inbound.key)
        if session is None:
            return
        card = self._renderer.session(session, self._clock())
        if session.live_card_id:
            try:
                await self._connector.update_card(inbound.conversation, session.live_card_id, card)
                return
            except httpx.HTTPStatusError as error:
                if error.response.status_code != 404:
                    raise
                log.info("live card %s is gone; posting a new one", session.live_card_id)
        message_id = await self._connector.post_card(inbound.conversation, card)
        if not message_id:
            return
        session_id = session.id

        def attach(current: Session) -> list[Event]:
            if current.id == session_id:
                current.attach_live_card(message_id)
            return []

        await self._sessions.apply(inbound.key, attach)

    async def _sync_roster(self, inbound: Inbound) -> None:
        """Add everyone in the chat to a session that was just opened. In a meeting, the
        chat also holds invitees who are not in the call: they take part, but are only
        suggested once they join."""
        roster = await self._connector.roster(inbound.conversation, inbound.bot_id)
        presence = dict(
            zip(
                (entry.member.id for entry in roster),
                await asyncio.gather(*(self._in_meeting(inbound, entry) for entry in roster)),
                strict=True,
            )
        )

        def add(session: Session) -> list[Event]:
            return [
                event
                for entry in roster
                for event in session.participant_joined(
                    entry.member,
                    in_meeting=presence[entry.member.id]
                    or entry.member.id == session.facilitator_id,
                )
            ]

        applied = await self._sessions.apply(inbound.key, add)
        if applied.events:
            self._follow_up(inbound, applied.session, applied.events)

    async def _in_meeting(self, inbound: Inbound, entry: RosterMember) -> bool:
        """Whether someone from the chat is in the call; outside a meeting, or when Teams
        cannot say (guests, a failing lookup), everyone counts as present."""
        if not inbound.meeting_id or not entry.aad_object_id:
            return True
        try:
            return await self._connector.in_meeting(
                inbound.conversation, inbound.meeting_id, entry.aad_object_id
            )
        except httpx.HTTPError as error:
            log.info("meeting presence of a participant unknown: %s", describe_error(error))
            return True

    def _say(self, inbound: Inbound, text: str) -> None:
        conversation = inbound.conversation
        self._outbox.submit(
            conversation.conversation_id,
            lambda: self._connector.post_text(conversation, text),
        )

    def _post_card(self, inbound: Inbound, card: Card) -> None:
        conversation = inbound.conversation
        self._outbox.submit(
            conversation.conversation_id,
            lambda: self._connector.post_card(conversation, card),
        )

    # ------------------------------------------------------------------ helpers

    def _deck(self) -> Deck:
        """Card ids and Hulpvragen are the same in every language; rules need only those."""
        return self._content.deck(DEFAULT_LANGUAGE)

    def _creation(self, verb: Verb, language: str) -> dict[str, Any]:
        """Only "start" creates a session (or replaces one that is closed), in the
        language of whoever starts it."""
        if verb is not Verb.START:
            return {}
        deck = self._deck()
        return {
            "create": lambda: Session.new(uuid.uuid4().hex, deck, self._clock(), language),
            "replace_when": lambda session: session.phase is Phase.CLOSED,
        }

    def _says(self, language: str, refusal: NotAllowed) -> str:
        return self._content.says(language).refusal(refusal)


def _card_response(card: Card) -> InvokeResponse[Any]:
    return InvokeResponse(
        status=200, body={"statusCode": 200, "type": CARD_CONTENT_TYPE, "value": card}
    )

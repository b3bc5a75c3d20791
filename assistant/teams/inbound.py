"""The facts of an inbound activity that the bot needs, read once in one place."""

from __future__ import annotations

from dataclasses import dataclass

from microsoft_teams.api.models import ActivityBase

from assistant.domain import Member
from assistant.store import SessionKey
from assistant.teams.connector import ConversationRef


@dataclass(frozen=True, slots=True)
class Inbound:
    activity_id: str
    """Teams keeps the id when it redelivers an activity: the request id for exactly-once."""
    actor: Member
    bot_id: str
    conversation: ConversationRef
    meeting_id: str | None
    locale: str | None
    reply_to_id: str | None

    @property
    def key(self) -> SessionKey:
        return SessionKey(self.conversation.tenant_id, self.conversation.conversation_id)

    @classmethod
    def of(cls, activity: ActivityBase) -> Inbound:
        channel_data = activity.channel_data
        tenant = (
            (channel_data.tenant.id if channel_data and channel_data.tenant else None)
            or activity.conversation.tenant_id
            or ""
        )
        meeting = channel_data.meeting.id if channel_data and channel_data.meeting else None
        sender = activity.from_
        return cls(
            activity_id=activity.id or "",
            actor=Member(sender.id, sender.name or sender.id),
            bot_id=activity.recipient.id,
            conversation=ConversationRef(
                service_url=activity.service_url or "",
                conversation_id=activity.conversation.id,
                tenant_id=tenant,
            ),
            meeting_id=meeting,
            locale=activity.locale,
            reply_to_id=activity.reply_to_id,
        )

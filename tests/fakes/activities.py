"""Activities as Teams sends them to the bot in a meeting's group chat (Bot Framework schema,
camelCase JSON).

Each builder starts from an example kept in ``tests/fixtures/activities/<kind>.json`` and
fills in the chat (conversation, tenant, meeting, serviceUrl, the bot), the sender, a fresh
id and the time. The examples follow the wire format Microsoft documents for Teams
(7-digit fractional seconds, ``clientInfo`` entity, ``text/html`` copy of a message,
PascalCase meeting event values).
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import hashlib
import html
import itertools
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "activities"

BOT_NAME = "Goed Gesprek"
BOT_APP_ID = "3d32493c-9d0f-435a-b610-e9897c3c3224"
TENANT_ID = "3a50fca9-fc8c-423f-aac8-fe88e017c569"
CONVERSATION_ID = "19:meeting_ZjQ1YjM3NzUtNDZhNy00OWNiLWE0MTEtNmI4YzJhOWQ3ZTEw@thread.v2"
MEETING_TITLE = "Een goed gesprek over samenwerking"

MESSAGE_IDS = itertools.count(int(dt.datetime(2026, 1, 1, tzinfo=dt.UTC).timestamp() * 1000))
INVOKE_IDS = itertools.count(5_614_823_449_036_487_012)


@cache
def fixture(kind: str) -> dict[str, Any]:
    """The recorded example ``tests/fixtures/activities/<kind>.json``."""
    data: dict[str, Any] = json.loads((FIXTURES / f"{kind}.json").read_text("utf-8"))
    return data


def _load(kind: str) -> dict[str, Any]:
    return copy.deepcopy(fixture(kind))


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def teams_time(moment: dt.datetime) -> str:
    """A UTC time as Teams writes it: 7 fractional digits and ``Z``."""
    moment = moment.astimezone(dt.UTC)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond:06d}0Z"


def _local_time(moment: dt.datetime, zone: str) -> str:
    """A local time as Teams writes it: 7 fractional digits and the offset (``+01:00``)."""
    local = moment.astimezone(ZoneInfo(zone))
    offset = local.isoformat()[-6:]
    return f"{local:%Y-%m-%dT%H:%M:%S}.{local.microsecond:06d}0{offset}"


def meeting_id_for(conversation_id: str) -> str:
    """The meeting id Teams uses for a meeting chat: base64 of ``0#<chat id>#0``."""
    return base64.b64encode(f"0#{conversation_id}#0".encode()).decode("ascii")


@dataclass(frozen=True)
class User:
    """A Teams user, with the ids Teams gives them (derived from the name, so stable)."""

    name: str
    id: str
    aad_object_id: str
    tenant_id: str = TENANT_ID

    @classmethod
    def named(cls, name: str, *, tenant_id: str = TENANT_ID) -> User:
        """A user whose ``29:`` id and AAD object id follow from ``name``."""
        digest = hashlib.sha256(f"{tenant_id}/{name}".encode()).digest()
        return cls(
            name=name,
            id="29:1" + _b64url(digest)[:42],
            aad_object_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"aad:{tenant_id}/{name}")),
            tenant_id=tenant_id,
        )

    @property
    def given_name(self) -> str:
        """The first word of the name."""
        return self.name.split(" ", 1)[0]

    @property
    def surname(self) -> str:
        """The rest of the name."""
        return self.name.split(" ", 1)[1] if " " in self.name else ""

    @property
    def email(self) -> str:
        """``anna.devries@contoso.example`` for Anna de Vries."""
        local = ".".join(filter(None, [self.given_name, self.surname.replace(" ", "")]))
        return f"{local.lower()}@contoso.example"

    def account(self) -> dict[str, Any]:
        """The ``from`` of an activity this user sends."""
        return {"id": self.id, "name": self.name, "aadObjectId": self.aad_object_id}

    def channel_account(self) -> dict[str, Any]:
        """The TeamsChannelAccount the connector returns for this user (roster, member)."""
        return {
            "id": self.id,
            "name": self.name,
            "aadObjectId": self.aad_object_id,
            "givenName": self.given_name,
            "surname": self.surname,
            "email": self.email,
            "userPrincipalName": self.email,
            "tenantId": self.tenant_id,
            "userRole": "user",
        }


ORGANIZER = User.named("Anna de Vries")


@dataclass
class MeetingChat:
    """A Teams meeting's group chat the bot is in; builds what Teams sends from it."""

    service_url: str
    app_id: str = BOT_APP_ID
    tenant_id: str = TENANT_ID
    conversation_id: str = CONVERSATION_ID
    meeting_id: str = ""
    """Empty: derived from ``conversation_id`` as Teams does."""
    title: str = MEETING_TITLE
    organizer: User = ORGANIZER
    bot_name: str = BOT_NAME
    locale: str = "nl-NL"
    timezone: str = "Europe/Amsterdam"
    start: dt.datetime = field(
        default_factory=lambda: dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC)
    )
    end: dt.datetime = field(
        default_factory=lambda: dt.datetime(2026, 12, 4, 10, 30, tzinfo=dt.UTC)
    )

    def __post_init__(self) -> None:
        if not self.meeting_id:
            self.meeting_id = meeting_id_for(self.conversation_id)

    @classmethod
    def new(cls, service_url: str, seed: str, **fields: Any) -> MeetingChat:
        """Another meeting chat, with ids derived from ``seed`` (no ``/`` in the meeting id,
        which the SDK puts into URL paths as is)."""
        for attempt in itertools.count():
            digest = hashlib.sha256(f"{seed}/{attempt}".encode()).hexdigest()
            key = _b64url(str(uuid.UUID(digest[:32])).encode())
            conversation_id = f"19:meeting_{key}@thread.v2"
            if "/" not in meeting_id_for(conversation_id):
                return cls(service_url, conversation_id=conversation_id, **fields)
        raise AssertionError("unreachable")

    # ----- what the activities share -----

    @property
    def bot(self) -> dict[str, Any]:
        """The bot as the recipient of activities."""
        return {"id": f"28:{self.app_id}", "name": self.bot_name}

    @property
    def join_url(self) -> str:
        """The meeting's join link."""
        context = quote(
            json.dumps(
                {"Tid": self.tenant_id, "Oid": self.organizer.aad_object_id}, separators=(",", ":")
            )
        )
        return (
            f"https://teams.microsoft.com/l/meetup-join/{quote(self.conversation_id, safe='')}"
            f"/0?context={context}"
        )

    def conversation(self) -> dict[str, Any]:
        """The ``conversation`` of every activity in this chat."""
        return {
            "isGroup": True,
            "conversationType": "groupChat",
            "tenantId": self.tenant_id,
            "id": self.conversation_id,
        }

    def _fill(
        self,
        activity: dict[str, Any],
        sender: User,
        at: dt.datetime | None,
        activity_id: str | None,
    ) -> dict[str, Any]:
        moment = at or dt.datetime.now(dt.UTC)
        if activity_id is not None:
            activity["id"] = activity_id
        else:
            activity.pop("id", None)
        activity["timestamp"] = teams_time(moment)
        if "localTimestamp" in activity:
            activity["localTimestamp"] = _local_time(moment, self.timezone)
            activity["localTimezone"] = self.timezone
        activity["serviceUrl"] = self.service_url
        activity["from"] = sender.account()
        activity["conversation"] = self.conversation()
        activity["recipient"] = self.bot
        channel_data = activity.setdefault("channelData", {})
        channel_data["tenant"] = {"id": self.tenant_id}
        channel_data["meeting"] = {"id": self.meeting_id}
        if "locale" in activity:
            activity["locale"] = self.locale
        for entity in activity.get("entities", []):
            if entity.get("type") == "clientInfo":
                entity["locale"] = self.locale
                entity["timezone"] = self.timezone
        return activity

    # ----- the builders -----

    def message(
        self, text: str, sender: User, *, mention_bot: bool = True, at: dt.datetime | None = None
    ) -> dict[str, Any]:
        """A chat message; with ``mention_bot`` it starts with an @mention of the bot."""
        activity = _load("message")
        mention = f"<at>{self.bot_name}</at>"
        entities = [e for e in activity["entities"] if e.get("type") != "mention"]
        span = (
            '<span itemtype="http://schema.skype.com/Mention" itemscope="" itemid="0">'
            f"{html.escape(self.bot_name)}</span>&nbsp;"
        )
        if mention_bot:
            activity["text"] = f"{mention} {text}"
            entities.insert(0, {"mentioned": self.bot, "text": mention, "type": "mention"})
            content = f"<p>{span}{html.escape(text)}</p>"
        else:
            activity["text"] = text
            content = f"<p>{html.escape(text)}</p>"
        activity["entities"] = entities
        activity["attachments"] = [{"contentType": "text/html", "content": content}]
        return self._fill(activity, sender, at, str(next(MESSAGE_IDS)))

    def bot_added(self, by: User, *, at: dt.datetime | None = None) -> dict[str, Any]:
        """``conversationUpdate``: ``by`` added the bot to the chat."""
        activity = _load("conversation_update_bot_added")
        activity["membersAdded"] = [{"id": self.bot["id"]}]
        return self._fill(activity, by, at, f"f:{next(INVOKE_IDS)}")

    def card_action(
        self,
        verb: str,
        data: Mapping[str, Any],
        sender: User,
        reply_to_id: str,
        *,
        at: dt.datetime | None = None,
    ) -> dict[str, Any]:
        """``invoke`` ``adaptiveCard/action``: ``sender`` pressed an Action.Execute button
        on the card in message ``reply_to_id``."""
        activity = _load("adaptive_card_action")
        activity["replyToId"] = reply_to_id
        activity["value"]["action"]["verb"] = verb
        activity["value"]["action"]["data"] = dict(data)
        activity = self._fill(activity, sender, at, f"f:{next(INVOKE_IDS)}")
        activity["channelData"].setdefault("legacy", {})["replyToId"] = reply_to_id
        return activity

    def _meeting_event(
        self, kind: str, time_key: str, moment: dt.datetime, at: dt.datetime | None
    ) -> dict[str, Any]:
        activity = _load(kind)
        activity["value"] = {
            "MeetingType": "Scheduled",
            "Title": self.title,
            "Id": self.meeting_id,
            "JoinUrl": self.join_url,
            time_key: teams_time(moment),
        }
        return self._fill(activity, self.organizer, at or moment, f"f:{next(INVOKE_IDS)}")

    def meeting_start(
        self, *, start_time: dt.datetime | None = None, at: dt.datetime | None = None
    ) -> dict[str, Any]:
        """``event`` ``application/vnd.microsoft.meetingStart``."""
        return self._meeting_event("meeting_start", "StartTime", start_time or self.start, at)

    def meeting_end(
        self, *, end_time: dt.datetime | None = None, at: dt.datetime | None = None
    ) -> dict[str, Any]:
        """``event`` ``application/vnd.microsoft.meetingEnd``."""
        return self._meeting_event("meeting_end", "EndTime", end_time or self.end, at)

    def _participants(
        self,
        kind: str,
        users: Sequence[User],
        in_meeting: bool,
        roles: Mapping[str, str] | None,
        at: dt.datetime | None,
    ) -> dict[str, Any]:
        activity = _load(kind)
        roles = roles or {}
        activity["value"] = {
            "members": [
                {
                    "user": {
                        "tenantId": user.tenant_id,
                        "objectId": user.aad_object_id,
                        "id": user.id,
                        "name": user.name,
                        "aadObjectId": user.aad_object_id,
                    },
                    "meeting": {
                        "inMeeting": in_meeting,
                        "role": roles.get(
                            user.aad_object_id,
                            "Organizer" if user == self.organizer else "Attendee",
                        ),
                    },
                }
                for user in users
            ]
        }
        # Teams sends participant events without an activity id.
        return self._fill(activity, self.organizer, at, None)

    def participants_join(
        self,
        users: Sequence[User],
        *,
        roles: Mapping[str, str] | None = None,
        at: dt.datetime | None = None,
    ) -> dict[str, Any]:
        """``event`` ``application/vnd.microsoft.meetingParticipantJoin``; ``roles`` maps
        AAD object id to "Organizer" / "Presenter" / "Attendee"."""
        return self._participants("meeting_participant_join", users, True, roles, at)

    def participants_leave(
        self,
        users: Sequence[User],
        *,
        roles: Mapping[str, str] | None = None,
        at: dt.datetime | None = None,
    ) -> dict[str, Any]:
        """``event`` ``application/vnd.microsoft.meetingParticipantLeave``."""
        return self._participants("meeting_participant_leave", users, False, roles, at)

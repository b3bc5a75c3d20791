"""A fake Bot Connector / Teams service on 127.0.0.1 (http): its base URL is the
``serviceUrl`` of the activities a test sends to the bot.

It answers what the Teams SDK (2.1.1) calls -- activities (create, reply, update, delete),
members (all, paged, one) and meetings (info, participant, notification) -- keeps the latest
version of every activity so a test can read the chat as users now see it, and records every
request. Requests without ``Authorization: Bearer ...`` get 401, as from the real service.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web

from tests.fakes.activities import MESSAGE_IDS, MeetingChat, User
from tests.fakes.tls import Handler, LoopbackServer, RecordedRequest

DEFAULT_PAGE_SIZE = 50

_ACTIVITIES = "/v3/conversations/{cid}/activities"


def _error(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=status)


async def _activity_body(request: web.Request) -> dict[str, Any] | None:
    try:
        body = await request.json()
    except ValueError:
        return None
    return dict(body) if isinstance(body, dict) else None


@dataclass
class _Meeting:
    chat: MeetingChat
    organizer: User
    roles: dict[str, str]
    absent: set[str] = field(default_factory=set)

    def role(self, user: User) -> str:
        default = "Organizer" if user == self.organizer else "Attendee"
        return self.roles.get(user.aad_object_id, default)


@dataclass(frozen=True)
class StoredActivity:
    """One version of an activity in a conversation, as the bot sent it (plus its id)."""

    conversation_id: str
    id: str
    activity: dict[str, Any]
    deleted: bool = False


class FakeConnector(LoopbackServer):
    """Fake Bot Connector: records requests, stores activities, serves rosters and meetings.

    ``token_check``, when given, must accept the bearer token (e.g. ``entra.issued``), or
    the request gets 401. ``require_auth=False`` accepts requests without a token.
    """

    def __init__(
        self,
        *,
        token_check: Callable[[str], bool] | None = None,
        require_auth: bool = True,
    ) -> None:
        super().__init__()
        self.token_check = token_check
        self.require_auth = require_auth
        self._state_lock = threading.Lock()
        self._versions: dict[tuple[str, str], list[StoredActivity]] = {}
        self._rosters: dict[str | None, list[User]] = {None: []}
        self._meetings: dict[str, _Meeting] = {}

    # ----- configuration -----

    def set_roster(self, users: Sequence[User], *, conversation_id: str | None = None) -> None:
        """The members of ``conversation_id`` (default: of every conversation)."""
        with self._state_lock:
            self._rosters[conversation_id] = list(users)

    def roster(self, conversation_id: str) -> list[User]:
        """The members the fake returns for ``conversation_id``."""
        with self._state_lock:
            return list(self._rosters.get(conversation_id, self._rosters[None]))

    def add_meeting(
        self,
        chat: MeetingChat,
        *,
        organizer: User | None = None,
        roles: Mapping[str, str] | None = None,
    ) -> None:
        """Serve ``chat``'s meeting; ``roles`` maps AAD object id to Presenter/Attendee/
        Organizer (default: the organizer is Organizer, everyone else Attendee)."""
        with self._state_lock:
            self._meetings[chat.meeting_id] = _Meeting(
                chat, organizer or chat.organizer, dict(roles or {})
            )

    def set_in_meeting(self, meeting_id: str, user: User, in_meeting: bool) -> None:
        """Whether ``user`` is in the meeting now (default: everyone on the roster is)."""
        with self._state_lock:
            absent = self._meetings[meeting_id].absent
            if in_meeting:
                absent.discard(user.aad_object_id)
            else:
                absent.add(user.aad_object_id)

    # ----- what tests read -----

    def sent(self, conversation_id: str | None = None) -> list[RecordedRequest]:
        """Activities POSTed (created or replied) and accepted, in order."""
        return self._activity_requests("POST", conversation_id)

    def updates(self, activity_id: str | None = None) -> list[RecordedRequest]:
        """Activity updates (PUT) accepted, in order; optionally of one activity."""
        return [
            r
            for r in self._activity_requests("PUT", None)
            if activity_id is None or r.path.rsplit("/", 1)[-1] == activity_id
        ]

    def mentions(self, conversation_id: str | None = None) -> list[dict[str, Any]]:
        """The mention entities in the accepted POSTed activities, in order."""
        return [
            entity
            for r in self.sent(conversation_id)
            for entity in (r.body or {}).get("entities") or []
            if entity.get("type") == "mention"
        ]

    def notifications(self, meeting_id: str | None = None) -> list[dict[str, Any]]:
        """Bodies of accepted meeting notifications, in order."""
        return [
            r.body
            for r in self.requests
            if r.ok
            and r.method == "POST"
            and r.path.endswith("/notification")
            and (meeting_id is None or r.path == f"/v1/meetings/{meeting_id}/notification")
        ]

    def activity(self, activity_id: str, conversation_id: str | None = None) -> dict[str, Any]:
        """The activity as users see it now (its latest version); KeyError if unknown."""
        return self.history(activity_id, conversation_id)[-1].activity

    def history(self, activity_id: str, conversation_id: str | None = None) -> list[StoredActivity]:
        """Every version of an activity, oldest first; KeyError if unknown."""
        with self._state_lock:
            for (cid, aid), versions in self._versions.items():
                if aid == activity_id and conversation_id in (None, cid):
                    return list(versions)
        raise KeyError(activity_id)

    def chat(self, conversation_id: str) -> list[dict[str, Any]]:
        """The conversation as users see it: latest versions, in creation order, no deleted."""
        with self._state_lock:
            return [
                versions[-1].activity
                for (cid, _), versions in self._versions.items()
                if cid == conversation_id and not versions[-1].deleted
            ]

    # ----- routes -----

    def _add_routes(self, router: web.UrlDispatcher) -> None:
        routes: list[tuple[str, str, Handler]] = [
            ("POST", _ACTIVITIES, self._create),
            ("POST", _ACTIVITIES + "/{reply_to}", self._create),
            ("PUT", _ACTIVITIES + "/{aid}", self._update),
            ("DELETE", _ACTIVITIES + "/{aid}", self._delete),
            ("GET", _ACTIVITIES + "/{aid}/members", self._members),
            ("GET", "/v3/conversations/{cid}/members", self._members),
            ("GET", "/v3/conversations/{cid}/pagedmembers", self._paged_members),
            ("GET", "/v3/conversations/{cid}/pagedMembers", self._paged_members),
            ("GET", "/v3/conversations/{cid}/members/{uid}", self._member),
            ("GET", "/v1/meetings/{mid}", self._meeting_info),
            ("GET", "/v1/meetings/{mid}/participants/{pid}", self._participant),
            ("POST", "/v1/meetings/{mid}/notification", self._notification),
        ]
        for method, path, handler in routes:
            router.add_route(method, path, self._authorized(handler))

    def _authorized(self, handler: Handler) -> Handler:
        async def check(request: web.Request) -> web.StreamResponse:
            scheme, _, token = request.headers.get("Authorization", "").partition(" ")
            has_token = scheme.lower() == "bearer" and bool(token)
            if (self.require_auth and not has_token) or (
                has_token and self.token_check is not None and not self.token_check(token)
            ):
                return web.json_response(
                    {"message": "Authorization has been denied for this request."}, status=401
                )
            return await handler(request)

        return check

    def _activity_requests(self, method: str, conversation_id: str | None) -> list[RecordedRequest]:
        prefix = "/v3/conversations/"
        return [
            r
            for r in self.requests
            if r.ok
            and r.method == method
            and r.path.startswith(prefix)
            and "/activities" in r.path
            and (conversation_id is None or r.path.startswith(f"{prefix}{conversation_id}/"))
        ]

    def _store(
        self, cid: str, aid: str, activity: dict[str, Any], *, deleted: bool = False
    ) -> None:
        with self._state_lock:
            self._versions.setdefault((cid, aid), []).append(
                StoredActivity(cid, aid, activity, deleted)
            )

    async def _create(self, request: web.Request) -> web.Response:
        cid = request.match_info["cid"]
        activity = await _activity_body(request)
        if activity is None:
            return _error(400, "BadSyntax", "The request body is not a JSON activity.")
        if "reply_to" in request.match_info:
            activity.setdefault("replyToId", request.match_info["reply_to"])
        if activity.get("type") == "typing":
            return web.json_response({}, status=201)
        aid = str(next(MESSAGE_IDS))
        activity["id"] = aid
        self._store(cid, aid, activity)
        return web.json_response({"id": aid}, status=201)

    async def _update(self, request: web.Request) -> web.Response:
        cid, aid = request.match_info["cid"], request.match_info["aid"]
        with self._state_lock:
            known = (cid, aid) in self._versions and not self._versions[(cid, aid)][-1].deleted
        if not known:
            return _error(404, "ActivityNotFoundInConversation", "Unknown activity.")
        activity = await _activity_body(request)
        if activity is None:
            return _error(400, "BadSyntax", "The request body is not a JSON activity.")
        activity["id"] = aid
        self._store(cid, aid, activity)
        return web.json_response({"id": aid})

    async def _delete(self, request: web.Request) -> web.Response:
        cid, aid = request.match_info["cid"], request.match_info["aid"]
        with self._state_lock:
            versions = self._versions.get((cid, aid))
        if not versions or versions[-1].deleted:
            return _error(404, "ActivityNotFoundInConversation", "Unknown activity.")
        self._store(cid, aid, versions[-1].activity, deleted=True)
        return web.Response(status=200)

    def _find_member(self, cid: str, uid: str, *extra: User) -> User | None:
        return next(
            (u for u in [*self.roster(cid), *extra] if uid in (u.id, u.aad_object_id)), None
        )

    async def _members(self, request: web.Request) -> web.Response:
        return web.json_response(
            [u.channel_account() for u in self.roster(request.match_info["cid"])]
        )

    async def _paged_members(self, request: web.Request) -> web.Response:
        roster = self.roster(request.match_info["cid"])
        try:
            size = int(request.query.get("pageSize", DEFAULT_PAGE_SIZE))
            token = request.query.get("continuationToken")
            start = int(base64.urlsafe_b64decode(token.encode()).decode()) if token else 0
        except ValueError:
            return _error(400, "BadArgument", "Invalid pageSize or continuationToken.")
        if size < 1 or not 0 <= start <= len(roster):
            return _error(400, "BadArgument", "Invalid pageSize or continuationToken.")
        end = start + size
        body: dict[str, Any] = {"members": [u.channel_account() for u in roster[start:end]]}
        if end < len(roster):
            body["continuationToken"] = base64.urlsafe_b64encode(str(end).encode()).decode()
        return web.json_response(body)

    async def _member(self, request: web.Request) -> web.Response:
        user = self._find_member(request.match_info["cid"], request.match_info["uid"])
        if user is None:
            return _error(404, "MemberNotFoundInConversation", "The member was not found.")
        return web.json_response(user.channel_account())

    def _meeting(self, meeting_id: str) -> _Meeting | None:
        with self._state_lock:
            return self._meetings.get(meeting_id)

    async def _meeting_info(self, request: web.Request) -> web.Response:
        meeting = self._meeting(request.match_info["mid"])
        if meeting is None:
            return _error(404, "NotFound", "Meeting not found.")
        chat = meeting.chat
        organizer = meeting.organizer.channel_account()
        organizer.pop("userRole", None)
        return web.json_response(
            {
                "details": {
                    "msGraphResourceId": base64.b64encode(
                        f"1*{meeting.organizer.aad_object_id}*0**{chat.conversation_id}".encode()
                    ).decode(),
                    "scheduledStartTime": chat.start.isoformat().replace("+00:00", "Z"),
                    "scheduledEndTime": chat.end.isoformat().replace("+00:00", "Z"),
                    "type": "Scheduled",
                    "id": chat.meeting_id,
                    "joinUrl": chat.join_url,
                    "title": chat.title,
                },
                "conversation": {
                    "isGroup": True,
                    "conversationType": "groupChat",
                    "id": chat.conversation_id,
                },
                "organizer": organizer,
            }
        )

    async def _participant(self, request: web.Request) -> web.Response:
        meeting = self._meeting(request.match_info["mid"])
        if not request.query.get("tenantId"):
            return _error(400, "BadArgument", "tenantId is required.")
        if meeting is None:
            return _error(404, "NotFound", "Meeting not found.")
        user = self._find_member(
            meeting.chat.conversation_id, request.match_info["pid"], meeting.organizer
        )
        if user is None:
            return _error(404, "NotFound", "Participant not found.")
        with self._state_lock:
            present = user.aad_object_id not in meeting.absent
        return web.json_response(
            {
                "user": user.channel_account(),
                "meeting": {"role": meeting.role(user), "inMeeting": present},
                "conversation": {"id": meeting.chat.conversation_id, "isGroup": True},
            }
        )

    async def _notification(self, request: web.Request) -> web.Response:
        if self._meeting(request.match_info["mid"]) is None:
            return _error(404, "NotFound", "Meeting not found.")
        return web.Response(status=202)

    def _fault_body(self, status: int) -> dict[str, Any]:
        code = {429: "Throttled", 503: "ServiceUnavailable"}.get(status, "ServiceError")
        return {"error": {"code": code, "message": f"Injected by the test fake (HTTP {status})."}}


@pytest.fixture
def fake_connector() -> Iterator[FakeConnector]:
    """A running FakeConnector (accepts any bearer token)."""
    with FakeConnector() as connector:
        yield connector

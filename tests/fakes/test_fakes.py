"""The fakes themselves: real HTTP on 127.0.0.1, checked with the clients the bot will use
(MSAL, the Teams SDK's token validator, token manager and API clients)."""

from __future__ import annotations

import asyncio
import json
import time
import warnings
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import jwt
import msal  # type: ignore[import-untyped]
import pytest
from microsoft_teams.api import Account, ActivityTypeAdapter, ApiClient, ClientCredentials
from microsoft_teams.api.activities.event import MeetingParticipantJoinEventActivity
from microsoft_teams.api.activities.invoke.adaptive_card import AdaptiveCardInvokeActivity
from microsoft_teams.api.activities.message import MessageActivity, MessageActivityInput
from microsoft_teams.api.models.meetings import MeetingNotificationParams
from microsoft_teams.common import Client, ClientOptions

from tests.fakes import connector as connector_fakes
from tests.fakes import entra as entra_fakes
from tests.fakes.activities import (
    FIXTURES,
    ORGANIZER,
    MeetingChat,
    User,
    fixture,
    meeting_id_for,
)
from tests.fakes.connector import FakeConnector
from tests.fakes.entra import BOT_FRAMEWORK_SCOPE, FakeEntra, trust_certificate
from tests.fakes.tls import make_tls

with warnings.catch_warnings():
    # microsoft_teams.apps warns on import (ExperimentalWarning: HtmlWidgetSecurityPolicy).
    warnings.simplefilter("ignore")
    from microsoft_teams.apps.auth.token_validator import InboundActivityTokenValidator
    from microsoft_teams.apps.routing.activity_route_configs import ACTIVITY_ROUTES
    from microsoft_teams.apps.token_manager import TokenManager

APP_ID = "3d32493c-9d0f-435a-b610-e9897c3c3224"
SECRET = "s3cret"
TENANT = "3a50fca9-fc8c-423f-aac8-fe88e017c569"
SERVICE_URL = "https://smba.trafficmanager.net/emea/"
NAMES = ("Anna de Vries", "Bram Jansen", "Chris Bakker", "Dewi Visser", "Eva Smit")
TEAM = [User.named(name) for name in NAMES]


# The fixtures the fakes provide, as a conftest would take them in.
fake_entra = entra_fakes.fake_entra
trusted_entra = entra_fakes.trusted_entra
fake_connector = connector_fakes.fake_connector


@pytest.fixture
def entra(fake_entra: FakeEntra) -> FakeEntra:
    fake_entra.clients = {APP_ID: SECRET}
    return fake_entra


@pytest.fixture
def trusted(entra: FakeEntra, trusted_entra: FakeEntra) -> FakeEntra:
    assert trusted_entra is entra
    return trusted_entra


@pytest.fixture
def connector(fake_connector: FakeConnector) -> FakeConnector:
    fake_connector.set_roster(TEAM)
    return fake_connector


@pytest.fixture
async def api(connector: FakeConnector) -> AsyncIterator[ApiClient]:
    http = Client(ClientOptions(token="a-token"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # ApiClient builds the BotClient
        client = ApiClient(connector.url, http)
    yield client
    await http.http.aclose()


def _msal_app(entra: FakeEntra, secret: str = SECRET, **options: Any) -> Any:
    return msal.ConfidentialClientApplication(
        APP_ID, client_credential=secret, authority=f"{entra.url}/{TENANT}", **options
    )


# ----- FakeEntra and MSAL -----


def test_msal_gets_a_token_from_fake_entra(trusted: FakeEntra) -> None:
    result = _msal_app(trusted).acquire_token_for_client(scopes=[BOT_FRAMEWORK_SCOPE])

    claims = trusted.decode(result["access_token"], audience="https://api.botframework.com")
    assert claims["appid"] == APP_ID and claims["tid"] == TENANT
    assert result["token_type"] == "Bearer" and result["expires_in"] > 3000
    [request] = trusted.token_requests
    assert (request.client_id, request.tenant) == (APP_ID, TENANT)
    assert request.scope == BOT_FRAMEWORK_SCOPE
    assert request.form["grant_type"] == "client_credentials"
    assert request.form["client_secret"] == SECRET
    assert [r.path for r in trusted.requests] == [
        f"/{TENANT}/v2.0/.well-known/openid-configuration",
        f"/{TENANT}/oauth2/v2.0/token",
    ]


def test_msal_reports_a_refused_secret_as_its_error_result(trusted: FakeEntra) -> None:
    result = _msal_app(trusted, secret="wrong").acquire_token_for_client([BOT_FRAMEWORK_SCOPE])

    assert result["error"] == "invalid_client"
    assert not trusted.token_requests[0].granted
    # After a failure MSAL looks up alias hosts; let_msal_use sends that to the fake.
    assert trusted.requests[-1].path == "/common/discovery/instance"


def test_msal_needs_no_patch_with_instance_discovery_off(
    entra: FakeEntra, monkeypatch: pytest.MonkeyPatch
) -> None:
    trust_certificate(monkeypatch, entra.cert_file)

    app = _msal_app(entra, instance_discovery=False)

    assert "access_token" in app.acquire_token_for_client([BOT_FRAMEWORK_SCOPE])


def test_msal_asks_instance_discovery_about_an_unknown_host(
    entra: FakeEntra, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Unpatched, MSAL asks https://login.microsoftonline.com first; here it asks the fake.
    trust_certificate(monkeypatch, entra.cert_file)
    monkeypatch.setattr(
        msal.authority,
        "_get_instance_discovery_endpoint",
        lambda _instance: f"{entra.url}/common/discovery/instance",
    )

    result = _msal_app(entra).acquire_token_for_client([BOT_FRAMEWORK_SCOPE])

    assert "access_token" in result
    discovery = entra.requests[0]
    assert discovery.path == "/common/discovery/instance"
    assert discovery.query["authorization_endpoint"] == (
        f"https://127.0.0.1/{TENANT}/oauth2/v2.0/authorize"  # MSAL drops the port
    )


async def test_sdk_token_manager_gets_a_bot_token(trusted: FakeEntra) -> None:
    manager = TokenManager(
        ClientCredentials(client_id=APP_ID, client_secret=SECRET), cloud=trusted.cloud
    )

    token = await manager.get_bot_token()

    assert token is not None and trusted.issued(str(token))
    [request] = trusted.token_requests
    assert (request.tenant, request.scope) == ("botframework.com", BOT_FRAMEWORK_SCOPE)


def test_cloud_points_the_sdk_at_the_fake(entra: FakeEntra) -> None:
    cloud = entra.cloud
    assert cloud.login_endpoint == entra.url
    assert cloud.openid_metadata_url == f"{entra.url}/v1/.well-known/openidconfiguration"
    assert cloud.token_issuer == "https://api.botframework.com"


async def test_openid_documents_are_served(entra: FakeEntra) -> None:
    async with httpx.AsyncClient(verify=entra.tls.client_context()) as client:
        config = (await client.get(f"{entra.url}/v1/.well-known/openidconfiguration")).json()
        keys = (await client.get(config["jwks_uri"])).json()

    assert config["issuer"] == "https://api.botframework.com"
    assert keys == entra.jwks()
    [key] = keys["keys"]
    assert key["kid"] == entra.kid and key["endorsements"] == ["msteams"]


# ----- inbound tokens, checked by the SDK -----


async def test_a_bot_token_passes_the_sdk_validator(
    entra: FakeEntra, monkeypatch: pytest.MonkeyPatch
) -> None:
    trust_certificate(monkeypatch, entra.cert_file)
    validator = InboundActivityTokenValidator(APP_ID, cloud=entra.cloud)

    claims = await validator.validate_token(entra.bot_token(APP_ID, SERVICE_URL), SERVICE_URL)

    assert claims["aud"] == APP_ID and claims["serviceurl"] == SERVICE_URL


def _now() -> int:
    return int(time.time())


BAD_TOKENS: dict[str, Callable[[FakeEntra], str]] = {
    "signed by a key not in the JWKS, same kid": lambda e: e.sign(
        jwt.decode(e.bot_token(APP_ID, SERVICE_URL), options={"verify_signature": False}),
        unknown_key=True,
    ),
    "signed by a key not in the JWKS, its own kid": lambda e: e.sign(
        jwt.decode(e.bot_token(APP_ID, SERVICE_URL), options={"verify_signature": False}),
        unknown_key=True,
        headers={"kid": "not-published"},
    ),
    "alg none": lambda e: e.sign(
        {"iss": "https://api.botframework.com", "aud": APP_ID, "serviceurl": SERVICE_URL},
        alg="none",
    ),
    "alg none naming the published kid": lambda e: e.sign(
        {
            "iss": "https://api.botframework.com",
            "aud": APP_ID,
            "serviceurl": SERVICE_URL,
            "exp": _now() + 600,
        },
        alg="none",
        headers={"kid": e.kid},
    ),
    "HS256 keyed with the public key": lambda e: e.sign(
        {
            "iss": "https://api.botframework.com",
            "aud": APP_ID,
            "serviceurl": SERVICE_URL,
            "exp": _now() + 600,
        },
        alg="HS256",
    ),
    "expired": lambda e: e.bot_token(APP_ID, SERVICE_URL, expires_in=-3600),
    "not yet valid": lambda e: e.bot_token(APP_ID, SERVICE_URL, nbf=_now() + 3600),
    "for another bot": lambda e: e.bot_token("another-app-id", SERVICE_URL),
    "from another issuer": lambda e: e.bot_token(APP_ID, SERVICE_URL, iss="https://evil.example"),
    "without serviceurl": lambda e: e.bot_token(APP_ID, SERVICE_URL, serviceurl=None),
    "for another serviceurl": lambda e: e.bot_token(APP_ID, "https://evil.example/teams/"),
    "garbage": lambda _e: "not.a.token",
}


@pytest.mark.parametrize("kind", list(BAD_TOKENS))
async def test_the_sdk_validator_rejects_bad_tokens(
    kind: str, entra: FakeEntra, monkeypatch: pytest.MonkeyPatch
) -> None:
    trust_certificate(monkeypatch, entra.cert_file)
    validator = InboundActivityTokenValidator(APP_ID, cloud=entra.cloud)

    with pytest.raises(jwt.PyJWTError):
        await validator.validate_token(BAD_TOKENS[kind](entra), SERVICE_URL)


def test_alg_none_is_built_by_hand(entra: FakeEntra) -> None:
    token = entra.sign({"aud": APP_ID}, alg="none")

    _, payload, signature = token.split(".")
    assert jwt.get_unverified_header(token) == {"alg": "none", "typ": "JWT"}
    assert signature == "" and payload


# ----- FakeConnector, through the SDK's API client -----


async def test_connector_stores_posts_and_updates(connector: FakeConnector, api: ApiClient) -> None:
    cid = "19:meeting_abc@thread.v2"
    conversations = api.conversations

    first = await conversations.create_activity(cid, MessageActivityInput(text="Welkom"))
    second = await conversations.reply_to_activity(
        cid, first.id, MessageActivityInput(text="Eerste kaart")
    )
    await conversations.update_activity(
        cid, second.id, MessageActivityInput(text="Eerste kaart (beantwoord)")
    )

    assert first.id != second.id
    assert [r.body["text"] for r in connector.sent(cid)] == ["Welkom", "Eerste kaart"]
    assert connector.sent(cid)[1].body["replyToId"] == first.id
    assert [r.body["text"] for r in connector.updates(second.id)] == ["Eerste kaart (beantwoord)"]
    assert connector.activity(second.id)["text"] == "Eerste kaart (beantwoord)"
    assert [a["text"] for a in connector.chat(cid)] == ["Welkom", "Eerste kaart (beantwoord)"]
    assert len(connector.history(second.id)) == 2
    assert connector.sent(cid)[0].bearer == "a-token"


async def test_connector_answers_404_for_an_unknown_activity(
    connector: FakeConnector, api: ApiClient
) -> None:
    created = await api.conversations.create_activity(
        "19:meeting_abc@thread.v2", MessageActivityInput(text="Hallo")
    )

    with pytest.raises(httpx.HTTPStatusError) as raised:
        await api.conversations.update_activity(
            "19:other@thread.v2", created.id, MessageActivityInput(text="Elders")
        )

    assert raised.value.response.status_code == 404
    assert connector.updates() == []


async def test_connector_records_mentions(connector: FakeConnector, api: ApiClient) -> None:
    anna = TEAM[0]
    message = MessageActivityInput(text="Jouw beurt").add_mention(
        _account(anna), text=anna.name, add_text=True
    )

    await api.conversations.create_activity("19:meeting_abc@thread.v2", message)

    [mention] = connector.mentions()
    assert mention["mentioned"]["id"] == anna.id and mention["text"] == f"<at>{anna.name}</at>"


def _account(user: User) -> Account:
    return Account(id=user.id, name=user.name, aad_object_id=user.aad_object_id)


async def test_connector_pages_members(connector: FakeConnector, api: ApiClient) -> None:
    cid = "19:meeting_abc@thread.v2"
    members = api.conversations.members_client

    pages, token = [], None
    while True:
        page = await members.get_paged(cid, page_size=2, continuation_token=token)
        pages.append([m.name for m in page.members])
        token = page.continuation_token
        if token is None:
            break

    assert pages == [[u.name for u in TEAM[i : i + 2]] for i in range(0, 5, 2)]
    first = connector.requests[0]
    assert first.path.endswith("/pagedMembers") and first.query == {"pageSize": "2"}
    bram = await members.get_by_id(cid, TEAM[1].aad_object_id)
    assert (bram.id, bram.email, bram.given_name) == (TEAM[1].id, TEAM[1].email, "Bram")
    assert len(await members.get(cid)) == 5


async def test_connector_serves_meetings(connector: FakeConnector, api: ApiClient) -> None:
    chat = MeetingChat(connector.url)
    connector.add_meeting(chat, roles={TEAM[1].aad_object_id: "Presenter"})
    connector.set_in_meeting(chat.meeting_id, TEAM[2], False)

    info = await api.meetings.get_by_id(chat.meeting_id)
    organizer = await api.meetings.get_participant(chat.meeting_id, ORGANIZER.aad_object_id, TENANT)
    bram = await api.meetings.get_participant(chat.meeting_id, TEAM[1].aad_object_id, TENANT)
    chris = await api.meetings.get_participant(chat.meeting_id, TEAM[2].aad_object_id, TENANT)
    notified = await api.meetings.send_notification(
        chat.meeting_id,
        MeetingNotificationParams.model_validate(
            {
                "value": {
                    "recipients": [TEAM[1].aad_object_id],
                    "surfaces": [{"surface": "meetingTabIcon", "tabEntityId": "goedgesprek"}],
                }
            }
        ),
    )

    assert info.details is not None and info.details.title == chat.title
    assert info.details.id == chat.meeting_id == meeting_id_for(chat.conversation_id)
    assert info.conversation is not None and info.conversation.id == chat.conversation_id
    assert info.organizer is not None and info.organizer.aad_object_id == ORGANIZER.aad_object_id
    assert organizer.meeting is not None and organizer.meeting.role == "Organizer"
    assert bram.meeting is not None and bram.meeting.role == "Presenter" and bram.meeting.in_meeting
    assert chris.meeting is not None and chris.meeting.in_meeting is False
    assert notified is None
    [body] = connector.notifications(chat.meeting_id)
    assert body["value"]["recipients"] == [TEAM[1].aad_object_id]


async def test_connector_refuses_requests_without_a_token(connector: FakeConnector) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.post(
            f"{connector.url}/v3/conversations/c/activities", json={"type": "message"}
        )

    assert response.status_code == 401
    assert connector.sent() == []


async def test_connector_checks_tokens_with_entra(entra: FakeEntra) -> None:
    good = entra.access_token(APP_ID, "botframework.com", BOT_FRAMEWORK_SCOPE)
    async with FakeConnector(token_check=entra.issued) as connector, httpx.AsyncClient() as client:
        url = f"{connector.url}/v3/conversations/c/activities"
        refused = await client.post(url, json={}, headers={"Authorization": "Bearer forged"})
        accepted = await client.post(url, json={}, headers={"Authorization": f"Bearer {good}"})

    assert (refused.status_code, accepted.status_code) == (401, 201)


# ----- fault injection and waiting -----


async def test_fail_next_answers_429_with_retry_after(connector: FakeConnector) -> None:
    connector.fail_next(2, status=429, retry_after=0.5, path_contains="/activities")
    url = f"{connector.url}/v3/conversations/c/activities"
    headers = {"Authorization": "Bearer t"}

    async with httpx.AsyncClient() as client:
        members = await client.get(f"{connector.url}/v3/conversations/c/members", headers=headers)
        answers = [await client.post(url, json={"type": "message"}, headers=headers) for _ in "abc"]

    assert members.status_code == 200
    assert [a.status_code for a in answers] == [429, 429, 201]
    assert answers[0].headers["Retry-After"] == "0.5"
    assert answers[0].json()["error"]["code"] == "Throttled"
    assert [r.injected for r in connector.requests] == [False, True, True, False]
    assert len(connector.sent()) == 1


async def test_fail_next_with_whole_seconds_and_other_statuses(connector: FakeConnector) -> None:
    connector.fail_next(1, status=503, retry_after=2)
    connector.fail_next(1, status=500)

    async with httpx.AsyncClient(headers={"Authorization": "Bearer t"}) as client:
        first = await client.get(f"{connector.url}/v3/conversations/c/members")
        second = await client.get(f"{connector.url}/v3/conversations/c/members")

    assert (first.status_code, first.headers["Retry-After"]) == (503, "2")
    assert second.status_code == 500 and "Retry-After" not in second.headers


async def test_delay_next_slows_the_answer(connector: FakeConnector, api: ApiClient) -> None:
    connector.delay_next(1, 0.3, path_contains="/activities")
    started = time.monotonic()
    await api.conversations.create_activity("c", MessageActivityInput(text="traag"))
    slow = time.monotonic() - started
    started = time.monotonic()
    await api.conversations.create_activity("c", MessageActivityInput(text="snel"))
    fast = time.monotonic() - started

    assert slow >= 0.3 > fast


def test_entra_can_fail_too(trusted: FakeEntra) -> None:
    trusted.fail_next(1, status=503, retry_after=1, path_contains="/oauth2/")
    trusted.fail_next(1, status=400, path_contains="/oauth2/")
    throttled = _msal_app(trusted)

    with pytest.raises(msal.exceptions.MsalServiceError, match="503"):
        throttled.acquire_token_for_client([BOT_FRAMEWORK_SCOPE])
    with pytest.raises(msal.exceptions.MsalServiceError, match="503"):
        throttled.acquire_token_for_client([BOT_FRAMEWORK_SCOPE])  # replayed from MSAL's cache
    refused = _msal_app(trusted).acquire_token_for_client([BOT_FRAMEWORK_SCOPE])
    granted = _msal_app(trusted).acquire_token_for_client([BOT_FRAMEWORK_SCOPE])

    assert refused["error"] == "invalid_request" and "access_token" in granted
    token_posts = [r for r in trusted.requests if r.path.endswith("/token")]
    assert [(r.status, r.injected) for r in token_posts] == [(503, True), (400, True), (200, False)]


async def test_wait_for_returns_once_the_condition_holds(
    connector: FakeConnector, api: ApiClient
) -> None:
    async def later() -> None:
        await asyncio.sleep(0.1)
        await api.conversations.create_activity("c", MessageActivityInput(text="eindelijk"))

    task = asyncio.create_task(later())
    sent = await connector.wait_for(connector.sent, timeout=2)
    await task

    assert [r.body["text"] for r in sent] == ["eindelijk"]


async def test_wait_for_times_out_with_what_it_saw(connector: FakeConnector) -> None:
    with pytest.raises(TimeoutError, match=r"requests so far:\n  \(none\)"):
        await connector.wait_for(connector.sent, timeout=0.05)


def test_servers_stop_and_free_their_port(tmp_path: Path) -> None:
    with FakeEntra(tls=make_tls(tmp_path)) as entra, FakeConnector() as connector:
        urls = (entra.url, connector.url)

    with httpx.Client(verify=False) as client:
        for url in urls:
            with pytest.raises(httpx.ConnectError):
                client.get(url)


# ----- activities -----

CHAT = MeetingChat(SERVICE_URL)
BRAM = TEAM[1]

BUILDERS: dict[str, tuple[Callable[[], dict[str, Any]], str, str]] = {
    "message": (lambda: CHAT.message("start", BRAM), "MessageActivity", "message"),
    "message without mention": (
        lambda: CHAT.message("hallo", BRAM, mention_bot=False),
        "MessageActivity",
        "message",
    ),
    "bot added": (
        lambda: CHAT.bot_added(ORGANIZER),
        "ConversationUpdateActivity",
        "conversation_update",
    ),
    "card action": (
        lambda: CHAT.card_action("next_card", {"session": "s1"}, BRAM, "1796374931480"),
        "AdaptiveCardInvokeActivity",
        "card.action",
    ),
    "meeting start": (CHAT.meeting_start, "MeetingStartEventActivity", "meeting_start"),
    "meeting end": (CHAT.meeting_end, "MeetingEndEventActivity", "meeting_end"),
    "participants join": (
        lambda: CHAT.participants_join([BRAM, ORGANIZER]),
        "MeetingParticipantJoinEventActivity",
        "meeting_participant_join",
    ),
    "participants leave": (
        lambda: CHAT.participants_leave([BRAM]),
        "MeetingParticipantLeaveEventActivity",
        "meeting_participant_leave",
    ),
}


def _routes(activity: Any) -> set[str]:
    return {name for name, config in ACTIVITY_ROUTES.items() if config.selector(activity)}


@pytest.mark.parametrize("kind", list(BUILDERS))
def test_builders_make_what_the_sdk_parses_and_routes(kind: str) -> None:
    build, model, route = BUILDERS[kind]

    raw = build()
    activity = ActivityTypeAdapter.validate_python(raw)

    assert type(activity).__name__ == model
    assert route in _routes(activity)
    assert raw["serviceUrl"] == SERVICE_URL and raw["channelId"] == "msteams"
    assert raw["conversation"]["id"] == CHAT.conversation_id
    assert raw["channelData"] == raw["channelData"] | {
        "tenant": {"id": TENANT},
        "meeting": {"id": CHAT.meeting_id},
    }
    assert raw["recipient"] == {"id": f"28:{APP_ID}", "name": "Goed Gesprek"}
    json.dumps(raw)  # plain JSON, as on the wire


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.json")), ids=lambda p: p.stem)
def test_recorded_examples_parse(path: Path) -> None:
    ActivityTypeAdapter.validate_python(fixture(path.stem))


def test_builders_give_fresh_ids_and_the_sdk_sees_the_mention() -> None:
    first, second = CHAT.message("start", BRAM), CHAT.message("start", BRAM)

    assert first["id"] != second["id"]
    assert first["text"] == "<at>Goed Gesprek</at> start"
    message = ActivityTypeAdapter.validate_python(first)
    assert isinstance(message, MessageActivity)
    assert message.is_recipient_mentioned()
    assert message.strip_mentions_text().text == "start"
    plain = ActivityTypeAdapter.validate_python(CHAT.message("hoi", BRAM, mention_bot=False))
    assert isinstance(plain, MessageActivity) and not plain.is_recipient_mentioned()
    assert fixture("message")["id"] == "1796374931473"  # the recorded example stays as it was


def test_card_action_carries_verb_data_and_card() -> None:
    raw = CHAT.card_action("choose", {"answerer": BRAM.aad_object_id}, BRAM, "42")

    action = ActivityTypeAdapter.validate_python(raw)
    assert isinstance(action, AdaptiveCardInvokeActivity)

    assert action.value.action.verb == "choose"
    assert action.value.action.data == {"answerer": BRAM.aad_object_id}
    assert action.reply_to_id == "42"


def test_participant_events_carry_roles() -> None:
    raw = CHAT.participants_join([BRAM, ORGANIZER], roles={BRAM.aad_object_id: "Presenter"})

    event = ActivityTypeAdapter.validate_python(raw)
    assert isinstance(event, MeetingParticipantJoinEventActivity)

    assert [(m.user.name, m.meeting.role, m.meeting.in_meeting) for m in event.value.members] == [
        ("Bram Jansen", "Presenter", True),
        ("Anna de Vries", "Organizer", True),
    ]


def test_another_meeting_chat_has_its_own_ids() -> None:
    other = MeetingChat.new(SERVICE_URL, "retro")

    assert other.conversation_id != CHAT.conversation_id
    assert "/" not in other.meeting_id
    assert other.meeting_id == meeting_id_for(other.conversation_id)

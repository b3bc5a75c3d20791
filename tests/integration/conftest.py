"""The bot over its real HTTP interface, as Teams calls it.

The app runs on 127.0.0.1 with real settings (an app id and secret, a SQLite file). Every
activity is signed by the fake Entra, whose keys the bot fetches over https; everything the
bot sends goes to the fake Bot Connector, which checks that the bot's own token came from
the fake Entra too.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from pydantic import SecretStr

from assistant.app import OUTBOX, STORE, create_app
from assistant.domain import Session
from assistant.settings import Settings
from assistant.store import SessionKey
from tests.cardschema import walk
from tests.conftest import free_port
from tests.fakes.activities import BOT_APP_ID, MeetingChat, User
from tests.fakes.connector import FakeConnector
from tests.fakes.entra import FakeEntra, fake_entra, trusted_entra

__all__ = ["fake_entra", "trusted_entra"]  # fixtures used by the tests here

BOT_SECRET = "not-a-real-secret"
TEAM = [
    User.named(name)
    for name in ("Anna de Vries", "Bram Jansen", "Chris Bakker", "Dewi Visser", "Eva Smit")
]
ANNA, BRAM, CHRIS, DEWI, EVA = TEAM


@pytest.fixture
def connector(trusted_entra: FakeEntra) -> Iterator[FakeConnector]:
    with FakeConnector(token_check=trusted_entra.issued) as fake:
        fake.set_roster(TEAM)
        yield fake


@dataclass
class Bot:
    """The running app, and how a test talks to it as Teams would."""

    app: web.Application
    url: str
    entra: FakeEntra
    connector: FakeConnector
    chat: MeetingChat
    http: aiohttp.ClientSession
    responses: list[dict[str, Any]] = field(default_factory=list)

    @property
    def key(self) -> SessionKey:
        return SessionKey(self.chat.tenant_id, self.chat.conversation_id)

    def token(self, **claims: Any) -> str:
        return self.entra.bot_token(BOT_APP_ID, self.chat.service_url, **claims)

    async def post(
        self, activity: dict[str, Any] | bytes, token: str | None = "valid"
    ) -> tuple[int, Any]:
        """POST to /api/messages; ``token="valid"`` signs it as the Bot Connector would."""
        headers = {"Content-Type": "application/json"}
        if token is not None:
            headers["Authorization"] = f"Bearer {self.token() if token == 'valid' else token}"
        body = activity if isinstance(activity, bytes) else json.dumps(activity).encode()
        async with self.http.post(f"{self.url}/api/messages", data=body, headers=headers) as answer:
            text = await answer.text()
            return answer.status, json.loads(text) if text else None

    async def settle(self) -> None:
        """Wait until the bot has sent everything it queued."""
        await self.app[OUTBOX].drain()

    async def session(self) -> Session:
        stored = await self.app[STORE].load(self.key)
        assert stored is not None, "no session stored"
        return stored.session

    async def version(self) -> int | None:
        stored = await self.app[STORE].load(self.key)
        return stored.version if stored else None

    async def live_card(self) -> dict[str, Any]:
        """The live card as everyone in the chat now sees it."""
        session = await self.session()
        assert session.live_card_id, "no live card yet"
        activity = self.connector.activity(session.live_card_id)
        card: dict[str, Any] = activity["attachments"][0]["content"]
        return card

    async def click(
        self, user: User, verb: str, card: dict[str, Any] | None = None, **inputs: Any
    ) -> dict[str, Any]:
        """``user`` presses the button with ``verb`` on ``card`` (the live card by default),
        with the card's inputs as they are shown unless ``inputs`` change them. Returns the
        card the bot answers with."""
        session = await self.session()
        card = card or await self.live_card()
        data = {**action_data(card, verb), **card_inputs(card), **inputs}
        activity = self.chat.card_action(verb, data, user, session.live_card_id or "")
        status, body = await self.post(activity)
        assert status == 200, (status, body)
        assert (
            body["statusCode"] == 200 and body["type"] == "application/vnd.microsoft.card.adaptive"
        )
        self.responses.append(body["value"])
        await self.settle()
        answer: dict[str, Any] = body["value"]
        return answer

    async def say(self, user: User, text: str) -> None:
        status, _ = await self.post(self.chat.message(text, user))
        assert status == 200
        await self.settle()


@asynccontextmanager
async def running_bot(
    entra: FakeEntra, connector: FakeConnector, directory: Path, **overrides: Any
) -> AsyncIterator[Bot]:
    """The app on a free port with production-like settings (``overrides`` on top)."""
    port = free_port()
    settings = Settings(
        **{
            "bot_app_id": BOT_APP_ID,
            "bot_app_secret": SecretStr(BOT_SECRET),
            "database_url": f"sqlite:///{directory / 'bot.sqlite3'}",
            "port": port,
            "public_url": "https://goedgesprek.example.nl",
            "login_endpoint": entra.url,
            "openid_metadata_url": f"{entra.url}/v1/.well-known/openidconfiguration",
            **overrides,
        }
    )
    app = create_app(settings)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    chat = MeetingChat(connector.url)
    connector.add_meeting(chat)
    try:
        async with aiohttp.ClientSession() as http:
            yield Bot(app, f"http://127.0.0.1:{port}", entra, connector, chat, http)
    finally:
        await runner.cleanup()


@pytest.fixture
async def bot(
    trusted_entra: FakeEntra, connector: FakeConnector, tmp_path: Path
) -> AsyncIterator[Bot]:
    async with running_bot(trusted_entra, connector, tmp_path) as running:
        yield running


# ---------------------------------------------------------------------- reading cards


def action_data(card: dict[str, Any], verb: str) -> dict[str, Any]:
    """The data of the card's Action.Execute with this verb."""
    for element in walk(card):
        if element.get("type") == "Action.Execute" and element.get("verb") == verb:
            data: dict[str, Any] = element["data"]
            return data
    raise AssertionError(f"the card has no {verb!r} button: {texts(card)}")


def card_inputs(card: dict[str, Any]) -> dict[str, Any]:
    """The inputs' values as the card shows them (what Teams sends with a click)."""
    return {
        element["id"]: str(element["value"])
        for element in walk(card)
        if str(element.get("type", "")).startswith("Input.") and "value" in element
    }


def texts(card: dict[str, Any]) -> list[str]:
    """Everything the card says: text blocks and facts."""
    said: list[str] = []
    for element in walk(card):
        if element.get("type") == "TextBlock":
            said.append(str(element["text"]))
        elif element.get("type") == "FactSet":
            said.extend(str(fact["value"]) for fact in element["facts"])
    return said


def text_of(card: dict[str, Any]) -> str:
    return "\n".join(texts(card))


def choice_value(card: dict[str, Any], input_id: str, title_start: str) -> str:
    """The value of the choice whose title starts with ``title_start``."""
    for element in walk(card):
        if element.get("id") == input_id:
            for choice in element["choices"]:
                if choice["title"].startswith(title_start):
                    return str(choice["value"])
    raise AssertionError(f"no choice {title_start!r} in {input_id!r}")

"""A session in a real client: the Microsoft 365 Agents Playground in headless Chromium.

Anne drives the browser (she is the Playground's current user): she starts the session by
typing, begins, and puts the first question. Bram answers and moves on through the
Playground's HTTP API, as another person in the same group chat would. The page must
show the live card updated in place and Bram's @mention. A screenshot of the live card
is saved in test-artifacts/.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from playwright.async_api import async_playwright, expect

from assistant.app import STORE, create_app
from assistant.cards import view_token
from assistant.playground import CLI, GROUP_CHAT, Playground
from assistant.settings import Settings
from assistant.store import SessionKey
from tests.conftest import free_port

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]  # fmt: skip
GROUP_CHAT_ID = "19:goedgesprek-groep@thread.v2"
TENANT_ID = "00000000-0000-0000-0000-0000000000aa"

pytestmark = [
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
    pytest.mark.skipif(not CLI.exists(), reason="npm packages are not installed (npm ci)"),
    pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed"),
]


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[tuple[web.Application, int]]:
    port = free_port()
    settings = Settings(
        dev_mode=True, port=port, database_url=f"sqlite:///{tmp_path / 'e2e.sqlite3'}"
    )
    app = create_app(settings)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield app, port
    await runner.cleanup()


@pytest.fixture
def playground(bot: tuple[web.Application, int], tmp_path: Path) -> Any:
    _, port = bot
    started = Playground.start(
        f"http://127.0.0.1:{port}/api/messages", port=free_port(), log_file=tmp_path / "pg.log"
    )
    yield started
    started.stop()


async def test_a_session_in_the_agents_playground(
    bot: tuple[web.Application, int], playground: Playground
) -> None:
    app, _ = bot
    ARTIFACTS.mkdir(exist_ok=True)
    async with async_playwright() as driver:
        browser = await driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = await browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            await page.goto(playground.url + "/")
            await page.get_by_role("treeitem", name=GROUP_CHAT).click()

            # Anne types the command, with the @mention a group chat needs.
            box = page.locator("[data-lexical-editor]")
            await box.click()
            await box.type("@Goed")
            await page.get_by_role("menuitem", name="Goed Gesprek").click()
            await box.type(" start")
            await page.get_by_role("button", name="Send Message").click()

            # The live card: setup, with the whole chat's roster taking part.
            card = page.locator(".ac-adaptiveCard").last
            await expect(card).to_contain_text("Setting up", timeout=15_000)
            await expect(card).to_contain_text("Joost Mulder", timeout=15_000)
            await card.get_by_role("button", name="Begin", exact=True).click()
            await expect(card).to_contain_text("Card 1 of 16", timeout=15_000)
            await expect(card).to_contain_text("Anne de Vries asks the question")

            # The suggestion is preselected; Anne puts the question to it.
            await card.get_by_role("button", name="Ask the question", exact=True).click()
            await expect(card).to_contain_text("turn", timeout=15_000)
            session = await _session(app)
            assert session.current is not None and session.current.answerer_id is not None
            answerer = session.current.answerer_id
            answerer_name = session.participant(answerer).name
            await expect(page.get_by_text(f"{answerer_name}, it is your turn")).to_be_visible(
                timeout=15_000
            )

            # The answerer moves on from their own device (the Playground's API).
            await _click_as(playground, answerer, session.live_card_id or "", "next_card", session)
            await expect(card).to_contain_text("Card 2 of 16", timeout=15_000)
            await expect(card).to_contain_text(f"{answerer_name} asks the question")
            await expect(card).to_contain_text("Had a turn: 1 of 6")
            await card.screenshot(path=str(ARTIFACTS / "playground-live-card.png"))
        finally:
            await page.screenshot(path=str(ARTIFACTS / "playground-page.png"))
            await browser.close()


async def _session(app: web.Application) -> Any:
    stored = await app[STORE].load(SessionKey(TENANT_ID, GROUP_CHAT_ID))
    assert stored is not None
    return stored.session


async def _click_as(
    playground: Playground, user_id: str, card_id: str, verb: str, session: Any
) -> None:
    body = {
        "name": "adaptiveCard/action",
        "from": {"id": user_id},
        "conversation": {"id": GROUP_CHAT_ID},
        "replyToId": card_id,
        "value": {
            "action": {
                "type": "Action.Execute",
                "verb": verb,
                "data": {"verb": verb, "session": session.id, "view": view_token(session)},
            },
            "trigger": "manual",
        },
    }
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{playground.url}/_conversation/v1/invoke", json=body) as answer,
    ):
        assert answer.status == 200, await answer.text()

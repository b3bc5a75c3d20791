"""Only the Bot Connector may talk to /api/messages: a bad token is a 401 and changes nothing."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.fakes.activities import BOT_APP_ID
from tests.fakes.connector import FakeConnector
from tests.fakes.entra import FakeEntra
from tests.integration.conftest import ANNA, Bot, running_bot

BadToken = Callable[[Bot], str | None]

BAD_TOKENS: dict[str, BadToken] = {
    "no token": lambda bot: None,
    "not a JWT": lambda bot: "garbage",
    "expired": lambda bot: bot.entra.bot_token(BOT_APP_ID, bot.chat.service_url, expires_in=-3600),
    "wrong audience": lambda bot: bot.entra.bot_token("another-bot", bot.chat.service_url),
    "wrong issuer": lambda bot: bot.entra.bot_token(
        BOT_APP_ID, bot.chat.service_url, iss="https://evil.example"
    ),
    "unknown signing key": lambda bot: bot.entra.sign(_claims(bot), unknown_key=True),
    "alg none": lambda bot: bot.entra.sign(_claims(bot), alg="none"),
    "HS256 keyed with the public key": lambda bot: bot.entra.sign(_claims(bot), alg="HS256"),
    "other service URL": lambda bot: bot.entra.bot_token(
        BOT_APP_ID, "https://smba.trafficmanager.net/emea/"
    ),
    "no service URL claim": lambda bot: bot.entra.bot_token(
        BOT_APP_ID, bot.chat.service_url, serviceurl=None
    ),
}


def _claims(bot: Bot) -> dict[str, object]:
    now = int(time.time())
    return {
        "iss": "https://api.botframework.com",
        "aud": BOT_APP_ID,
        "serviceurl": bot.chat.service_url,
        "iat": now,
        "nbf": now,
        "exp": now + 3600,
    }


@pytest.mark.parametrize("case", list(BAD_TOKENS))
async def test_a_bad_token_is_refused_and_nothing_is_stored(bot: Bot, case: str) -> None:
    token = BAD_TOKENS[case](bot)
    start = bot.chat.card_action("start", {"verb": "start"}, ANNA, "1")
    status, _ = await bot.post(start, token=token)
    assert status == 401
    await bot.settle()
    assert await bot.version() is None
    assert bot.connector.sent() == []


async def test_a_good_token_is_accepted(bot: Bot) -> None:
    status, _ = await bot.post(bot.chat.card_action("start", {"verb": "start"}, ANNA, "1"))
    assert status == 200
    assert await bot.version() == 1


async def test_the_bots_own_calls_carry_a_token_from_entra(bot: Bot) -> None:
    await bot.post(bot.chat.bot_added(ANNA))
    await bot.settle()
    [request] = bot.connector.sent()
    assert request.bearer is not None and bot.entra.issued(request.bearer)
    assert any(r.client_id == BOT_APP_ID for r in bot.entra.token_requests)


async def test_a_tenant_outside_the_allow_list_is_refused(
    trusted_entra: FakeEntra, connector: FakeConnector, tmp_path: Path
) -> None:
    async with running_bot(
        trusted_entra, connector, tmp_path, allowed_tenants=frozenset({"another-tenant"})
    ) as bot:
        status, _ = await bot.post(bot.chat.card_action("start", {"verb": "start"}, ANNA, "1"))
        assert status == 403
        status, _ = await bot.post(bot.chat.message("start", ANNA))
        assert status == 403
        await bot.settle()
        assert await bot.version() is None
        assert bot.connector.sent() == []
    async with running_bot(
        trusted_entra, connector, tmp_path, allowed_tenants=frozenset({bot.chat.tenant_id})
    ) as allowed:
        status, _ = await allowed.post(allowed.chat.message("start", ANNA))
        assert status == 200

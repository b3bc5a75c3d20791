"""The baseline: a stock Teams SDK bot on aiohttp that answers every card click with a
fixed card. Run by benchmarks/card_clicks.py next to Goed Gesprek."""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from aiohttp import web
from microsoft_teams.api.activities.invoke.adaptive_card.action import AdaptiveCardInvokeActivity
from microsoft_teams.api.models.invoke_response import InvokeResponse
from microsoft_teams.apps import ActivityContext, App
from opentelemetry import metrics
from opentelemetry.metrics import NoOpMeterProvider

from assistant.teams.adapter import AiohttpAdapter

CARD = {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlock", "text": "ok"}]}


async def main(port: int) -> None:
    metrics.set_meter_provider(NoOpMeterProvider())  # the same fix as our app, to compare fairly
    web_app = web.Application()
    teams = App(
        http_server_adapter=AiohttpAdapter(web_app, 256 * 1024),
        dangerously_allow_unauthenticated_requests=True,
        state=False,
        fetch_user_token=False,
    )

    @teams.on_card_action
    async def echo(_ctx: ActivityContext[AdaptiveCardInvokeActivity]) -> InvokeResponse[Any]:
        body = {"statusCode": 200, "type": "application/vnd.microsoft.card.adaptive", "value": CARD}
        return InvokeResponse(status=200, body=body)

    await teams.initialize()
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    print("ready", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))

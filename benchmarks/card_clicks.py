"""Card clicks per second and their latency: Goed Gesprek against a stock Teams SDK bot.

Both run as their own process on 127.0.0.1 in dev mode (no token checks: the SDK's
validation is the same for both). Clients click as facilitators of many sessions in
parallel, each click taken from the card the previous click returned, so every request is
a real state change (start and begin, then "choose" and "next card" through the round),
saved in SQLite, with the outbox sending live-card updates and @mentions to a sink
connector. Each client interleaves its sessions, so that no conversation clicks faster
than people do. Throughput counts all clicks; latency percentiles are of the round's
clicks. The stock echo bot answers the same invokes with a fixed card.

Reported: throughput, p50 and p99 per concurrency level, the ratio to the echo bot, and
the app's resident memory before and after (it must stay flat: see ARCHITECTURE.md on the
OpenTelemetry meter leak).

    .venv/bin/python benchmarks/card_clicks.py [--clicks 4000] [--concurrency 16 64]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

ROOT = Path(__file__).resolve().parent.parent
SESSIONS_PER_CLIENT = 10
"""Each client plays this many sessions in turn, so one conversation sees a click every
few seconds at most, as in a meeting (and stays within Teams' send limits)."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def sink(port: int) -> web.AppRunner:
    """A connector that accepts everything at once."""
    ids = itertools.count(1)

    async def create(_: web.Request) -> web.Response:
        return web.json_response({"id": str(next(ids))}, status=201)

    async def update(request: web.Request) -> web.Response:
        return web.json_response({"id": request.match_info["aid"]})

    async def members(_: web.Request) -> web.Response:
        people = [{"id": f"29:user-{n}", "name": f"Collega {n}"} for n in range(6)]
        return web.json_response({"members": people})

    app = web.Application()
    app.router.add_post("/v3/conversations/{cid}/activities", create)
    app.router.add_put("/v3/conversations/{cid}/activities/{aid}", update)
    app.router.add_get("/v3/conversations/{cid}/pagedMembers", members)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner


def start(command: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        command, cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


async def wait_up(http: aiohttp.ClientSession, url: str) -> None:
    for _ in range(200):
        try:
            async with http.post(url, data=b"{}") as answer:
                if answer.status in (200, 400, 401):
                    return
        except aiohttp.ClientError:
            await asyncio.sleep(0.05)
    raise RuntimeError(f"{url} did not come up")


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def invoke(service_url: str, conversation: str, verb: str, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "invoke", "name": "adaptiveCard/action", "id": uuid.uuid4().hex,
        "channelId": "msteams", "serviceUrl": service_url, "locale": "nl-NL",
        "from": {"id": "29:user-0", "name": "Collega 0"},
        "recipient": {"id": "28:bot", "name": "Goed Gesprek"},
        "conversation": {"id": conversation, "conversationType": "groupChat", "tenantId": "t"},
        "channelData": {"tenant": {"id": "t"}}, "replyToId": "1",
        "value": {"action": {"type": "Action.Execute", "verb": verb, "data": data}},
    }  # fmt: skip


def actions(card: dict[str, Any]) -> Iterator[dict[str, Any]]:
    stack: list[Any] = [card]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if node.get("type") == "Action.Execute":
                yield node
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


def next_click(card: dict[str, Any] | None) -> tuple[str, dict[str, Any]]:
    """What a facilitator clicks next on this card; a new session after the round."""
    if card is None:
        return "start", {"verb": "start"}
    by_verb = {a["verb"]: a["data"] for a in actions(card)}
    for verb in ("begin", "next_card", "choose_answerer"):
        if verb in by_verb:
            return verb, dict(by_verb[verb])
    return "start", {"verb": "start"}


class Session:
    def __init__(self) -> None:
        self.conversation = f"19:bench-{uuid.uuid4().hex}@thread.v2"
        self.card: dict[str, Any] | None = None


async def click(http: aiohttp.ClientSession, url: str, service_url: str, session: Session) -> float:
    """One click on the session's card; returns its latency in seconds."""
    verb, data = next_click(session.card)
    body = invoke(service_url, session.conversation, verb, data)
    began = time.perf_counter()
    async with http.post(url, json=body) as answer:
        payload = await answer.json()
    latency = time.perf_counter() - began
    assert answer.status == 200, payload
    session.card = payload.get("value")
    return latency


async def client(
    http: aiohttp.ClientSession, url: str, service_url: str, clicks: int, latencies: list[float]
) -> None:
    """Start and begin its sessions (untimed), then click through their rounds (timed):
    the same mix of "choose" and "next card" at every concurrency."""
    sessions = [Session() for _ in range(SESSIONS_PER_CLIENT)]
    for session in sessions:
        await click(http, url, service_url, session)  # start
        await click(http, url, service_url, session)  # begin
    assert clicks <= SESSIONS_PER_CLIENT * 32, "no session may finish its 16 cards"
    for n in range(clicks):
        latencies.append(await click(http, url, service_url, sessions[n % len(sessions)]))


async def measure(
    http: aiohttp.ClientSession, url: str, service_url: str, clicks: int, concurrency: int
) -> dict[str, float]:
    latencies: list[float] = []
    per_client = clicks // concurrency
    began = time.perf_counter()
    await asyncio.gather(
        *(client(http, url, service_url, per_client, latencies) for _ in range(concurrency))
    )
    elapsed = time.perf_counter() - began
    setup_clicks = concurrency * SESSIONS_PER_CLIENT * 2
    latencies.sort()
    return {
        # Setup clicks are not in the latencies but are in the elapsed time: count them.
        "throughput": (len(latencies) + setup_clicks) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
    }


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clicks", type=int, default=4000, help="timed clicks per level")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[16, 64])
    args = parser.parse_args()
    sink_port, app_port, echo_port = free_port(), free_port(), free_port()
    sink_runner = await sink(sink_port)
    service_url = f"http://127.0.0.1:{sink_port}"
    with tempfile.TemporaryDirectory() as data:
        app = start(
            [sys.executable, "-m", "assistant", "run", "--dev", "--log-level", "ERROR"],
            {"GOEDGESPREK_PORT": str(app_port),
             "GOEDGESPREK_DATABASE_URL": f"sqlite:///{data}/bench.sqlite3"},
        )  # fmt: skip
        echo = start([sys.executable, "benchmarks/echo_bot.py", str(echo_port)], {})
        try:
            async with aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=max(args.concurrency))
            ) as http:
                app_url = f"http://127.0.0.1:{app_port}/api/messages"
                echo_url = f"http://127.0.0.1:{echo_port}/api/messages"
                await wait_up(http, app_url)
                await wait_up(http, echo_url)
                await measure(http, app_url, service_url, 200, 4)  # warm up both
                await measure(http, echo_url, service_url, 200, 4)
                rss_before = rss_kib(app.pid)
                print(f"{'':>16} {'clicks/s':>9} {'p50 ms':>8} {'p99 ms':>8}")
                for concurrency in args.concurrency:
                    ours = await measure(http, app_url, service_url, args.clicks, concurrency)
                    stock = await measure(http, echo_url, service_url, args.clicks, concurrency)
                    for name, result in (("goed gesprek", ours), ("stock echo bot", stock)):
                        print(
                            f"{name:>16} {result['throughput']:9.0f} {result['p50_ms']:8.1f}"
                            f" {result['p99_ms']:8.1f}   ({concurrency} in flight)"
                        )
                    ratio = ours["throughput"] / stock["throughput"]
                    print(f"{'ratio':>16} {ratio:9.2f}   (goed gesprek / echo, same run)")
                rss_after = rss_kib(app.pid)
                print(
                    f"app RSS: {rss_before / 1024:.0f} MiB after warm-up, {rss_after / 1024:.0f}"
                    f" MiB after {args.clicks * len(args.concurrency)} more clicks"
                    f" and {sum(args.concurrency) * SESSIONS_PER_CLIENT} more sessions"
                )
        finally:
            for process in (app, echo):
                process.terminate()
                process.wait(timeout=10)
            await sink_runner.cleanup()


if __name__ == "__main__":
    asyncio.run(main())

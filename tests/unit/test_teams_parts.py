"""The small parts of the Teams edge that need no server: typed commands, card inputs,
the send-rate limiter, and the outbox's ordering and coalescing."""

from __future__ import annotations

import asyncio

import pytest

from assistant.teams.actions import TYPED_COMMANDS, Inputs, Verb, typed_verb
from assistant.teams.connector import TEAMS_SEND_LIMITS, SendRateLimiter
from assistant.teams.outbox import Outbox


@pytest.mark.parametrize(
    ("text", "verb"),
    [
        ("<at>Goed Gesprek</at> start", Verb.START),
        ("<at>Goed Gesprek</at>&nbsp;Volgende!", Verb.NEXT_CARD),
        ("  <at>Goed\nGesprek</at>   volgende   kaart ", Verb.NEXT_CARD),
        ("<at>Goed Gesprek</at> next", Verb.NEXT_CARD),
        ("<at>Goed Gesprek</at> PAUZE", Verb.PAUSE),
        ("<at>Goed Gesprek</at> hervat.", Verb.RESUME),
        ("<at>Goed Gesprek</at> stop", Verb.STOP),
        ("<at>Goed Gesprek</at> help", Verb.HELP),
        ("<at>Goed Gesprek</at> ?", Verb.HELP),
        ("<at>Goed Gesprek</at> wat is dit", None),
        ("", None),
    ],
)
def test_typed_commands_are_recognised(text: str, verb: Verb | None) -> None:
    assert typed_verb(text) is verb


def test_typed_command_names_and_aliases_are_unique() -> None:
    words = [w for c in TYPED_COMMANDS for w in (c.name, *c.aliases)]
    assert len(words) == len(set(words))


@pytest.mark.parametrize(
    ("value", "number"),
    [
        ("5", 5),
        (5, 5),
        (5.0, 5),
        (" 7 ", 7),
        ("7.0", 7),
        ("abc", -1),
        (None, -1),
        (True, -1),
        ([], -1),
    ],
)
def test_numbers_from_cards_read_leniently_or_as_out_of_range(value: object, number: int) -> None:
    assert Inputs({"n": value}).number("n") == number


def test_text_of_the_wrong_type_reads_as_empty() -> None:
    inputs = Inputs({"a": 5, "b": "x"})
    assert (inputs.text("a"), inputs.text("b"), inputs.text("c")) == ("", "x", "")


class FakeTime:
    """A clock that only moves when the limiter sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


async def test_the_limiter_keeps_every_window_of_teams() -> None:
    time = FakeTime()
    limiter = SendRateLimiter(clock=time.clock, sleep=time.sleep)
    sent: list[float] = []
    for _ in range(130):
        await limiter.acquire("conversation")
        sent.append(time.now)
    for window, allowed in TEAMS_SEND_LIMITS:
        for start in sent:
            assert sum(1 for t in sent if start <= t < start + window) <= allowed, (window, allowed)
    # 60 per 30 s is the binding limit over a longer stretch: 130 sends need over 60 s.
    assert sent[-1] - sent[0] >= 60


async def test_conversations_have_their_own_limits() -> None:
    time = FakeTime()
    limiter = SendRateLimiter(clock=time.clock, sleep=time.sleep)
    for n in range(7):
        await limiter.acquire(f"conversation-{n % 7}")
        await limiter.acquire(f"conversation-{n % 7}")
    assert time.slept == []


async def test_the_limiter_forgets_conversations_that_went_quiet() -> None:
    time = FakeTime()
    limiter = SendRateLimiter(clock=time.clock, sleep=time.sleep)
    for n in range(999):
        await limiter.acquire(f"meeting-{n}")
    assert limiter.tracked_conversations == 999
    time.now += 3600
    await limiter.acquire("meeting-today")  # the 1000th send sweeps
    assert limiter.tracked_conversations == 1


async def test_the_outbox_runs_jobs_of_a_conversation_in_order_and_coalesces_refreshes() -> None:
    outbox = Outbox()
    ran: list[str] = []
    gate = asyncio.Event()

    def job(name: str, wait: bool = False):
        async def run() -> None:
            if wait:
                await gate.wait()
            ran.append(name)

        return run

    outbox.submit("a", job("first", wait=True))
    outbox.submit("a", job("refresh-1"), coalesce="live-card")
    outbox.submit("a", job("refresh-2"), coalesce="live-card")  # dropped: one is waiting
    outbox.submit("a", job("mention"))
    outbox.submit("b", job("other conversation"))
    await asyncio.sleep(0)
    assert ran == ["other conversation"]
    gate.set()
    await outbox.drain()
    assert ran == ["other conversation", "first", "refresh-1", "mention"]


async def test_a_failing_job_does_not_stop_the_next() -> None:
    outbox = Outbox()
    ran: list[str] = []

    async def boom() -> None:
        raise RuntimeError("connector down")

    async def fine() -> None:
        ran.append("fine")

    outbox.submit("a", boom)
    outbox.submit("a", fine)
    await outbox.drain()
    assert ran == ["fine"]

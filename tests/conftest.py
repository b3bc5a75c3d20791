"""Shared fixtures: the real content, a fixed clock, and a session ready to play."""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime, timedelta

import pytest

from assistant.content import Content, load_content
from assistant.domain import Deck, Member, Session

T0 = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)

ANNA, BRAM, CHRIS, DEWI, EVA = "u-anna", "u-bram", "u-chris", "u-dewi", "u-eva"
TEAM = (
    Member(ANNA, "Anna de Vries"),
    Member(BRAM, "Bram Jansen"),
    Member(CHRIS, "Chris Bakker"),
    Member(DEWI, "Dewi Visser"),
    Member(EVA, "Eva Smit"),
)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def at(minutes: float) -> datetime:
    """The fixed clock, ``minutes`` after the meeting started."""
    return T0 + timedelta(minutes=minutes)


@pytest.fixture(scope="session")
def content() -> Content:
    return load_content()


@pytest.fixture(scope="session")
def deck(content: Content) -> Deck:
    return content.deck("nl")


def new_session(deck: Deck) -> Session:
    return Session.new("session-1", deck, T0)


def in_setup(deck: Deck) -> Session:
    """Anna opened the setup; all five colleagues take part."""
    session = new_session(deck)
    session.open_setup(TEAM[0], TEAM)
    return session


def in_round(deck: Deck, card_count: int = 16, seed: int = 7) -> Session:
    """Anna began a round; she asks the first card."""
    session = in_setup(deck)
    session.configure(ANNA, card_count=card_count)
    session.begin(ANNA, seed, T0)
    return session


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In CI every tool is installed, so a skipped test means something is missing: fail."""
    if not os.environ.get("CI"):
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        if reporter:
            reporter.write_line(
                f"CI: {len(skipped)} test(s) skipped; in CI nothing may be skipped."
            )

"""Sessions survive JSON, and sessions stored by older releases still load."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.domain import (
    SCHEMA_VERSION,
    AgreementStatus,
    Deck,
    Phase,
    StoredSessionError,
    TurnKind,
    session_from_json,
    session_to_json,
)
from tests.conftest import ANNA, BRAM, CHRIS, T0, at, in_round

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sessions"


def test_a_round_in_progress_round_trips_exactly(deck: Deck) -> None:
    session = in_round(deck)
    session.add_room_guest(ANNA, "Gert ’t Hooft")
    session.choose_answerer(ANNA, BRAM)
    session.pause(ANNA, at(2))
    text = session_to_json(session)
    assert json.loads(text)["schema_version"] == SCHEMA_VERSION
    assert session_from_json(text) == session
    assert session_from_json(text.encode()) == session


@pytest.mark.parametrize("fixture", sorted(FIXTURES.glob("v*.json")), ids=lambda p: p.name)
def test_every_stored_version_still_loads(fixture: Path) -> None:
    session = session_from_json(fixture.read_text(encoding="utf-8"))
    assert session.id == "fixture-v1"
    assert session.facilitator_id == ANNA
    assert session.participant("guest:1") is not None
    assert [turn.kind for turn in session.history[:3]] == [
        TurnKind.CARD,
        TurnKind.SKIPPED,
        TurnKind.PROMPT,
    ]
    assert session.round_started_at == T0


def test_the_v1_round_fixture_is_mid_card(deck: Deck) -> None:
    session = session_from_json((FIXTURES / "v1-round.json").read_text(encoding="utf-8"))
    assert session.phase is Phase.ROUND
    assert session.current is not None
    assert (session.current.asker_id, session.current.answerer_id) == (BRAM, CHRIS)
    assert session.timebox(at(12)).session_used_seconds == 10 * 60  # 2 minutes paused


def test_the_v1_closed_fixture_has_its_agreement() -> None:
    session = session_from_json((FIXTURES / "v1-closed.json").read_text(encoding="utf-8"))
    assert session.phase is Phase.CLOSED
    [agreement] = session.agreements
    assert agreement.status is AgreementStatus.SCHEDULED
    assert agreement.with_whom == (CHRIS, "extern@waterschap.nl")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not json", "not a stored session"),
        ("[]", "not a stored session"),
        ('{"session": {}}', "not a stored session"),
        ('{"schema_version": 99, "session": {}}', "schema version 99"),
        ('{"schema_version": "1", "session": {}}', "schema version '1'"),
        ('{"schema_version": 1, "session": {"id": "x"}}', "does not validate"),
    ],
)
def test_unreadable_sessions_fail_with_a_reason(text: str, message: str) -> None:
    with pytest.raises(StoredSessionError, match=message):
        session_from_json(text)

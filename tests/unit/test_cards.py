"""Every card the app can produce is valid Adaptive Card 1.5, in both languages."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from assistant.cards import CardRenderer, view_token
from assistant.content import Content
from assistant.domain import Deck, Member, Session
from tests.cardschema import schema_errors, walk
from tests.conftest import ANNA, BRAM, CHRIS, DEWI, T0, at, in_round, in_setup, new_session

MAX_CARD_BYTES = 40_000
"""Teams' limit is about 100 KB a message; PRODUCT.md asks us to stay under 40 KB."""


def every_view(deck: Deck) -> Iterator[tuple[str, Session]]:
    """A session in every phase and in the states that change what a card shows."""
    yield "welcome", new_session(deck)
    session = in_setup(deck)
    session.add_room_guest(ANNA, "Gert ’t Hooft")
    yield "setup", session
    session = in_round(deck, card_count=3)
    yield "round, nobody chosen", session
    session = in_round(deck, card_count=3)
    session.choose_answerer(ANNA, BRAM)
    yield "round, answerer chosen", session
    session.pause(ANNA, at(2))
    yield "round, paused", session
    session = in_round(deck, card_count=16)
    for person in (BRAM, CHRIS, DEWI):
        session.pose_prompt(ANNA, person, 0, deck, at(1))
    session.participant_left(ANNA)
    yield "round, everyone had a turn, facilitator gone", session
    session = in_round(deck, card_count=1)
    session.choose_answerer(ANNA, BRAM)
    session.next_card(BRAM, at(3))
    yield "inventory", session
    session.finish_inventory(ANNA)
    yield "agreements, none", session
    session.propose_agreement(
        BRAM, BRAM, with_whom=[CHRIS, "extern@provincie.nl"], why="Rollen", window_days=14,
        duration_minutes=30, now=at(4),
    )  # fmt: skip
    session.propose_agreement(
        CHRIS, CHRIS, with_whom=[DEWI], why="Mandaat", window_days=7, duration_minutes=60, now=at(4)
    )
    session.confirm_agreement(CHRIS, "agreement:2")
    session.record_schedule("agreement:2", start=None, failure_reason="mailbox not found")
    yield "agreements, proposed and failed", session
    session.close(ANNA, at(5))
    yield "summary", session


def render_all(renderer: CardRenderer, deck: Deck) -> Iterator[tuple[str, dict[str, Any]]]:
    for language in ("nl", "en"):
        yield f"welcome card {language}", renderer.welcome(language)
        for name, session in every_view(deck):
            session.settings = type(session.settings)(
                session.settings.card_count, session.settings.minutes_per_card, language
            )
            yield f"{name} {language}", renderer.session(session, at(6))
            yield (
                f"{name} {language} with banner",
                renderer.session(session, at(6), banner="Let op"),
            )


@pytest.fixture(scope="module")
def renderer(content: Content) -> CardRenderer:
    return CardRenderer(content)


def test_every_card_is_valid_adaptive_card_1_5(renderer: CardRenderer, deck: Deck) -> None:
    problems = {
        name: errors for name, card in render_all(renderer, deck) if (errors := schema_errors(card))
    }
    assert problems == {}


@pytest.mark.parametrize(
    "breakage",
    [
        lambda card: card["body"][1].update(type="Paragraph"),
        lambda card: card["actions"][0].update(verb=7),
        lambda card: card.update(version=1.5),
        lambda card: card["body"].append({"type": "TextBlock"}),
    ],
)
def test_the_schema_check_catches_a_broken_card(
    renderer: CardRenderer, deck: Deck, breakage: Any
) -> None:
    card = renderer.session(in_round(deck), T0)
    assert schema_errors(card) == []
    breakage(card)
    assert schema_errors(card) != []


def test_every_action_carries_verb_session_and_view(renderer: CardRenderer, deck: Deck) -> None:
    session = in_round(deck)
    card = renderer.session(session, T0)
    executes = [e for e in walk(card) if e.get("type") == "Action.Execute"]
    assert {action["verb"] for action in executes} >= {"choose_answerer", "skip_card", "pause"}
    for action in executes:
        assert action["data"]["verb"] == action["verb"]
        assert action["data"]["session"] == session.id
        assert action["data"]["view"] == view_token(session)


def test_the_round_card_shows_the_question_large_and_the_suggestion_first(
    renderer: CardRenderer, deck: Deck
) -> None:
    session = in_round(deck)
    card = renderer.session(session, T0)
    assert session.current is not None
    question = deck.card(session.current.card_id).question
    [block] = [b for b in card["body"] if b.get("text") == question]
    assert block["size"] == "ExtraLarge"
    [choice] = [b for b in card["body"] if b.get("id") == "answerer"]
    assert choice["value"] == "1"  # Bram, second in the roster: cards name people by position
    assert choice["choices"][0] == {"title": "Bram Jansen (voorstel)", "value": "1"}
    assert "Kaart 1 van 16" in json.dumps(card, ensure_ascii=False)


def test_a_room_guest_is_named_as_one(renderer: CardRenderer, deck: Deck) -> None:
    session = in_round(deck)
    session.add_room_guest(ANNA, "Gert")
    text = json.dumps(renderer.session(session, T0), ensure_ascii=False)
    assert "Gert (in de zaal)" in text


def test_a_big_meeting_stays_under_the_size_limit(renderer: CardRenderer, deck: Deck) -> None:
    session = new_session(deck)
    crowd = [
        Member(
            f"29:{n:04d}-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", f"Collega met een lange naam {n}"
        )
        for n in range(120)
    ]
    session.open_setup(crowd[0], crowd)
    setup_card = renderer.session(session, T0)
    session.begin(crowd[0].id, 5, T0)
    sizes = {
        "setup": len(json.dumps(setup_card, ensure_ascii=False).encode()),
        "round": len(json.dumps(renderer.session(session, T0), ensure_ascii=False).encode()),
    }
    assert all(size < MAX_CARD_BYTES for size in sizes.values()), sizes

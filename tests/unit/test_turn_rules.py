"""Random command sequences from random users never break the turn rules of PRODUCT.md."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.content import load_content
from assistant.domain import (
    Member,
    NotAllowed,
    Phase,
    Session,
    TurnKind,
    session_from_json,
    session_to_json,
)
from assistant.domain.events import AnswererChosen, CardDrawn
from tests.conftest import T0, TEAM

DECK = load_content().deck("nl")
PEOPLE = [member.id for member in TEAM] + ["guest:1", "u-stranger", "u-late"]
ROLES = ["@facilitator", "@asker", "@answerer", "@suggested"]
"""Resolved against the session when the step runs, so that random sequences get far
into a round instead of being refused at the door; plain ids still try everything."""

Step = tuple[str, str, str, int]
"""(command, actor, other person, number) — each command uses what it needs."""


def resolve(session: Session, who: str) -> str:
    current = session.current
    role_holder = {
        "@facilitator": session.facilitator_id,
        "@asker": current.asker_id if current else None,
        "@answerer": current.answerer_id if current else None,
        "@suggested": session.suggested_answerer(),
    }
    if who in role_holder:
        return role_holder[who] or TEAM[0].id
    return who


COMMANDS = [
    "open_setup",
    "set_taking_part",
    "add_room_guest",
    "configure",
    "begin",
    "skip_card",
    "put_back",
    "pose_prompt",
    "pause",
    "resume",
    "end_round",
    "meeting_ended",
    "hand_over",
    "take_over",
    "join",
    "leave",
    "finish_inventory",
    "propose_agreement",
    "confirm_agreement",
    "close",
    # The turns themselves are what a session mostly consists of.
    *["choose_answerer"] * 10,
    *["next_card"] * 10,
]

steps = st.tuples(
    st.sampled_from(COMMANDS),
    st.sampled_from(ROLES + PEOPLE),
    st.sampled_from(ROLES + PEOPLE),
    st.integers(min_value=-1, max_value=17),
)


def apply(session: Session, step: Step, minute: int) -> list[Any]:
    """Run the step; returns the events, with the step's roles resolved to ids."""
    command, actor, other, number = step
    now = T0 + timedelta(minutes=minute)
    calls: dict[str, Callable[[], list[Any]]] = {
        "open_setup": lambda: session.open_setup(Member(actor, actor), TEAM),
        "set_taking_part": lambda: session.set_taking_part(actor, other, number % 2 == 0),
        "add_room_guest": lambda: session.add_room_guest(actor, f"Gast {number}"),
        "configure": lambda: session.configure(actor, card_count=number, minutes_per_card=number),
        "begin": lambda: session.begin(actor, number, now),
        "choose_answerer": lambda: session.choose_answerer(actor, other),
        "next_card": lambda: session.next_card(actor, now),
        "skip_card": lambda: session.skip_card(actor, now),
        "put_back": lambda: session.put_back(actor, now),
        "pose_prompt": lambda: session.pose_prompt(actor, other, number, DECK, now),
        "pause": lambda: session.pause(actor, now),
        "resume": lambda: session.resume(actor, now),
        "end_round": lambda: session.end_round(actor, now),
        "meeting_ended": lambda: session.meeting_ended(now),
        "hand_over": lambda: session.hand_over(actor, other),
        "take_over": lambda: session.take_over(actor),
        "join": lambda: session.participant_joined(Member(other, other)),
        "leave": lambda: session.participant_left(other),
        "finish_inventory": lambda: session.finish_inventory(actor),
        "propose_agreement": lambda: session.propose_agreement(
            actor,
            actor,
            with_whom=[other],
            why="opvolgen",
            window_days=14,
            duration_minutes=30,
            now=now,
        ),
        "confirm_agreement": lambda: session.confirm_agreement(actor, f"agreement:{number}"),
        "close": lambda: session.close(actor, now),
    }
    return calls[command]()


FACILITATOR_ONLY = {
    "set_taking_part",
    "add_room_guest",
    "configure",
    "begin",
    "skip_card",
    "put_back",
    "pose_prompt",
    "pause",
    "resume",
    "end_round",
    "hand_over",
    "finish_inventory",
    "close",
}


def check_role(before: Session, step: Step) -> None:
    """A command that succeeded was made by someone allowed to make it."""
    command, actor, _, _ = step
    if command in FACILITATOR_ONLY:
        assert actor == before.facilitator_id, step
    if command == "choose_answerer":
        assert before.current is not None
        assert actor in (before.current.asker_id, before.facilitator_id), step
    if command == "next_card":
        assert before.current is not None
        assert actor in (before.current.answerer_id, before.facilitator_id), step
    if command == "take_over":
        facilitator = before.participant(before.facilitator_id or "")
        assert facilitator is None or not facilitator.present, step


def check_invariants(session: Session) -> None:
    history = session.history
    played = [turn.card_id for turn in history if turn.kind is not TurnKind.PROMPT]
    assert len(played) == len(set(played)), "a card was played twice"
    assert session.cards_done == len(played)
    on_table = [session.current.card_id] if session.current else []
    assert not set(played) & {*session.pending, *on_table}, "a played card came back"
    assert len(session.pending) == len(set(session.pending))
    assert len(played) + len(session.pending) + len(on_table) <= session.card_total
    for turn in history:
        if turn.kind is not TurnKind.SKIPPED:
            assert turn.answerer_id is not None and turn.answerer_id != turn.asker_id
    if session.current is not None:
        assert session.phase is Phase.ROUND
        assert session.current.number == session.cards_done + 1
        assert session.current.answerer_id != session.current.asker_id
    else:
        assert session.phase is not Phase.ROUND
    # Coverage counts match the history, recounted here independently.
    expected: Counter[str] = Counter()
    for turn in history:
        if turn.kind is not TurnKind.SKIPPED and turn.answerer_id:
            expected[turn.answerer_id] += 1
    if session.current and session.current.answerer_id:
        expected[session.current.answerer_id] += 1
    assert session.turn_counts() == expected
    coverage = session.coverage()
    assert coverage.covered == sum(
        1 for p in session.participants if p.taking_part and expected[p.id] > 0
    )
    if session.current is not None:
        candidates = session.candidates()
        assert session.current.asker_id not in candidates
        for candidate in candidates:
            person = session.participant(candidate)
            assert person is not None and person.can_be_asked
    if session.phase is not Phase.WELCOME:
        facilitator = session.participant(session.facilitator_id or "")
        assert facilitator is not None and not facilitator.is_room_guest
    assert session_from_json(session_to_json(session)) == session


def starting_point(phase: str, opener: str, seed: int) -> Session:
    """A fresh session, or one already in setup or round, so that the random steps spend
    their length on the rules rather than on getting started."""
    session = Session.new("s", DECK, T0)
    if phase != "welcome":
        session.open_setup(Member(opener, opener), TEAM)
    if phase == "round":
        session.begin(opener, seed, T0)
    return session


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(["welcome", "setup", "round", "round", "round"]),
    st.sampled_from(PEOPLE[:5]),
    st.integers(0, 2**32),
    st.lists(steps, min_size=10, max_size=120),
)
def test_random_commands_keep_the_turn_rules(
    phase: str, opener: str, seed: int, sequence: list[Step]
) -> None:
    play(starting_point(phase, opener, seed), sequence)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(PEOPLE[:5]), st.randoms(use_true_random=False))
def test_long_random_walks_keep_the_turn_rules(opener: str, rng: random.Random) -> None:
    """Hypothesis' lists stay short and repetitive; these walks reach deep into a round
    (and beyond) with every kind of step, at the price of coarser shrinking."""
    sequence = [
        (
            walk_command(rng),
            rng.choice(ROLES + PEOPLE),
            rng.choice(ROLES + PEOPLE),
            rng.randint(-1, 17),
        )
        for _ in range(150)
    ]
    play(starting_point("round", opener, rng.getrandbits(32)), sequence)


ROUND_ENDERS = {"end_round", "meeting_ended"}


def walk_command(rng: random.Random) -> str:
    """A command for a random walk; ending the round is rare so the walk plays cards."""
    command = rng.choice(COMMANDS)
    if command in ROUND_ENDERS and rng.random() > 0.05:
        return rng.choice(["choose_answerer", "next_card"])
    return command


def play(session: Session, sequence: list[Step]) -> None:
    """Apply the steps one by one; check roles, events and invariants after each."""
    for minute, (command, actor, other, number) in enumerate(sequence):
        step = (command, resolve(session, actor), resolve(session, other), number)
        before_json = session_to_json(session)
        before = session_from_json(before_json)
        try:
            events = apply(session, step, minute)
        except NotAllowed:
            assert session_to_json(session) == before_json, f"{step} was refused but changed state"
            continue
        check_role(before, step)
        for event in events:
            if isinstance(event, AnswererChosen):
                assert event.answerer_id != event.asker_id
            if isinstance(event, CardDrawn) and step[0] == "next_card":
                assert before.current is not None
                assert event.asker_id == before.current.answerer_id, "the answerer asks next"
            if isinstance(event, CardDrawn) and step[0] == "begin":
                assert event.asker_id == before.facilitator_id, "the facilitator asks first"
        check_invariants(session)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(PEOPLE[:5]), min_size=2, max_size=40), st.integers(0, 2**32))
def test_a_cooperative_group_plays_every_card_once(answerers: list[str], seed: int) -> None:
    """When everyone does what the card asks, every chosen card is played exactly once and
    the round ends in the inventory."""
    session = Session.new("s", DECK, T0)
    session.open_setup(TEAM[0], TEAM)
    session.configure(TEAM[0].id, card_count=min(len(answerers), 16))
    session.begin(TEAM[0].id, seed, T0)
    for minute, wanted in enumerate(answerers, start=1):
        if session.phase is not Phase.ROUND:
            break
        assert session.current is not None
        answerer = wanted if wanted != session.current.asker_id else session.suggested_answerer()
        assert answerer is not None
        now = T0 + timedelta(minutes=minute)
        session.choose_answerer(session.current.asker_id, answerer)
        session.next_card(answerer, now)
    assert session.phase is Phase.INVENTORY
    assert sorted(turn.card_id for turn in session.history) == sorted(
        {turn.card_id for turn in session.history}
    )
    assert len(session.history) == session.card_total

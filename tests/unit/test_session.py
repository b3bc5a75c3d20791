"""Every command of the session state machine, and every refusal."""

from __future__ import annotations

import pytest

from assistant.domain import (
    AgreementStatus,
    Deck,
    Member,
    NotAllowed,
    Phase,
    Refusal,
    RoundEndReason,
    Session,
    TurnKind,
    session_to_json,
)
from assistant.domain.events import (
    AgreementConfirmed,
    AnswererChosen,
    CardDrawn,
    CardPutBack,
    CardSkipped,
    FacilitatorChanged,
    ParticipantJoined,
    ParticipantLeft,
    PromptPosed,
    RoundBegun,
    RoundEnded,
    SessionClosed,
    SetupOpened,
)
from tests.conftest import (
    ANNA,
    BRAM,
    CHRIS,
    DEWI,
    EVA,
    T0,
    TEAM,
    at,
    in_round,
    in_setup,
    new_session,
)


def refused(
    session: Session, reason: Refusal, command: object, *args: object, **kwargs: object
) -> None:
    """The command is refused for ``reason`` and the session is exactly as before."""
    before = session_to_json(session)
    with pytest.raises(NotAllowed) as caught:
        command(*args, **kwargs)  # type: ignore[operator]
    assert caught.value.reason is reason
    assert session_to_json(session) == before


def play_card(session: Session, answerer: str, minute: float) -> None:
    """The current asker asks ``answerer``, who answers and moves on."""
    assert session.current is not None
    session.choose_answerer(session.current.asker_id, answerer)
    session.next_card(answerer, at(minute + 1))


# ------------------------------------------------------------------- welcome and setup


def test_a_new_session_waits_in_the_welcome(deck: Deck) -> None:
    session = new_session(deck)
    assert session.phase is Phase.WELCOME
    assert session.facilitator_id is None
    assert session.deck_card_ids == deck.card_ids


def test_whoever_opens_the_setup_becomes_facilitator_and_everyone_takes_part(deck: Deck) -> None:
    session = new_session(deck)
    events = session.open_setup(Member(BRAM, "Bram Jansen"), TEAM[2:])
    assert events == [SetupOpened(BRAM)]
    assert session.phase is Phase.SETUP
    assert session.facilitator_id == BRAM
    assert [p.id for p in session.participants] == [BRAM, CHRIS, DEWI, EVA]
    assert all(p.taking_part and p.present for p in session.participants)


def test_the_setup_opens_once(deck: Deck) -> None:
    session = in_setup(deck)
    refused(session, Refusal.WRONG_PHASE, session.open_setup, TEAM[1], TEAM)


def test_the_facilitator_leaves_someone_out_and_back_in(deck: Deck) -> None:
    session = in_setup(deck)
    session.set_taking_part(ANNA, EVA, False)
    eva = session.participant(EVA)
    assert eva is not None and not eva.taking_part
    session.set_taking_part(ANNA, EVA, True)
    eva = session.participant(EVA)
    assert eva is not None and eva.taking_part


def test_only_the_facilitator_changes_the_setup(deck: Deck) -> None:
    session = in_setup(deck)
    refused(session, Refusal.NOT_FACILITATOR, session.set_taking_part, BRAM, EVA, False)
    refused(session, Refusal.NOT_FACILITATOR, session.configure, BRAM, card_count=4)
    refused(session, Refusal.NOT_FACILITATOR, session.add_room_guest, BRAM, "Gert")
    refused(session, Refusal.NOT_FACILITATOR, session.begin, BRAM, 1, T0)


def test_the_facilitator_cannot_leave_themselves_out(deck: Deck) -> None:
    session = in_setup(deck)
    refused(session, Refusal.FACILITATOR_MUST_TAKE_PART, session.set_taking_part, ANNA, ANNA, False)
    refused(session, Refusal.UNKNOWN_PARTICIPANT, session.set_taking_part, ANNA, "u-nobody", False)


def test_room_guests_get_their_own_ids_and_clean_names(deck: Deck) -> None:
    session = in_setup(deck)
    session.add_room_guest(ANNA, "  Gert   van Dam ")
    session.add_room_guest(ANNA, "Gert van Dam")
    guests = [p for p in session.participants if p.is_room_guest]
    assert [(g.id, g.name) for g in guests] == [
        ("guest:1", "Gert van Dam"),
        ("guest:2", "Gert van Dam"),
    ]
    refused(session, Refusal.GUEST_NAME_INVALID, session.add_room_guest, ANNA, "   ")
    refused(session, Refusal.GUEST_NAME_INVALID, session.add_room_guest, ANNA, "x" * 81)


def test_the_facilitator_configures_cards_minutes_and_language(deck: Deck) -> None:
    session = in_setup(deck)
    session.configure(ANNA, card_count=8, minutes_per_card=4, language="en")
    assert (session.settings.card_count, session.settings.minutes_per_card) == (8, 4)
    assert session.settings.language == "en"
    assert session.card_total == 8
    refused(session, Refusal.CARD_COUNT_OUT_OF_RANGE, session.configure, ANNA, card_count=0)
    refused(session, Refusal.CARD_COUNT_OUT_OF_RANGE, session.configure, ANNA, card_count=17)
    refused(session, Refusal.MINUTES_OUT_OF_RANGE, session.configure, ANNA, minutes_per_card=0)
    refused(session, Refusal.MINUTES_OUT_OF_RANGE, session.configure, ANNA, minutes_per_card=61)
    refused(session, Refusal.UNSUPPORTED_LANGUAGE, session.configure, ANNA, language="de")


def test_a_refused_setting_changes_none_of_the_others(deck: Deck) -> None:
    session = in_setup(deck)
    refused(
        session,
        Refusal.MINUTES_OUT_OF_RANGE,
        session.configure,
        ANNA,
        card_count=3,
        minutes_per_card=99,
    )
    assert session.settings.card_count == 16


def test_begin_needs_two_people_who_can_be_asked(deck: Deck) -> None:
    session = new_session(deck)
    session.open_setup(TEAM[0], TEAM[:2])
    session.set_taking_part(ANNA, BRAM, False)
    refused(session, Refusal.TOO_FEW_PARTICIPANTS, session.begin, ANNA, 1, T0)
    session.add_room_guest(ANNA, "Gert")
    assert session.begin(ANNA, 1, T0)[0] == RoundBegun(16)


def test_begin_shuffles_by_the_seed_and_the_facilitator_asks_first(deck: Deck) -> None:
    first, second, other = in_round(deck, seed=7), in_round(deck, seed=7), in_round(deck, seed=8)

    def order(session: Session) -> tuple[str, ...]:
        assert session.current is not None
        return (session.current.card_id, *session.pending)

    assert order(first) == order(second)
    assert order(first) != order(other)
    assert sorted(order(first)) == sorted(deck.card_ids)
    assert first.current is not None
    assert (first.current.number, first.current.asker_id, first.current.answerer_id) == (
        1,
        ANNA,
        None,
    )
    assert first.seed == 7


def test_a_short_meeting_plays_fewer_cards(deck: Deck) -> None:
    session = in_round(deck, card_count=3)
    assert session.card_total == 3
    assert len(session.pending) == 2


# ------------------------------------------------------------------- the round


def test_the_asker_chooses_and_the_answerer_asks_the_next_card(deck: Deck) -> None:
    session = in_round(deck)
    assert session.current is not None
    first_card = session.current.card_id
    assert session.choose_answerer(ANNA, CHRIS) == [AnswererChosen(first_card, 1, ANNA, CHRIS)]
    events = session.next_card(CHRIS, at(4))
    assert len(events) == 1 and isinstance(events[0], CardDrawn)
    assert session.current is not None
    assert (session.current.number, session.current.asker_id) == (2, CHRIS)
    [turn] = session.history
    assert (turn.kind, turn.card_id, turn.asker_id, turn.answerer_id) == (
        TurnKind.CARD,
        first_card,
        ANNA,
        CHRIS,
    )
    assert (turn.started_at, turn.ended_at) == (T0, at(4))


def test_nobody_answers_their_own_question(deck: Deck) -> None:
    session = in_round(deck)
    refused(session, Refusal.OWN_QUESTION, session.choose_answerer, ANNA, ANNA)


def test_only_the_asker_or_the_facilitator_chooses(deck: Deck) -> None:
    session = in_round(deck)
    play_card(session, BRAM, 1)  # Bram asks now
    refused(session, Refusal.NOT_ASKER, session.choose_answerer, CHRIS, DEWI)
    session.choose_answerer(ANNA, DEWI)  # the facilitator may choose instead
    assert session.current is not None and session.current.answerer_id == DEWI


def test_the_asker_may_change_the_answerer_but_not_choose_the_same_twice(deck: Deck) -> None:
    session = in_round(deck)
    session.choose_answerer(ANNA, BRAM)
    refused(session, Refusal.ALREADY_ANSWERER, session.choose_answerer, ANNA, BRAM)
    session.choose_answerer(ANNA, CHRIS)
    assert session.current is not None and session.current.answerer_id == CHRIS


def test_only_people_taking_part_and_present_can_be_asked(deck: Deck) -> None:
    session = in_setup(deck)
    session.set_taking_part(ANNA, EVA, False)
    session.begin(ANNA, 1, T0)
    refused(session, Refusal.UNKNOWN_PARTICIPANT, session.choose_answerer, ANNA, EVA)
    refused(session, Refusal.UNKNOWN_PARTICIPANT, session.choose_answerer, ANNA, "u-x")
    session.participant_left(DEWI)
    refused(session, Refusal.PARTICIPANT_ABSENT, session.choose_answerer, ANNA, DEWI)


def test_only_the_answerer_or_the_facilitator_moves_on(deck: Deck) -> None:
    session = in_round(deck)
    refused(session, Refusal.NO_ANSWERER_YET, session.next_card, ANNA, at(1))
    session.choose_answerer(ANNA, BRAM)
    refused(session, Refusal.NOT_ANSWERER, session.next_card, CHRIS, at(2))
    session.next_card(ANNA, at(2))  # the facilitator may
    assert session.current is not None and session.current.asker_id == BRAM


def test_after_the_last_card_the_round_moves_to_the_inventory(deck: Deck) -> None:
    session = in_round(deck, card_count=2)
    play_card(session, BRAM, 1)
    session.choose_answerer(BRAM, CHRIS)
    assert session.next_card(CHRIS, at(5)) == [RoundEnded(RoundEndReason.LAST_CARD)]
    assert session.phase is Phase.INVENTORY
    assert session.current is None and session.pending == ()
    assert session.round_ended_at == at(5)
    assert [t.answerer_id for t in session.history] == [BRAM, CHRIS]


def test_a_skipped_card_is_recorded_and_the_asker_keeps_asking(deck: Deck) -> None:
    session = in_round(deck)
    play_card(session, BRAM, 1)
    assert session.current is not None
    skipped = session.current.card_id
    refused(session, Refusal.NOT_FACILITATOR, session.skip_card, BRAM, at(3))
    events = session.skip_card(ANNA, at(3))
    assert events[0] == CardSkipped(skipped)
    assert session.history[-1].kind is TurnKind.SKIPPED
    assert session.history[-1].answerer_id is None
    assert session.current is not None
    assert (session.current.number, session.current.asker_id) == (3, BRAM)
    assert skipped not in session.pending


def test_a_card_put_back_is_played_last(deck: Deck) -> None:
    session = in_round(deck, card_count=3)
    assert session.current is not None
    first = session.current.card_id
    refused(session, Refusal.NOT_FACILITATOR, session.put_back, BRAM, at(1))
    events = session.put_back(ANNA, at(1))
    assert events[0] == CardPutBack(first)
    assert session.pending[-1] == first
    assert session.current is not None
    assert (session.current.number, session.current.asker_id) == (1, ANNA)
    play_card(session, BRAM, 2)
    play_card(session, CHRIS, 4)
    assert session.current is not None and session.current.card_id == first
    refused(session, Refusal.LAST_CARD, session.put_back, ANNA, at(6))


def test_a_hulpvraag_gives_someone_without_a_turn_a_turn(deck: Deck) -> None:
    session = in_round(deck)
    assert session.current is not None
    card = session.current.card_id
    events = session.pose_prompt(ANNA, DEWI, 1, deck, at(1))
    assert events == [PromptPosed(card, 1, ANNA, DEWI)]
    assert session.turn_counts()[DEWI] == 1
    assert session.history[-1].kind is TurnKind.PROMPT
    assert session.current.card_id == card  # the card stays on the table
    assert session.cards_done == 0
    refused(session, Refusal.ALREADY_HAD_TURN, session.pose_prompt, ANNA, DEWI, 0, deck, at(2))
    refused(session, Refusal.NOT_FACILITATOR, session.pose_prompt, BRAM, EVA, 0, deck, at(2))
    refused(session, Refusal.OWN_QUESTION, session.pose_prompt, ANNA, ANNA, 0, deck, at(2))
    refused(session, Refusal.UNKNOWN_PROMPT, session.pose_prompt, ANNA, EVA, 99, deck, at(2))
    refused(session, Refusal.UNKNOWN_PROMPT, session.pose_prompt, ANNA, EVA, -1, deck, at(2))


def test_pause_stops_the_turns_and_the_clock(deck: Deck) -> None:
    session = in_round(deck, card_count=4)
    session.pause(ANNA, at(2))
    assert session.paused
    refused(session, Refusal.PAUSED, session.choose_answerer, ANNA, BRAM)
    refused(session, Refusal.PAUSED, session.pause, ANNA, at(3))
    refused(session, Refusal.NOT_FACILITATOR, session.resume, BRAM, at(3))
    session.resume(ANNA, at(12))
    refused(session, Refusal.NOT_PAUSED, session.resume, ANNA, at(12))
    timebox = session.timebox(at(13))
    assert timebox.card_seconds == 3 * 60  # 2 before the pause, 1 after
    assert timebox.session_used_seconds == 3 * 60
    assert timebox.session_budget_seconds == 4 * 5 * 60
    assert timebox.session_left_seconds == 17 * 60
    assert not timebox.card_over_time


def test_the_timebox_says_when_a_card_runs_over(deck: Deck) -> None:
    session = in_round(deck)
    assert not session.timebox(at(5)).card_over_time
    assert session.timebox(at(5.5)).card_over_time
    session.choose_answerer(ANNA, BRAM)
    session.next_card(BRAM, at(6))
    assert session.timebox(at(7)).card_seconds == 60
    assert session.timebox(at(7)).session_used_seconds == 7 * 60


def test_ending_early_keeps_the_card_being_answered(deck: Deck) -> None:
    session = in_round(deck)
    session.choose_answerer(ANNA, BRAM)
    session.pause(ANNA, at(2))
    refused(session, Refusal.NOT_FACILITATOR, session.end_round, BRAM, at(3))
    assert session.end_round(ANNA, at(3)) == [RoundEnded(RoundEndReason.ENDED_EARLY)]
    assert session.phase is Phase.INVENTORY
    assert [(t.kind, t.answerer_id) for t in session.history] == [(TurnKind.CARD, BRAM)]
    assert not session.paused
    assert session.round_end_reason is RoundEndReason.ENDED_EARLY


def test_the_end_of_the_meeting_ends_the_round(deck: Deck) -> None:
    session = in_round(deck)
    assert session.meeting_ended(at(30)) == [RoundEnded(RoundEndReason.MEETING_ENDED)]
    assert session.phase is Phase.INVENTORY
    assert session.meeting_ended(at(31)) == []
    assert in_setup(deck).meeting_ended(at(1)) == []


def test_round_commands_are_refused_outside_the_round(deck: Deck) -> None:
    session = in_setup(deck)
    refused(session, Refusal.WRONG_PHASE, session.choose_answerer, ANNA, BRAM)
    refused(session, Refusal.WRONG_PHASE, session.next_card, ANNA, T0)
    refused(session, Refusal.WRONG_PHASE, session.skip_card, ANNA, T0)
    refused(session, Refusal.WRONG_PHASE, session.pause, ANNA, T0)
    refused(session, Refusal.WRONG_PHASE, session.end_round, ANNA, T0)
    refused(session, Refusal.WRONG_PHASE, session.finish_inventory, ANNA)


# ------------------------------------------------------------------- suggestion and coverage


def test_the_suggestion_is_who_has_fewest_turns_then_who_waited_longest(deck: Deck) -> None:
    session = in_round(deck)
    assert session.candidates() == (BRAM, CHRIS, DEWI, EVA)
    play_card(session, BRAM, 1)  # Bram asks
    assert session.candidates() == (ANNA, CHRIS, DEWI, EVA)
    play_card(session, CHRIS, 3)
    play_card(session, DEWI, 5)
    play_card(session, EVA, 7)
    play_card(session, ANNA, 9)  # everyone once; Anna asks next
    assert session.suggested_answerer() == BRAM  # answered longest ago
    play_card(session, BRAM, 11)
    assert session.candidates() == (CHRIS, DEWI, EVA, ANNA)


def test_people_who_left_are_not_suggested_and_late_joiners_are(deck: Deck) -> None:
    session = in_round(deck)
    assert session.participant_left(BRAM) == [ParticipantLeft(BRAM)]
    assert session.participant_left(BRAM) == []
    assert BRAM not in session.candidates()
    assert session.participant_joined(Member("u-fleur", "Fleur")) == [
        ParticipantJoined("u-fleur", returning=False)
    ]
    assert "u-fleur" in session.candidates()
    assert session.participant_joined(Member(BRAM, "Bram J.")) == [
        ParticipantJoined(BRAM, returning=True)
    ]
    assert session.participant_joined(Member(BRAM, "Bram J.")) == []
    bram = session.participant(BRAM)
    assert bram is not None and bram.present and bram.name == "Bram J."


def test_coverage_counts_who_had_a_turn(deck: Deck) -> None:
    session = in_round(deck, card_count=3)
    coverage = session.coverage()
    assert (coverage.covered, coverage.counted, coverage.cards_left) == (0, 5, 3)
    assert coverage.needs_prompts  # three cards for five people
    session.choose_answerer(ANNA, BRAM)
    coverage = session.coverage()
    assert (coverage.covered, coverage.not_yet, coverage.cards_left) == (
        1,
        (ANNA, CHRIS, DEWI, EVA),
        2,
    )
    session.participant_left(EVA)
    coverage = session.coverage()
    assert (coverage.covered, coverage.counted) == (1, 4)
    session.pose_prompt(ANNA, CHRIS, 0, deck, at(2))
    session.pose_prompt(ANNA, DEWI, 0, deck, at(2))
    coverage = session.coverage()
    assert coverage.not_yet == (ANNA,)
    assert not coverage.needs_prompts


# ------------------------------------------------------------------- roles


def test_the_facilitator_hands_over_the_role(deck: Deck) -> None:
    session = in_round(deck)
    session.add_room_guest(ANNA, "Gert")
    refused(session, Refusal.NOT_FACILITATOR, session.hand_over, BRAM, BRAM)
    refused(session, Refusal.FACILITATOR_MUST_BE_PRESENT_PERSON, session.hand_over, ANNA, "guest:1")
    refused(session, Refusal.ALREADY_FACILITATOR, session.hand_over, ANNA, ANNA)
    session.participant_left(EVA)
    refused(session, Refusal.FACILITATOR_MUST_BE_PRESENT_PERSON, session.hand_over, ANNA, EVA)
    assert session.hand_over(ANNA, CHRIS) == [FacilitatorChanged(ANNA, CHRIS)]
    refused(session, Refusal.NOT_FACILITATOR, session.skip_card, ANNA, at(2))
    session.skip_card(CHRIS, at(2))


def test_someone_takes_over_when_the_facilitator_left(deck: Deck) -> None:
    session = in_round(deck)
    refused(session, Refusal.FACILITATOR_STILL_PRESENT, session.take_over, BRAM)
    session.participant_left(ANNA)
    assert session.take_over(BRAM) == [FacilitatorChanged(ANNA, BRAM)]
    assert session.facilitator_id == BRAM


def test_the_facilitator_acts_for_a_room_guest(deck: Deck) -> None:
    session = in_round(deck)
    session.add_room_guest(ANNA, "Gert")
    session.choose_answerer(ANNA, "guest:1")
    session.next_card(ANNA, at(2))  # Gert has no device: Anna moves on for him
    assert session.current is not None and session.current.asker_id == "guest:1"
    session.choose_answerer(ANNA, BRAM)  # and chooses for him
    assert session.current.asker_id == "guest:1"
    guest = session.participant("guest:1")
    assert guest is not None
    assert session.participant_left("guest:1") == []  # guests don't leave the Teams call


# ------------------------------------------------------------------- inventory, agreements, close


def test_inventory_then_agreements_then_closed(deck: Deck) -> None:
    session = in_round(deck, card_count=1)
    play_card(session, BRAM, 1)
    assert session.phase is Phase.INVENTORY
    refused(session, Refusal.NOT_FACILITATOR, session.finish_inventory, BRAM)
    session.finish_inventory(ANNA)
    assert session.phase is Phase.AGREEMENTS
    refused(session, Refusal.NOT_FACILITATOR, session.close, BRAM, at(4))
    assert session.close(ANNA, at(4)) == [SessionClosed()]
    assert (session.phase, session.closed_at) == (Phase.CLOSED, at(4))
    refused(session, Refusal.WRONG_PHASE, session.close, ANNA, at(5))
    assert session.participant_joined(Member("u-late", "Late")) == []


def agreements_phase(deck: Deck) -> Session:
    session = in_round(deck, card_count=1)
    session.end_round(ANNA, at(1))
    session.finish_inventory(ANNA)
    return session


def propose(
    session: Session,
    actor: str,
    owner: str,
    with_whom: list[str] | None = None,
    why: str = "De samenwerking bespreken",
    window_days: int = 14,
    duration: int = 30,
) -> list[object]:
    return list(
        session.propose_agreement(
            actor,
            owner,
            with_whom=[DEWI] if with_whom is None else with_whom,
            why=why,
            window_days=window_days,
            duration_minutes=duration,
            now=at(3),
        )
    )


def test_an_agreement_is_proposed_confirmed_and_scheduled(deck: Deck) -> None:
    session = agreements_phase(deck)
    propose(session, BRAM, BRAM, [CHRIS, " extern@provincie.nl ", CHRIS], " Rolverdeling ")
    [agreement] = session.agreements
    assert (agreement.id, agreement.owner_id, agreement.with_whom, agreement.why) == (
        "agreement:1",
        BRAM,
        (CHRIS, "extern@provincie.nl"),
        "Rolverdeling",
    )
    assert (agreement.window_days, agreement.duration_minutes) == (14, 30)
    confirm = session.confirm_agreement
    refused(session, Refusal.AGREEMENT_NOT_OWNER, confirm, CHRIS, "agreement:1")
    assert confirm(BRAM, "agreement:1") == [AgreementConfirmed("agreement:1")]
    refused(session, Refusal.AGREEMENT_ALREADY_CONFIRMED, confirm, ANNA, "agreement:1")
    withdraw = session.withdraw_agreement
    refused(session, Refusal.AGREEMENT_ALREADY_CONFIRMED, withdraw, BRAM, "agreement:1")
    session.record_schedule("agreement:1", start=at(60 * 24))
    assert session.agreements[0].status is AgreementStatus.SCHEDULED
    assert session.agreements[0].scheduled_start == at(60 * 24)
    record = session.record_schedule
    refused(session, Refusal.AGREEMENT_NOT_CONFIRMED, record, "agreement:1", start=at(1))


def test_a_failed_agreement_shows_why_and_can_be_retried(deck: Deck) -> None:
    session = agreements_phase(deck)
    propose(session, ANNA, DEWI, [EVA])  # the facilitator writes it down for Dewi
    session.confirm_agreement(DEWI, "agreement:1")
    session.record_schedule("agreement:1", start=None, failure_reason="mailbox not found")
    agreement = session.agreements[0]
    assert (agreement.status, agreement.failure_reason) == (
        AgreementStatus.FAILED,
        "mailbox not found",
    )
    session.confirm_agreement(ANNA, "agreement:1")
    assert session.agreements[0].status is AgreementStatus.CONFIRMED
    assert session.agreements[0].failure_reason is None


@pytest.mark.parametrize(
    ("with_whom", "why", "window_days", "duration"),
    [
        ([], "Waarom", 14, 30),
        (["not an address"], "Waarom", 14, 30),
        ([BRAM], "Waarom", 14, 30),  # with yourself
        ([CHRIS], "   ", 14, 30),
        ([CHRIS], "x" * 1001, 14, 30),
        ([CHRIS], "Waarom", 0, 30),
        ([CHRIS], "Waarom", 91, 30),
        ([CHRIS], "Waarom", 14, 10),
        ([CHRIS], "Waarom", 14, 241),
    ],
)
def test_an_incomplete_agreement_is_refused(
    deck: Deck, with_whom: list[str], why: str, window_days: int, duration: int
) -> None:
    session = agreements_phase(deck)
    refused(
        session,
        Refusal.AGREEMENT_INVALID,
        propose,
        session,
        BRAM,
        BRAM,
        with_whom,
        why,
        window_days,
        duration,
    )


def test_agreements_belong_to_their_owner(deck: Deck) -> None:
    session = agreements_phase(deck)
    refused(session, Refusal.AGREEMENT_NOT_OWNER, propose, session, BRAM, CHRIS)
    refused(session, Refusal.NOT_PARTICIPANT, propose, session, "u-x", "u-x")
    refused(session, Refusal.UNKNOWN_PARTICIPANT, propose, session, ANNA, "u-x")
    propose(session, BRAM, BRAM)
    withdraw = session.withdraw_agreement
    refused(session, Refusal.AGREEMENT_NOT_OWNER, withdraw, CHRIS, "agreement:1")
    refused(session, Refusal.UNKNOWN_AGREEMENT, withdraw, BRAM, "agreement:9")
    withdraw(BRAM, "agreement:1")
    assert session.agreements == ()
    propose(session, BRAM, BRAM)
    assert session.agreements[0].id == "agreement:2"  # ids are never reused


def test_a_room_guest_never_gets_the_id_of_someone_already_there(deck: Deck) -> None:
    session = in_setup(deck)
    session.participant_joined(Member("guest:1", "Iemand met een vreemd id"))
    session.add_room_guest(ANNA, "Gert")
    ids = [p.id for p in session.participants]
    assert len(ids) == len(set(ids))


def test_someone_from_the_chat_who_is_not_in_the_call_waits_to_be_suggested(deck: Deck) -> None:
    session = in_round(deck)
    fleur = Member("u-fleur", "Fleur")
    assert session.participant_joined(fleur, in_meeting=False) == [
        ParticipantJoined("u-fleur", returning=False)
    ]
    assert "u-fleur" not in session.candidates()
    assert session.participant_joined(fleur, in_meeting=False) == []
    session.participant_joined(fleur)
    assert "u-fleur" in session.candidates()

"""Bad input, twice-delivered activities, simultaneous clicks, stale cards, a slow or
throttling connector, and the meeting's own events: a clear answer and a consistent
session, never a 500."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from tests.cardschema import walk
from tests.integration.conftest import (
    ANNA,
    BRAM,
    CHRIS,
    DEWI,
    EVA,
    Bot,
    action_data,
    card_inputs,
    text_of,
)


async def start_round(bot: Bot, cards: int = 5) -> None:
    await bot.post(bot.chat.bot_added(ANNA))
    await bot.settle()
    [welcome] = bot.connector.chat(bot.chat.conversation_id)
    status, _ = await bot.post(
        bot.chat.card_action("start", {"verb": "start"}, ANNA, welcome["id"])
    )
    assert status == 200
    await bot.settle()
    await bot.click(ANNA, "begin", card_count=str(cards))


async def click_activity(bot: Bot, user: Any, verb: str, **inputs: Any) -> dict[str, Any]:
    """The invoke activity for a click on the live card as it is now (not sent yet)."""
    card = await bot.live_card()
    session = await bot.session()
    data = {**action_data(card, verb), **card_inputs(card), **inputs}
    return bot.chat.card_action(verb, data, user, session.live_card_id or "")


# ---------------------------------------------------------------------- malformed requests


@pytest.mark.parametrize(
    ("body", "status", "reason"),
    [
        (b"{not json", 400, "not JSON"),
        (b"[1, 2, 3]", 400, "not a JSON object"),
        (json.dumps({"type": "message", "text": "hoi"}).encode(), 400, "not a valid activity"),
        (b"\xff\xfe\x00", 400, "not JSON"),
    ],
)
async def test_malformed_requests_get_a_400_with_the_reason(
    bot: Bot, body: bytes, status: int, reason: str
) -> None:
    code, answer = await bot.post(body)
    assert code == status
    assert reason in answer["error"]
    assert await bot.version() is None


async def test_an_oversized_body_is_refused_unread(bot: Bot) -> None:
    activity = bot.chat.message("start", ANNA)
    activity["text"] = "x" * 400_000
    code, answer = await bot.post(activity)
    assert code == 413
    assert "larger than" in answer["error"]
    assert await bot.version() is None


async def test_an_unknown_verb_is_answered_with_the_current_card(bot: Bot) -> None:
    await start_round(bot)
    version = await bot.version()
    activity = bot.chat.card_action("fly_to_the_moon", {"verb": "fly_to_the_moon"}, BRAM, "1")
    code, answer = await bot.post(activity)
    assert code == 200
    assert "Dat begreep ik niet" in text_of(answer["value"])
    assert "Kaart 1 van 5" in text_of(answer["value"])
    assert await bot.version() == version


async def test_inputs_of_the_wrong_type_are_refused_kindly(bot: Bot) -> None:
    await bot.post(bot.chat.card_action("start", {"verb": "start"}, ANNA, "1"))
    await bot.settle()
    card = await bot.click(ANNA, "begin", card_count="veel", minutes_per_card=["x"])
    assert "Kies tussen 1 en 16 kaarten." in text_of(card)
    assert (await bot.session()).phase.value == "setup"
    card = await bot.click(ANNA, "add_guest", guest_name="x" * 500)
    assert "hoogstens 80 tekens" in text_of(card)


async def test_typed_commands_work_for_keyboard_users(bot: Bot) -> None:
    await bot.say(ANNA, "start")
    assert (await bot.session()).phase.value == "setup"
    await bot.click(ANNA, "begin", card_count="2")
    await bot.say(BRAM, "volgende")  # not Bram's turn: told so in the chat
    assert "Kies eerst aan wie de vraag gesteld wordt." in bot.connector.sent()[-1].body["text"]
    await bot.click(ANNA, "choose_answerer")
    answerer = (await bot.session()).current.answerer_id  # type: ignore[union-attr]
    user = next(u for u in (BRAM, CHRIS, DEWI, EVA) if u.id == answerer)
    await bot.say(user, "Volgende!")
    assert (await bot.session()).current.number == 2  # type: ignore[union-attr]
    await bot.say(ANNA, "pauze")
    assert (await bot.session()).paused
    await bot.say(ANNA, "hervat")
    await bot.say(ANNA, "stop")
    assert (await bot.session()).phase.value == "inventory"
    await bot.say(ANNA, "wat is dit")
    assert "Dat commando ken ik niet" in bot.connector.sent()[-1].body["text"]
    await bot.say(ANNA, "help")
    assert bot.connector.sent()[-1].body["attachments"]


# ---------------------------------------------------------------------- exactly once


async def test_the_same_activity_delivered_twice_is_applied_once(bot: Bot) -> None:
    await start_round(bot)
    choose = await click_activity(bot, ANNA, "choose_answerer")
    mentions = len(bot.connector.mentions())
    first = await bot.post(choose)
    await bot.settle()
    version = await bot.version()
    second = await bot.post(choose)  # Teams redelivers: same id
    await bot.settle()
    assert first[0] == second[0] == 200
    assert text_of(first[1]["value"]) == text_of(second[1]["value"])
    assert await bot.version() == version
    assert len(bot.connector.mentions()) == mentions + 1


async def test_two_people_clicking_at_the_same_moment(bot: Bot) -> None:
    await start_round(bot)
    await bot.click(ANNA, "choose_answerer")
    answerer_id = (await bot.session()).current.answerer_id  # type: ignore[union-attr]
    answerer = next(u for u in (BRAM, CHRIS, DEWI, EVA) if u.id == answerer_id)
    by_answerer = await click_activity(bot, answerer, "next_card")
    by_facilitator = await click_activity(bot, ANNA, "next_card")
    answers = await asyncio.gather(bot.post(by_answerer), bot.post(by_facilitator))
    await bot.settle()
    session = await bot.session()
    assert len(session.history) == 1
    assert session.current is not None and session.current.number == 2
    cards = [text_of(answer[1]["value"]) for answer in answers]
    assert sum("Deze kaart was al bijgewerkt" in card for card in cards) == 1
    assert all("Kaart 2 van 5" in card for card in cards)


async def test_a_stale_card_is_answered_with_the_current_state(bot: Bot) -> None:
    await start_round(bot)
    old_card = await bot.live_card()
    await bot.click(ANNA, "choose_answerer")
    answerer_id = (await bot.session()).current.answerer_id  # type: ignore[union-attr]
    answerer = next(u for u in (BRAM, CHRIS, DEWI, EVA) if u.id == answerer_id)
    await bot.click(answerer, "next_card")
    version = await bot.version()
    answer = await bot.click(ANNA, "skip_card", card=old_card)  # the card of round 1
    assert "Deze kaart was al bijgewerkt" in text_of(answer)
    assert "Kaart 2 van 5" in text_of(answer)
    assert await bot.version() == version


async def test_a_card_of_an_earlier_session_says_that_session_is_over(bot: Bot) -> None:
    await start_round(bot, cards=1)
    first_session_card = await bot.live_card()
    await bot.click(ANNA, "end_round")
    await bot.click(ANNA, "finish_inventory")
    await bot.click(ANNA, "close")
    await bot.say(ANNA, "start")  # a new session in the same chat
    answer = await bot.click(ANNA, "choose_answerer", card=first_session_card)
    assert "Dat gesprek is al afgelopen" in text_of(answer)
    assert (await bot.session()).phase.value == "setup"


# ---------------------------------------------------------------------- the connector


async def test_throttling_and_gateway_errors_are_retried(bot: Bot) -> None:
    await start_round(bot)
    bot.connector.fail_next(2, status=429, retry_after=0.1, method="PUT")
    bot.connector.fail_next(1, status=502, method="POST")
    await bot.click(ANNA, "choose_answerer")
    answerer = (await bot.session()).current.answerer_id  # type: ignore[union-attr]
    assert bot.connector.mentions()[-1]["mentioned"]["id"] == answerer
    assert "is aan de beurt" in text_of(await bot.live_card())


async def test_a_slow_connector_does_not_hold_up_the_answer(bot: Bot) -> None:
    await start_round(bot)
    bot.connector.delay_next(3, 3.0)
    loop = asyncio.get_running_loop()
    started = loop.time()
    status, answer = await bot.post(await click_activity(bot, ANNA, "choose_answerer"))
    answered_after = loop.time() - started
    assert status == 200 and "is aan de beurt" in text_of(answer["value"])
    # The clicker's card comes back at once; the connector's 3 s delay is the outbox's.
    assert answered_after < 3.0
    await bot.settle()


# ---------------------------------------------------------------------- the meeting


async def test_people_joining_and_leaving_the_meeting(bot: Bot) -> None:
    await start_round(bot)
    fleur = type(ANNA).named("Fleur Mulder")
    await bot.post(bot.chat.participants_join([fleur]))
    await bot.post(bot.chat.participants_leave([BRAM]))
    await bot.settle()
    session = await bot.session()
    assert fleur.id in session.candidates()
    assert BRAM.id not in session.candidates()
    assert "Fleur Mulder" in json.dumps(await bot.live_card(), ensure_ascii=False)


async def test_the_end_of_the_meeting_moves_the_session_on(bot: Bot) -> None:
    await start_round(bot)
    status, _ = await bot.post(bot.chat.meeting_end())
    assert status == 200
    await bot.settle()
    assert (await bot.session()).phase.value == "inventory"
    assert "Inventariseren" in text_of(await bot.live_card())
    assert "De vergadering is afgelopen" in bot.connector.sent()[-1].body["text"]


async def test_the_answerer_gets_an_in_meeting_notification(bot: Bot) -> None:
    await start_round(bot)
    await bot.click(ANNA, "choose_answerer")
    session = await bot.session()
    [notification] = bot.connector.notifications()
    assert notification["type"] == "targetedMeetingNotification"
    assert notification["value"]["recipients"] == [session.current.answerer_id]  # type: ignore[union-attr]
    [surface] = notification["value"]["surfaces"]
    url = surface["content"]["value"]["url"]
    assert url.startswith("https://goedgesprek.example.nl/beurt/nl/")
    async with bot.http.get(bot.url + url.removeprefix("https://goedgesprek.example.nl")) as page:
        assert page.status == 200
        assert "Jij bent aan de beurt" in await page.text()


async def test_a_room_guest_is_called_by_name(bot: Bot) -> None:
    await bot.say(ANNA, "start")
    await bot.click(ANNA, "add_guest", guest_name="Gert van Dam")
    await bot.click(ANNA, "begin")
    card = await bot.live_card()
    gert = next(
        c["value"]
        for e in _choice_sets(card, "answerer")
        for c in e
        if c["title"].startswith("Gert")
    )
    await bot.click(ANNA, "choose_answerer", answerer=gert)
    assert (
        "Gert van Dam (in de zaal), jij bent aan de beurt" in bot.connector.sent()[-1].body["text"]
    )
    await bot.click(ANNA, "next_card")  # Anna acts for Gert
    assert (await bot.session()).current.asker_id == "guest:1"  # type: ignore[union-attr]


def _choice_sets(card: dict[str, Any], input_id: str) -> list[list[dict[str, Any]]]:
    return [e["choices"] for e in walk(card) if e.get("id") == input_id]


async def test_invitees_who_are_not_in_the_call_are_not_suggested_until_they_join(
    bot: Bot,
) -> None:
    bot.connector.set_in_meeting(bot.chat.meeting_id, EVA, False)
    await bot.say(ANNA, "start")
    session = await bot.session()
    eva = session.participant(EVA.id)
    assert eva is not None and eva.taking_part and not eva.present
    await bot.click(ANNA, "begin")
    assert EVA.id not in (await bot.session()).candidates()
    await bot.post(bot.chat.participants_join([EVA]))
    await bot.settle()
    assert EVA.id in (await bot.session()).candidates()


async def test_a_roster_that_could_not_be_fetched_is_fetched_on_the_next_start(bot: Bot) -> None:
    bot.connector.fail_next(1, status=500, path_contains="embers")
    await bot.say(ANNA, "start")
    assert [p.id for p in (await bot.session()).participants] == [ANNA.id]
    await bot.say(ANNA, "start")
    assert len((await bot.session()).participants) == 5

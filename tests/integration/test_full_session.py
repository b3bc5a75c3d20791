"""Five colleagues play the werkvorm from welcome to summary through card clicks only."""

from __future__ import annotations

from tests.cardschema import schema_errors
from tests.integration.conftest import (
    ANNA,
    BRAM,
    CHRIS,
    TEAM,
    Bot,
    choice_value,
    text_of,
)


async def test_five_colleagues_play_a_whole_session(bot: Bot) -> None:
    # Anna adds the app to the meeting chat: the welcome card.
    status, _ = await bot.post(bot.chat.bot_added(ANNA))
    assert status == 200
    await bot.settle()
    [welcome] = bot.connector.chat(bot.chat.conversation_id)
    assert "Een goed gesprek over samenwerking" in text_of(welcome["attachments"][0]["content"])
    assert all(request.bearer for request in bot.connector.sent())

    # Start on the welcome card: that message becomes the live card; the roster follows.
    answer = await bot.post(bot.chat.card_action("start", {"verb": "start"}, ANNA, welcome["id"]))
    assert answer[0] == 200
    await bot.settle()
    session = await bot.session()
    assert session.live_card_id == welcome["id"]
    assert [p.name for p in session.participants] == [u.name for u in TEAM]
    setup = await bot.live_card()
    assert "Voorbereiden" in text_of(setup)

    # Only the facilitator begins; Bram is told so, and nothing changes.
    version = await bot.version()
    refused = await bot.click(BRAM, "begin")
    assert "Dat kan alleen de facilitator." in text_of(refused)
    assert await bot.version() == version

    await bot.click(ANNA, "begin", card_count="5", minutes_per_card="3")
    card = await bot.live_card()
    assert "Kaart 1 van 5" in text_of(card)

    asked: list[tuple[str, str]] = []
    for number in range(1, 6):
        session = await bot.session()
        assert session.current is not None and session.current.number == number
        asker = next(u for u in TEAM if u.id == session.current.asker_id)
        suggested = session.suggested_answerer()
        answerer = next(u for u in TEAM if u.id == suggested)

        # Someone else may not choose for the asker.
        bystander = next(u for u in TEAM if u not in (asker, answerer, ANNA))
        refused = await bot.click(bystander, "choose_answerer")
        assert "niet jouw beurt" in text_of(refused)

        mentions_before = len(bot.connector.mentions())
        card = await bot.click(asker, "choose_answerer")
        assert f"{answerer.name} is aan de beurt" in text_of(card)
        [mention] = bot.connector.mentions()[mentions_before:]
        assert mention["mentioned"]["id"] == answerer.id
        assert mention["text"] == f"<at>{answerer.name}</at>"
        message = bot.connector.sent()[-1].body
        assert message["text"].startswith(f"<at>{answerer.name}</at>, jij bent aan de beurt: ")

        # The live card was updated in place for everyone.
        assert f"{answerer.name} is aan de beurt" in text_of(await bot.live_card())

        # Only the answerer (or Anna) moves on.
        if bystander is not ANNA:
            refused = await bot.click(bystander, "next_card")
            assert "niet jouw beurt" in text_of(refused)
        await bot.click(answerer, "next_card")
        asked.append((asker.name, answerer.name))

    session = await bot.session()
    assert session.phase.value == "inventory"
    assert [(t.asker_id, t.answerer_id) for t in session.history] == [
        (next(u.id for u in TEAM if u.name == a), next(u.id for u in TEAM if u.name == b))
        for a, b in asked
    ]
    assert all(asker != answerer for asker, answerer in asked)
    # Each answerer asked the next card, and with five cards everyone had a turn.
    assert [a for a, _ in asked[1:]] == [b for _, b in asked[:-1]]
    assert sorted(b for _, b in asked) == sorted(u.name for u in TEAM)
    inventory = await bot.live_card()
    assert "5 kaarten besproken, 5 van 5 deelnemers aan bod geweest." in text_of(inventory)

    await bot.click(ANNA, "finish_inventory")
    agreements = await bot.live_card()
    chris = choice_value(agreements, "with_whom", "Chris")
    await bot.click(
        BRAM, "propose_agreement", with_whom=chris, emails="extern@waterschap.nl",
        why="Rolverdeling bespreken", window_days="14", duration_minutes="30",
    )  # fmt: skip
    agreements = await bot.live_card()
    assert "Bram Jansen met Chris Bakker, extern@waterschap.nl: Rolverdeling bespreken" in text_of(
        agreements
    )
    await bot.click(CHRIS, "confirm_agreement", agreement="agreement:1")  # not Chris's
    assert (await bot.session()).agreements[0].status.value == "proposed"
    await bot.click(BRAM, "confirm_agreement", agreement="agreement:1")
    assert (await bot.session()).agreements[0].status.value == "confirmed"

    summary = await bot.click(ANNA, "close")
    assert "Samenvatting" in text_of(summary)
    for asker_name, answerer_name in asked:
        assert f"{asker_name} vroeg {answerer_name}" in text_of(summary)
    assert text_of(await bot.live_card()) == text_of(summary)

    # Every card anyone saw on the way was valid Adaptive Card 1.5.
    for response in bot.responses:
        assert schema_errors(response) == []

"""The content files: complete, word for word from the seed, and loud when broken."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from assistant.content import CONTENT_DIR, Content, ContentError, load_content
from assistant.domain import NotAllowed, Phase, Refusal

SEED = Path(__file__).resolve().parents[3] / "shared" / "seed" / "000_f52cb24c7360f6e3.txt"


def _normalised(text: str) -> str:
    """The seed's PDF text as running prose: words broken at a line end joined again,
    bullets dropped, all whitespace single spaces."""
    joined = re.sub(r"(\w)-[ \t]*\n\s*(\w)", r"\1\2", text)
    return " ".join(joined.replace("\uf0a7", " ").split())


@pytest.fixture(scope="module")
def seed() -> str:
    if not SEED.exists():
        pytest.fail(f"the seed text is missing at {SEED}")
    return _normalised(SEED.read_text(encoding="utf-8"))


def test_the_deck_has_sixteen_complete_unique_cards(content: Content) -> None:
    for language in ("nl", "en"):
        deck = content.deck(language)
        assert len(deck.cards) == 16
        assert len({card.id for card in deck.cards}) == 16
        assert len({card.question for card in deck.cards}) == 16
        for card in deck.cards:
            assert card.statement.strip() and card.question.strip()
            assert card.prompts and all(prompt.strip() for prompt in card.prompts)


def test_every_dutch_card_text_occurs_in_the_seed(content: Content, seed: str) -> None:
    missing = [
        (card.id, text)
        for card in content.deck("nl").cards
        for text in (card.statement, card.question, *card.prompts)
        if text not in seed
    ]
    assert missing == []


def test_the_cards_follow_the_seed_sheet_by_sheet(content: Content, seed: str) -> None:
    """Question i and Hulpvragen block i of a sheet are one card: ordering the cards by
    where their question stands must order them by the block their prompts stand in, and
    all of a card's prompts stand in one block, in order."""
    blocks = seed.split("Hulpvragen")[1:]
    block_of: dict[str, int] = {}
    for card in content.deck("nl").cards:
        [block] = [i for i, text in enumerate(blocks) if card.prompts[0] in text]
        positions = [blocks[block].find(prompt) for prompt in card.prompts]
        assert -1 not in positions and positions == sorted(positions), card.id
        block_of[card.id] = block
    by_question = sorted(
        block_of, key=lambda card_id: seed.index(content.deck("nl").card(card_id).question)
    )
    assert by_question == sorted(block_of, key=block_of.__getitem__)


def test_every_dutch_werkvorm_text_occurs_in_the_seed(content: Content, seed: str) -> None:
    texts = content.texts("nl")
    sections = (texts.introduction, texts.composition, texts.audience, texts.usage)
    form = texts.form
    shown = [
        texts.title,
        *(section.heading for section in sections),
        *(paragraph for section in sections for paragraph in section.paragraphs),
        texts.preparation.heading,
        *texts.preparation.steps,
        texts.execution.heading,
        *texts.execution.steps,
        form.title,
        form.introduction,
        form.insights,
        form.intentions,
        form.appointment,
    ]
    assert [text for text in shown if text not in seed] == []


def test_the_form_asks_the_seeds_three_questions(content: Content) -> None:
    form = content.texts("nl").form
    assert (form.insights, form.intentions, form.appointment) == (
        "Mijn inzichten over samenwerking",
        "Mijn goede voornemens om zelf in de praktijk te brengen",
        "Met wie (intern / extern) maak jij een afspraak om de samenwerking te bespreken? Waarom?",
    )


def test_the_english_deck_translates_the_same_cards(content: Content) -> None:
    dutch, english = content.deck("nl"), content.deck("en")
    assert english.card_ids == dutch.card_ids
    for nl_card, en_card in zip(dutch.cards, english.cards, strict=True):
        assert len(en_card.prompts) == len(nl_card.prompts)
        assert en_card.question != nl_card.question


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("reason", list(Refusal))
def test_every_refusal_reads_in_both_languages(
    content: Content, language: str, reason: Refusal
) -> None:
    error = NotAllowed("command", "round", reason, name="Sanne", min=2, max=16, phase="round")
    text = content.says(language).refusal(error)
    assert text and "{" not in text


def test_a_phase_in_a_refusal_is_named_in_the_users_language(content: Content) -> None:
    error = NotAllowed("begin", "round", Refusal.WRONG_PHASE, phase=Phase.ROUND.value)
    assert content.says("nl").refusal(error) == "Dat kan nu niet tijdens de gespreksronde."
    assert (
        content.says("en").refusal(error) == "That is not possible during the round of questions."
    )


@pytest.mark.parametrize(
    ("locale", "language"),
    [("en-US", "en"), ("en-GB", "en"), ("nl-NL", "nl"), ("de-DE", "nl"), (None, "nl"), ("", "nl")],
)
def test_the_teams_locale_picks_the_language(locale: str | None, language: str) -> None:
    assert Content.language(locale) == language


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, target)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_an_empty_question_names_the_file_the_card_and_the_field(content_copy: Path) -> None:
    deck_file = content_copy / "decks" / "samenwerking.nl.yaml"
    _edit(deck_file, "question: Hoe organiseer jij intern je kaders?", 'question: ""')
    with pytest.raises(ContentError) as caught:
        load_content(content_copy)
    message = str(caught.value)
    assert "samenwerking.nl.yaml" in message
    assert "cards[3] (id 'kaders').question" in message


def test_a_missing_card_is_refused(content_copy: Path) -> None:
    deck_file = content_copy / "decks" / "samenwerking.en.yaml"
    text = deck_file.read_text(encoding="utf-8")
    start = text.index("  - id: onderhoud")
    end = text.index("  - id: transparantie")
    deck_file.write_text(text[:start] + text[end:], encoding="utf-8")
    with pytest.raises(ContentError, match=r"samenwerking\.en\.yaml: cards: .*16"):
        load_content(content_copy)


def test_a_translation_with_another_card_order_is_refused(content_copy: Path) -> None:
    deck_file = content_copy / "decks" / "samenwerking.en.yaml"
    _edit(deck_file, "id: mandaat", "id: mandaat-x")
    with pytest.raises(ContentError, match="differ in ids or order"):
        load_content(content_copy)


def test_a_missing_refusal_text_is_refused(content_copy: Path) -> None:
    _edit(content_copy / "messages.en.yaml", "  last_card:", "  # last_card:")
    with pytest.raises(
        ContentError, match=r"messages\.en\.yaml: .*refusals misses \['last_card'\]"
    ):
        load_content(content_copy)


def test_an_unknown_field_is_refused(content_copy: Path) -> None:
    _edit(content_copy / "werkvorm.nl.yaml", "form:\n", "form:\n  footer: extra\n")
    with pytest.raises(ContentError, match=r"werkvorm\.nl\.yaml: form\.footer: Extra inputs"):
        load_content(content_copy)


def test_broken_yaml_is_refused(content_copy: Path) -> None:
    (content_copy / "messages.nl.yaml").write_text("refusals: [unclosed\n", encoding="utf-8")
    with pytest.raises(ContentError, match=r"messages\.nl\.yaml: not valid YAML"):
        load_content(content_copy)

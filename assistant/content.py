"""Loads content/ (the deck, the werkvorm texts, the app's messages) once, at startup.

Every file is validated by a pydantic model; a broken file stops the app with the file,
the card and the field named, instead of showing a half-empty card in a meeting.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Self, TypeVar

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from assistant.domain import Deck, NotAllowed, Phase, QuestionCard, Refusal

CONTENT_DIR = Path(__file__).resolve().parent.parent / "content"
LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"
DECK_ID = "samenwerking"
DECK_SIZE = 16
"""The werkvorm is "een set van 16 kaartjes"."""

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
CardId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]


class ContentError(ValueError):
    """A content file that is missing, unreadable or invalid; the message names the place."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _LanguageFile(_Strict):
    """A content file for one language; the file name says which, and so must the file."""

    language: Text


class CardFile(_Strict):
    id: CardId
    statement: Text
    question: Text
    prompts: Annotated[list[Text], Field(min_length=1)]


class DeckFile(_LanguageFile):
    deck: CardId
    title: Text
    cards: Annotated[list[CardFile], Field(min_length=DECK_SIZE, max_length=DECK_SIZE)]

    @model_validator(mode="after")
    def _unique(self) -> Self:
        for attribute in ("id", "question"):
            values = [getattr(card, attribute) for card in self.cards]
            duplicates = sorted({value for value in values if values.count(value) > 1})
            if duplicates:
                raise ValueError(f"cards share the same {attribute}: {duplicates}")
        return self

    def to_deck(self) -> Deck:
        return Deck(
            id=self.deck,
            language=self.language,
            title=self.title,
            cards=tuple(
                QuestionCard(c.id, c.statement, c.question, tuple(c.prompts)) for c in self.cards
            ),
        )


class Section(_Strict):
    heading: Text
    paragraphs: Annotated[list[Text], Field(min_length=1)]


class Steps(_Strict):
    heading: Text
    steps: Annotated[list[Text], Field(min_length=1)]


class FormTexts(_Strict):
    """The form "Inzichten en Goede Voornemens": title, introduction, three questions."""

    title: Text
    introduction: Text
    insights: Text
    intentions: Text
    appointment: Text


class WerkvormTexts(_LanguageFile):
    """The werkvorm's own texts that the app shows (welcome, instructions, form)."""

    title: Text
    introduction: Section
    composition: Section
    audience: Section
    usage: Section
    preparation: Steps
    execution: Steps
    form: FormTexts


class Messages(_LanguageFile):
    """What the app says in one language: a text for every refusal and every phase."""

    phases: dict[Phase, Text]
    refusals: dict[Refusal, Text]
    ui: dict[str, Text]
    """Labels and sentences of the cards; ``{name}`` fields are filled in by the app."""
    commands: dict[str, Text]
    """What each typed command does, for the app manifest's command list."""

    @model_validator(mode="after")
    def _complete(self) -> Self:
        for name, table, keys in (
            ("phases", self.phases, Phase),
            ("refusals", self.refusals, Refusal),
        ):
            missing = [key.value for key in keys if key not in table]
            if missing:
                raise ValueError(f"{name} misses {missing}")
        for reason, text in self.refusals.items():
            fields = {name for _, name, _, _ in string.Formatter().parse(text) if name}
            unknown = fields - {"name", "min", "max", "phase"}
            if unknown:
                raise ValueError(f"refusals.{reason.value} uses unknown fields {sorted(unknown)}")
        return self

    def refusal(self, error: NotAllowed) -> str:
        """The refusal in words, placeholders filled (a phase by its name in this language)."""
        params: dict[str, Any] = {"name": "", "min": "", "max": "", **error.params}
        if "phase" in params:
            params["phase"] = self.phases[Phase(params["phase"])]
        return self.refusals[error.reason].format(**params)


@dataclass(frozen=True)
class Content:
    """All content, per language. Unknown languages fall back to Dutch."""

    decks: dict[str, Deck]
    werkvorm: dict[str, WerkvormTexts]
    messages: dict[str, Messages]

    def __post_init__(self) -> None:
        """Every language must say everything the default language says."""
        expected = set(self.messages[DEFAULT_LANGUAGE].ui)
        for language, messages in self.messages.items():
            missing = sorted(expected - set(messages.ui))
            extra = sorted(set(messages.ui) - expected)
            if missing or extra:
                raise ContentError(
                    f"messages.{language}.yaml: ui misses {missing}, has extra {extra}"
                )

    @staticmethod
    def language(locale: str | None) -> str:
        """The content language for a Teams locale such as "en-US" or "nl-NL"."""
        prefix = (locale or "").split("-")[0].lower()
        return prefix if prefix in LANGUAGES else DEFAULT_LANGUAGE

    def deck(self, language: str) -> Deck:
        return self.decks.get(language, self.decks[DEFAULT_LANGUAGE])

    def texts(self, language: str) -> WerkvormTexts:
        return self.werkvorm.get(language, self.werkvorm[DEFAULT_LANGUAGE])

    def says(self, language: str) -> Messages:
        return self.messages.get(language, self.messages[DEFAULT_LANGUAGE])


LanguageFileT = TypeVar("LanguageFileT", bound=_LanguageFile)


def _read_yaml(path: Path) -> object:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ContentError(f"{path}: cannot read: {error}") from error
    except yaml.YAMLError as error:
        raise ContentError(f"{path}: not valid YAML: {error}") from error


def _where(location: tuple[int | str, ...], document: object) -> str:
    """A readable place for an error, naming the card's id where there is one:
    ``cards[3] (id 'kaders').question``."""
    parts: list[str] = []
    node = document
    for step in location:
        if isinstance(step, int):
            parts[-1] = f"{parts[-1]}[{step}]" if parts else f"[{step}]"
            if isinstance(node, list) and step < len(node):
                node = node[step]
                if isinstance(node, dict) and "id" in node:
                    parts[-1] += f" (id {node['id']!r})"
            continue
        parts.append(str(step))
        node = node.get(step) if isinstance(node, dict) else None
    return ".".join(parts) or "(file)"


def _load(model: type[LanguageFileT], path: Path, language: str) -> LanguageFileT:
    document = _read_yaml(path)
    try:
        loaded = model.model_validate(document)
    except ValidationError as error:
        problems = "; ".join(f"{_where(e['loc'], document)}: {e['msg']}" for e in error.errors())
        raise ContentError(f"{path}: {problems}") from error
    if loaded.language != language:
        raise ContentError(
            f"{path}: language: says {loaded.language!r}, file name says {language!r}"
        )
    return loaded


def load_content(root: Path = CONTENT_DIR) -> Content:
    """Read and validate every content file; raises ContentError naming what is wrong."""
    decks: dict[str, Deck] = {}
    for language in LANGUAGES:
        path = root / "decks" / f"{DECK_ID}.{language}.yaml"
        decks[language] = _load(DeckFile, path, language).to_deck()
    original = decks[DEFAULT_LANGUAGE]
    for language, deck in decks.items():
        if deck.card_ids != original.card_ids:
            raise ContentError(f"{root / 'decks'}: {language} cards differ in ids or order from nl")
        for card, source in zip(deck.cards, original.cards, strict=True):
            if len(card.prompts) != len(source.prompts):
                raise ContentError(
                    f"{root / 'decks' / f'{DECK_ID}.{language}.yaml'}: card {card.id!r}: "
                    f"{len(card.prompts)} prompts, the Dutch original has {len(source.prompts)}"
                )
    return Content(
        decks=decks,
        werkvorm={
            lang: _load(WerkvormTexts, root / f"werkvorm.{lang}.yaml", lang) for lang in LANGUAGES
        },
        messages={
            lang: _load(Messages, root / f"messages.{lang}.yaml", lang) for lang in LANGUAGES
        },
    )

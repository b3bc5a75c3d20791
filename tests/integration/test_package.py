"""The Teams app package: built from the template, valid against Microsoft's own schemas
(bundled in the npm package @microsoft/app-manifest, picked by manifestVersion)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import zipfile
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr

from assistant.app import create_app
from assistant.content import Content
from assistant.package import MANIFEST_DIR, PackageError, build_package, teams_app_id
from assistant.settings import Settings
from assistant.teams.actions import TYPED_COMMANDS

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "node_modules" / "@microsoft" / "app-manifest" / "build" / "json-schemas" / "teams"
BOT_ID = "3d32493c-9d0f-435a-b610-e9897c3c3224"

pytestmark = pytest.mark.skipif(
    not SCHEMAS.exists(), reason="npm packages are not installed (npm ci)"
)


def settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "bot_app_id": BOT_ID,
        "bot_app_secret": SecretStr("x"),
        "public_url": "https://goedgesprek.gemeente.example.nl/",
        "privacy_url": "https://gemeente.example.nl/privacy",
        "terms_url": "https://gemeente.example.nl/voorwaarden",
        "developer_name": "Gemeente Voorbeeld",
        "developer_url": "https://gemeente.example.nl/goed-gesprek",
        "app_version": "1.2.3",
        **overrides,
    }
    return Settings(**values)


@cache
def validator(version: str, kind: str) -> jsonschema.Draft7Validator:
    """Microsoft's schema for this manifest version. It says draft-04 but uses draft-06+
    keywords such as ``const``; Microsoft's own validator (ajv) reads it as draft-07."""
    schema = json.loads((SCHEMAS / f"v{version}" / f"MicrosoftTeams.{kind}schema.json").read_text())
    return jsonschema.Draft7Validator(schema)


def manifest_errors(manifest: dict[str, Any]) -> list[str]:
    version = str(manifest.get("manifestVersion"))
    if not (SCHEMAS / f"v{version}").exists():
        return [f"no schema for manifestVersion {version!r}"]
    return [
        f"{list(e.absolute_path)}: {e.message[:160]}"
        for e in validator(version, "").iter_errors(manifest)
    ]


def localization_errors(manifest: dict[str, Any], localization: dict[str, Any]) -> list[str]:
    errors = validator(str(manifest["manifestVersion"]), "Localization.").iter_errors(localization)
    return [f"{list(e.absolute_path)}: {e.message[:160]}" for e in errors]


@pytest.fixture
def built(tmp_path: Path, content: Content) -> tuple[Path, dict[str, Any], dict[str, Any]]:
    package = build_package(settings(), content, tmp_path / "goedgesprek.zip")
    with zipfile.ZipFile(package.path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        english = json.loads(archive.read("en.json"))
    return package.path, manifest, english


def test_the_package_holds_exactly_what_teams_needs(
    built: tuple[Path, dict[str, Any], dict[str, Any]],
) -> None:
    path, _, _ = built
    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == [
            "color.png",
            "en.json",
            "manifest.json",
            "outline.png",
        ]
        for name in archive.namelist():
            assert "{{" not in archive.read(name).decode("utf-8", "replace"), name


def test_the_manifest_and_its_translation_are_valid(
    built: tuple[Path, dict[str, Any], dict[str, Any]],
) -> None:
    _, manifest, english = built
    assert manifest["manifestVersion"] >= "1.22"
    assert manifest_errors(manifest) == []
    assert localization_errors(manifest, english) == []


def test_the_manifest_says_what_the_bot_does(
    built: tuple[Path, dict[str, Any], dict[str, Any]],
) -> None:
    _, manifest, english = built
    [bot] = manifest["bots"]
    assert bot["botId"] == BOT_ID
    assert set(bot["scopes"]) == {"groupChat", "team", "personal"}
    [commands] = bot["commandLists"]
    assert [c["title"] for c in commands["commands"]] == [c.name for c in TYPED_COMMANDS]
    assert english["bots[0].commandLists[0].commands[1].description"].startswith("Whoever answered")
    assert manifest["id"] == teams_app_id(BOT_ID)
    assert manifest["version"] == "1.2.3"
    assert manifest["validDomains"] == ["goedgesprek.gemeente.example.nl"]
    assert manifest["webApplicationInfo"] == {
        "id": BOT_ID,
        "resource": f"api://goedgesprek.gemeente.example.nl/{BOT_ID}",
    }
    permissions = {p["name"] for p in manifest["authorization"]["permissions"]["resourceSpecific"]}
    assert permissions == {
        "OnlineMeeting.ReadBasic.Chat",
        "OnlineMeetingParticipant.Read.Chat",
        "OnlineMeetingNotification.Send.Chat",
        "ChatMember.Read.Chat",
    }
    [tab] = manifest["configurableTabs"]
    assert {"meetingChatTab", "meetingSidePanel"} <= set(tab["context"])
    assert tab["configurationUrl"] == "https://goedgesprek.gemeente.example.nl/tab/configure"
    assert manifest["localizationInfo"]["defaultLanguageTag"] == "nl-nl"


@pytest.mark.parametrize(
    ("breakage", "finds"),
    [
        (lambda m: m["bots"][0].update(botId="not-a-guid"), "botId"),
        (lambda m: m.pop("developer"), "developer"),
        (lambda m: m["name"].update(short="x" * 31), "short"),
        (
            lambda m: m["bots"][0]["commandLists"][0]["commands"].append({"title": "x"}),
            "description",
        ),
        (lambda m: m.update(manifestVersion="1.99"), "no schema"),
        (lambda m: m["configurableTabs"][0].update(context=["stageView"]), "context"),
    ],
)
def test_the_validation_catches_a_broken_manifest(
    built: tuple[Path, dict[str, Any], dict[str, Any]], breakage: Any, finds: str
) -> None:
    _, manifest, _ = built
    breakage(manifest)
    errors = manifest_errors(manifest)
    assert errors and any(finds in error for error in errors), errors


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"privacy_url": None}, "GOEDGESPREK_PRIVACY_URL"),
        (
            {"developer_name": None, "terms_url": None},
            "GOEDGESPREK_TERMS_URL, GOEDGESPREK_DEVELOPER_NAME",
        ),
        ({"public_url": None}, "GOEDGESPREK_PUBLIC_URL"),
        ({"public_url": "http://insecure.example.nl"}, "GOEDGESPREK_PUBLIC_URL must be an https"),
    ],
)
def test_a_missing_setting_is_named_and_nothing_is_written(
    tmp_path: Path, content: Content, overrides: dict[str, Any], named: str
) -> None:
    output = tmp_path / "goedgesprek.zip"
    with pytest.raises(PackageError, match=re.escape(named)):
        build_package(settings(**overrides), content, output)
    assert not output.exists()


def test_a_placeholder_nobody_fills_stops_the_build(tmp_path: Path, content: Content) -> None:
    source = tmp_path / "manifest"
    shutil.copytree(MANIFEST_DIR, source)
    template = source / "manifest.json"
    template.write_text(template.read_text().replace('Goed Gesprek"', '{{APP_NAME}}"', 1))
    with pytest.raises(PackageError, match=r"unknown placeholder \{\{APP_NAME\}\}"):
        build_package(settings(), content, tmp_path / "out.zip", source=source)


def test_make_package_builds_from_the_environment(tmp_path: Path) -> None:
    """The command line an admin runs (python -m assistant package, what make package runs)."""
    env = {
        "PATH": "/usr/bin:/bin",
        "GOEDGESPREK_BOT_APP_ID": BOT_ID,
        "GOEDGESPREK_PUBLIC_URL": "https://goedgesprek.example.nl",
        "GOEDGESPREK_PRIVACY_URL": "https://example.nl/privacy",
        "GOEDGESPREK_TERMS_URL": "https://example.nl/terms",
        "GOEDGESPREK_DEVELOPER_NAME": "Gemeente Voorbeeld",
        "GOEDGESPREK_DEVELOPER_URL": "https://example.nl",
    }
    output = tmp_path / "pkg.zip"
    done = subprocess.run(
        [sys.executable, "-m", "assistant", "package", "--output", str(output)],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert f"Built {output}" in done.stdout
    missing = subprocess.run(
        [sys.executable, "-m", "assistant", "package", "--output", str(tmp_path / "no.zip")],
        cwd=tmp_path, env={**env, "GOEDGESPREK_TERMS_URL": ""}, capture_output=True, text=True,
        check=False,
    )  # fmt: skip
    assert missing.returncode == 2
    assert "GOEDGESPREK_TERMS_URL" in missing.stderr
    assert not (tmp_path / "no.zip").exists()


async def test_the_tab_pages_the_manifest_points_to_exist(tmp_path: Path) -> None:
    app = create_app(Settings(dev_mode=True, database_url=f"sqlite:///{tmp_path / 'tab.sqlite3'}"))
    async with TestClient(TestServer(app)) as client:
        configure = await client.get("/tab/configure")
        assert configure.status == 200
        page = await configure.text()
        assert "pages.config.setConfig" in page and "/tab/panel" in page
        panel = await client.get("/tab/panel?lang=en")
        assert panel.status == 200
        assert "A good conversation about collaboration" in await panel.text()

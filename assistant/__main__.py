"""Command line: ``python -m assistant run`` starts the app with settings from the
environment and .env (see .env.example)."""

from __future__ import annotations

import argparse
import logging
import sys
import warnings
from pathlib import Path

# The Teams SDK announces its preview features on import; that is not for our users' eyes.
warnings.filterwarnings("ignore", message=r".* is in preview", category=FutureWarning)

from aiohttp import web  # noqa: E402
from pydantic import ValidationError  # noqa: E402

from assistant.app import create_app  # noqa: E402
from assistant.content import load_content  # noqa: E402
from assistant.package import PackageError, build_package  # noqa: E402
from assistant.playground import GROUP_CHAT, Playground, PlaygroundError  # noqa: E402
from assistant.settings import Settings  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m assistant", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="start the bot")
    run.add_argument(
        "--dev", action="store_true", help="local use: accept unauthenticated requests"
    )
    run.add_argument("--log-level", default="INFO")
    local = commands.add_parser(
        "local", help="dev mode plus the Microsoft 365 Agents Playground (what `make run` runs)"
    )
    local.add_argument("--log-level", default="INFO")
    package = commands.add_parser("package", help="build the Teams app package (zip)")
    package.add_argument("--output", type=Path, default=Path("build/goedgesprek.zip"))
    package.add_argument("--log-level", default="WARNING")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if args.command == "package":
        return _package(args.output)
    dev = args.command == "local" or args.dev
    try:
        settings = Settings(dev_mode=True) if dev else Settings()
    except ValidationError as error:
        print(f"Goed Gesprek cannot start: {error}", file=sys.stderr)
        return 2
    if args.command == "local":
        return _run_with_playground(settings)
    web.run_app(create_app(settings), host=settings.host, port=settings.port, print=None)
    return 0


def _package(output: Path) -> int:
    try:
        built = build_package(Settings(), load_content(), output)
    except (ValidationError, PackageError) as error:
        print(f"Cannot build the app package: {error}", file=sys.stderr)
        return 2
    manifest = built.manifest
    name, version, app_id = manifest["name"]["short"], manifest["version"], manifest["id"]
    print(f"Built {built.path}: {name} {version}, Teams app id {app_id}")
    return 0


def _run_with_playground(settings: Settings) -> int:
    endpoint = f"http://{settings.host}:{settings.port}/api/messages"
    try:
        playground = Playground.start(endpoint)
    except PlaygroundError as error:
        print(f"Goed Gesprek cannot start the Agents Playground: {error}", file=sys.stderr)
        return 2
    app = create_app(settings)

    async def tell_the_user(_: web.Application) -> None:
        print(
            f"\n  Goed Gesprek runs locally (dev mode, data in {settings.sqlite_path}).\n"
            f"  Open {playground.url}/ , choose the chat '{GROUP_CHAT}',\n"
            "  type @Goed Gesprek start (or click Start on the welcome card). Ctrl-C stops.\n",
            flush=True,
        )

    app.on_startup.append(tell_the_user)
    try:
        web.run_app(app, host=settings.host, port=settings.port, print=None)
    finally:
        playground.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

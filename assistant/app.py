"""The app factory: one aiohttp application with the bot, health and the turn page."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import jinja2
from aiohttp import web
from microsoft_teams.api.auth.cloud_environment import PUBLIC, CloudEnvironment, with_overrides
from microsoft_teams.apps import App
from opentelemetry import metrics
from opentelemetry.metrics import NoOpMeterProvider

from assistant.cards import CardRenderer
from assistant.content import Content, load_content
from assistant.service import SessionService
from assistant.settings import Settings
from assistant.store import SessionStore, SqliteSessionStore
from assistant.teams.adapter import AiohttpAdapter
from assistant.teams.bot import BotConfig, Clock, GoedGesprekBot
from assistant.teams.connector import TeamsConnector
from assistant.teams.outbox import Outbox

log = logging.getLogger(__name__)

PAGES_DIR = Path(__file__).resolve().parent.parent / "pages"

SETTINGS = web.AppKey("settings", Settings)
CONTENT = web.AppKey("content", Content)
STORE = web.AppKey("store", SessionStore)
OUTBOX = web.AppKey("outbox", Outbox)
TEAMS = web.AppKey("teams", App)


def cloud_for(settings: Settings) -> CloudEnvironment:
    """Microsoft's public cloud, with the login and OpenID endpoints overridable (tests)."""
    return with_overrides(
        PUBLIC,
        login_endpoint=settings.login_endpoint,
        openid_metadata_url=settings.openid_metadata_url,
    )


def create_app(settings: Settings, clock: Clock | None = None) -> web.Application:
    """Everything wired together; resources open at startup and close at cleanup."""
    # The SDK records metrics per activity; without a provider OpenTelemetry keeps every
    # meter it hands out and memory grows per activity (measured: ~3 KB each).
    metrics.set_meter_provider(NoOpMeterProvider())
    app = web.Application(client_max_size=settings.max_request_bytes)
    app[SETTINGS] = settings
    app[CONTENT] = load_content()
    app.router.add_get("/healthz", _healthz)
    app.router.add_get("/beurt/{language}/{card_id}", _turn_page)
    app.router.add_get("/tab/configure", _tab_page("tab_configure.html.j2"))
    app.router.add_get("/tab/panel", _tab_page("tab_panel.html.j2"))
    app.cleanup_ctx.append(_resources(clock or (lambda: datetime.now(UTC))))
    return app


def _resources(clock: Clock) -> Callable[[web.Application], AsyncIterator[None]]:
    async def resources(app: web.Application) -> AsyncIterator[None]:
        settings, content = app[SETTINGS], app[CONTENT]
        store = await SqliteSessionStore.open(settings.sqlite_path)
        outbox = Outbox()
        connector: TeamsConnector | None = None
        try:
            app[TEAMS], connector = await _teams_app(
                app, settings, content=content, store=store, outbox=outbox, clock=clock
            )
            app[STORE], app[OUTBOX] = store, outbox
            if settings.dev_mode:
                log.warning(
                    "DEV MODE: /api/messages accepts requests WITHOUT authentication."
                    " Use this only on your own machine with the Agents Playground."
                )
            log.info("Goed Gesprek is ready on http://%s:%d", settings.host, settings.port)
            yield
        finally:
            await outbox.close()
            if connector is not None:
                await connector.close()
            await store.close()

    return resources


async def _teams_app(
    app: web.Application,
    settings: Settings,
    *,
    content: Content,
    store: SessionStore,
    outbox: Outbox,
    clock: Clock,
) -> tuple[App, TeamsConnector]:
    """The Teams SDK app with our bot's handlers, its route on our aiohttp app, and the
    connector the bot sends with."""
    secret = settings.bot_app_secret.get_secret_value() if settings.bot_app_secret else None
    teams = App(
        client_id=settings.bot_app_id or None,
        client_secret=secret,
        tenant_id=settings.bot_tenant_id or None,
        http_server_adapter=AiohttpAdapter(
            app, settings.max_request_bytes, settings.allowed_tenants
        ),
        dangerously_allow_unauthenticated_requests=settings.dev_mode,
        cloud=cloud_for(settings),
        state=False,
        fetch_user_token=False,
    )
    connector = TeamsConnector(teams.http_client.clone(), teams.cloud, teams.token_provider)
    bot = GoedGesprekBot(
        BotConfig(settings.public_url),
        content,
        renderer=CardRenderer(content),
        sessions=SessionService(store),
        connector=connector,
        outbox=outbox,
        clock=clock,
    )
    bot.register(teams)
    await teams.initialize()
    return teams, connector


async def _healthz(request: web.Request) -> web.Response:
    """Up, and the database answers."""
    store = request.app.get(STORE)
    if store is None:
        return web.json_response({"status": "starting"}, status=503)
    try:
        await store.ping()
    except Exception as error:  # the database is what can fail here
        log.warning("health check: database: %s", error)
        return web.json_response({"status": "database unavailable"}, status=503)
    return web.json_response({"status": "ok"})


_pages = jinja2.Environment(
    loader=jinja2.FileSystemLoader(PAGES_DIR), autoescape=True, undefined=jinja2.StrictUndefined
)


async def _turn_page(request: web.Request) -> web.Response:
    """The page of an in-meeting notification: whose turn it is and the question."""
    content = request.app[CONTENT]
    language = Content.language(request.match_info["language"])
    deck = content.deck(language)
    try:
        card = deck.card(request.match_info["card_id"])
    except KeyError:
        raise web.HTTPNotFound(text="unknown card") from None
    ui = content.says(language).ui
    html = _pages.get_template("turn.html.j2").render(
        language=language,
        title=content.texts(language).title,
        heading=ui["turn_heading"],
        statement=card.statement,
        question=card.question,
    )
    return web.Response(text=html, content_type="text/html")


def _tab_page(template: str) -> Callable[[web.Request], Awaitable[web.Response]]:
    """The meeting tab (chat tab, side panel): its configuration page and its content,
    in the language Teams asks for (``?lang=en``), Dutch by default."""

    async def page(request: web.Request) -> web.Response:
        content = request.app[CONTENT]
        language = Content.language(request.query.get("lang"))
        texts = content.texts(language)
        html = _pages.get_template(template).render(
            language=language,
            title=texts.title,
            intro=texts.usage.paragraphs[0],
            preparation=texts.preparation,
            execution=texts.execution,
            commands_help=content.says(language).ui["help_commands"],
        )
        return web.Response(text=html, content_type="text/html")

    return page

"""Hosts the Teams SDK on our aiohttp application (the SDK's HttpServerAdapter protocol).

The SDK validates the token and the activity and calls our handlers; this adapter is the
one place that turns HTTP into the SDK's request and back, and so the one place that
guarantees a caller a clear 4xx instead of a 500: a body that is too large (413), not
JSON or not an object (400), or not an activity the SDK can read (400, with the reason).
It is also where the tenant allow-list applies (403), so that no handler has to.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from aiohttp import web
from microsoft_teams.api import ActivityTypeAdapter
from microsoft_teams.apps.http.adapter import HttpMethod, HttpRequest, HttpRouteHandler
from pydantic import ValidationError

log = logging.getLogger(__name__)


def _json_error(status: int, reason: str) -> web.Response:
    return web.json_response({"error": reason}, status=status)


class AiohttpAdapter:
    """HttpServerAdapter on an existing ``web.Application``; the app itself is run
    elsewhere (``create_app``), so start and stop are no-ops here."""

    def __init__(
        self,
        app: web.Application,
        max_body_bytes: int,
        allowed_tenants: frozenset[str] = frozenset(),
    ) -> None:
        self._app = app
        self._max_body_bytes = max_body_bytes
        self._allowed_tenants = allowed_tenants

    def register_route(self, method: HttpMethod, path: str, handler: HttpRouteHandler) -> None:
        async def route(request: web.Request) -> web.StreamResponse:
            return await self._handle(request, handler)

        self._app.router.add_route(method, path, route)

    def serve_static(self, path: str, directory: str) -> None:
        self._app.router.add_static(path, directory)

    async def start(self, port: int) -> None:
        """The application is started by ``python -m assistant run``, not by the SDK."""

    async def stop(self) -> None:
        """Stopped with the aiohttp application."""

    async def _handle(self, request: web.Request, handler: HttpRouteHandler) -> web.StreamResponse:
        if request.content_length is not None and request.content_length > self._max_body_bytes:
            return _json_error(413, f"request body larger than {self._max_body_bytes} bytes")
        try:
            raw = await request.content.read(self._max_body_bytes + 1)
        except (ConnectionError, web.HTTPException) as error:
            return _json_error(400, f"could not read the request body: {error}")
        if len(raw) > self._max_body_bytes:
            return _json_error(413, f"request body larger than {self._max_body_bytes} bytes")
        try:
            body: Any = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            return _json_error(400, f"request body is not JSON: {error}")
        if not isinstance(body, dict):
            return _json_error(400, "request body is not a JSON object")
        if self._allowed_tenants and _tenant_of(body) not in self._allowed_tenants:
            log.warning("refused an activity from tenant %r", _tenant_of(body)[:64])
            return _json_error(403, "this tenant may not use the app")
        headers = {key.lower(): value for key, value in request.headers.items()}
        result = await handler(HttpRequest(body=body, headers=headers))
        status, payload = result["status"], result["body"]
        if status == 500:
            reason = _unreadable_activity(body)
            if reason is not None:
                return _json_error(400, reason)
        if payload is None:
            return web.Response(status=status)
        return web.json_response(payload, status=status)


def _unreadable_activity(body: dict[str, Any]) -> str | None:
    """Why the SDK could not read this activity, or None if it could (then the 500 was a
    real fault and stays one). Checked only after a failure, to keep the happy path free."""
    try:
        ActivityTypeAdapter.validate_python(body)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        return f"not a valid activity: {where}: {first['msg']}"
    return None


def _tenant_of(body: dict[str, Any]) -> str:
    """The tenant an activity comes from, as Teams puts it in channelData (or, for some
    activities, only on the conversation); "" when it says none."""
    channel_data = body.get("channelData")
    tenant = channel_data.get("tenant") if isinstance(channel_data, dict) else None
    if isinstance(tenant, dict) and isinstance(tenant.get("id"), str):
        return str(tenant["id"])
    conversation = body.get("conversation")
    if isinstance(conversation, dict) and isinstance(conversation.get("tenantId"), str):
        return str(conversation["tenantId"])
    return ""

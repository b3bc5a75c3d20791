"""Settings from the environment and an optional .env file (see .env.example)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_DATABASE = "sqlite:///data/goedgesprek.sqlite3"


class Settings(BaseSettings):
    """Everything the app reads from its environment. Defaults are the embedded local
    setup: SQLite in ./data, no cloud credentials, so ``dev_mode`` must be switched on
    explicitly to accept unauthenticated requests."""

    model_config = SettingsConfigDict(
        env_prefix="GOEDGESPREK_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    bot_app_id: str = ""
    """The bot's Microsoft App ID (Entra app registration); the audience of inbound tokens."""
    bot_app_secret: SecretStr | None = None
    """Client secret for outbound calls to Teams (or use a certificate / managed identity)."""
    bot_tenant_id: str = ""
    """Tenant of a single-tenant bot registration."""
    allowed_tenants: Annotated[frozenset[str], NoDecode] = frozenset()
    """Comma-separated tenant ids that may use the app; empty means every tenant."""
    dev_mode: bool = False
    """Accept unauthenticated requests (local use with the Agents Playground only)."""
    database_url: str = DEFAULT_DATABASE
    """``sqlite:///relative/path.sqlite3`` or ``sqlite:////absolute/path``."""
    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=1, le=65535)] = 3978
    max_request_bytes: Annotated[int, Field(ge=1024)] = 256 * 1024
    """Larger request bodies are refused with 413 before they are parsed."""
    public_url: str | None = None
    """Where Teams reaches this app (https://…); needed for in-meeting notifications."""
    privacy_url: str | None = None
    """For the app package: the privacy statement (https)."""
    terms_url: str | None = None
    """For the app package: the terms of use (https)."""
    developer_name: str | None = None
    """For the app package: who publishes the app (at most 32 characters)."""
    developer_url: str | None = None
    """For the app package: the publisher's support page (https)."""
    app_version: str | None = None
    """For the app package: its version; the project's version when not set."""
    openid_metadata_url: str | None = None
    """Override of the Bot Framework OpenID metadata URL (tests point it at a fake)."""
    login_endpoint: str | None = None
    """Override of the Entra login endpoint (tests point it at a fake)."""

    @field_validator("allowed_tenants", mode="before")
    @classmethod
    def _split_tenants(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(part.strip() for part in value.split(",") if part.strip())
        return value

    @model_validator(mode="after")
    def _authenticated_unless_dev(self) -> Settings:
        if not self.dev_mode and not self.bot_app_id:
            raise ValueError(
                "GOEDGESPREK_BOT_APP_ID is required (or set GOEDGESPREK_DEV_MODE=true for local use"
                " without authentication)"
            )
        return self

    @property
    def sqlite_path(self) -> Path:
        """The SQLite file of ``database_url``."""
        prefix = "sqlite:///"
        if not self.database_url.startswith(prefix):
            raise ValueError(f"unsupported database URL {self.database_url!r}; use {prefix}...")
        return Path(self.database_url.removeprefix(prefix))

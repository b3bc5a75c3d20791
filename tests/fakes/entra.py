"""A fake Microsoft Entra ID / Bot Framework login service, served over https on 127.0.0.1.

It signs tokens with an RSA key it generates at start and publishes in its JWKS:

- *inbound*: tokens as Bot Framework sends them to a bot (``bot_token``), and bad ones on
  purpose (``sign``); the SDK validates them against ``cloud``;
- *outbound*: access tokens for the bot's client credentials, through the same endpoints
  MSAL uses (tenant OpenID configuration, token endpoint, instance discovery).

What the Teams SDK (2.1.1) reads from the ``CloudEnvironment``:

- inbound (``TokenValidator.for_service``): ``openid_metadata_url``, only to derive the JWKS
  URL by replacing ``/openidconfiguration`` with ``/keys`` (the document itself is never
  fetched), and ``token_issuer`` as the only valid issuer. Tokens whose ``iss`` starts with
  ``login_endpoint`` (or ``https://sts.windows.net/``) are taken as Agent 365 Entra tokens
  instead and checked against ``{login_endpoint}/{tid}/discovery/v2.0/keys``.
- outbound (``TokenManager``): MSAL authority ``{login_endpoint}/{tenant}``, tenant =
  credentials' tenant or ``login_tenant`` ("botframework.com"); scopes ``bot_scope`` and
  ``graph_scope``. ``BotTokenClient`` posts to ``{login_endpoint}/{tenant}/oauth2/v2.0/token``
  itself, without MSAL.

MSAL and a loopback authority: MSAL performs *instance discovery* at
``https://login.microsoftonline.com/common/discovery/instance`` for any authority host not in
``msal.authority.WELL_KNOWN_AUTHORITY_HOSTS`` -- a set of host *names* without port, so the
entry is ``"127.0.0.1"``, never ``"127.0.0.1:<port>"``. MSAL asks again (for "aliases")
after every failed token request, at ``https://<host>/common/discovery/instance`` without
the port. ``let_msal_use`` handles both; see there.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import jwt
import pytest
from aiohttp import web
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from microsoft_teams.api.auth.cloud_environment import PUBLIC, CloudEnvironment, with_overrides

from tests.fakes.tls import LOOPBACK, LoopbackServer, TlsFiles, make_tls

BOT_FRAMEWORK_ISSUER = "https://api.botframework.com"
BOT_FRAMEWORK_SCOPE = "https://api.botframework.com/.default"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_uint(value: int) -> str:
    return _b64url(value.to_bytes((value.bit_length() + 7) // 8, "big"))


def _json_segment(data: Mapping[str, Any]) -> str:
    return _b64url(json.dumps(data, separators=(",", ":")).encode("utf-8"))


@dataclass(frozen=True)
class _SigningKey:
    kid: str
    private_key: rsa.RSAPrivateKey

    @classmethod
    def generate(cls) -> _SigningKey:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        der = key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return cls(kid=_b64url(hashlib.sha256(der).digest())[:27], private_key=key)

    def jwk(self) -> dict[str, Any]:
        numbers = self.private_key.public_key().public_numbers()
        return {
            "kty": "RSA",
            "use": "sig",
            "kid": self.kid,
            "n": _b64url_uint(numbers.n),
            "e": _b64url_uint(numbers.e),
            "endorsements": ["msteams"],
        }


@dataclass(frozen=True)
class TokenRequest:
    """One request to the token endpoint."""

    tenant: str
    client_id: str | None
    scope: str | None
    grant_type: str | None
    form: dict[str, str]
    granted: bool


class FakeEntra(LoopbackServer):
    """Fake Entra ID + Bot Framework OpenID endpoints (https, 127.0.0.1, random port).

    ``clients`` maps client id to secret; when given, other ids or secrets are refused
    (401 ``invalid_client``), otherwise any client gets a token.
    """

    def __init__(
        self, *, tls: TlsFiles | None = None, clients: Mapping[str, str] | None = None
    ) -> None:
        self._tempdir: tempfile.TemporaryDirectory[str] | None = None
        if tls is None:
            self._tempdir = tempfile.TemporaryDirectory(prefix="fake-entra-")
            tls = make_tls(Path(self._tempdir.name))
        super().__init__(tls=tls)
        self.tls = tls
        self.clients = dict(clients) if clients is not None else None
        self._key = _SigningKey.generate()
        self._foreign_key = _SigningKey.generate()
        self._token_requests: list[TokenRequest] = []
        self._token_lock = threading.Lock()

    def stop(self) -> None:
        """Stop serving and remove a certificate it generated itself."""
        super().stop()
        if self._tempdir is not None:
            self._tempdir.cleanup()
            self._tempdir = None

    # ----- what tests read -----

    @property
    def cert_file(self) -> Path:
        """The PEM certificate to trust (``SSL_CERT_FILE`` / ``REQUESTS_CA_BUNDLE``)."""
        return self.tls.cert_file

    @property
    def host(self) -> str:
        """The authority host as MSAL sees it (no port)."""
        return LOOPBACK

    @property
    def kid(self) -> str:
        """The key id of the published signing key."""
        return self._key.kid

    @property
    def cloud(self) -> CloudEnvironment:
        """The public cloud, with login and OpenID metadata pointing at this fake."""
        return with_overrides(
            PUBLIC,
            login_endpoint=self.url,
            openid_metadata_url=f"{self.url}/v1/.well-known/openidconfiguration",
        )

    def jwks(self) -> dict[str, Any]:
        """The published key set."""
        return {"keys": [self._key.jwk()]}

    @property
    def token_requests(self) -> list[TokenRequest]:
        """Every token endpoint request so far, in order (a snapshot)."""
        with self._token_lock:
            return list(self._token_requests)

    # ----- tokens -----

    def sign(
        self,
        claims: Mapping[str, Any],
        *,
        unknown_key: bool = False,
        alg: str = "RS256",
        headers: Mapping[str, Any] | None = None,
    ) -> str:
        """A JWT with these claims, signed with the published key unless told otherwise.

        ``unknown_key``: signed by a second key that is not in the JWKS; the header still
        names the published ``kid`` (pass ``headers={"kid": ...}`` to name another).
        ``alg="none"``: no signature at all. ``alg="HS256"`` (or HS384/HS512): an HMAC
        keyed with the public key's PEM (the classic algorithm-confusion forgery).
        ``headers`` are added to (or replace) the JOSE header.
        """
        header: dict[str, Any] = {"alg": alg, "typ": "JWT"}
        if alg != "none":
            header["kid"] = self._key.kid
        header.update(headers or {})
        if alg == "none":
            return f"{_json_segment(header)}.{_json_segment(claims)}."
        if alg.startswith("HS"):
            secret = self._key.private_key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            signing_input = f"{_json_segment(header)}.{_json_segment(claims)}"
            digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384}.get(alg, hashlib.sha512)
            mac = hmac.new(secret, signing_input.encode("ascii"), digest).digest()
            return f"{signing_input}.{_b64url(mac)}"
        key = self._foreign_key if unknown_key else self._key
        return jwt.encode(dict(claims), key.private_key, algorithm=alg, headers=header)

    def bot_token(
        self, app_id: str, service_url: str, *, expires_in: int = 3600, **claim_overrides: Any
    ) -> str:
        """A token as Bot Framework sends it with an activity to the bot ``app_id``.

        ``claim_overrides`` replace claims; a value of None removes the claim
        (``serviceurl=None``). Note the SDK allows 300 s of clock skew: an expired token
        needs ``expires_in`` below -300.
        """
        now = int(time.time())
        claims: dict[str, Any] = {
            "serviceurl": service_url,
            "nbf": now - 5,
            "exp": now + expires_in,
            "iat": now - 5,
            "iss": BOT_FRAMEWORK_ISSUER,
            "aud": app_id,
        }
        claims.update(claim_overrides)
        return self.sign({k: v for k, v in claims.items() if v is not None})

    def access_token(
        self, client_id: str, tenant: str, scope: str, *, expires_in: int = 3600
    ) -> str:
        """An app-only access token as the token endpoint issues it (v1 claims)."""
        now = int(time.time())
        return self.sign(
            {
                "aud": scope.removesuffix("/.default"),
                "iss": f"https://sts.windows.net/{tenant}/",
                "iat": now,
                "nbf": now,
                "exp": now + expires_in,
                "appid": client_id,
                "appidacr": "1",
                "idtyp": "app",
                "tid": tenant,
                "oid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"sp:{client_id}")),
                "sub": str(uuid.uuid5(uuid.NAMESPACE_URL, f"sp:{client_id}")),
                "ver": "1.0",
            }
        )

    def decode(self, token: str, *, audience: str | None = None) -> dict[str, Any]:
        """Verify a token signed by this fake (signature, expiry, audience if given)."""
        claims: dict[str, Any] = jwt.decode(
            token,
            self._key.private_key.public_key(),
            algorithms=["RS256"],
            audience=audience,
            options={"verify_aud": audience is not None},
        )
        return claims

    def issued(self, token: str, *, audience: str | None = None) -> bool:
        """Whether ``token`` is a valid, unexpired token from this fake."""
        try:
            self.decode(token, audience=audience)
        except jwt.PyJWTError:
            return False
        return True

    # ----- the HTTP side -----

    def _fault_body(self, status: int) -> dict[str, Any]:
        error = "temporarily_unavailable" if status >= 500 or status == 429 else "invalid_request"
        return {
            "error": error,
            "error_description": f"AADSTS0: Injected by the test fake (HTTP {status}).",
            "error_codes": [0],
        }

    def _add_routes(self, router: web.UrlDispatcher) -> None:
        router.add_get("/v1/.well-known/openidconfiguration", self._bot_openid_configuration)
        router.add_get("/v1/.well-known/keys", self._keys)
        router.add_get("/common/discovery/instance", self._instance_discovery)
        router.add_get(
            "/{tenant}/v2.0/.well-known/openid-configuration", self._tenant_openid_configuration
        )
        router.add_get("/{tenant}/discovery/v2.0/keys", self._keys)
        router.add_get("/{tenant}/discovery/keys", self._keys)
        router.add_post("/{tenant}/oauth2/v2.0/token", self._token)

    async def _bot_openid_configuration(self, _request: web.Request) -> web.Response:
        return web.json_response(
            {
                "issuer": BOT_FRAMEWORK_ISSUER,
                "authorization_endpoint": "https://invalid.botframework.com",
                "jwks_uri": f"{self.url}/v1/.well-known/keys",
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            }
        )

    async def _keys(self, _request: web.Request) -> web.Response:
        return web.json_response(self.jwks())

    async def _instance_discovery(self, request: web.Request) -> web.Response:
        # authorization_endpoint is https://<host><path>/oauth2/v2.0/authorize, port dropped.
        endpoint = urlparse(request.query.get("authorization_endpoint", ""))
        tenant = endpoint.path.strip("/").split("/")[0] or "common"
        return web.json_response(
            {
                "tenant_discovery_endpoint": (
                    f"{self.url}/{tenant}/v2.0/.well-known/openid-configuration"
                ),
                "api-version": "1.1",
                "metadata": [
                    {
                        "preferred_network": self.host,
                        "preferred_cache": self.host,
                        "aliases": [self.host],
                    }
                ],
            }
        )

    async def _tenant_openid_configuration(self, request: web.Request) -> web.Response:
        tenant = request.match_info["tenant"]
        base = f"{self.url}/{tenant}"
        return web.json_response(
            {
                "token_endpoint": f"{base}/oauth2/v2.0/token",
                "token_endpoint_auth_methods_supported": [
                    "client_secret_post",
                    "private_key_jwt",
                    "client_secret_basic",
                ],
                "jwks_uri": f"{base}/discovery/v2.0/keys",
                "response_modes_supported": ["query", "fragment", "form_post"],
                "subject_types_supported": ["pairwise"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
                "scopes_supported": ["openid", "profile", "email", "offline_access"],
                "issuer": f"{base}/v2.0",
                "request_uri_parameter_supported": False,
                "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
                "end_session_endpoint": f"{base}/oauth2/v2.0/logout",
                "tenant_region_scope": "EU",
                "cloud_instance_name": "microsoftonline.com",
                "msgraph_host": "graph.microsoft.com",
            }
        )

    async def _token(self, request: web.Request) -> web.Response:
        tenant = request.match_info["tenant"]
        form = {key: str(value) for key, value in (await request.post()).items()}
        client_id, secret = form.get("client_id"), form.get("client_secret")
        scope, grant_type = form.get("scope"), form.get("grant_type")
        error: tuple[int, str, str] | None = None
        if grant_type != "client_credentials":
            error = (400, "unsupported_grant_type", "AADSTS70003: grant_type not supported.")
        elif self.clients is not None and (
            client_id not in self.clients or self.clients[client_id] != secret
        ):
            error = (401, "invalid_client", "AADSTS7000215: Invalid client secret provided.")
        elif not client_id or not scope or not scope.endswith("/.default"):
            error = (400, "invalid_scope", "AADSTS1002012: The provided scope is invalid.")
        with self._token_lock:
            self._token_requests.append(
                TokenRequest(tenant, client_id, scope, grant_type, form, granted=error is None)
            )
        if error is not None:
            status, code, description = error
            return web.json_response(
                {"error": code, "error_description": description, "error_codes": [0]},
                status=status,
            )
        assert client_id is not None and scope is not None
        return web.json_response(
            {
                "token_type": "Bearer",
                "expires_in": 3600,
                "ext_expires_in": 3600,
                "access_token": self.access_token(client_id, tenant, scope),
            }
        )


# ----- trust and MSAL, for the test process -----


def trust_certificate(monkeypatch: pytest.MonkeyPatch, cert_file: Path) -> None:
    """Make urllib/ssl, httpx and requests in this process trust ``cert_file`` (only)."""
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert_file))


def let_msal_use(monkeypatch: pytest.MonkeyPatch, entra: FakeEntra) -> None:
    """Let MSAL clients built with an authority on ``entra`` work offline, as the SDK builds them.

    - ``127.0.0.1`` joins ``WELL_KNOWN_AUTHORITY_HOSTS`` (in ``msal.authority``, which
      decides, and in ``msal.application``, which imported a copy), so building the client
      skips instance discovery and fetches ``/{tenant}/v2.0/.well-known/openid-configuration``
      from the fake directly;
    - the instance discovery endpoint MSAL still calls after a *failed* token request (to
      look for cached tokens under alias hosts) points at the fake, not at
      ``https://127.0.0.1:443``; without this a refused token request would surface as a
      ``requests.ConnectionError`` instead of MSAL's ``{"error": ...}`` result.

    Code that builds its own client can pass ``instance_discovery=False`` (or
    ``validate_authority=False``) to ``ConfidentialClientApplication`` instead; both skip
    instance discovery entirely in msal 1.39.
    """
    import msal.application  # type: ignore[import-untyped]  # noqa: PLC0415
    import msal.authority  # type: ignore[import-untyped]  # noqa: PLC0415

    hosts = frozenset(msal.authority.WELL_KNOWN_AUTHORITY_HOSTS) | {entra.host}
    monkeypatch.setattr(msal.authority, "WELL_KNOWN_AUTHORITY_HOSTS", hosts)
    monkeypatch.setattr(msal.application, "WELL_KNOWN_AUTHORITY_HOSTS", hosts)
    original = msal.application._get_instance_discovery_endpoint
    discovery = f"{entra.url}/common/discovery/instance"

    def endpoint(instance: str) -> str:
        return discovery if instance == entra.host else str(original(instance))

    monkeypatch.setattr(msal.application, "_get_instance_discovery_endpoint", endpoint)


@pytest.fixture
def fake_entra(tmp_path: Path) -> Iterator[FakeEntra]:
    """A running FakeEntra with its certificate in ``tmp_path``."""
    with FakeEntra(tls=make_tls(tmp_path / "entra-tls")) as entra:
        yield entra


@pytest.fixture
def trusted_entra(fake_entra: FakeEntra, monkeypatch: pytest.MonkeyPatch) -> FakeEntra:
    """``fake_entra``, trusted by this process (SSL env vars) and usable by MSAL."""
    trust_certificate(monkeypatch, fake_entra.cert_file)
    let_msal_use(monkeypatch, fake_entra)
    return fake_entra

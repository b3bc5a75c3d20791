"""Serving on 127.0.0.1 for the fakes: a self-signed certificate for https, and
`LoopbackServer`, a real aiohttp server that runs in its own thread and event loop.

Why its own thread: the Teams SDK and MSAL make blocking HTTP calls from inside the event
loop (PyJWKClient fetches the JWKS with urllib while validating an inbound token; MSAL
fetches the OpenID configuration with requests while the SDK builds its client). A fake
served by the test's own event loop could never answer those calls, and the test would hang.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import json
import socket
import ssl
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeVar
from urllib.parse import parse_qsl

from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

T = TypeVar("T")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

LOOPBACK = "127.0.0.1"


@dataclass(frozen=True)
class TlsFiles:
    """A certificate (PEM) for 127.0.0.1 and localhost, and its private key (PEM)."""

    cert_file: Path
    key_file: Path

    def server_context(self) -> ssl.SSLContext:
        """An SSL context for a server presenting this certificate."""
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert_file, self.key_file)
        return context

    def client_context(self) -> ssl.SSLContext:
        """An SSL context for a client that trusts only this certificate."""
        return ssl.create_default_context(cafile=str(self.cert_file))


def make_tls(directory: Path, *, days: int = 30) -> TlsFiles:
    """Write a fresh self-signed certificate (SAN: IP 127.0.0.1, DNS localhost) and key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Goed Gesprek test fake")])
    now = dt.datetime.now(dt.UTC)
    public_key = key.public_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address(LOOPBACK)), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=True,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(public_key), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    cert_file = directory / "fake-cert.pem"
    key_file = directory / "fake-key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return TlsFiles(cert_file, key_file)


@dataclass
class RecordedRequest:
    """One request as the fake received it; ``status`` is set once it has been answered."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    """Header names are lower-cased."""
    raw_body: bytes
    body: Any
    """The JSON body, parsed; None when the body is empty or not JSON."""
    time: float
    """``time.monotonic()`` when the request arrived."""
    status: int | None = None
    injected: bool = False
    """The answer came from ``fail_next``, not from the route."""

    def header(self, name: str) -> str | None:
        """A header's value, by case-insensitive name."""
        return self.headers.get(name.lower())

    @property
    def authorization(self) -> str | None:
        """The Authorization header as sent."""
        return self.header("authorization")

    @property
    def bearer(self) -> str | None:
        """The token of a ``Bearer`` Authorization header."""
        scheme, _, token = (self.authorization or "").partition(" ")
        return token if scheme.lower() == "bearer" and token else None

    @property
    def form(self) -> dict[str, str]:
        """The body as an urlencoded form."""
        return dict(parse_qsl(self.raw_body.decode("utf-8", "replace")))

    @property
    def ok(self) -> bool:
        """Answered with 2xx by the route itself (not an injected fault)."""
        return self.status is not None and 200 <= self.status < 300 and not self.injected


@dataclass
class _Rule:
    """A fault for the next ``remaining`` matching requests."""

    remaining: int
    path_contains: str | None
    method: str | None
    status: int = 0
    retry_after: float | None = None
    seconds: float = 0.0

    def matches(self, method: str, path: str) -> bool:
        return (
            self.remaining > 0
            and (self.method is None or self.method.upper() == method)
            and (self.path_contains is None or self.path_contains in path)
        )


@dataclass
class _Plan:
    failures: list[_Rule] = field(default_factory=list)
    delays: list[_Rule] = field(default_factory=list)

    @staticmethod
    def take(rules: list[_Rule], method: str, path: str) -> _Rule | None:
        for rule in rules:
            if rule.matches(method, path):
                rule.remaining -= 1
                return rule
        return None


def _retry_after_header(seconds: float) -> str:
    return str(int(seconds)) if float(seconds).is_integer() else str(seconds)


class LoopbackServer:
    """A real aiohttp server on 127.0.0.1 (free port), run from its own thread.

    Records every request in arrival order and can be told to fail or delay the next
    requests. Subclasses add their routes in ``_add_routes``. Use as a (sync or async)
    context manager, or call ``start()`` / ``stop()``.
    """

    def __init__(self, *, tls: TlsFiles | None = None) -> None:
        self._tls = tls
        self._lock = threading.Lock()
        self._records: list[RecordedRequest] = []
        self._plan = _Plan()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._error: BaseException | None = None
        self._port = 0

    # ----- what subclasses provide -----

    def _add_routes(self, router: web.UrlDispatcher) -> None:
        raise NotImplementedError

    def _fault_body(self, status: int) -> dict[str, Any]:
        """The JSON body of an injected failure."""
        return {"error": {"code": f"Http{status}", "message": "Injected by the test fake."}}

    # ----- life cycle -----

    @property
    def port(self) -> int:
        """The port it listens on (0 before ``start()``)."""
        return self._port

    @property
    def url(self) -> str:
        """The base URL, without a trailing slash."""
        if not self._port:
            raise RuntimeError(f"{type(self).__name__} is not started")
        scheme = "https" if self._tls else "http"
        return f"{scheme}://{LOOPBACK}:{self._port}"

    def start(self) -> Self:
        """Bind a free port and serve from a new thread; return once it accepts requests."""
        if self._thread is not None:
            raise RuntimeError(f"{type(self).__name__} is already started")
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind((LOOPBACK, 0))
        self._port = sock.getsockname()[1]
        ready = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(sock, ready), name=f"{type(self).__name__}-{self._port}"
        )
        self._thread.daemon = True
        self._thread.start()
        if not ready.wait(timeout=10) or self._error is not None:
            raise RuntimeError(f"{type(self).__name__} did not start") from self._error
        return self

    def stop(self) -> None:
        """Stop serving and wait for the thread to end."""
        thread, loop, stopping = self._thread, self._loop, self._stopping
        if thread is None:
            return
        if loop is not None and stopping is not None and not loop.is_closed():
            loop.call_soon_threadsafe(stopping.set)
        thread.join(timeout=10)
        self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    async def __aenter__(self) -> Self:
        return await asyncio.to_thread(self.start)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await asyncio.to_thread(self.stop)

    def _run(self, sock: socket.socket, ready: threading.Event) -> None:
        try:
            asyncio.run(self._serve(sock, ready))
        except BaseException as exc:  # reported to start(); a daemon thread has no caller
            self._error = exc
            sock.close()
            ready.set()

    async def _serve(self, sock: socket.socket, ready: threading.Event) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        app = web.Application(middlewares=[self._middleware])
        self._add_routes(app.router)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        try:
            context = self._tls.server_context() if self._tls else None
            await web.SockSite(runner, sock, ssl_context=context).start()
            ready.set()
            await self._stopping.wait()
        finally:
            # Pull the plug on open connections: a graceful TLS close would wait for the
            # client's close_notify, and the loop would end with the sockets still open.
            for connection in runner.server.connections if runner.server else []:
                if connection.transport is not None:
                    connection.transport.abort()
            await runner.cleanup()

    # ----- recording and faults -----

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        raw = await request.read()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        record = RecordedRequest(
            method=request.method,
            path=request.path,
            query=dict(request.query),
            headers={name.lower(): value for name, value in request.headers.items()},
            raw_body=raw,
            body=body,
            time=time.monotonic(),
        )
        with self._lock:
            self._records.append(record)
            delay = _Plan.take(self._plan.delays, request.method, request.path)
            failure = _Plan.take(self._plan.failures, request.method, request.path)
        if delay is not None:
            await asyncio.sleep(delay.seconds)
        if failure is not None:
            record.injected = True
            headers = {}
            if failure.retry_after is not None:
                headers["Retry-After"] = _retry_after_header(failure.retry_after)
            response: web.StreamResponse = web.json_response(
                self._fault_body(failure.status), status=failure.status, headers=headers
            )
        else:
            response = await handler(request)
        # One request per connection: no idle keep-alive sockets left behind in the clients'
        # pools (MSAL's requests session, the SDK's httpx clients are never closed).
        response.force_close()
        record.status = response.status
        return response

    def fail_next(
        self,
        n: int = 1,
        status: int = 429,
        retry_after: float | None = None,
        path_contains: str | None = None,
        method: str | None = None,
    ) -> None:
        """Answer the next ``n`` matching requests with ``status`` (and ``Retry-After``).

        A fractional ``retry_after`` is sent as is (``0.2``), to keep retry tests fast.
        """
        with self._lock:
            self._plan.failures.append(
                _Rule(n, path_contains, method, status=status, retry_after=retry_after)
            )

    def delay_next(
        self,
        n: int,
        seconds: float,
        path_contains: str | None = None,
        method: str | None = None,
    ) -> None:
        """Hold the next ``n`` matching requests for ``seconds`` before answering them."""
        with self._lock:
            self._plan.delays.append(_Rule(n, path_contains, method, seconds=seconds))

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request so far, in arrival order (a snapshot)."""
        with self._lock:
            return list(self._records)

    def clear(self) -> None:
        """Forget the recorded requests and any pending faults."""
        with self._lock:
            self._records.clear()
            self._plan = _Plan()

    async def wait_for(
        self, predicate: Callable[[], T], timeout: float = 5.0, interval: float = 0.01
    ) -> T:
        """Poll ``predicate`` until it returns something truthy, and return that."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if loop.time() >= deadline:
                seen = "\n".join(
                    f"  {r.method} {r.path} -> {r.status}{' (injected)' if r.injected else ''}"
                    for r in self.requests
                )
                raise TimeoutError(
                    f"{type(self).__name__}: condition not met within {timeout}s; "
                    f"requests so far:\n{seen or '  (none)'}"
                )
            await asyncio.sleep(interval)

"""The Microsoft 365 Agents Playground, a local Teams emulator, for ``make run`` and tests.

It is an npm package (pinned in package.json, installed into node_modules by make). We
start its server with node directly, in its own process group: stopping ``npx`` would
leave the server running. It reads ``.m365agentsplayground.yml`` (the Dutch team) and
talks to the bot's /api/messages without authentication, so the bot must run in dev mode.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLI = ROOT / "node_modules" / "@microsoft" / "m365agentsplayground" / "cli.js"
CONFIG = ROOT / ".m365agentsplayground.yml"
DEFAULT_PORT = 56150
GROUP_CHAT = "Goed Gesprek Groep"
"""The name of the group chat in the config; pick it in the Playground's page."""


class PlaygroundError(RuntimeError):
    pass


@dataclass
class Playground:
    process: subprocess.Popen[str]
    port: int
    log_file: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @classmethod
    def start(
        cls,
        bot_endpoint: str,
        port: int = DEFAULT_PORT,
        config: Path = CONFIG,
        log_file: Path = ROOT / "data" / "playground.log",
        timeout: float = 30.0,
    ) -> Playground:
        """Start the Playground and wait until it answers; raises PlaygroundError."""
        if not CLI.exists():
            raise PlaygroundError(f"{CLI} is missing: run `npm ci` (make run does it)")
        log_file.parent.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            "TEAMSAPPTESTER_BROWSER": "none",
            "M365_AGENTS_PLAYGROUND_CONFIG_PATH": str(config),
            "M365_AGENTS_PLAYGROUND_LOGFILE": str(log_file),
        }
        command = [
            "node", str(CLI), "start", "-e", bot_endpoint, "-c", "msteams",
            "-p", str(port), "--disable-telemetry",
        ]  # fmt: skip
        process = subprocess.Popen(
            command, cwd=config.parent, env=env, start_new_session=True,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        playground = cls(process, port, log_file)
        # Without a terminal it prints one line, "Listening on <port>"; a busy port makes it
        # silently pick another, which would leave the user on the wrong page.
        first_line = process.stdout.readline().strip() if process.stdout else ""
        if not first_line.endswith(f" {port}"):
            playground.stop()
            raise PlaygroundError(
                f"the Playground did not listen on port {port} ({first_line or 'no output'});"
                f" is the port taken? See {log_file}"
            )
        playground._wait_until_up(timeout)
        return playground

    def _wait_until_up(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise PlaygroundError(f"the Playground stopped; see {self.log_file}")
            try:
                with urllib.request.urlopen(f"{self.url}/_debug/ping", timeout=1) as answer:
                    if answer.read() == b"pong":
                        return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise PlaygroundError(f"the Playground did not answer within {timeout:.0f} s")

    def stop(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        if self.process.stdout:
            self.process.stdout.close()

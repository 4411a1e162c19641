"""Start the web app: ``serve(config)`` builds the Assistant and the Library and launches Gradio."""

from __future__ import annotations

import hmac
import ipaddress
import logging
import sys
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from assistant.config import Config
from ingest.errors import ConfigError, XxgkError
from ingest.offline import stay_offline

if TYPE_CHECKING:
    import gradio as gr

log = logging.getLogger(__name__)


class ServeError(XxgkError):
    """The web app cannot start as asked (address in use, no login on an open address)."""

    exit_code = 7


def login(config: Config) -> tuple[str, str] | None:
    """(username, password) when both are configured; one without the other is a mistake."""
    username, password = config.server.username, config.server.password
    if not username and not password:
        return None
    if not (username and password):
        raise ConfigError("server.username and server.password must be set together "
                          "(config.yaml or XXGK_SERVER__USERNAME / XXGK_SERVER__PASSWORD)")
    return username, password


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name other than localhost: reachable from elsewhere


class SlowedLogin:
    """A login check that waits longer after each failed attempt (up to ``max_delay`` s),
    so that guessing the password is slow; a success resets the count."""

    def __init__(self, username: str, password: str, *, base_delay: float = 1.0,
                 max_delay: float = 16.0, sleep: Callable[[float], None] = time.sleep) -> None:
        self._username, self._password = username, password
        self.base_delay, self.max_delay = base_delay, max_delay
        self.failures = 0
        self._sleep = sleep
        self._lock = threading.Lock()

    def __call__(self, username: str, password: str) -> bool:
        ok = hmac.compare_digest(username.encode(), self._username.encode()) & \
            hmac.compare_digest(password.encode(), self._password.encode())
        with self._lock:
            if ok:
                self.failures = 0
                return True
            self.failures += 1
            delay = min(self.max_delay, self.base_delay * 2 ** (self.failures - 1))
        log.warning("failed login for %r (%d in a row); next answer in %.0f s", username,
                    self.failures, delay)
        self._sleep(delay)
        return False


def check_exposure(host: str, auth: tuple[str, str] | None, no_login: bool) -> str | None:
    """Refuse an address reachable from other machines without a login; the warning to
    print when the user chose that (``--no-login``)."""
    if is_loopback(host) or auth is not None:
        return None
    if not no_login:
        raise ServeError(
            f"refusing to serve on {host} without a login: anyone who can reach this machine could "
            "read and change the library. Set XXGK_SERVER__USERNAME and XXGK_SERVER__PASSWORD "
            "(or server.username/password in config.yaml), or pass --no-login if the network is "
            "trusted.")
    return (f"warning: serving on {host} without a login (--no-login): anyone who can reach this "
            "machine can read and change the library")


def build(config: Config) -> gr.Blocks:
    """The app for ``config``, not launched."""
    stay_offline()  # before gradio and the models load
    from assistant.factory import make_assistant

    from .app import build_app
    from .library import Library

    assistant = make_assistant(config)
    assistant.warm_up()  # the first question should not pay for building the indexes
    library = Library(assistant, config.data_dir / "uploads")
    return build_app(assistant, library, question_concurrency=config.server.question_concurrency)


def serve(config: Config, host: str | None = None, port: int | None = None, *,
          no_login: bool = False) -> None:
    """Launch the web app and block. Binds config.server.host (127.0.0.1) unless told otherwise."""
    host = host or config.server.host
    port = port or config.server.port
    credentials = login(config)
    warning = check_exposure(host, credentials, no_login)
    if warning:
        print(f"xxgk: {warning}", file=sys.stderr)
    app = build(config)
    from .app import launch_options

    # Questions have their own slots (server.question_concurrency); uploads queue apart.
    app.queue(default_concurrency_limit=config.server.question_concurrency)
    print(f"xxgk: the web app is on http://{host}:{port} (Ctrl+C stops it)", flush=True)
    try:
        app.launch(
            server_name=host, server_port=port,
            auth=SlowedLogin(*credentials) if credentials else None,
            auth_message="政府信息公开年报问答：请登录。" if credentials else None,
            share=False, inbrowser=False, show_error=False, quiet=True,
            max_file_size=int(config.ingest.max_file_mb * 1_000_000),
            enable_monitoring=False, mcp_server=False, ssr_mode=False, pwa=False,
            **launch_options(),
        )
    except OSError as exc:
        if "port" in str(exc).lower() or getattr(exc, "errno", None) in (98, 48):
            raise ServeError(f"port {port} on {host} is in use by another program; stop it or "
                             "choose another with --port") from None
        raise ServeError(f"cannot serve on {host}:{port} ({exc.strerror or exc})") from None
